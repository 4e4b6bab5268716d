// Fresh completeness (FORMAT.md 11.6): a bundle exported at its anchor, checked later against a
// node's state proof, says "still complete" while the item has no later event, says how many later
// events there are once it has, and refuses a state proof whose parts do not hold.
#include <doctest/doctest.h>

#include <string>

#include "crypto/encoding.hpp"
#include "ledger/bundle/bundle.hpp"
#include "ledger/state/state.hpp"
#include "tests/ledger/bundle_fixture.hpp"

namespace custos::test::CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)
namespace {

using crypto::Json;
using ledger::RefreshReport;

std::uint64_t anchor_log_size(const Json& bundle) {
    return bundle["checkpoints"].back()["header"]["log_size"].get<std::uint64_t>();
}

Json state_proof(BundleWorld& world, const Json& bundle, std::string_view item = "ITEM-1") {
    auto answer = ledger::make_state_proof(world.store(), item, anchor_log_size(bundle));
    REQUIRE_MESSAGE(answer.has_value(), (answer ? std::string() : answer.error().to_string()));
    return *answer;
}

RefreshReport refreshed(const Json& bundle, const Json& answer) {
    auto report = ledger::verify_bundle_refresh(bundle, {}, answer);
    REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().to_string()));
    return *report;
}

std::string refusal(const Json& bundle, const Json& answer) {
    auto report = ledger::verify_bundle_refresh(bundle, {}, answer);
    REQUIRE_FALSE(report.has_value());
    CHECK(report.error().code == ErrorCode::verification_failed);
    return report.error().message;
}

std::string flip_hex(std::string hex) {
    hex[0] = hex[0] == '0' ? '1' : '0';
    return hex;
}

TEST_CASE("bundle refresh: still complete, then later events after a further event on the item") {
    BundleWorld world;
    const Json bundle = world.bundle();
    const std::uint64_t anchor = bundle["checkpoints"].back()["height"].get<std::uint64_t>();

    // At the anchor itself: nothing newer, still complete.
    RefreshReport same = refreshed(bundle, state_proof(world, bundle));
    CHECK(same.verdict == RefreshReport::Verdict::still_complete);
    CHECK(same.height == anchor);

    // A newer block without events of the item: still complete as of the newer height.
    world.add_empty_block("2026-03-01T08:00:01.000Z");
    RefreshReport later_block = refreshed(bundle, state_proof(world, bundle));
    CHECK(later_block.verdict == RefreshReport::Verdict::still_complete);
    CHECK(later_block.height == anchor + 1);
    CHECK(later_block.message().starts_with("still complete as of height " + std::to_string(anchor + 1) +
                                            ", ledger time 2026-03-01T08:00:01.000Z"));

    // Another item's event does not make ITEM-1's bundle incomplete; ITEM-1's own event does.
    world.add_access("ITEM-1", "2026-03-02T08:00:00.000Z", "2026-03-02T08:00:01.000Z");
    RefreshReport later = refreshed(bundle, state_proof(world, bundle));
    CHECK(later.verdict == RefreshReport::Verdict::later_events);
    CHECK(later.height == anchor + 2);
    CHECK(later.ledger_events == later.bundle_events + 1);
    auto head = world.store().item("ITEM-1");
    REQUIRE(head.has_value());
    REQUIRE(head->has_value());
    CHECK(later.head == (*head)->head);
    CHECK(later.message().starts_with("1 later event(s) of ITEM-1 exist (head " +
                                      ledger::event_id_hex(later.head)));

    // A bundle exported now is complete again as of now.
    const Json fresh = world.bundle();
    CHECK(refreshed(fresh, state_proof(world, fresh)).verdict == RefreshReport::Verdict::still_complete);

    // The old bundle is still verified offline with what it holds.
    auto offline = ledger::verify_bundle(bundle, {});
    REQUIRE(offline.has_value());
    CHECK(offline->ok());
    CHECK(offline->complete);
}

TEST_CASE("bundle refresh: a forged state proof is refused, naming the part that does not hold") {
    BundleWorld world;
    const Json bundle = world.bundle();
    const Json old_answer = state_proof(world, bundle);
    world.add_access("ITEM-1", "2026-03-02T08:00:00.000Z", "2026-03-02T08:00:01.000Z");
    const Json answer = state_proof(world, bundle);
    REQUIRE(refreshed(bundle, answer).verdict == RefreshReport::Verdict::later_events);
    REQUIRE(answer["consistency_proof"].size() > 0);

    SUBCASE("the old state (no later event) under the new root: the map proof does not hold") {
        Json forged = answer;
        forged["state"] = old_answer["state"];
        CHECK(refusal(bundle, forged).find("state.proof") != std::string::npos);
    }
    SUBCASE("a state value that hides the later event: the map proof does not hold") {
        Json forged = answer;
        forged["state"]["value"] = old_answer["state"]["value"];
        CHECK(refusal(bundle, forged).find("state.proof") != std::string::npos);
    }
    SUBCASE("a header with another state root: the certificate does not sign it") {
        Json forged = answer;
        auto& root = forged["checkpoint"]["header"]["state_root"];
        root = flip_hex(root.get<std::string>());
        CHECK(refusal(bundle, forged).find("checkpoint.header") != std::string::npos);
    }
    SUBCASE("a bad consistency proof") {
        Json forged = answer;
        auto& hash = forged["consistency_proof"][0];
        hash = flip_hex(hash.get<std::string>());
        CHECK(refusal(bundle, forged).find("consistency_proof") != std::string::npos);
    }
    SUBCASE("a consistency proof from another log size") {
        auto other = ledger::make_state_proof(world.store(), "ITEM-1", anchor_log_size(bundle) - 1);
        REQUIRE(other.has_value());
        CHECK(refusal(bundle, *other).find("from_size") != std::string::npos);
        Json forged = answer;
        forged["consistency_proof"] = (*other)["consistency_proof"];
        CHECK(refusal(bundle, forged).find("consistency_proof") != std::string::npos);
    }
    SUBCASE("a certificate line removed: no quorum") {
        Json forged = answer;
        std::string note = forged["checkpoint"]["certificate"].get<std::string>();
        note.erase(note.rfind("\u2014 "));  // the last signature line
        forged["checkpoint"]["certificate"] = note;
        CHECK(refusal(bundle, forged).find("checkpoint.certificate") != std::string::npos);
    }
    SUBCASE("another item's state proof") {
        CHECK(refusal(bundle, state_proof(world, bundle, "ITEM-2")).find("item") != std::string::npos);
    }
    SUBCASE("a header naming a validator set the bundle does not give: cannot be checked, not trusted") {
        Json forged = answer;
        auto& hash = forged["checkpoint"]["header"]["validators_hash"];
        hash = flip_hex(hash.get<std::string>());
        RefreshReport report = refreshed(bundle, forged);
        CHECK(report.verdict == RefreshReport::Verdict::set_changed);
        CHECK(report.message().find("cannot be checked from the bundle alone") != std::string::npos);
    }
    SUBCASE("a bundle that does not verify offline is not refreshed") {
        Json cut = bundle;
        cut["events"].erase(cut["events"].size() - 1);
        CHECK(refusal(cut, answer).find("does not verify offline") != std::string::npos);
    }
}

TEST_CASE("bundle refresh: make_state_proof refuses an unknown item and a from_size out of range") {
    BundleWorld world;
    auto unknown = ledger::make_state_proof(world.store(), "NO-SUCH-ITEM", 1);
    REQUIRE_FALSE(unknown.has_value());
    CHECK(unknown.error().code == ErrorCode::not_found);
    for (std::uint64_t size : {std::uint64_t{0}, world.store().log_size() + 1}) {
        auto bad = ledger::make_state_proof(world.store(), "ITEM-1", size);
        REQUIRE_FALSE(bad.has_value());
        CHECK(bad.error().code == ErrorCode::invalid_argument);
        CHECK(bad.error().message.starts_with("from_size:"));
    }
}

}  // namespace
}  // namespace custos::test::CUSTOS_TEST_FILE
