// When a proposer builds its block (consensus/runtime/proposal_batch.hpp): at once with a full
// block pending, else after the batching window or the idle wait, cut short by admissions.
#include <doctest/doctest.h>

#include "consensus/runtime/proposal_batch.hpp"

using namespace custos;
using namespace custos::runtime;

namespace {

constexpr std::uint64_t full = 100;
constexpr std::int64_t idle_wait_ms = 500;

consensus::ProposalRequest request_at(std::uint64_t height, std::uint32_t round) {
    return {ledger::Height{height}, ledger::Round{round}, ledger::TimeMs{1000}};
}

}  // namespace

TEST_CASE("proposal batch: a full block is built at once, nothing waits") {
    ProposalBatch batch;
    CHECK_FALSE(
        batch.on_request(request_at(5, 0), {.pending = full, .block_events_max = full}, idle_wait_ms));
    CHECK_FALSE(batch.waiting().has_value());
    CHECK(batch.on_admit({.pending = full + 1, .block_events_max = full}) ==
          ProposalBatch::Admitted::keep_waiting);
}

TEST_CASE("proposal batch: with events pending the wait is the batching window, with none the idle wait") {
    ProposalBatch batch;
    CHECK(batch.on_request(request_at(5, 0), {.pending = 3, .block_events_max = full}, idle_wait_ms) ==
          proposal_batch_ms);
    CHECK(batch.on_request(request_at(5, 1), {.pending = 0, .block_events_max = full}, idle_wait_ms) ==
          idle_wait_ms);
    // The idle wait is never longer than asked, even below the window.
    CHECK(batch.on_request(request_at(5, 2), {.pending = 3, .block_events_max = full}, 10) == 10);
    REQUIRE(batch.waiting().has_value());
    CHECK(batch.waiting()->round.value == 2);  // The latest request waits.
    auto taken = batch.take();
    REQUIRE(taken.has_value());
    CHECK(taken->round.value == 2);
    CHECK_FALSE(batch.take().has_value());  // Taken once.
}

TEST_CASE("proposal batch: the first event of an idle wait opens the window once; a full block builds now") {
    ProposalBatch batch;
    REQUIRE(batch.on_request(request_at(7, 0), {.pending = 0, .block_events_max = full}, idle_wait_ms));
    CHECK(batch.on_admit({.pending = 1, .block_events_max = full}) == ProposalBatch::Admitted::open_window);
    CHECK(batch.on_admit({.pending = 2, .block_events_max = full}) == ProposalBatch::Admitted::keep_waiting);
    CHECK(batch.on_admit({.pending = full, .block_events_max = full}) == ProposalBatch::Admitted::build_now);
    auto request = batch.take();
    REQUIRE(request.has_value());
    CHECK(request->height.value == 7);
    // Nothing waits any more: admissions change nothing.
    CHECK(batch.on_admit({.pending = full, .block_events_max = full}) ==
          ProposalBatch::Admitted::keep_waiting);
}

TEST_CASE("proposal batch: a dropped request (a new core) is never built") {
    ProposalBatch batch;
    REQUIRE(batch.on_request(request_at(7, 0), {.pending = 1, .block_events_max = full}, idle_wait_ms));
    batch.drop();
    CHECK(batch.on_admit({.pending = full, .block_events_max = full}) ==
          ProposalBatch::Admitted::keep_waiting);
    CHECK_FALSE(batch.take().has_value());
}
