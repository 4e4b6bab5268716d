#include "cli_support.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/http_client.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"

namespace custos::node_test {

namespace fs = std::filesystem;

fs::path custos_binary() {
    return fs::path(CUSTOS_NODE_BINARY).parent_path() / "custos";
}

fs::path custos_dev_binary() {
    return fs::path(CUSTOS_NODE_BINARY).parent_path() / "custos-dev";
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
}

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

Run run_command(const fs::path& work, const std::string& command_line) {
    fs::path out = work / "out.txt", err = work / "err.txt";
    int status = std::system((command_line + " > " + out.string() + " 2> " + err.string()).c_str());
    Run run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = read_file(out);
    run.err = read_file(err);
    return run;
}

Run run_custos(const fs::path& work, const std::string& arguments) {
    return run_command(work, custos_binary().string() + " " + arguments);
}

Run run_custos_dev(const fs::path& work, const std::string& arguments) {
    return run_command(work, custos_dev_binary().string() + " " + arguments);
}

Run init_localnet(const fs::path& work, const fs::path& dir, std::uint16_t rest_base,
                  std::uint16_t peer_base) {
    return run_custos_dev(work, "localnet init --dir " + dir.string() + " --rest-port-base " +
                                    std::to_string(rest_base) + " --peer-port-base " +
                                    std::to_string(peer_base));
}

bool wait_healthy(std::uint16_t rest_base, int nodes) {
    auto healthy = [](int port) {
        auto response = api::http_request(api::ClientRequest{
            .port = static_cast<std::uint16_t>(port), .target = "/healthz", .timeout_ms = 1000});
        return response && response->status == 200;
    };
    for (int tick = 0; tick < 300; ++tick) {
        bool all = true;
        for (int index = 0; index < nodes && all; ++index)
            all = healthy(rest_base + index);
        if (all) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

namespace {

// GET /v1/status signed with `key`: the node's height, 0 when it does not answer.
std::uint64_t height_of(std::uint16_t port, const crypto::SecretKey& key) {
    auto response = api::http_request(
        api::ClientRequest{.port = port, .target = "/v1/status", .timeout_ms = 1000, .signing_key = &key});
    if (!response || response->status != 200) return 0;
    auto json = crypto::parse_json(response->body);
    if (!json || !json->contains("height") || !(*json)["height"].is_number_unsigned()) return 0;
    return (*json)["height"].get<std::uint64_t>();
}

}  // namespace

std::uint64_t node_height(std::uint16_t port, const fs::path& key_file) {
    auto key = crypto::read_secret_key_file(key_file);
    REQUIRE_MESSAGE(key, key_file.string());
    return height_of(port, key->key);
}

bool wait_height(std::uint16_t rest_base, int nodes, const fs::path& key_file, std::uint64_t height) {
    auto key = crypto::read_secret_key_file(key_file);
    REQUIRE_MESSAGE(key, key_file.string());
    for (int tick = 0; tick < 300; ++tick) {
        bool all = true;
        for (int index = 0; index < nodes && all; ++index)
            all = height_of(static_cast<std::uint16_t>(rest_base + index), key->key) >= height;
        if (all) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

RunningLocalnet::RunningLocalnet(const fs::path& work, const fs::path& dir, bool demo)
    : log_(work / "run.log") {
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
        int log = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (log >= 0) {
            ::dup2(log, STDOUT_FILENO);
            ::dup2(log, STDERR_FILENO);
        }
        std::string binary = custos_dev_binary().string(), dir_text = dir.string();
        if (demo)
            ::execl(binary.c_str(), binary.c_str(), "localnet", "run", "--dir", dir_text.c_str(),
                    static_cast<char*>(nullptr));
        else
            ::execl(binary.c_str(), binary.c_str(), "localnet", "run", "--dir", dir_text.c_str(), "--no-demo",
                    static_cast<char*>(nullptr));
        ::_exit(127);
    }
}

RunningLocalnet::~RunningLocalnet() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int tick = 0; tick < 100; ++tick) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
}

}  // namespace custos::node_test
