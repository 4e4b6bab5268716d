// Audit replay: a whole store verifies, and each kind of damage done to a store on purpose is
// reported at its place (height, leaf, event) with the check or rule it breaks.
#include <doctest/doctest.h>

#include "crypto/encoding.hpp"
#include "crypto/merkle.hpp"
#include "crypto/signed_note.hpp"
#include "ledger/audit/audit.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_keys.hpp"
#include "ledger/store/store_nodes.hpp"
#include "store_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::TempDir;
using store::Column;

namespace {

constexpr std::size_t blocks_made = 6;
constexpr std::size_t events_per_block = 12;

// A store of six certified blocks, kept open for the test to damage.
struct AuditWorld {
    TempDir dir;
    SyntheticWorkload workload;
    Store store = test::create_store(dir.store(), workload.genesis());
    std::vector<CertifiedBlock> blocks = test::fill_store(store, workload, blocks_made, events_per_block);

    [[nodiscard]] AuditReport audit(AuditOptions options = {}) const {
        auto report = audit_store(store.db(), options);
        REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().to_string()));
        return *report;
    }
    [[nodiscard]] std::string raw(Column column, const std::string& key) const {
        auto value = store.db().get(column, key);
        REQUIRE(value.has_value());
        REQUIRE(value->has_value());
        return **value;
    }
    void put(Column column, const std::string& key, const std::string& value) {
        REQUIRE(store.db().put_raw(column, key, value).has_value());
    }
};

const AuditViolation& violation_of(const AuditReport& report) {
    REQUIRE_MESSAGE(report.violation.has_value(), audit_summary(report));
    return *report.violation;
}

}  // namespace

TEST_CASE("audit: a store written through append_block verifies whole") {
    AuditWorld world;
    std::vector<std::uint64_t> progress;
    auto report =
        world.audit(AuditOptions{.progress = [&](const AuditProgress& at) { progress.push_back(at.events); },
                                 .progress_every_events = 20});
    CHECK_MESSAGE(report.verified(), audit_summary(report));
    CHECK(report.blocks == blocks_made);
    CHECK(report.events == blocks_made * events_per_block);
    CHECK(report.genesis_hash == genesis_hash(world.workload.genesis()));
    CHECK(audit_summary(report) == "verified: 6 blocks, 72 events");
    CHECK(progress.size() == 3);

    auto trusted = world.audit(AuditOptions{.expected_genesis_hash = genesis_hash(world.workload.genesis())});
    CHECK(trusted.verified());
}

TEST_CASE("audit: a store of another genesis than the trusted one is refused") {
    AuditWorld world;
    Hash32 other{};
    other.bytes.fill(7);
    auto report = world.audit(AuditOptions{.expected_genesis_hash = other});
    const auto& violation = violation_of(report);
    CHECK(violation.rule == audit_check::genesis);
    CHECK(report.blocks == 0);
}

TEST_CASE("audit: a changed byte in an event fails its signature at that event") {
    AuditWorld world;
    const std::uint64_t leaf = 3 * events_per_block + 4;  // height 4, fifth event
    std::string stored = world.raw(Column::events, store::be64(leaf));
    auto at = stored.find("Amsterdam");
    if (at == std::string::npos) at = stored.find("\"time\":\"2026") + 9;
    REQUIRE(at != std::string::npos);
    stored[at] = stored[at] == 'A' ? 'B' : '3';
    world.put(Column::events, store::be64(leaf), stored);

    auto report = world.audit();
    const auto& violation = violation_of(report);
    CHECK(violation.height == Height{4});
    CHECK(violation.leaf_index == std::optional<std::uint64_t>(leaf));
    CHECK(violation.rule == "R2");
    auto tampered = parse_envelope(stored);
    REQUIRE(tampered.has_value());
    CHECK(violation.event == std::optional<EventId>(event_id(tampered->event)));
    CHECK(report.blocks == 3);
    CHECK(report.events == leaf);
}

TEST_CASE("audit: an event stored as other JSON than its canonical envelope is reported at that leaf") {
    AuditWorld world;
    const std::uint64_t leaf = 2 * events_per_block + 5;  // height 3
    const std::string stored = world.raw(Column::events, store::be64(leaf));
    auto envelope = parse_envelope(stored);
    REQUIRE(envelope.has_value());
    REQUIRE(stored == canonical_envelope(*envelope));
    const auto sig_at = stored.find(R"(,"sig":")");
    REQUIRE(sig_at != std::string::npos);
    // The same envelope (same event, signer and signature, so the id and R2 hold), other text.
    const std::string event_text = stored.substr(9, sig_at - 9);
    const std::string rest =
        stored.substr(sig_at + 1, stored.size() - sig_at - 2);  // "sig":...,"signer":"..."
    for (const std::string& other : {R"({"event": )" + event_text + "," + rest + "}",  // a space
                                     "{" + rest + R"(,"event":)" + event_text + "}",   // members reordered
                                     stored + "\n"}) {                                 // trailing newline
        INFO(other);
        auto same = parse_envelope(other);
        REQUIRE(same.has_value());
        REQUIRE(canonical_envelope(*same) == stored);
        world.put(Column::events, store::be64(leaf), other);
        auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.height == Height{3});
        CHECK(violation.leaf_index == std::optional<std::uint64_t>(leaf));
        CHECK(violation.event == std::optional<EventId>(event_id(envelope->event)));
        CHECK(violation.rule == audit_check::leaf_canonical);
        CHECK(report.events == leaf);
    }
    world.put(Column::events, store::be64(leaf), stored);
    CHECK(world.audit().verified());
}

TEST_CASE("audit: a byte that breaks an event's JSON is reported as R1 at that leaf") {
    AuditWorld world;
    const std::uint64_t leaf = 2 * events_per_block;
    std::string stored = world.raw(Column::events, store::be64(leaf));
    stored[0] = '[';
    world.put(Column::events, store::be64(leaf), stored);
    auto report = world.audit();
    const auto& violation = violation_of(report);
    INFO(audit_summary(report));
    CHECK(violation.height == Height{3});
    CHECK(violation.leaf_index == std::optional<std::uint64_t>(leaf));
    CHECK(violation.rule == "R1");
}

TEST_CASE("audit: a dropped event is reported at its block and leaf") {
    AuditWorld world;
    const std::uint64_t leaf = 1 * events_per_block + 9;  // height 2
    REQUIRE(world.store.db().remove_raw(Column::events, store::be64(leaf)).has_value());
    auto report = world.audit();
    const auto& violation = violation_of(report);
    CHECK(violation.height == Height{2});
    CHECK(violation.leaf_index == std::optional<std::uint64_t>(leaf));
    CHECK(violation.rule == audit_check::leaf_missing);
}

TEST_CASE("audit: an event shifted into a dropped one's place breaks that block") {
    AuditWorld world;
    // Drop the last event of block 5 and move every later leaf one down, as if it never existed.
    const std::uint64_t dropped = 5 * events_per_block - 1;
    const std::uint64_t size = blocks_made * events_per_block;
    for (std::uint64_t leaf = dropped; leaf + 1 < size; ++leaf) {
        world.put(Column::events, store::be64(leaf), world.raw(Column::events, store::be64(leaf + 1)));
    }
    REQUIRE(world.store.db().remove_raw(Column::events, store::be64(size - 1)).has_value());
    auto report = world.audit();
    const auto& violation = violation_of(report);
    // The first event of block 6, now last in block 5, is valid on its own at that time; the
    // block's events no longer hash to what its certified header says.
    CHECK(violation.height == Height{5});
    CHECK(violation.rule == audit_check::block_events_hash);
    CHECK(violation.expected == crypto::hex_encode(world.blocks[4].block.header.events_hash.view()));
    CHECK(report.blocks == 4);
}

TEST_CASE("audit: an event-id index entry pointing elsewhere is reported with the event") {
    AuditWorld world;
    const EventId id = event_id(world.blocks[1].block.events[3].event);
    std::string wrong = store::be64(2);
    store::append_be64(wrong, 0);
    world.put(Column::event_positions, store::hash_key(id.hash), wrong);
    auto report = world.audit();
    const auto& violation = violation_of(report);
    CHECK(violation.rule == audit_check::event_position);
    CHECK(violation.event == std::optional<EventId>(id));
    CHECK(violation.height == Height{2});
    CHECK(violation.leaf_index == std::optional<std::uint64_t>(events_per_block + 3));
    CHECK(violation.found == "height 2 leaf 0");
}

TEST_CASE("audit: two blocks swapped are reported at the first of them") {
    AuditWorld world;
    for (Column column : {Column::blocks, Column::certificates}) {
        const std::string second = world.raw(column, store::be64(2));
        const std::string third = world.raw(column, store::be64(3));
        world.put(column, store::be64(2), third);
        world.put(column, store::be64(3), second);
    }
    auto report = world.audit();
    const auto& violation = violation_of(report);
    CHECK(violation.height == Height{2});
    CHECK(violation.rule == audit_check::block_height);
    CHECK(violation.expected == "2");
    CHECK(violation.found == "3");
    CHECK(report.blocks == 1);
}

TEST_CASE("audit: a forged certificate is reported at its height") {
    AuditWorld world;
    const std::string genuine = world.raw(Column::certificates, store::be64(5));
    auto note = crypto::parse_note(genuine);
    REQUIRE(note.has_value());

    SUBCASE("signed by impostor keys under the validators' names") {
        crypto::Note forged{note->body, {}};
        for (const auto& validator : world.workload.genesis().validators.validators) {
            auto impostor = crypto::SecretKey::generate();
            auto signature = crypto::sign_note(forged.body, validator.name, impostor);
            REQUIRE(signature.has_value());
            forged.signatures.push_back(*signature);
        }
        world.put(Column::certificates, store::be64(5), crypto::format_note(forged));
    }
    SUBCASE("one validator's signature altered") {
        note->signatures[2].signature[10] ^= 0x01;
        world.put(Column::certificates, store::be64(5), crypto::format_note(*note));
    }
    SUBCASE("signed by too few validators") {
        note->signatures.resize(2);
        world.put(Column::certificates, store::be64(5), crypto::format_note(*note));
    }
    SUBCASE("a genuine certificate of another block") {
        world.put(Column::certificates, store::be64(5), world.raw(Column::certificates, store::be64(4)));
    }
    auto report = world.audit();
    const auto& violation = violation_of(report);
    CHECK(violation.height == Height{5});
    CHECK(violation.rule == audit_check::certificate);
    CHECK(report.blocks == 4);
}

TEST_CASE("audit: a rule-breaking event written around the rule engine is named with its rule") {
    AuditWorld world;
    // An item whose custodian is NL-POL with no offer pending: DE-BKA acting on it breaks R15.
    std::optional<ItemState> target;
    for (int number = 1; number <= 20 && !target; ++number) {
        auto state = world.store.item("IT-" + std::to_string(number));
        REQUIRE(state.has_value());
        if (state->has_value() && (*state)->custodian == "NL-POL" && !(*state)->pending_offer)
            target = **state;
    }
    REQUIRE(target.has_value());
    Event event;
    event.kind = EventKind::verify;
    event.item = target->item;
    event.case_id = target->case_id;
    event.agency = "DE-BKA";
    event.time = world.workload.block_time(Height{blocks_made + 1});
    event.prev = target->head;
    event.digests = target->digests;
    const Envelope breaking = world.workload.sign_as("DE-BKA", event);
    test::write_block_around_rules(
        world.store, {breaking},
        world.workload.block_time(Height{world.store.last_header()->height.value + 1}),
        world.workload.genesis().validators.hash(),
        [&](const BlockHeader& header) { return world.workload.certify(header); });

    auto report = world.audit();
    const auto& violation = violation_of(report);
    CHECK(violation.height == Height{blocks_made + 1});
    CHECK(violation.leaf_index == std::optional<std::uint64_t>(blocks_made * events_per_block));
    CHECK(violation.event == std::optional<EventId>(event_id(breaking.event)));
    CHECK(violation.rule == "R15");
    CHECK(violation.field == "event.agency");
    CHECK(report.blocks == blocks_made);
}

TEST_CASE("audit: an event stored outside every block is reported") {
    AuditWorld world;
    const std::uint64_t size = blocks_made * events_per_block;
    world.put(Column::events, store::be64(size), world.raw(Column::events, store::be64(0)));
    auto report = world.audit();
    const auto& violation = violation_of(report);
    CHECK(violation.rule == audit_check::leaf_extra);
    CHECK(violation.leaf_index == std::optional<std::uint64_t>(size));
}

TEST_CASE("audit: a stored item state that differs from the replay is reported") {
    AuditWorld world;
    auto state = world.store.item("IT-1");
    REQUIRE(state.has_value());
    REQUIRE(state->has_value());
    ItemState changed = **state;
    changed.custodian = changed.custodian == "NL-POL" ? "DE-BKA" : "NL-POL";
    world.put(Column::items, "IT-1", canonical_item_state(changed));
    auto report = world.audit();
    const auto& violation = violation_of(report);
    CHECK(violation.rule == audit_check::item_state);
    CHECK(violation.found == canonical_item_state(changed));
}

TEST_CASE("audit: a stored state root that differs from the replay's is reported at its block") {
    // The header of the last block is rewritten with another state_root and certified again, so
    // every other check of the block holds: only the recomputed state map can tell.
    AuditWorld world;
    const std::string key = store::be64(blocks_made);
    auto json = crypto::parse_json(world.raw(Column::blocks, key));
    REQUIRE(json.has_value());
    auto header = block_header_from_json(*json);
    REQUIRE(header.has_value());
    const Hash32 genuine = header->state_root;
    header->state_root.bytes[0] ^= 1;
    world.put(Column::blocks, key, canonical_block_header(*header));
    world.put(Column::certificates, key, world.workload.certify(*header).note);
    auto report = world.audit();
    const auto& violation = violation_of(report);
    CHECK(violation.height == Height{blocks_made});
    CHECK(violation.rule == audit_check::block_state_root);
    CHECK(violation.expected == crypto::hex_encode(genuine.view()));
    CHECK(violation.found == crypto::hex_encode(header->state_root.view()));
    CHECK(report.blocks == blocks_made - 1);
}

}  // namespace CUSTOS_TEST_FILE
