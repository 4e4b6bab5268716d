// Storage faults and operator mistakes on real custos-node processes (issue 20). Each refusal is
// paired with the same thing done right passing.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "api/http_client.hpp"
#include "cli_support.hpp"
#include "localnet.hpp"

using custos::node_test::contains;
using custos::node_test::Localnet;
using custos::node_test::run_custos;
using custos::node_test::validator_count;

namespace {

bool all_reach(Localnet& net, const std::vector<std::size_t>& nodes, std::uint64_t size, int seconds) {
    return net.wait_for(
        [&] {
            for (auto index : nodes) {
                auto have = net.log_size(index);
                if (!have || *have < size) return false;
            }
            return true;
        },
        seconds);
}

// GET /v1/checkpoints/{height} of node `index` (an open route), written to `file` as served.
void save_checkpoint(Localnet& net, std::size_t index, std::uint64_t height, const std::filesystem::path& file) {
    custos::api::ClientRequest request;
    request.port = net.rest_port(index);
    request.target = "/v1/checkpoints/" + std::to_string(height);
    auto response = custos::api::http_request(request);
    REQUIRE(response.has_value());
    REQUIRE_MESSAGE(response->status == 200, response->body);
    std::ofstream(file, std::ios::binary) << response->body;
}

}  // namespace

TEST_CASE("faults: custos audit refuses a validator's store copied at an earlier head against the network, "
          "and passes it against the checkpoint of its own head") {
    Localnet net;
    for (std::size_t index = 0; index < validator_count; ++index)
        net.start(index);
    std::uint64_t submitted = 0;
    for (int event = 0; event < 8; ++event) {
        REQUIRE(net.submit(static_cast<std::size_t>(event) % validator_count, net.next_register_envelope()) == 202);
        ++submitted;
    }
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2, 3}, submitted, 30), net.log_tail(0));
    // kill -9 leaves the store as a crash does (recent blocks in the write-ahead log); the copy
    // is what an operator might take as a backup.
    net.kill_node(3, SIGKILL);
    const auto copy = net.dir() / "node3-copy";
    std::filesystem::copy(net.store_dir(3), copy, std::filesystem::copy_options::recursive);
    for (int event = 0; event < 6; ++event) {
        REQUIRE(net.submit(static_cast<std::size_t>(event) % 3, net.next_register_envelope()) == 202);
        ++submitted;
        REQUIRE(all_reach(net, {0, 1, 2}, submitted, 30));  // One block each, at least.
    }

    const auto behind = run_custos(net.dir(), "audit --data " + copy.string() + " --against " + net.rest_url(0));
    CHECK_MESSAGE(behind.exit_code == 1, behind.out << behind.err);
    CHECK_MESSAGE(contains(behind.out, "rule checkpoint.behind"), behind.out << behind.err);
    CHECK_MESSAGE(contains(behind.out, "the store ends at height"), behind.out);

    // The pair: the same copy against the certified checkpoint of the height it holds (fetched
    // from another validator) verifies and says so; so does a whole store against the network.
    const auto alone = run_custos(net.dir(), "audit --data " + copy.string() + " --json");
    REQUIRE_MESSAGE(alone.exit_code == 0, alone.out << alone.err);
    auto report = custos::crypto::parse_json(alone.out);
    REQUIRE(report.has_value());
    const auto head = (*report)["head"]["height"].get<std::uint64_t>();
    REQUIRE(head >= 1);
    const auto checkpoint = net.dir() / "checkpoint.json";
    save_checkpoint(net, 1, head, checkpoint);
    const auto matched = run_custos(net.dir(), "audit --data " + copy.string() + " --expect " + checkpoint.string());
    CHECK_MESSAGE(matched.exit_code == 0, matched.out << matched.err);
    CHECK_MESSAGE(contains(matched.out, "checkpoint: height " + std::to_string(head)), matched.out);
    CHECK(contains(matched.out, "verified: "));
}
