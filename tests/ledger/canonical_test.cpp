// The ledger's direct canonical writers (canonical_event, canonical_item_state) against the
// reference path: building the JSON tree and canonicalizing it with crypto::canonicalize.
#include <doctest/doctest.h>

#include "crypto/canonical_json.hpp"
#include "crypto/sha256.hpp"
#include "ledger/state/state.hpp"
#include "ledger/workloads/store_workload.hpp"
#include "ledger_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;

TEST_CASE("canonical: item states written from the struct equal the canonicalized JSON tree") {
    ItemState state;
    state.item = "IT-1";
    state.case_id = "CASE-\"7\"";
    state.custodian = "NL-POL";
    state.head = EventId{crypto::sha256("head")};
    state.origin = EventId{crypto::sha256("origin")};
    state.last_time = TimeMs{1767225600123};
    state.event_count = 9007199254740992;  // 2^53, the largest exact JSON integer
    state.digests = Digests{crypto::sha256("x"), std::string(32, 'a'), std::nullopt};
    auto same = [](const ItemState& value) {
        CHECK(canonical_item_state(value) == crypto::canonicalize(item_state_to_json(value)).value());
    };
    same(state);
    state.derived_from = "IT-0";
    state.seal = "SEAL \\ 1 ü";
    state.pending_offer = PendingOffer{EventId{crypto::sha256("offer")}, "DE-BKA"};
    state.grants = {
        AccessGrant{"BE-POL", {AccessAction::view}, TimeMs{1767225700000}, EventId{crypto::sha256("g1")}},
        AccessGrant{"DE-BKA",
                    {AccessAction::copy, AccessAction::export_data},
                    TimeMs{1767225800000},
                    EventId{crypto::sha256("g2")}}};
    state.disposed = DisposeOutcome::archived;
    state.integrity_alert = true;
    state.alert_count = 3;
    state.first_alert = EventId{crypto::sha256("alert")};
    state.digests.sha1 = std::string(40, 'b');
    same(state);
    // And the states a real workload produces, round-tripped through the stored form.
    SyntheticWorkload workload;
    MemoryState memory(workload.genesis());
    for (const auto& envelope : workload.next_events(200, workload.block_time(Height{1}))) {
        auto effects = admit_event(memory, envelope, workload.block_time(Height{1}), workload.genesis());
        REQUIRE(effects.has_value());
        memory.apply(*effects);
    }
    REQUIRE(!memory.items().empty());
    for (const auto& [id, item] : memory.items()) {
        same(item);
        auto parsed = item_state_from_json(crypto::parse_json(canonical_item_state(item)).value());
        REQUIRE(parsed.has_value());
        CHECK(*parsed == item);
    }
}

}  // namespace CUSTOS_TEST_FILE
