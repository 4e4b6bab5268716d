// Multi-process: one of four validators runs the TEST-ONLY Byzantine mode ("test_byzantine" in
// its config, accepted only with CUSTOS_TEST_BYZANTINE=1), and a production config carrying the
// setting is refused. Label `node`.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>

#include "ledger/audit/audit.hpp"
#include "localnet.hpp"

using custos::node_test::Localnet;

namespace {

bool honest_reach(Localnet& net, std::uint64_t size) {
    return net.wait_for(
        [&] {
            for (std::size_t index = 0; index < 3; ++index) {
                if (net.log_size(index).value_or(0) < size) return false;
            }
            return true;
        },
        30);
}

bool any_log_has(const Localnet& net, const std::string& text) {
    for (std::size_t index = 0; index < 3; ++index) {
        if (net.log_contains(index, text)) return true;
    }
    return false;
}

// Validators 1-3 honest, validator-4 (index 3) in the Byzantine `mode`.
void start_with_byzantine(Localnet& net, const char* mode) {
    net.set_config(3, "test_byzantine", mode);
    for (std::size_t index = 0; index < 3; ++index)
        net.start(index);
    ::setenv("CUSTOS_TEST_BYZANTINE", "1", 1);  // Inherited by the next child only.
    net.start(3);
    ::unsetenv("CUSTOS_TEST_BYZANTINE");
}

// One event per block, submitted to the honest validators in turn and committed by all three
// before the next, until some honest log holds `seen` and at least eight heights are decided
// (validator-4 proposes every fourth height, round robin), or 24 blocks. Returns the count.
std::uint64_t submit_until_logged(Localnet& net, const std::string& seen) {
    std::uint64_t submitted = 0;
    for (int block = 0; block < 24; ++block) {
        REQUIRE(net.submit(static_cast<std::size_t>(block % 3), net.next_register_envelope()) == 202);
        ++submitted;
        REQUIRE_MESSAGE(honest_reach(net, submitted), net.log_tail(0));
        if (block >= 7 && any_log_has(net, seen)) break;
    }
    return submitted;
}

}  // namespace

TEST_CASE("node: with one validator equivocating proposals and votes, the honest three agree and record it") {
    Localnet net;
    start_with_byzantine(net, "equivocate");
    // Until the Byzantine validator has proposed and at least eight heights are decided.
    const std::string proposal_evidence = "event=equivocation validator=validator-4 kind=proposal";
    (void)submit_until_logged(net, proposal_evidence);
    // The honest validators hold identical blocks at every height.
    std::uint64_t top = UINT64_MAX;
    for (std::size_t index = 0; index < 3; ++index)
        top = std::min(top, net.height(index).value_or(0));
    REQUIRE(top >= 8);
    for (std::uint64_t height = 1; height <= top; ++height) {
        auto first = net.block_hash(0, height);
        REQUIRE(first.has_value());
        CHECK_MESSAGE(net.block_hash(1, height) == first, "height " << height);
        CHECK_MESSAGE(net.block_hash(2, height) == first, "height " << height);
    }
    // Each honest validator recorded equivocations by validator-4, and only by it; together they
    // saw both kinds: two blocks for one proposal slot, and two values for one vote slot.
    for (std::size_t index = 0; index < 3; ++index) {
        CHECK(net.metric(index, "custos_evidence_total").value_or(0) > 0);
        CHECK(net.log_contains(index, "event=equivocation validator=validator-4"));
        for (const char* honest : {"validator-1 ", "validator-2 ", "validator-3 "})
            CHECK_FALSE(net.log_contains(index, std::string("event=equivocation validator=") + honest));
        CHECK_FALSE(net.log_contains(index, "event=fatal"));
    }
    CHECK(any_log_has(net, proposal_evidence));
    CHECK((any_log_has(net, "validator=validator-4 kind=prevote") ||
           any_log_has(net, "validator=validator-4 kind=precommit")));
}

TEST_CASE("node: a proposer passing off a verified event under a forged signature gets its blocks refused") {
    // Validator-4 proposes blocks whose first event is one the others have verified, with one
    // bit of its signature flipped and a header made for it. Had the honest validators
    // remembered verified events by id (not by the whole envelope), they would have skipped the
    // check and committed an envelope whose signature does not verify.
    Localnet net;
    start_with_byzantine(net, "forge_signatures");
    // Until validator-4 has had its turn and its block was refused (the events go to the honest
    // validators, which gossip them to all), and at least eight heights are decided.
    const std::string refused = "event=proposal_refused";
    const std::uint64_t submitted = submit_until_logged(net, refused);
    REQUIRE_MESSAGE(any_log_has(net, refused), net.log_tail(0));
    for (std::size_t index = 0; index < 3; ++index) {
        // Each honest validator that was asked refused it for the signature, never for anything else.
        if (net.log_contains(index, refused)) {
            CHECK(net.log_contains(index, "event=proposal_refused height="));
            CHECK(net.log_contains(index, "reason=\"bad event signature\""));
        }
        CHECK_FALSE(net.log_contains(index, "event=fatal"));
    }
    // Nothing forged was committed: every honest store passes the audit (each signature checked),
    // with every submitted event in it.
    for (std::size_t index = 0; index < 3; ++index) {
        net.kill_node(index, SIGTERM);
        auto report = custos::ledger::audit_directory(net.store_dir(index), {});
        REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().to_string()));
        CHECK_MESSAGE(report->verified(), custos::ledger::audit_summary(*report));
        CHECK(report->events == submitted);
    }
}

TEST_CASE("node: a production config with test_byzantine is refused with exit status 2") {
    Localnet net;
    net.set_config(0, "test_byzantine", "equivocate");
    ::unsetenv("CUSTOS_TEST_BYZANTINE");
    const auto config = (net.dir() / "node0.json").string();
    const auto errors = (net.dir() / "refused.log").string();
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        FILE* out = std::freopen(errors.c_str(), "w", stderr);
        (void)out;
        ::execl(CUSTOS_NODE_BINARY, "custos-node", "--config", config.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 2);
    std::ifstream in(errors);
    std::stringstream text;
    text << in.rdbuf();
    CHECK_MESSAGE(text.str().find("\"test_byzantine\" is a test-only setting") != std::string::npos,
                  text.str());
    CHECK(text.str().find("CUSTOS_TEST_BYZANTINE=1") != std::string::npos);
    // Nothing was created: the refusal comes before the store is opened.
    CHECK_FALSE(std::filesystem::exists(net.dir() / "node0" / "data"));
}
