// What the multi-process tests that drive the `custos` and `custos-dev` executables share: their
// paths, running one command to completion with its output captured, and `custos-dev localnet run`
// in the background.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace custos::node_test {

// build/bin/custos, beside the custos-node binary the tests were built against.
[[nodiscard]] std::filesystem::path custos_binary();
// build/bin/custos-dev, beside it.
[[nodiscard]] std::filesystem::path custos_dev_binary();
[[nodiscard]] std::string read_file(const std::filesystem::path& path);
[[nodiscard]] bool contains(const std::string& text, std::string_view part);

struct Run {
    int exit_code = -1;
    std::string out, err;
};

// Runs a command line of our own making (paths and ids without shell metacharacters) to
// completion; stdout and stderr go through files in `work`.
[[nodiscard]] Run run_command(const std::filesystem::path& work, const std::string& command_line);
// run_command for `custos <arguments>`.
[[nodiscard]] Run run_custos(const std::filesystem::path& work, const std::string& arguments);
// run_command for `custos-dev <arguments>`.
[[nodiscard]] Run run_custos_dev(const std::filesystem::path& work, const std::string& arguments);

// `custos-dev localnet init` of the default 4-validator localnet in `dir`, REST ports from
// `rest_base`, peer ports from `peer_base`.
[[nodiscard]] Run init_localnet(const std::filesystem::path& work, const std::filesystem::path& dir,
                                std::uint16_t rest_base, std::uint16_t peer_base);
// Polls GET /healthz on the `nodes` REST ports from `rest_base` until all answer 200 (true) or
// 30 s passed (false).
[[nodiscard]] bool wait_healthy(std::uint16_t rest_base, int nodes);
// Polls GET /v1/status (signed with the key in `key_file`) on the `nodes` REST ports from
// `rest_base` until every one reports a height of at least `height` (true) or 30 s passed (false).
// A commit one node acknowledged is applied by the others a moment later: a test that reads it
// from another node waits for that node first.
[[nodiscard]] bool wait_height(std::uint16_t rest_base, int nodes, const std::filesystem::path& key_file,
                               std::uint64_t height);
// The height of the node on REST port `port` (GET /v1/status signed with the key in `key_file`),
// 0 when it does not answer.
[[nodiscard]] std::uint64_t node_height(std::uint16_t port, const std::filesystem::path& key_file);

// `custos-dev localnet run --dir DIR` (with --no-demo unless `demo`) in the background, its output in
// work/run.log; SIGTERM on destruction, SIGKILL if it has not exited 10 s later, always reaped.
class RunningLocalnet {
public:
    RunningLocalnet(const std::filesystem::path& work, const std::filesystem::path& dir, bool demo);
    ~RunningLocalnet();
    RunningLocalnet(const RunningLocalnet&) = delete;
    RunningLocalnet& operator=(const RunningLocalnet&) = delete;

    [[nodiscard]] const std::filesystem::path& log_path() const { return log_; }
    [[nodiscard]] std::string log() const { return read_file(log_); }

private:
    std::filesystem::path log_;
    pid_t pid_ = -1;
};

}  // namespace custos::node_test
