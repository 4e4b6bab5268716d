// Partitions on real custos-node processes (issue 20): every validator-to-validator link goes
// through a proxy of the test (link_proxy.hpp; the nodes dial peers at loopback addresses of
// their own), which a test cuts and heals. 2|2: no side has a quorum, so nothing commits and
// nothing forks; healed, the events admitted on both sides commit within 10 s on identical
// blocks. 1|3: the three commit, the cut-off validator catches up once healed, and its store
// passes the audit.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "cli_support.hpp"
#include "localnet.hpp"
#include "net_checks.hpp"

using custos::node_test::all_reach;
using custos::node_test::check_identical_blocks;
using custos::node_test::contains;
using custos::node_test::Localnet;
using custos::node_test::LocalnetOptions;
using custos::node_test::run_custos;
using custos::node_test::start_validators;
using custos::node_test::validator_count;

namespace {

std::uint64_t log_size(Localnet& net, std::size_t index) {
    return net.log_size(index).value_or(0);
}

}  // namespace

TEST_CASE("partition: 2|2, neither side commits nor forks; healed, both sides' events commit within 10 s") {
    Localnet net(LocalnetOptions{.proxied_links = true});
    start_validators(net);
    for (std::size_t n = 0; n < 4; ++n)
        REQUIRE(net.submit(n, net.next_register_envelope()) == 202);
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2, 3}, 4, 30), net.log_tail(0));

    net.partition({0, 1}, {2, 3});
    REQUIRE_MESSAGE(
        net.wait_for([&] { return net.metric(0, "custos_peers_connected").value_or(9) <= 1; }, 10),
        "peers " << net.metric(0, "custos_peers_connected").value_or(-1));
    const auto height_before = net.height(0).value_or(0);
    // Admitted on each side (the pools take them), but no side holds two thirds of the power.
    REQUIRE(net.submit(0, net.next_register_envelope()) == 202);
    REQUIRE(net.submit(1, net.next_register_envelope()) == 202);
    REQUIRE(net.submit(2, net.next_register_envelope()) == 202);
    REQUIRE(net.submit(3, net.next_register_envelope()) == 202);
    custos::node_test::sleep_ms(4000);
    for (std::size_t index = 0; index < validator_count; ++index) {
        CHECK_MESSAGE(log_size(net, index) == 4, "node " << index << " committed without a quorum");
        CHECK(net.height(index).value_or(0) <= height_before + 1);  // At most a block decided as it was cut.
    }

    net.heal_all();
    CHECK_MESSAGE(all_reach(net, {0, 1, 2, 3}, 8, 10),
                  "commits did not resume within 10 s: " << net.log_tail(0));
    REQUIRE(all_reach(net, {0, 1, 2, 3}, 8, 30));
    check_identical_blocks(net, {0, 1, 2, 3});
}

TEST_CASE("partition: 1|3, the three commit; healed, the cut-off validator catches up and its store audits") {
    Localnet net(LocalnetOptions{.proxied_links = true});
    start_validators(net);
    net.partition({3}, {0, 1, 2});
    REQUIRE(net.wait_for([&] { return net.metric(3, "custos_peers_connected").value_or(9) == 0; }, 10));
    constexpr std::uint64_t events = 9;
    for (std::uint64_t n = 0; n < events; ++n)
        REQUIRE(net.submit(n % 3, net.next_register_envelope()) == 202);
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2}, events, 30), net.log_tail(0));
    CHECK(log_size(net, 3) == 0);

    net.heal_all();
    CHECK_MESSAGE(all_reach(net, {0, 1, 2, 3}, events, 10),
                  "node 3 did not catch up within 10 s: " << net.log_tail(3));
    REQUIRE(all_reach(net, {0, 1, 2, 3}, events, 30));
    check_identical_blocks(net, {0, 1, 2, 3});
    const auto audit = run_custos(net.dir(), "audit --data " + net.store_dir(3).string());
    CHECK_MESSAGE(audit.exit_code == 0, audit.out << audit.err);
    CHECK_MESSAGE(contains(audit.out, "verified: "), audit.out);
}
