// A validator joins a running network (issue 3, validator-set changes; docs/OPERATIONS.md "An
// agency joins as a validator"): five agencies, four validators in the genesis. The fifth
// agency's admin proposes its validator and three other agencies approve; once the change is in
// force its node starts, runs as an observer while it syncs from genesis, and votes from the
// height where the set in force holds its key.
// Then one original validator stops: 4 of 5 equal powers remain, more than 2/3, which needs the
// new validator's votes, so commits continuing proves it takes part; stopping the joiner as well
// (3 of 5) stops commits, which shows the five-validator set is the one in force.
#include <signal.h>

#include <doctest/doctest.h>

#include "cli_support.hpp"
#include "ledger/events/event.hpp"
#include "localnet.hpp"

namespace {

using custos::node_test::Localnet;
using custos::node_test::LocalnetOptions;
using custos::node_test::validator_count;
namespace ledger = custos::ledger;

constexpr std::size_t joiner = validator_count;  // Node index 4, agency ES-PN.

std::uint64_t height_or_zero(Localnet& net, std::size_t index) {
    return net.height(index).value_or(0);
}

}  // namespace

TEST_CASE("validator join: an observer is added by governance, votes, and is needed for commits") {
    Localnet net(LocalnetOptions{.spare_nodes = 1});
    for (std::size_t index = 0; index < validator_count; ++index)
        net.start(index);
    REQUIRE(net.wait_for([&] { return height_or_zero(net, 0) >= 2; }, 20));
    for (int count = 0; count < 5; ++count)
        REQUIRE(net.submit(count % 4, net.next_register_envelope()) == 202);

    // ES-PN proposes its validator; NL-POL, DE-BKA and FR-PN (3 of 4 power) approve.
    ledger::Event propose;
    propose.kind = ledger::EventKind::validator_propose;
    propose.agency = "ES-PN";
    propose.validator = net.spare_validator(joiner, 1);
    propose.reason = "ES-PN joins as a validator";
    const std::string proposal_json = net.admin_envelope(propose);
    REQUIRE(net.submit_admin(0, "ES-PN", proposal_json) == 202);
    const auto proposal_id = ledger::event_id(propose);
    std::size_t via = 1;
    for (const char* agency : {"NL-POL", "DE-BKA", "FR-PN"}) {
        ledger::Event approve;
        approve.kind = ledger::EventKind::validator_approve;
        approve.agency = agency;
        approve.proposal = proposal_id;
        const std::string approval = net.admin_envelope(approve);
        // An approval may reach a node before the proposal is committed there: retry until admitted.
        REQUIRE(net.wait_for([&] { return net.submit_admin(via % validator_count, agency, approval) == 202; },
                             10));
        ++via;
    }

    // The change is in force once the others' next set has five validators. Only then do they
    // accept the joiner's connections (their allow-list is the sets of their next two heights).
    REQUIRE_MESSAGE(net.wait_for([&] { return net.metric(0, "custos_validators") == 5.0; }, 20),
                    net.log_tail(0));
    const auto adopted_by = height_or_zero(net, 0);

    // Not in the genesis set: the node starts as an observer and syncs from genesis; it builds
    // its core at the height where the set in force holds its key, and votes.
    net.start(joiner);
    CHECK(net.log_contains(joiner, "event=observer"));
    REQUIRE_MESSAGE(net.wait_for([&] { return height_or_zero(net, joiner) >= adopted_by; }, 20),
                    net.log_tail(joiner));
    REQUIRE_MESSAGE(net.wait_for([&] { return net.metric(joiner, "custos_observer") == 0.0; }, 20),
                    net.log_tail(joiner));
    const std::string joiner_log = net.log_text(joiner);
    const auto observed = joiner_log.find("event=observer height=0");
    const auto joined = joiner_log.find("event=validator height=");
    REQUIRE(observed != std::string::npos);
    REQUIRE(joined != std::string::npos);
    CHECK(observed < joined);  // Observer from genesis first, validator once the set holds its key.
    REQUIRE_MESSAGE(
        net.wait_for([&] { return net.metric(joiner, "custos_signed_messages_total") > 0.0; }, 20),
        net.log_tail(joiner));

    // Without validator-4, commits need the joiner (4 of 5 equal powers > 2/3; 3 of 5 is not).
    net.kill_node(3, SIGKILL);
    const auto before = height_or_zero(net, 0);
    for (int count = 0; count < 3; ++count)
        REQUIRE(net.submit(count % 3, net.next_register_envelope()) == 202);
    REQUIRE_MESSAGE(net.wait_for([&] { return height_or_zero(net, 0) >= before + 3; }, 20), net.log_tail(0));
    const auto reached = height_or_zero(net, 0);
    REQUIRE(net.wait_for([&] { return height_or_zero(net, joiner) >= reached; }, 10));
    CHECK(net.block_hash(joiner, reached) == net.block_hash(0, reached));

    // And the set really is five: without the joiner too (3 of 5), commits stop.
    net.kill_node(joiner, SIGKILL);
    REQUIRE(net.submit(0, net.next_register_envelope()) == 202);
    custos::node_test::sleep_ms(500);  // A block already decided may still land.
    const auto stalled_at = height_or_zero(net, 0);
    custos::node_test::sleep_ms(2000);
    CHECK(height_or_zero(net, 0) == stalled_at);

    // The joiner's store, certified by two validator sets, passes the audit replay.
    const auto audit =
        custos::node_test::run_custos(net.dir(), "audit --data " + net.store_dir(joiner).string());
    CHECK_MESSAGE(audit.exit_code == 0, audit.out << audit.err);
    CHECK(custos::node_test::contains(audit.out + audit.err, "verified:"));
}
