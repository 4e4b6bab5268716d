// Multi-process: `custos follow` loses its connection in the middle of a case and resumes where it
// stopped. The follower reaches node 2 through a TCP forwarder of the test (link_proxy.hpp), so
// the test can cut the connection as a network would (the node keeps running and committing):
// three events are printed, the link is cut, three more commit while the follower cannot reach
// the node (its reconnects are refused), the link is healed, and the follower prints exactly the
// three it missed (Last-Event-ID), none twice and none left out, then stops at --max-events.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli_support.hpp"
#include "crypto/canonical_json.hpp"
#include "link_proxy.hpp"

namespace {

namespace fs = std::filesystem;
using namespace custos::node_test;

constexpr std::string_view followed_content_sha256 =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// The non-empty lines of `text` that end in a newline (a line still being written is left out).
std::vector<std::string> complete_lines(const std::string& text) {
    std::vector<std::string> lines;
    for (std::size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
        if (end > start) lines.push_back(text.substr(start, end - start));
    return lines;
}

// Polls until `path` holds at least `count` lines (true) or `seconds` passed (false).
bool wait_lines(const fs::path& path, std::size_t count, int seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < until) {
        if (complete_lines(read_file(path)).size() >= count) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

}  // namespace

TEST_CASE(
    "follow: a connection cut mid-stream resumes after the last event printed, nothing twice or left out") {
    fs::path work = fs::temp_directory_path() / ("custos-follow-test-" + std::to_string(::getpid()));
    fs::remove_all(work);
    fs::create_directories(work / "follow");
    const fs::path net = work / "net";
    // Ports 5000..6999 (a slot of 10 from the process id): REST 0..3, peers 4..7, the forwarder 8.
    // No other node test uses this range; all lie below Linux's ephemeral range.
    const auto rest_base = static_cast<std::uint16_t>(5000 + (::getpid() % 199) * 10);
    const auto peer_base = static_cast<std::uint16_t>(rest_base + 4);
    const auto forwarder_port = static_cast<std::uint16_t>(rest_base + 8);
    Run init = init_localnet(work, net, rest_base, peer_base);
    REQUIRE_MESSAGE(init.exit_code == 0, init.err);
    {
        // The forwarder stands where an operator's reverse proxy would: node 2 is told its name, as
        // a signed request names the authority it was sent to (a request for another is refused).
        const fs::path config_path = net / "node2" / "config.json";
        auto config = custos::crypto::parse_json(read_file(config_path));
        REQUIRE(config.has_value());
        (*config)["rest_public_names"].push_back("127.0.0.1:" + std::to_string(forwarder_port));
        std::ofstream(config_path) << config->dump(2) << "\n";
    }
    RunningLocalnet running(work, net, /*demo=*/false);
    REQUIRE_MESSAGE(wait_healthy(rest_base, 4), read_file(work / "run.log"));
    const std::string custodian = " --key " + (net / "keys" / "NL-POL" / "custodian.key").string();
    const std::string auditor = " --key " + (net / "keys" / "NL-POL" / "auditor.key").string();
    auto register_item = [&](int n) {
        Run run = run_custos(work, "event new register --item F-" + std::to_string(n) +
                                       " --case F-CASE --sha256 " + std::string(followed_content_sha256) +
                                       " --description disk --location Utrecht --authority warrant:W-9 --wait"
                                       " --node http://127.0.0.1:" +
                                       std::to_string(rest_base) + custodian);
        REQUIRE_MESSAGE(run.exit_code == 0, (run.out + run.err));
    };

    LinkProxy forwarder("127.0.0.1", forwarder_port, static_cast<std::uint16_t>(rest_base + 2));
    for (int n = 1; n <= 3; ++n)
        register_item(n);
    // The follower, in the background, through the forwarder to node 2 (its own work directory:
    // run_command's output files are per directory). `timeout` bounds it if it never ends.
    Run followed;
    std::thread follower([&] {
        followed =
            run_command(work / "follow", "timeout 120 " + custos_binary().string() +
                                             " follow --from-height 1 --case F-CASE --max-events 6 --json"
                                             " --node http://127.0.0.1:" +
                                             std::to_string(forwarder_port) + auditor);
    });
    struct Join {
        std::thread& thread;
        ~Join() {
            if (thread.joinable()) thread.join();
        }
    } join{follower};
    const fs::path out = work / "follow" / "out.txt";
    REQUIRE_MESSAGE(wait_lines(out, 3, 30), read_file(work / "follow" / "err.txt"));

    // The network between the follower and node 2 goes away; the ledger goes on without it.
    forwarder.set_cut(true);
    for (int n = 4; n <= 6; ++n)
        register_item(n);
    std::this_thread::sleep_for(std::chrono::seconds(2));  // Its reconnects meanwhile are refused.
    CHECK(complete_lines(read_file(out)).size() == 3);
    forwarder.set_cut(false);
    follower.join();

    CHECK_MESSAGE(followed.exit_code == 0, followed.err);
    const auto lines = complete_lines(followed.out);
    REQUIRE_MESSAGE(lines.size() == 6, (followed.out + followed.err));
    std::vector<std::string> items, ids;
    std::optional<std::uint64_t> previous_leaf;
    for (const auto& line : lines) {
        auto entry = custos::crypto::parse_json(line);
        REQUIRE(entry.has_value());
        items.push_back((*entry)["envelope"]["event"]["item"].get<std::string>());
        ids.push_back((*entry)["id"].get<std::string>());
        const auto leaf = (*entry)["leaf_index"].get<std::uint64_t>();
        CHECK((!previous_leaf || leaf > *previous_leaf));  // In log order, none twice.
        previous_leaf = leaf;
    }
    CHECK(items == std::vector<std::string>{"F-1", "F-2", "F-3", "F-4", "F-5", "F-6"});
    // It did lose the connection and reconnect (not merely wait): the follower says so.
    CHECK_MESSAGE(contains(followed.err, "reconnecting after leaf"), followed.err);
    CHECK_MESSAGE(contains(followed.err, "retrying in"), followed.err);
    fs::remove_all(work);
}
