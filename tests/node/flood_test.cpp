// A mempool flood on real custos-node processes (issue 20): far more submissions than the pool
// holds, mixing valid events, duplicates, forged signatures and malformed events. The pool stays
// within its bound and answers the excess 503; nothing refused is committed; every event the
// node accepted (202) is committed exactly once; the valid events it turned away commit when sent
// again; the store still passes the audit.
#include <signal.h>

#include <array>
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "cli_support.hpp"
#include "crypto/encoding.hpp"
#include "ledger/events/event.hpp"
#include "localnet.hpp"
#include "net_checks.hpp"

using custos::crypto::Json;
using custos::node_test::all_reach;
using custos::node_test::check_identical_blocks;
using custos::node_test::contains;
using custos::node_test::Localnet;
using custos::node_test::LocalnetOptions;
using custos::node_test::run_custos;
using custos::node_test::validator_count;

namespace {

constexpr std::uint64_t pool_events_max = 16;

std::string id_of(const std::string& envelope_json) {
    auto parsed = custos::crypto::parse_json(envelope_json);
    REQUIRE(parsed.has_value());
    auto envelope = custos::ledger::envelope_from_json(*parsed);
    REQUIRE(envelope.has_value());
    return custos::ledger::event_id_hex(custos::ledger::event_id(envelope->event));
}

// The envelope with one bit of its signature flipped: well formed, refused by R2.
std::string forged(const std::string& envelope_json) {
    auto parsed = custos::crypto::parse_json(envelope_json);
    REQUIRE(parsed.has_value());
    auto signature = custos::crypto::base64_decode((*parsed)["sig"].get<std::string>());
    REQUIRE(signature.has_value());
    (*signature)[7] ^= 0x01;
    (*parsed)["sig"] = custos::crypto::base64_encode(*signature);
    return parsed->dump();
}

// The envelope without its event's `location`: refused by R1 before it reaches the pool.
std::string malformed(const std::string& envelope_json) {
    auto parsed = custos::crypto::parse_json(envelope_json);
    REQUIRE(parsed.has_value());
    (*parsed)["event"].erase("location");
    return parsed->dump();
}

// What one flooding client sent and was answered.
struct Sent {
    std::string id;
    std::string envelope;
    char kind = 'v';  // v valid, d duplicate, f forged signature, m malformed.
    unsigned status = 0;
};

// Every event id in node `index`'s blocks, with how many times each appears.
std::map<std::string, int> committed_ids(Localnet& net, std::size_t index) {
    std::map<std::string, int> seen;
    const auto top = net.height(index).value_or(0);
    for (std::uint64_t height = 1; height <= top; ++height) {
        auto block = net.block_events(index, height);
        REQUIRE_MESSAGE(block.has_value(), "block " << height);
        for (const auto& id : block->second)
            ++seen[id];
    }
    return seen;
}

// What breaks the flood's properties, given what the clients were told and what node 0's blocks
// hold: an accepted event missing or committed twice, any event committed twice, a refused event
// committed, an event committed that nobody had accepted. Empty when all hold.
std::vector<std::string> flood_findings(const std::set<std::string>& accepted,
                                        const std::set<std::string>& refused,
                                        const std::map<std::string, int>& committed) {
    std::vector<std::string> findings;
    for (const auto& id : accepted) {
        auto found = committed.find(id);
        if (found == committed.end()) findings.push_back("accepted but not committed: " + id);
    }
    for (const auto& [id, times] : committed) {
        if (times != 1) findings.push_back("committed " + std::to_string(times) + " times: " + id);
        if (refused.contains(id)) findings.push_back("refused but committed: " + id);
        if (!accepted.contains(id)) findings.push_back("committed but never accepted: " + id);
    }
    return findings;
}

}  // namespace

TEST_CASE("faults: the flood checker reports each broken property (negative controls)") {
    const std::set<std::string> accepted{"a", "b"};
    const std::set<std::string> refused{"f"};
    CHECK(flood_findings(accepted, refused, {{"a", 1}, {"b", 1}}).empty());
    CHECK(flood_findings(accepted, refused, {{"a", 1}}) ==
          std::vector<std::string>{"accepted but not committed: b"});
    CHECK(flood_findings(accepted, refused, {{"a", 1}, {"b", 2}}) ==
          std::vector<std::string>{"committed 2 times: b"});
    CHECK(flood_findings(accepted, refused, {{"a", 1}, {"b", 1}, {"f", 1}}) ==
          std::vector<std::string>{"refused but committed: f", "committed but never accepted: f"});
}

TEST_CASE(
    "faults: a mempool flood of valid, duplicate, forged and malformed events: the pool stays bounded "
    "and answers 503, every accepted event commits once, nothing refused commits") {
    Localnet net(LocalnetOptions{.mempool_events_max = pool_events_max});
    for (std::size_t index = 0; index < validator_count; ++index)
        net.start(index);

    // 1. No quorum (two of four stopped): nothing commits, so node 0's pool fills to its bound and
    // every valid event past it gets 503; a malformed one is still told why (400), never 503.
    REQUIRE(::kill(net.pid(2), SIGSTOP) == 0);
    REQUIRE(::kill(net.pid(3), SIGSTOP) == 0);
    std::vector<Sent> stalled;
    for (std::uint64_t n = 0; n < pool_events_max + 8; ++n) {
        Sent sent{.envelope = net.next_register_envelope()};
        sent.id = id_of(sent.envelope);
        sent.status = net.submit(0, sent.envelope);
        stalled.push_back(sent);
    }
    for (std::uint64_t n = 0; n < pool_events_max; ++n)
        CHECK_MESSAGE(stalled[n].status == 202, "event " << n << ": " << stalled[n].status);
    for (std::uint64_t n = pool_events_max; n < stalled.size(); ++n)
        CHECK_MESSAGE(stalled[n].status == 503, "event " << n << ": " << stalled[n].status);
    CHECK(net.metric(0, "custos_mempool_events") == static_cast<double>(pool_events_max));
    CHECK(net.submit(0, malformed(net.next_register_envelope())) == 400);
    CHECK(net.submit(0, stalled.front().envelope) != 202);  // Pending already: not admitted twice.

    // 2. Quorum back, and four clients flood node 0 and node 1 as fast as they can.
    REQUIRE(::kill(net.pid(2), SIGCONT) == 0);
    REQUIRE(::kill(net.pid(3), SIGCONT) == 0);
    // The flood starts on a live network: the pool of the stall committed first.
    REQUIRE_MESSAGE(all_reach(net, {0, 1}, pool_events_max, 60), net.log_tail(0));
    constexpr std::size_t clients = 4;
    constexpr std::size_t per_client = 150;
    std::array<std::vector<Sent>, clients> sent;
    for (auto& mine : sent) {
        for (std::size_t n = 0; n < per_client; ++n) {
            Sent next{.envelope = net.next_register_envelope()};
            next.id = id_of(next.envelope);
            switch (n % 10) {
                case 3:
                case 7:  // A duplicate of this client's previous valid event.
                    next = mine.back().kind == 'v' ? mine.back() : next;
                    next.kind = 'd';
                    break;
                case 5:
                    next.envelope = forged(next.envelope);
                    next.kind = 'f';
                    break;
                case 9:
                    next.envelope = malformed(next.envelope);
                    next.kind = 'm';
                    break;
                default:
                    break;
            }
            mine.push_back(next);
        }
    }
    std::vector<double> pool_samples;
    std::atomic<bool> flooding{true};
    std::thread sampler([&] {
        while (flooding.load()) {
            if (auto events = net.metric(0, "custos_mempool_events")) pool_samples.push_back(*events);
            custos::node_test::sleep_ms(20);
        }
    });
    std::vector<std::thread> threads;
    for (std::size_t client = 0; client < clients; ++client) {
        threads.emplace_back([&, client] {
            for (auto& one : sent[client])
                one.status = net.submit(client % 2, one.envelope);
        });
    }
    for (auto& thread : threads)
        thread.join();
    flooding = false;
    sampler.join();

    // 3. What the clients were told.
    std::map<char, std::map<unsigned, int>> answers;
    std::set<std::string> accepted;  // 202 at least once.
    std::set<std::string> refused;   // Forged or malformed: never to be committed.
    std::vector<Sent> turned_away;   // Valid but 503: sent again below.
    for (const auto& one : stalled) {
        if (one.status == 202) accepted.insert(one.id);
        if (one.status == 503) turned_away.push_back(one);
    }
    for (const auto& mine : sent) {
        for (const auto& one : mine) {
            ++answers[one.kind][one.status];
            if (one.kind == 'f' || one.kind == 'm') {
                refused.insert(one.id);
                CHECK_MESSAGE((one.status == 400 || one.status == 422 || one.status == 503),
                              one.kind << " answered " << one.status);
            } else if (one.status == 202) {
                accepted.insert(one.id);
            } else if (one.status == 503) {
                if (one.kind == 'v') turned_away.push_back(one);
            } else {
                // A duplicate of a pending or committed event is refused as one (409).
                CHECK_MESSAGE(one.kind == 'd', "a valid event answered " << one.status);
                CHECK_MESSAGE(one.status == 409, "a duplicate answered " << one.status);
            }
        }
    }
    for (const auto& [kind, statuses] : answers) {
        for (const auto& [status, count] : statuses)
            MESSAGE("flood: kind " << std::string(1, kind) << " status " << status << ": " << count);
    }
    MESSAGE("flood: accepted " << accepted.size() << ", turned away " << turned_away.size()
                               << ", pool samples " << pool_samples.size());
    REQUIRE(!pool_samples.empty());
    for (double events : pool_samples)
        CHECK(events <= static_cast<double>(pool_events_max));

    // 4. The valid events turned away are admitted when sent again, once blocks drain the pool.
    std::vector<Sent> waiting = turned_away;
    for (int pass = 0; pass < 300 && !waiting.empty(); ++pass) {
        std::vector<Sent> still;
        for (const auto& one : waiting) {
            const unsigned status = net.submit(0, one.envelope);
            if (status == 503) {
                still.push_back(one);
                continue;
            }
            // 409: a duplicate of it (kind d) was admitted meanwhile.
            CHECK_MESSAGE((status == 202 || status == 409), "resent event answered " << status);
            accepted.insert(one.id);
        }
        waiting = std::move(still);
        if (!waiting.empty()) custos::node_test::sleep_ms(200);
    }
    CHECK_MESSAGE(waiting.empty(), waiting.size() << " valid events still turned away after a minute");

    // 5. Every accepted event is committed exactly once, on every node alike; nothing refused is.
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2, 3}, accepted.size(), 60), net.log_tail(0));
    check_identical_blocks(net, {0, 1, 2, 3});
    const auto committed = committed_ids(net, 0);
    const auto findings = flood_findings(accepted, refused, committed);
    for (const auto& finding : findings)
        MESSAGE(finding);
    CHECK(findings.empty());
    CHECK(committed.size() == accepted.size());

    // 6. The store of the flooded node passes the audit (read-only, beside the running node).
    const auto audit = run_custos(net.dir(), "audit --data " + net.store_dir(0).string());
    CHECK_MESSAGE(audit.exit_code == 0, audit.out << audit.err);
    CHECK_MESSAGE(contains(audit.out, "verified: "), audit.out);
}
