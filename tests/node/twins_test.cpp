// Twins on real custos-node processes (issue 20): one validator's key on two nodes, each with a
// data directory of its own (an operator's standby started beside the live validator), on the two
// sides of a partition (the links go through the test's proxies, link_proxy.hpp; a twin is
// reached where a link is retargeted to it).
//
// Within f (n = 4, f = 1): validator-4's key on node 3 and on a twin, {0,1,3} | {2,twin}. The
// side with three commits; node 2 and the twin cannot (two of four). Healed, with the twin still
// running: both copies of validator-4 dial every honest node, each connection replacing the other
// (the transport keeps one per key, and of two dialed by the same key the newer), so the honest
// nodes hear both copies sign different proposals and votes for one height, round and type.
// Checked: agreement on the honest nodes, nothing acknowledged lost or duplicated, no
// equivocation by an honest validator, commits within 10 s of healing (chaos_check.hpp), every
// honest store audits, and each honest node logged the double signing as evidence
// (event=equivocation validator=validator-4 kind= height= round= key=<its key>) and counted it
// (custos_evidence_total). What an operator sees: docs/OPERATIONS.md, "Two nodes with one key".
//
// Beyond f (the negative control): validators 3's and 4's keys both doubled, {0,2,3} | {1,twins}:
// each side holds three of four votes, both commit, and the agreement checker must name the
// height where the honest nodes 0 and 1 hold different blocks.
#include <signal.h>

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "chaos_check.hpp"
#include "crypto/encoding.hpp"
#include "ledger/audit/audit.hpp"
#include "localnet.hpp"
#include "net_checks.hpp"

using custos::chaos::History;
using custos::node_test::all_reach;
using custos::node_test::collect;
using custos::node_test::Localnet;
using custos::node_test::LocalnetOptions;
using custos::node_test::start_validators;
using custos::node_test::time_to_commit;

namespace {

// Waits until node `node` (a twin started on an empty store) has caught up with node `with`.
void wait_caught_up(Localnet& net, std::size_t node, std::size_t with) {
    REQUIRE_MESSAGE(net.wait_for(
                        [&] {
                            const auto have = net.height(node).value_or(0);
                            return have > 0 && have >= net.height(with).value_or(0);
                        },
                        30),
                    net.log_tail(node));
}

// An acknowledged (201) event through node `node`; fails the test if none came.
void acknowledge(Localnet& net, std::size_t node, History& history) {
    REQUIRE_MESSAGE(time_to_commit(net, node, history).has_value(), net.log_tail(node));
}

}  // namespace

TEST_CASE("twins: one key on two nodes across a partition (within f): the honest nodes agree and record it") {
    constexpr std::size_t twin = 4;  // Holds validator-4's key, node 3's.
    Localnet net(LocalnetOptions{.proxied_links = true, .twins = {3}});
    const auto twinned_key = custos::crypto::hex_encode(net.genesis().validators.validators[3].key.view());
    start_validators(net);
    History history;
    history.byzantine = {"validator-4"};
    for (std::size_t n = 0; n < 3; ++n)
        acknowledge(net, n, history);

    // Node 2's link to validator-4 reaches the twin; the real one stays with 0 and 1.
    net.retarget(2, 3, twin);
    net.partition({0, 1, 3}, {2, twin});
    net.start(twin);
    wait_caught_up(net, twin, 2);
    const auto cut_size = net.log_size(2).value_or(0);
    for (std::size_t n = 0; n < 4; ++n)
        acknowledge(net, n % 2, history);                         // The side of three commits.
    REQUIRE(net.submit(2, net.next_register_envelope()) == 202);  // Admitted, not committed.
    custos::node_test::sleep_ms(1500);
    CHECK_MESSAGE(net.log_size(2).value_or(0) == cut_size, "node 2 and the twin committed without a quorum");
    CHECK(net.log_size(twin).value_or(0) == cut_size);

    // Healed: every link open, node 2's back to node 3; the twin keeps running.
    net.retarget(2, 3, 3);
    net.heal_all();
    history.recovery_seconds = time_to_commit(net, 2, history);
    // Under load until every honest node has heard both copies sign for one slot.
    const std::string evidence = "event=equivocation validator=validator-4 kind=";
    for (std::size_t n = 0; n < 300; ++n) {
        if (net.log_contains(0, evidence) && net.log_contains(1, evidence) && net.log_contains(2, evidence))
            break;
        acknowledge(net, n % 3, history);
    }
    const auto total = history.acknowledged.size() + 1;  // And the one admitted by node 2 alone.
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2}, total, 30), net.log_tail(2));
    const auto top = net.height(0).value_or(0);
    REQUIRE(net.wait_for([&] { return net.height(1) >= top && net.height(2) >= top; }, 30));
    for (std::size_t index = 0; index < 3; ++index)
        history.nodes.push_back(collect(net, index));
    for (const auto& finding : custos::chaos::check(history))
        CHECK_MESSAGE(false, finding.property << ": " << finding.detail);
    for (const auto& node : history.nodes)
        CHECK_MESSAGE(node.event_heights.size() == total,
                      node.name << " holds " << node.event_heights.size());

    // Each honest node recorded the double signing: which key, for which height, round and type.
    for (std::size_t index = 0; index < 3; ++index) {
        const auto log = net.log_text(index);
        const auto at = log.find(evidence);
        REQUIRE_MESSAGE(at != std::string::npos,
                        "node " << index << " saw no double signing: " << net.log_tail(index));
        const auto line = log.substr(at, log.find('\n', at) - at);
        CHECK_MESSAGE(line.find(" height=") != std::string::npos, line);
        CHECK_MESSAGE(line.find(" round=") != std::string::npos, line);
        CHECK_MESSAGE(line.find(" key=" + twinned_key) != std::string::npos, line);
        CHECK(net.metric(index, "custos_evidence_total").value_or(0) > 0);
        CHECK_FALSE(net.log_contains(index, "event=fatal"));
    }
    net.kill_node(twin, SIGKILL);
    for (std::size_t index = 0; index < 3; ++index) {
        net.kill_node(index, SIGTERM);
        auto report = custos::ledger::audit_directory(net.store_dir(index), {});
        REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().to_string()));
        CHECK_MESSAGE(report->verified(), "node " << index << ": " << custos::ledger::audit_summary(*report));
    }
}

TEST_CASE(
    "twins: two keys doubled across a partition (beyond f): each side commits and the checker reports the "
    "fork") {
    constexpr std::size_t twin_of_3 = 4;  // validator-3's key (node 2's).
    constexpr std::size_t twin_of_4 = 5;  // validator-4's key (node 3's).
    Localnet net(LocalnetOptions{.proxied_links = true, .twins = {2, 3}});
    start_validators(net);
    History history;
    history.byzantine = {"validator-3", "validator-4"};
    acknowledge(net, 0, history);

    // Node 1 and the two twins, each side's links to validators 3 and 4 reaching its own copies.
    net.retarget(1, 2, twin_of_3);
    net.retarget(1, 3, twin_of_4);
    net.retarget(twin_of_3, 3, twin_of_4);
    net.retarget(twin_of_4, 2, twin_of_3);
    net.partition({0, 2, 3}, {1, twin_of_3, twin_of_4});
    net.start(twin_of_3);
    net.start(twin_of_4);
    wait_caught_up(net, twin_of_3, 1);
    wait_caught_up(net, twin_of_4, 1);
    for (int n = 0; n < 3; ++n) {  // Both sides hold a quorum: both commit.
        acknowledge(net, 0, history);
        acknowledge(net, 1, history);
    }
    history.recovery_seconds = 0;  // Nothing healed: liveness is not what this control is about.
    history.nodes.push_back(collect(net, 0));
    history.nodes.push_back(collect(net, 1));

    // The first height where the two honest nodes differ, found here independently of the checker.
    std::uint64_t forked = 0;
    for (const auto& [height, hash] : history.nodes[0].hashes) {
        const auto other = history.nodes[1].hashes.find(height);
        if (other != history.nodes[1].hashes.end() && other->second != hash) {
            forked = height;
            break;
        }
    }
    REQUIRE_MESSAGE(forked > 0, "no fork: the two sides committed the same blocks");
    const auto findings = custos::chaos::check(history);
    bool named = false;
    std::string reported;
    for (const auto& finding : findings) {
        reported += finding.property + ": " + finding.detail + "\n";
        if (finding.property == "agreement" &&
            finding.detail.starts_with("height " + std::to_string(forked) + ": node0 has " +
                                       history.nodes[0].hashes.at(forked) + ", node1 has " +
                                       history.nodes[1].hashes.at(forked)))
            named = true;
    }
    CHECK_MESSAGE(named, "the agreement checker did not name height " << forked << ":\n" << reported);
    // Events each side acknowledged are missing on the other side.
    CHECK(custos::chaos::has(findings, "acknowledged_lost"));
}
