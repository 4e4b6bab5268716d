// A court bundle across a validator-set change: validator-5 (power 10, so the four genesis
// validators alone can no longer certify) is proposed at height 2 and adopted at height 3, in
// force from height 5. The bundle lists the validator governance records; the C++ verifier and
// the Python one (tests/ledger/bundle_verify.py, written from FORMAT.md) derive the set in force
// at each checkpoint height from them and agree on every verdict.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <optional>

#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "crypto/signed_note.hpp"
#include "ledger/bundle/bundle.hpp"
#include "ledger/state/validators.hpp"
#include "ledger/store/store.hpp"
#include "tests/ledger/bundle_cases.hpp"
#include "tests/ledger/ledger_fixture.hpp"
#include "tests/ledger/store_fixture.hpp"

namespace custos::test::CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)
namespace {

using crypto::Json;

class ChangedSetWorld {
public:
    ChangedSetWorld() {
        world.keys.emplace("de.admin", seeded_key(70));
        world.genesis.officers.push_back(
            Officer{world.keys.at("de.admin").public_key(), "DE-BKA", {Role::admin}, "de.admin"});
        std::sort(world.genesis.officers.begin(), world.genesis.officers.end(),
                  [](const Officer& a, const Officer& b) { return a.key < b.key; });
        REQUIRE(validate_genesis(world.genesis).has_value());
        world.ledger = std::make_unique<MemoryLedger>(world.genesis);
        store_.emplace(create_store(directory_.store(), world.genesis));
        for (std::size_t i = 0; i < world.validator_keys.size(); ++i)
            keys_.emplace(world.genesis.validators.validators[i].name, &world.validator_keys[i]);
        keys_.emplace("validator-5", &fifth_key);

        commit({world.sign(world.register_event("ITEM-1"), "nl.custodian")}, "2026-02-01T10:00:01.000Z");
        Event propose =
            world.validator_event(EventKind::validator_propose, "NL-POL", "2026-02-02T08:00:00.000Z");
        propose.validator = Validator{"validator-5", "NL-POL", fifth_key.public_key(), 10, "127.0.0.1:7005"};
        commit({world.sign(propose, "nl.admin")}, "2026-02-02T08:00:01.000Z");
        commit({world.sign(world.validator_event(EventKind::validator_approve, "DE-BKA",
                                                 "2026-02-03T08:00:00.000Z", event_id(propose)),
                           "de.admin")},
               "2026-02-03T08:00:01.000Z");
        REQUIRE(world.ledger->validators_at(Height{5}) != world.genesis.validators);
        commit({world.sign(world.next_event(EventKind::transfer_offer, "ITEM-1", "NL-POL",
                                            "2026-02-04T08:00:00.000Z"),
                           "nl.custodian")},
               "2026-02-04T08:00:01.000Z");
        commit({world.sign(world.next_event(EventKind::transfer_accept, "ITEM-1", "DE-BKA",
                                            "2026-02-05T08:00:00.000Z"),
                           "de.custodian")},
               "2026-02-05T08:00:01.000Z");
        commit({}, "2026-02-06T08:00:01.000Z");
    }

    [[nodiscard]] Json bundle() const {
        auto made = ledger::make_bundle(*store_, "ITEM-1");
        REQUIRE_MESSAGE(made.has_value(), (made ? std::string() : made.error().to_string()));
        return *made;
    }

    // A certificate of `header` signed by every validator of `set`.
    [[nodiscard]] ledger::Certificate certify(const BlockHeader& header, const ValidatorSet& set) const {
        crypto::Note note;
        note.body = checkpoint_body(header, block_hash(header), Round{0});
        for (const auto& validator : set.validators) {
            auto line = crypto::sign_note(note.body, validator.name, *keys_.at(validator.name));
            REQUIRE(line.has_value());
            note.signatures.push_back(*line);
        }
        return ledger::Certificate{crypto::format_note(note)};
    }

    LedgerWorld world;
    crypto::SecretKey fifth_key = seeded_key(110);

private:
    void commit(const std::vector<Envelope>& envelopes, const char* time) {
        world.commit(envelopes, time);
        const Block& block = world.ledger->blocks().back();
        auto effects = apply_block(*store_, block, store_->next_block_context());
        REQUIRE_MESSAGE(effects.has_value(), (effects ? std::string() : effects.error().to_string()));
        const auto set = store_->validators_at(block.header.height);
        REQUIRE(set != nullptr);
        auto appended = store_->append_block(block, certify(block.header, *set), *effects);
        REQUIRE_MESSAGE(appended.has_value(), (appended ? std::string() : appended.error().to_string()));
    }

    TempDir directory_;
    std::optional<ledger::Store> store_;
    std::map<std::string, const crypto::SecretKey*> keys_;
};

ChangedSetWorld& shared_world() {
    static ChangedSetWorld world;
    return world;
}

Hash32 pinned() {
    return ledger::genesis_hash(shared_world().world.genesis);
}

std::string cpp_verdict(const Json& bundle) {
    auto report = ledger::verify_bundle(bundle, {.pinned_genesis_hash = pinned()});
    REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().to_string()));
    record_bundle_case(bundle, pinned(), *report);
    if (!report->failure) return "OK";
    INFO(report->failure->message());
    return std::string(ledger::bundle_check_name(report->failure->check));
}

std::string python_verdict(const Json& bundle) {
    const std::string file = (std::filesystem::temp_directory_path() /
                              ("custos-bundle-valset-" + std::to_string(::getpid()) + ".json"))
                                 .string();
    std::ofstream(file, std::ios::binary) << bundle.dump();
    const std::string script = std::string(CUSTOS_VECTORS_DIR) + "/../ledger/bundle_verify.py";
    const std::string command =
        "timeout 60 python3 " + script + " " + file + " " + crypto::hex_encode(pinned().view()) + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    std::array<char, 512> chunk{};
    while (std::fgets(chunk.data(), chunk.size(), pipe) != nullptr)
        output += chunk.data();
    const int status = ::pclose(pipe);
    std::filesystem::remove(file);
    INFO(output);
    if (status == 0) return output.starts_with("OK\n") ? "OK" : "unexpected output";
    REQUIRE(output.starts_with("FAIL "));
    return output.substr(5, output.find(' ', 5) - 5);
}

std::size_t checkpoint_index(const Json& bundle, std::uint64_t height) {
    for (std::size_t i = 0; i < bundle["checkpoints"].size(); ++i)
        if (bundle["checkpoints"][i]["height"] == height) return i;
    FAIL("no checkpoint entry of height " << height);
    return 0;
}

}  // namespace

TEST_CASE("bundle validators: a bundle across a set change lists the validator records and verifies") {
    const Json bundle = shared_world().bundle();
    REQUIRE(bundle["governance"].size() == 2);
    CHECK(bundle["governance"][0]["envelope"]["event"]["kind"] == "validator.propose");
    CHECK(bundle["governance"][1]["envelope"]["event"]["kind"] == "validator.approve");
    CHECK(bundle["governance"][1]["height"] == 3);
    // The adopting block's checkpoint is there, and the blocks after the change are certified by
    // the new set.
    const Json& after = bundle["checkpoints"][checkpoint_index(bundle, 5)];
    CHECK(after["certificate"].get<std::string>().find("validator-5") != std::string::npos);
    CHECK(bundle["checkpoints"][checkpoint_index(bundle, 3)]["height"] == 3);

    auto report = ledger::verify_bundle(bundle, {.pinned_genesis_hash = pinned()});
    REQUIRE(report.has_value());
    CHECK_MESSAGE(report->ok(), (report->failure ? report->failure->message() : std::string()));
    record_bundle_case(bundle, pinned(), *report);
    CHECK(report->checks[static_cast<std::size_t>(ledger::BundleCheck::proofs)].summary.find(
              "1 set change") != std::string::npos);
    CHECK(python_verdict(bundle) == "OK");
}

TEST_CASE("bundle validators: C++ and Python agree when the set change is hidden or ignored") {
    const Json genuine = shared_world().bundle();
    const ChangedSetWorld& world = shared_world();
    const std::vector<std::pair<std::string, std::function<void(Json&)>>> changes = {
        // A changed byte in the proposal: its signature fails (check 2), reported before check 3.
        {"signatures",
         [](Json& b) {
             std::string reason = b["governance"][0]["envelope"]["event"]["reason"].get<std::string>();
             reason[0] = reason[0] == 'a' ? 'b' : 'a';
             b["governance"][0]["envelope"]["event"]["reason"] = reason;
         }},
        // Without the approval the verifier keeps the genesis set: height 5's header names another.
        {"proofs", [](Json& b) { b["governance"].erase(1); }},
        // Height 5 certified by the old set only: 4 of 14 is not more than 2/3.
        {"proofs",
         [&world](Json& b) {
             Json& entry = b["checkpoints"][checkpoint_index(b, 5)];
             auto header = ledger::block_header_from_json(entry["header"]);
             REQUIRE(header.has_value());
             entry["certificate"] = world.certify(*header, world.world.genesis.validators).note;
         }},
        // Height 4 certified by the new set before it is in force: validator-5 is unknown there,
        // and the others' lines alone are the old set, which is fine; drop them to leave only it.
        {"proofs",
         [&world](Json& b) {
             Json& entry = b["checkpoints"][checkpoint_index(b, 4)];
             auto header = ledger::block_header_from_json(entry["header"]);
             REQUIRE(header.has_value());
             ValidatorSet only_new;
             only_new.validators = {
                 Validator{"validator-5", "NL-POL", world.fifth_key.public_key(), 10, "127.0.0.1:7005"}};
             entry["certificate"] = world.certify(*header, only_new).note;
         }},
        // The approval moved to the events list: the set is derived from the governance list only,
        // so height 5 fails check 3 before check 4 sees the misplaced record.
        {"proofs",
         [](Json& b) {
             b["events"].push_back(b["governance"][1]);
             b["governance"].erase(1);
             std::sort(b["events"].begin(), b["events"].end(),
                       [](const Json& x, const Json& y) { return x["leaf_index"] < y["leaf_index"]; });
         }},
    };
    for (const auto& [expected, change] : changes) {
        Json bundle = genuine;
        change(bundle);
        REQUIRE(bundle != genuine);
        CHECK(cpp_verdict(bundle) == expected);
        CHECK(python_verdict(bundle) == expected);
    }
}

}  // namespace custos::test::CUSTOS_TEST_FILE
