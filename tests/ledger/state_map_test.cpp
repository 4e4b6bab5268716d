// The certified state (docs/FORMAT.md 7.5): keys and values as the spec's examples give them,
// and the state root a ledger keeps block by block equals the root of a map built in one go from
// its final state, whatever order and blocks the entries were written in.
#include <doctest/doctest.h>

#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "crypto/smt.hpp"
#include "ledger/state/state_map.hpp"
#include "tests/ledger/ledger_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::LedgerWorld;

namespace {

using custos::crypto::hex;

// Every entry of the state map of `world`'s ledger, recomputed from its final state.
Hash32 root_from_scratch(const LedgerWorld& world) {
    const MemoryState& state = world.ledger->state();
    StateChanges changes;
    for (const auto& [id, item] : state.items())
        changes.items.push_back(item);
    for (const auto& [key, record] : state.officers().records())
        changes.officers.push_back(record);
    for (const auto& [id, proposal] : state.validators().proposals())
        changes.proposals.push_back(proposal);
    changes.adopted = *state.validators().latest();
    changes.governance = world.ledger->governance();
    crypto::MemorySmtNodeStore map;
    auto built = crypto::smt_update(map, state_updates(changes));
    REQUIRE(built.has_value());
    return built->root;
}

}  // namespace

TEST_CASE("state map: the keys and values of FORMAT.md 7.5's examples") {
    CHECK(hex(item_state_key("ITEM-1")) ==
          "0c33fc2b80403d8e63984d3b63d28ebda025da2e5c6253ed8975a6da82b9b27e");
    CHECK(item_state_key("ITEM-1") == crypto::sha256(std::string("item\0ITEM-1", 11)));
    CHECK(canonical_governance_head(GovernanceHead{}) ==
          R"({"count":0,"head":null,"type":"custos.state.governance.v1"})");
    CHECK(hex(state_value_hash(canonical_governance_head(GovernanceHead{}))) ==
          "1ed70288f502132e429ec6293132d300241eaad0430e61c648befdb0051bab8c");
    // Typed keys: the same id under two tags is two keys.
    CHECK(state_key("item", "x") != state_key("proposal", "x"));
    auto head = governance_head_from_json(
        crypto::parse_json(R"({"count":1,"head":null,"type":"custos.state.governance.v1"})").value());
    CHECK_FALSE(head.has_value());  // a count without a head
}

TEST_CASE("state map: every block's state_root is the root of the whole state built in one go") {
    LedgerWorld world;
    const Hash32 genesis_root = world.ledger->state_root();
    CHECK(genesis_root == root_from_scratch(world));
    world.commit({world.sign(world.register_event("ITEM-1"), "nl.custodian"),
                  world.sign(world.register_event("ITEM-2"), "nl.custodian")},
                 "2026-02-01T10:00:01.000Z");
    CHECK(world.ledger->last_header()->state_root == root_from_scratch(world));
    world.commit({world.sign(world.officer_event(EventKind::officer_add, test::seeded_key(77).public_key(),
                                                 "NL-POL", "2026-02-02T10:00:00.000Z"),
                             "nl.admin"),
                  world.sign(world.next_event(EventKind::transfer_offer, "ITEM-1", "NL-POL",
                                              "2026-02-02T10:00:00.000Z"),
                             "nl.custodian")},
                 "2026-02-02T10:00:01.000Z");
    const Hash32 after = world.ledger->last_header()->state_root;
    CHECK(after == root_from_scratch(world));
    CHECK(world.ledger->governance().count == 1);
    // An empty block changes nothing in the map.
    world.commit({}, "2026-02-03T10:00:01.000Z");
    CHECK(world.ledger->last_header()->state_root == after);
    CHECK(after != genesis_root);
}

}  // namespace CUSTOS_TEST_FILE
