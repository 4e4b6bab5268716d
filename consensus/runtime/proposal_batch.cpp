#include "consensus/runtime/proposal_batch.hpp"

#include <algorithm>

namespace custos::runtime {

std::optional<std::int64_t> ProposalBatch::on_request(const consensus::ProposalRequest& request, Pool pool,
                                                      std::int64_t idle_wait_ms) {
    if (pool.pending >= pool.block_events_max) return std::nullopt;
    waiting_ = request;
    const std::int64_t wait_ms = pool.pending == 0 ? idle_wait_ms : std::min(idle_wait_ms, proposal_batch_ms);
    batching_ = wait_ms <= proposal_batch_ms;
    return wait_ms;
}

ProposalBatch::Admitted ProposalBatch::on_admit(Pool pool) {
    if (!waiting_) return Admitted::keep_waiting;
    if (pool.pending >= pool.block_events_max) return Admitted::build_now;
    if (batching_) return Admitted::keep_waiting;
    batching_ = true;
    return Admitted::open_window;
}

std::optional<consensus::ProposalRequest> ProposalBatch::take() {
    auto request = std::move(waiting_);
    waiting_.reset();
    return request;
}

}  // namespace custos::runtime
