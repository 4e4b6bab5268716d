// Check 5 (and the role half of check 2) against what only a Byzantine two-thirds could make:
// blocks whose events the custody rules forbid, yet correctly chained, logged, proven and
// certified by three of the four validators. Every check but the rules holds for such a bundle,
// so these tests show the verifier's replay catches what the certificates cannot.
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <set>

#include "crypto/encoding.hpp"
#include "crypto/merkle.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/bundle/bundle.hpp"
#include "ledger/rules/rules.hpp"
#include "ledger/state/state_map.hpp"
#include "tests/ledger/bundle_cases.hpp"
#include "tests/ledger/ledger_fixture.hpp"

namespace custos::test::CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)
namespace {

using crypto::Json;

Json hex_list(const std::vector<Hash32>& hashes) {
    Json list = Json::array();
    for (const auto& hash : hashes)
        list.push_back(crypto::hex_encode(hash.view()));
    return list;
}

// Builds blocks without the rule engine's verdict: a Merkle log, hash-chained headers,
// certificates, and a state root over what the events the rules accept change (so a faithful
// forger's bundle is complete; a forbidden event fails check 5 before completeness is judged).
class Forger {
public:
    Forger() : state_(world.genesis) {
        auto opened = crypto::MerkleTree::open(nodes_, 0);
        REQUIRE(opened.has_value());
        tree_.emplace(std::move(*opened));
        auto map = crypto::smt_update(map_, ledger::genesis_state_updates(world.genesis));
        REQUIRE(map.has_value());
        map_.apply(map->nodes);
    }

    void block(const std::vector<Envelope>& envelopes, const char* time) {
        BlockHeader header;
        header.chain_id = LedgerWorld::chain;
        header.height = Height{headers_.size() + 1};
        header.time = at(time);
        if (!headers_.empty()) header.previous = block_hash(headers_.back());
        for (const auto& envelope : envelopes) {
            records_.push_back({tree_->size(), header.height.value, envelope});
            tree_->append(crypto::merkle_leaf_hash(as_bytes(canonical_envelope(envelope))));
        }
        header.log_size = tree_->size();
        header.log_root = tree_->root();
        header.validators_hash = world.genesis.validators.hash();
        header.proposer = "validator-1";
        header.events_hash = events_hash(std::span<const Envelope>(envelopes));
        std::map<std::string, ledger::ItemState> touched;
        for (const auto& envelope : envelopes) {
            auto effects = ledger::check_event(state_, envelope, header.time, world.genesis);
            if (!effects) continue;
            state_.apply(*effects);
            for (const auto& item : effects->items)
                touched.insert_or_assign(item.item, item);
        }
        ledger::StateChanges changes;
        for (const auto& [id, item] : touched)
            changes.items.push_back(item);
        auto map = crypto::smt_update(map_, ledger::state_updates(changes));
        REQUIRE(map.has_value());
        map_.apply(map->nodes);
        header.state_root = map->root;
        if (tweak_header) tweak_header(header);
        crypto::Note note;
        note.body = checkpoint_body(header, block_hash(header), Round{0});
        for (std::size_t i = 0; i < 3; ++i) {
            auto line = crypto::sign_note(note.body, world.genesis.validators.validators[i].name,
                                          world.validator_keys[i]);
            REQUIRE(line.has_value());
            note.signatures.push_back(*line);
        }
        headers_.push_back(header);
        certificates_.push_back(crypto::format_note(note));
    }

    Json bundle(const std::string& item) const {
        const BlockHeader& anchor = headers_.back();
        Json checkpoints = Json::array();
        for (std::size_t i = 0; i < headers_.size(); ++i) {
            auto consistency = tree_->consistency_proof(headers_[i].log_size, anchor.log_size);
            REQUIRE(consistency.has_value());
            checkpoints.push_back(
                Json{{"height", i + 1},
                     {"header", block_header_to_json(headers_[i])},
                     {"previous_header", i == 0 ? Json(nullptr) : block_header_to_json(headers_[i - 1])},
                     {"certificate", certificates_[i]},
                     {"consistency_proof", hex_list(*consistency)}});
        }
        Json events = Json::array();
        for (const auto& record : records_) {
            auto inclusion = tree_->inclusion_proof(record.leaf, headers_[record.height - 1].log_size);
            REQUIRE(inclusion.has_value());
            events.push_back(Json{{"leaf_index", record.leaf},
                                  {"height", record.height},
                                  {"envelope", envelope_to_json(record.envelope)},
                                  {"inclusion_proof", hex_list(*inclusion)}});
        }
        auto prove = [&](const Hash32& key, Json value, const char* id_key, const std::string& id) {
            auto proof = crypto::smt_prove(map_, key);
            REQUIRE(proof.has_value());
            Json entry{{"value", std::move(value)}, {"proof", ledger::smt_proof_to_json(*proof)}};
            if (id_key != nullptr) entry[id_key] = id;
            return entry;
        };
        Json officers = Json::array();
        std::set<crypto::PublicKey> signers;
        for (const auto& record : records_)
            signers.insert(record.envelope.signer);
        for (const auto& key : signers) {
            auto record = state_.officer_record(key);
            REQUIRE(record.has_value());
            officers.push_back(prove(ledger::officer_state_key(key),
                                     *record ? ledger::officer_record_to_json(**record) : Json(nullptr),
                                     "key", ledger::key_id(key)));
        }
        auto item_state = state_.item(item);
        REQUIRE(item_state.has_value());
        Json state{
            {"items",
             Json::array({prove(ledger::item_state_key(item),
                                *item_state ? ledger::item_state_to_json(**item_state) : Json(nullptr),
                                "item", item)})},
            {"officers", std::move(officers)},
            {"governance", prove(ledger::governance_state_key(),
                                 ledger::governance_head_to_json(ledger::GovernanceHead{}), nullptr, "")}};
        return Json{{"type", "custos.bundle.v3"},
                    {"state", std::move(state)},
                    {"item", item},
                    {"items", Json::array({item})},
                    {"genesis", genesis_to_json(world.genesis)},
                    {"checkpoints", std::move(checkpoints)},
                    {"governance", Json::array()},
                    {"events", std::move(events)}};
    }

    // An event of `kind` on ITEM-1 continuing from `previous`.
    Envelope next(const Envelope& previous, EventKind kind, const std::string& agency, const char* time,
                  const std::string& signer) const {
        Event event = world.next_event(kind, "ITEM-1", agency, time);
        event.prev = event_id(previous.event);
        return world.sign(event, signer);
    }

    LedgerWorld world;
    // Changes a header before it is certified (a Byzantine two-thirds signs anything).
    std::function<void(BlockHeader&)> tweak_header;

private:
    struct Record {
        std::uint64_t leaf;
        std::uint64_t height;
        Envelope envelope;
    };
    crypto::MemoryNodeStore nodes_;
    ledger::MemoryState state_;
    crypto::MemorySmtNodeStore map_;
    std::optional<crypto::MerkleTree> tree_;
    std::vector<BlockHeader> headers_;
    std::vector<std::string> certificates_;
    std::vector<Record> records_;
};

ledger::BundleReport verify(const Forger& forger) {
    const Json bundle = forger.bundle("ITEM-1");
    const Hash32 pinned = ledger::genesis_hash(forger.world.genesis);
    auto report = ledger::verify_bundle(bundle, {.pinned_genesis_hash = pinned});
    REQUIRE(report.has_value());
    record_bundle_case(bundle, pinned, *report);
    return *report;
}

}  // namespace

TEST_CASE("bundle forge: a forged chain that obeys the rules verifies (the forger is faithful)") {
    Forger forger;
    Envelope registered = forger.world.sign(forger.world.register_event("ITEM-1"), "nl.custodian");
    forger.block({registered}, "2026-02-01T10:00:01.000Z");
    Envelope offer = forger.next(registered, EventKind::transfer_offer, "NL-POL", "2026-02-02T10:00:00.000Z",
                                 "nl.custodian");
    Envelope accept =
        forger.next(offer, EventKind::transfer_accept, "DE-BKA", "2026-02-02T10:00:00.000Z", "de.custodian");
    forger.block({offer, accept}, "2026-02-02T10:00:01.000Z");
    auto report = verify(forger);
    INFO((report.failure ? report.failure->message() : std::string()));
    CHECK(report.ok());
    CHECK(report.current_custodian == "DE-BKA");
}

TEST_CASE(
    "bundle forge: certified events the custody rules forbid fail check custody_rules, naming the rule") {
    Forger forger;
    Envelope registered = forger.world.sign(forger.world.register_event("ITEM-1"), "nl.custodian");
    SUBCASE("R15: an agency that is not the custodian acts on the item") {
        forger.block({registered}, "2026-02-01T10:00:01.000Z");
        forger.block({forger.next(registered, EventKind::verify, "DE-BKA", "2026-02-02T10:00:00.000Z",
                                  "de.custodian")},
                     "2026-02-02T10:00:01.000Z");
        auto report = verify(forger);
        REQUIRE(report.failure);
        CHECK(report.failure->check == ledger::BundleCheck::custody_rules);
        CHECK(report.failure->reason.starts_with("R15"));
        CHECK(report.failure->where.leaf_index == 1);
        CHECK(report.failure->where.height == 2);
    }
    SUBCASE("R8: an event time far ahead of its block's certified time") {
        forger.block({registered}, "2026-02-01T09:00:00.000Z");  // registered at 10:00
        auto report = verify(forger);
        REQUIRE(report.failure);
        CHECK(report.failure->check == ledger::BundleCheck::custody_rules);
        CHECK(report.failure->reason.starts_with("R8"));
    }
    SUBCASE("R13: an event after disposal") {
        Envelope disposed =
            forger.next(registered, EventKind::dispose, "NL-POL", "2026-02-02T10:00:00.000Z", "nl.custodian");
        forger.block({registered, disposed}, "2026-02-02T10:00:01.000Z");
        forger.block(
            {forger.next(disposed, EventKind::verify, "NL-POL", "2026-02-03T10:00:00.000Z", "nl.custodian")},
            "2026-02-03T10:00:01.000Z");
        auto report = verify(forger);
        REQUIRE(report.failure);
        CHECK(report.failure->check == ledger::BundleCheck::custody_rules);
        CHECK(report.failure->reason.starts_with("R13"));
    }
}

TEST_CASE("bundle forge: a certified event signed by an officer without the role fails check signatures") {
    Forger forger;
    Envelope registered = forger.world.sign(forger.world.register_event("ITEM-1"), "nl.custodian");
    // A prosecutor may log access, never hand an item over (R6).
    forger.block({registered, forger.next(registered, EventKind::transfer_offer, "NL-POL",
                                          "2026-02-01T10:00:00.000Z", "nl.prosecutor")},
                 "2026-02-01T10:00:01.000Z");
    auto report = verify(forger);
    REQUIRE(report.failure);
    CHECK(report.failure->check == ledger::BundleCheck::signatures);
    CHECK(report.failure->reason.starts_with("R6"));
    CHECK(report.failure->where.event.has_value());
}

TEST_CASE("bundle forge: certified headers that break the header rules of 7.1 fail check proofs") {
    Forger forger;
    Envelope registered = forger.world.sign(forger.world.register_event("ITEM-1"), "nl.custodian");
    SUBCASE("a proposer that is not a validator") {
        forger.tweak_header = [](BlockHeader& header) { header.proposer = "nobody"; };
    }
    SUBCASE("a first block before the genesis time") {
        forger.tweak_header = [&](BlockHeader& header) {
            header.time = TimeMs{forger.world.genesis.genesis_time.value - 1};
        };
    }
    SUBCASE("a previous hash that is not all zeros at height 1") {
        forger.tweak_header = [](BlockHeader& header) { header.previous.hash.bytes[0] = 1; };
    }
    forger.block({registered}, "2026-02-01T10:00:01.000Z");
    auto report = verify(forger);
    REQUIRE(report.failure);
    INFO(report.failure->message());
    CHECK(report.failure->check == ledger::BundleCheck::proofs);
    CHECK(report.failure->reason.starts_with("header: "));
}

}  // namespace custos::test::CUSTOS_TEST_FILE
