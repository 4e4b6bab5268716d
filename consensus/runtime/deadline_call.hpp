// A job run on another thread (the node's) and waited for, with a deadline on its start: the
// caller's answer is then true either way. Node::call() is this over the node's io_context.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>

#include "common/result.hpp"

namespace custos::runtime {

// Queues `job` with `post` (false: it could not be queued) and waits up to `start_within` for the
// other thread to start it. A job not started by then never runs: the caller gets unavailable
// "node is busy" and nothing was done, so a client told 503 may resubmit without its event
// having been admitted behind its back. A job that has started is waited for to its end, however
// long it takes. A job dropped unrun (the other thread stopped) answers "node is stopping".
template <typename T>
[[nodiscard]] Result<T> call_with_start_deadline(const std::function<bool(std::function<void()>)>& post,
                                                 std::function<Result<T>()> job,
                                                 std::chrono::milliseconds start_within) {
    enum : int { queued, started, abandoned };
    auto state = std::make_shared<std::atomic<int>>(queued);
    auto task = std::make_shared<std::packaged_task<Result<T>()>>(std::move(job));
    auto future = task->get_future();
    // Only the queued job holds the task: a job destroyed unrun breaks its promise at once.
    const bool posted = post([task = std::move(task), state] {
        int expected = queued;
        if (state->compare_exchange_strong(expected, started)) (*task)();
    });
    if (!posted) return make_error(ErrorCode::unavailable, "node is not running");
    if (future.wait_for(start_within) != std::future_status::ready) {
        int expected = queued;
        if (state->compare_exchange_strong(expected, abandoned)) {
            return make_error(ErrorCode::unavailable, "node is busy");
        }
        future.wait();  // Started before the deadline passed: its answer is coming.
    }
    try {
        return future.get();
    } catch (const std::future_error&) {  // The other thread stopped with the job still queued.
        return make_error(ErrorCode::unavailable, "node is stopping");
    }
}

}  // namespace custos::runtime
