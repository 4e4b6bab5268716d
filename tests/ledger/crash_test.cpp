// Crash safety of the store: a writer process commits blocks in a loop and is killed with SIGKILL
// at random points, many times over the same store. After every kill the store must reopen with
// whole blocks only (never a block without its events, tree nodes or certificate), never lose a
// block it had committed, and pass a full audit.
//
// The writer is this very test binary, re-executed with a doctest filter that selects the
// "crash writer" test case and an environment variable naming the store: a fresh process, so no
// RocksDB state or thread is shared with the parent.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "ledger/audit/audit.hpp"
#include "ledger/store/store.hpp"
#include "store_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;

namespace {

constexpr const char* writer_dir_variable = "CUSTOS_CRASH_WRITER_DIR";
constexpr const char* writer_ready_fd_variable = "CUSTOS_CRASH_WRITER_READY_FD";
constexpr std::size_t crash_events_per_block = 8;
constexpr std::uint64_t crash_heights_max = 100000;
constexpr int crash_iterations = 30;
// The whole test stops starting new iterations after this long (a bound, not an assertion).
constexpr auto crash_time_budget = std::chrono::seconds(20);
constexpr int kill_delay_ms_max = 60;

// Starts the writer child; returns its pid and the read end of its "ready" pipe.
std::pair<pid_t, int> start_writer(const std::filesystem::path& directory) {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    const std::string dir_value = directory.string();
    const std::string fd_value = std::to_string(pipe_fds[1]);
    std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    std::string filter = "-tc=store crash writer (child process)";
    std::string quiet = "--no-version=true";
    char* argv[] = {self.data(), filter.data(), quiet.data(), nullptr};
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec.
        ::close(pipe_fds[0]);
        ::setenv(writer_dir_variable, dir_value.c_str(), 1);
        ::setenv(writer_ready_fd_variable, fd_value.c_str(), 1);
        const int null_fd = ::open("/dev/null", O_WRONLY);
        if (null_fd >= 0) ::dup2(null_fd, STDOUT_FILENO);
        ::execv(self.c_str(), argv);
        ::_exit(127);
    }
    ::close(pipe_fds[1]);
    return {pid, pipe_fds[0]};
}

}  // namespace

// Runs only in the re-executed child: resumes the synthetic chain where the store stands and
// appends blocks until it is killed.
TEST_CASE("store crash writer (child process)") {
    const char* directory = std::getenv(writer_dir_variable);
    const char* ready_fd = std::getenv(writer_ready_fd_variable);
    if (directory == nullptr || ready_fd == nullptr) return;  // Not the child: nothing to do.

    SyntheticWorkload workload;
    auto store = test::create_store(directory, workload.genesis());
    // Replays the workload to the committed height so the next events continue the chain.
    for (std::uint64_t height = 1; height <= store.height().value; ++height) {
        (void)workload.next_events(crash_events_per_block, workload.block_time(Height{height}));
    }
    const int fd = std::atoi(ready_fd);
    REQUIRE(::write(fd, "r", 1) == 1);
    ::close(fd);
    while (store.height().value < crash_heights_max) {
        auto next = workload.next_block(store, store.next_block_context(), crash_events_per_block);
        REQUIRE(next.has_value());
        REQUIRE(store.append_block(next->block, next->certificate, next->effects).has_value());
    }
}

TEST_CASE("store: SIGKILL during commits leaves whole blocks that audit verifies") {
    test::TempDir dir;
    const auto seed = std::random_device{}();
    INFO("kill-delay seed " << seed);
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> delay_ms(0, kill_delay_ms_max);
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t committed = 0;
    int iterations = 0;
    for (; iterations < crash_iterations && std::chrono::steady_clock::now() - start < crash_time_budget;
         ++iterations) {
        auto [pid, ready] = start_writer(dir.store());
        char byte = 0;
        const auto got = ::read(ready, &byte, 1);
        ::close(ready);
        REQUIRE_MESSAGE(got == 1, "the writer died before it was ready");
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
        REQUIRE(::kill(pid, SIGKILL) == 0);
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        REQUIRE(WIFSIGNALED(status));

        auto report = audit_directory(dir.store(), AuditOptions{});
        REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().to_string()));
        CHECK_MESSAGE(report->verified(), audit_summary(*report));
        // A committed (synced) block is never lost, and every block is whole.
        CHECK(report->blocks >= committed);
        CHECK(report->events == report->blocks * crash_events_per_block);
        committed = report->blocks;
        auto store = test::reopen_store(dir.store());
        CHECK(store.height().value == committed);
        CHECK(store.log_size() == committed * crash_events_per_block);
    }
    MESSAGE("crash iterations " << iterations << ", blocks committed " << committed);
    CHECK(iterations >= 3);
    CHECK(committed > 0);
}

}  // namespace CUSTOS_TEST_FILE
