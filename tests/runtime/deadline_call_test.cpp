// call_with_start_deadline (consensus/runtime/deadline_call.hpp), over an io_context on a thread of
// its own as the node's: a job not started by the deadline never runs, so "busy" means not done.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include <boost/asio/post.hpp>

#include "consensus/runtime/deadline_call.hpp"
#include "tests/runtime/test_network.hpp"

using namespace custos;
using namespace std::chrono_literals;

namespace {

// Queues a job on the io_context's thread, as Node::post does on the node's.
std::function<bool(std::function<void()>)> poster(runtime::testing::IoThread& thread) {
    return [&thread](std::function<void()> job) {
        boost::asio::post(thread.io, std::move(job));
        return true;
    };
}

}  // namespace

TEST_CASE("deadline call: answers from the other thread; a job not started in time never runs") {
    runtime::testing::IoThread node_thread;
    const auto post = poster(node_thread);
    auto answer = runtime::call_with_start_deadline<int>(
        post, [] { return Result<int>(7); }, 1000ms);
    REQUIRE(answer.has_value());
    CHECK(*answer == 7);

    // The node thread is held by a long job; a second call gives up waiting for its start.
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<bool> long_job_started{false};
    auto long_call = std::async(std::launch::async, [&] {
        return runtime::call_with_start_deadline<int>(
            post,
            [&] {
                long_job_started = true;
                released.wait();
                return Result<int>(1);
            },
            1000ms);
    });
    REQUIRE(runtime::testing::wait_until([&] { return long_job_started.load(); }));
    std::atomic<bool> late_job_ran{false};
    auto busy = runtime::call_with_start_deadline<int>(
        post,
        [&] {
            late_job_ran = true;
            return Result<int>(2);
        },
        50ms);
    REQUIRE_FALSE(busy.has_value());
    CHECK(busy.error().code == ErrorCode::unavailable);
    CHECK(busy.error().message == "node is busy");

    // The long job goes on past its caller's deadline (it had started) and is answered in full.
    std::this_thread::sleep_for(1100ms);
    release.set_value();
    auto long_answer = long_call.get();
    REQUIRE(long_answer.has_value());
    CHECK(*long_answer == 1);
    // The call after it runs; the abandoned one never did, then or later.
    auto after = runtime::call_with_start_deadline<int>(
        post, [] { return Result<int>(3); }, 1000ms);
    REQUIRE(after.has_value());
    CHECK(*after == 3);
    CHECK_FALSE(late_job_ran.load());
}

TEST_CASE("deadline call: a job that cannot be queued, or is dropped unrun, says so") {
    const std::function<bool(std::function<void()>)> refuse = [](std::function<void()>) { return false; };
    auto refused = runtime::call_with_start_deadline<int>(
        refuse, [] { return Result<int>(1); }, 10ms);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message == "node is not running");

    // Queued, then destroyed unrun (a stopping node's io_context): within the deadline.
    std::function<void()> held;
    std::thread dropper;
    const std::function<bool(std::function<void()>)> drop_soon = [&](std::function<void()> job) {
        held = std::move(job);
        dropper = std::thread([&held] {
            std::this_thread::sleep_for(20ms);
            held = nullptr;
        });
        return true;
    };
    auto stopping = runtime::call_with_start_deadline<int>(
        drop_soon, [] { return Result<int>(1); }, 2000ms);
    dropper.join();
    REQUIRE_FALSE(stopping.has_value());
    CHECK(stopping.error().message == "node is stopping");
}
