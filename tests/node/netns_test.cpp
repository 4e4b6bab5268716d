// Validators on separate hosts (issue 20): a namespaced Localnet (LocalnetOptions::namespaces,
// netns.hpp) puts each custos-node in a network namespace of its own, with its own address on a
// bridge; the nodes peer by those addresses and are not on the test's loopback. What the harness
// creates goes with it, and what a crashed run left (its pid no longer running) goes with the
// next one, while names of a live process stay. Needs root (CI runs as root): without it the
// test fails saying so. The partitions and the bad network on such a localnet are the chaos
// scenario "partitions in the network" (chaos_test.cpp).
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "api/http_client.hpp"
#include "crypto/canonical_json.hpp"
#include "localnet.hpp"
#include "net_checks.hpp"
#include "netns.hpp"

using custos::node_test::Localnet;
using custos::node_test::LocalnetOptions;
using custos::node_test::NetnsNetwork;
using custos::node_test::run_command;
using custos::node_test::validator_count;

namespace {

bool has_line_starting(const std::string& text, const std::string& name) {
    std::stringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind(name + " ", 0) == 0 || line == name) return true;
    return false;
}

bool namespace_exists(const std::string& name) {
    return has_line_starting(run_command({"ip", "netns", "list"}).output, name);
}

bool link_exists(const std::string& name) {
    return run_command({"ip", "link", "show", name}).exit_code == 0;
}

}  // namespace

TEST_CASE(
    "netns: validators in namespaces of their own peer by address, not on the test's loopback; all of it "
    "removed") {
    std::string bridge;
    std::string subnet;  // "10.a.b.0/24"
    std::vector<std::string> namespaces;
    auto guarded = [&] {  // The guard route: no request of the test leaves by the default route.
        return run_command({"ip", "-4", "route", "show", "type", "unreachable"}).output.find(subnet + " ") !=
               std::string::npos;
    };
    {
        Localnet net(LocalnetOptions{.namespaces = true});
        REQUIRE(net.network() != nullptr);
        bridge = net.network()->bridge();
        const auto gateway = net.network()->bridge_address();
        subnet = gateway.substr(0, gateway.rfind('.')) + ".0/24";
        CHECK(guarded());
        std::set<std::string> hosts;
        for (std::size_t index = 0; index < validator_count; ++index) {
            namespaces.push_back(net.network()->namespace_name(index));
            CHECK(namespace_exists(namespaces.back()));
            CHECK(net.host(index).rfind("10.", 0) == 0);
            hosts.insert(net.host(index));
            // The genesis and each node's peers name the others by their own addresses.
            CHECK(net.genesis().validators.validators[index].address == net.peer_address(index));
            std::ifstream in(net.dir() / ("node" + std::to_string(index) + ".json"));
            std::stringstream text;
            text << in.rdbuf();
            auto config = custos::crypto::parse_json(text.str());
            REQUIRE(config.has_value());
            std::set<std::string> peers;
            for (const auto& peer : (*config)["peers"])
                peers.insert(peer["address"].get<std::string>());
            std::set<std::string> others;
            for (std::size_t other = 0; other < validator_count; ++other)
                if (other != index) others.insert(net.peer_address(other));
            CHECK(peers == others);
        }
        CHECK(hosts.size() == validator_count);
        CHECK(link_exists(bridge));
        CHECK(net.impairments() == "none");

        custos::node_test::start_validators(net);
        for (std::size_t index = 0; index < validator_count; ++index) {
            const auto answer = net.submit_commit(index, net.next_register_envelope());
            const unsigned status = answer.first;
            const std::string& body = answer.second;  // Not a structured binding (clang 14, doctest).
            CHECK_MESSAGE(status == 201, "node " << index << ": " << status << " " << body);
            // Not on the test's loopback: its own address only, in its own namespace.
            custos::api::ClientRequest request;
            request.port = net.rest_port(index);
            request.target = "/healthz";
            request.timeout_ms = 1000;
            CHECK_FALSE(custos::api::http_request(request).has_value());
        }
        check_identical_blocks(net, {0, 1, 2, 3});
    }
    CHECK_FALSE(link_exists(bridge));
    CHECK_FALSE(guarded());
    for (const auto& name : namespaces)
        CHECK_FALSE(namespace_exists(name));
}

TEST_CASE("netns: a crashed run's namespaces and links are removed by the next one, a live process's kept") {
    // A pid that ran and is gone (reaped), and one that runs (this process's parent, if any, else 1).
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) ::_exit(0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    const std::string dead = "custos" + std::to_string(child) + "z";
    const std::string live = "custos" + std::to_string(::getppid() > 1 ? ::getppid() : 1) + "z";
    REQUIRE(run_command({"ip", "netns", "add", dead + "n0"}).exit_code == 0);
    REQUIRE(run_command({"ip", "link", "add", dead + "br", "type", "bridge"}).exit_code == 0);
    REQUIRE(run_command({"ip", "netns", "add", live + "n0"}).exit_code == 0);
    {
        NetnsNetwork network(1);
        CHECK_FALSE(namespace_exists(dead + "n0"));
        CHECK_FALSE(link_exists(dead + "br"));
        CHECK(namespace_exists(live + "n0"));  // Its owner still runs: not ours to remove.
        CHECK(namespace_exists(network.namespace_name(0)));
    }
    (void)run_command({"ip", "netns", "del", live + "n0"});
    (void)run_command({"ip", "netns", "del", dead + "n0"});  // Only if the check above failed.
    (void)run_command({"ip", "link", "del", dead + "br"});
}
