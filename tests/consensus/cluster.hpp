// Test harness: real cores, real keys and the real verifier on a hand-driven network. Tests
// decide which messages arrive where and when timeouts fire, so a scenario is exact.
#pragma once

#include <doctest/doctest.h>

#include <sodium.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "consensus/core.hpp"
#include "consensus/verifier.hpp"
#include "crypto/sha256.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/events/event.hpp"

namespace custos::test {

using namespace custos::consensus;
using ledger::Height;
using ledger::Round;
using ledger::TimeMs;

inline constexpr std::string_view test_chain_id = "custos-test";
inline constexpr std::int64_t test_genesis_time_ms = 1'800'000'000'000;

inline crypto::SecretKey test_key(std::size_t index) {
    REQUIRE(sodium_init() >= 0);
    const Hash32 seed = crypto::sha256("custos-test validator " + std::to_string(index));
    auto key = crypto::SecretKey::from_seed(seed.view());
    REQUIRE(key.has_value());
    return std::move(*key);
}

inline std::string test_name(std::size_t index) {
    return "V" + std::to_string(index) + ".validator";
}

inline ledger::ValidatorSet test_validators(std::size_t count) {
    ledger::ValidatorSet set;
    for (std::size_t index = 0; index < count; ++index) {
        set.validators.push_back(ledger::Validator{test_name(index), "V" + std::to_string(index),
                                                   test_key(index).public_key(), 10, "127.0.0.1:1"});
    }
    return set;
}

inline Params test_params(std::size_t count) {
    Params params;
    params.chain_id = std::string(test_chain_id);
    params.validators = test_validators(count);
    return params;
}

// A block for `height` that the core's own checks accept; `salt` makes different blocks.
inline Block test_block(Height height, TimeMs time, const BlockHash& previous, std::string proposer,
                        std::uint8_t salt = 0) {
    Block block;
    block.header.chain_id = std::string(test_chain_id);
    block.header.height = height;
    block.header.time = time;
    block.header.previous = previous;
    block.header.proposer = std::move(proposer);
    block.header.log_root.bytes[0] = salt;
    return block;
}

// A signed custody event for blocks that must not be empty (quiet when idle); `number` makes
// different ones. The core never looks inside it; the wire codec parses it strictly.
inline ledger::Envelope test_envelope(std::size_t number) {
    ledger::Event event;
    event.chain_id = std::string(test_chain_id);
    event.kind = ledger::EventKind::register_item;
    event.item = "ITEM-" + std::to_string(number);
    event.case_id = "CASE-1";
    event.agency = "V0";
    event.time = TimeMs{test_genesis_time_ms};
    event.location = "Evidence room 1";
    event.legal_authority = ledger::LegalAuthority{ledger::AuthorityKind::warrant, "W-1"};
    event.digests = ledger::Digests{crypto::sha256(event.item)};
    event.description = "Exhibit " + event.item;
    event.seal = "SEAL-" + event.item;
    return ledger::sign_event(event, test_key(0));
}

class Cluster {
public:
    // `heartbeat_ms`: Params::heartbeat_ms (0: empty blocks at once, no idle wait).
    explicit Cluster(std::size_t count, std::int64_t heartbeat_ms = 0)
        : params_(with_heartbeat(test_params(count), heartbeat_ms)),
          verifier_(params_.chain_id, params_.validators) {
        for (std::size_t index = 0; index < count; ++index) {
            signers_.push_back(std::make_unique<KeySigner>(test_name(index), test_key(index)));
        }
        for (std::size_t index = 0; index < count; ++index) {
            cores_.push_back(std::make_unique<Core>(params_, *signers_[index], start_state()));
        }
        decided_.resize(count);
        persisted_.resize(count);
        pool_.resize(count, 0);
    }

    static Params with_heartbeat(Params params, std::int64_t heartbeat_ms) {
        params.heartbeat_ms = heartbeat_ms;
        return params;
    }

    // `events` events reach one node's pool, and its core hears of them as the runtime reports it.
    void report_events(std::size_t node, std::size_t events = 1) {
        pool_[node] += events;
        auto ready = cores_[node]->step(EventsPending{}, now());
        carry_out(node, ready);
    }

    [[nodiscard]] StartState start_state() const {
        return StartState{Height{1}, TimeMs{test_genesis_time_ms - 1}, BlockHash{}, std::nullopt};
    }

    void start_all() {
        for (std::size_t index = 0; index < cores_.size(); ++index) {
            auto ready = cores_[index]->start(now());
            carry_out(index, ready);
        }
    }

    [[nodiscard]] TimeMs now() const { return TimeMs{test_genesis_time_ms + elapsed_ms_}; }

    // Every node, but those in `skip`, has decided at least `heights` blocks.
    [[nodiscard]] bool all_decided(std::size_t heights, const std::set<std::size_t>& skip = {}) const {
        for (std::size_t node = 0; node < decided_.size(); ++node) {
            if (!skip.contains(node) && decided_[node].size() < heights) return false;
        }
        return true;
    }

    // Verifies and hands a message to one core (the only way into a core).
    void deliver(std::size_t to, const SignedMessage& message) {
        auto verified = verifier_.verify(encode(message));
        REQUIRE(verified.has_value());
        auto ready = cores_[to]->step(MessageReceived{std::move(*verified)}, now());
        carry_out(to, ready);
    }

    // Delivers queued messages until none is left (links filtered by `link_up`).
    void flush() {
        for (std::size_t guard = 0; guard < 100'000 && !queue_.empty(); ++guard) {
            auto [from, to, message] = queue_.front();
            queue_.pop_front();
            if (link_up(from, to) && !crashed_.contains(from) && !crashed_.contains(to)) deliver(to, message);
        }
    }

    // A crashed node hears nothing, sends nothing, and its timers die with it.
    void crash(std::size_t node) {
        crashed_.insert(node);
        std::erase_if(timeouts_, [node](const Pending& pending) { return pending.node == node; });
        std::erase_if(queue_,
                      [node](const Queued& queued) { return queued.from == node || queued.to == node; });
    }

    // A new core from what the node persisted (at height 1, as the tests using it need).
    void restart(std::size_t node, bool voting) {
        crashed_.erase(node);
        StartState state{Height{1}, TimeMs{test_genesis_time_ms - 1}, BlockHash{}, persisted_[node], voting};
        cores_[node] = std::make_unique<Core>(params_, *signers_[node], state);
        auto ready = cores_[node]->start(now());
        carry_out(node, ready);
    }

    // Fires the timeouts due in the next `ms` of simulated time.
    void run_for(std::int64_t ms) {
        const auto until = elapsed_ms_ + ms;
        flush();
        while (fire_next_timeout(until)) {
        }
        elapsed_ms_ = std::max(elapsed_ms_, until);
    }

    // Block sync as the runtime does it: a running node behind another gets the commit it misses.
    void sync_commits() {
        for (std::size_t node = 0; node < cores_.size(); ++node) {
            for (std::size_t peer = 0; peer < cores_.size(); ++peer) {
                const auto have = decided_[node].size();
                if (crashed_.contains(node) || crashed_.contains(peer) || decided_[peer].size() <= have)
                    continue;
                const auto& decision = decided_[peer][have];
                deliver(node,
                        SignedMessage{Commit{decision.block, decision.round, decision.certificate}, {}, {}});
            }
        }
    }

    // Fires the earliest pending timeout, if it is due by `until` (advancing time), then flushes.
    bool fire_next_timeout(std::int64_t until = std::numeric_limits<std::int64_t>::max()) {
        const auto earliest =
            std::min_element(timeouts_.begin(), timeouts_.end(),
                             [](const Pending& a, const Pending& b) { return a.at_ms < b.at_ms; });
        if (earliest == timeouts_.end() || earliest->at_ms > until) return false;
        auto [node, at_ms, timeout] = *earliest;
        timeouts_.erase(earliest);
        if (at_ms > elapsed_ms_) elapsed_ms_ = at_ms;
        auto ready = cores_[node]->step(TimeoutFired{timeout}, now());
        carry_out(node, ready);
        flush();
        return true;
    }

    // Runs until `done` or no progress is possible within the step bound.
    bool run_until(const std::function<bool()>& done, std::size_t steps = 10'000) {
        flush();
        for (std::size_t step = 0; step < steps && !done(); ++step) {
            if (!fire_next_timeout()) return done();
        }
        return done();
    }

    void carry_out(std::size_t index, Ready& ready) {
        if (ready.persist) persisted_[index] = *ready.persist;
        for (auto& decision : ready.decisions) {
            decided_[index].push_back(decision);
            if (!decision.block.events.empty()) pool_[index] = 0;  // Every test event is in it.
        }
        for (auto& evidence : ready.evidence)
            evidence_.push_back(evidence);
        for (const auto& outbound : ready.messages) {
            sent_.push_back({index, outbound.message});
            for (std::size_t peer = 0; peer < cores_.size(); ++peer) {
                if (peer != index && (!outbound.to || *outbound.to == peer))
                    queue_.push_back({index, peer, outbound.message});
            }
        }
        for (const auto& timeout : ready.timeouts) {
            if (crashed_.contains(index)) break;
            if (timeout.kind != TimeoutKind::rebroadcast || rebroadcast) {
                timeouts_.push_back({index, elapsed_ms_ + timeout.delay_ms, timeout});
            }
        }
        for (const auto& request : ready.proposal_requests) {
            const auto previous = decided_[index].empty() ? BlockHash{} : decided_[index].back().block_id;
            auto block = test_block(request.height, request.time, previous, test_name(index), next_salt_++);
            for (std::size_t event = 0; event < pool_[index]; ++event)
                block.events.push_back(test_envelope(event));
            auto next = cores_[index]->step(ProposalBuilt{request.height, request.round, block}, now());
            carry_out(index, next);
        }
        for (const auto& request : ready.validation_requests) {
            auto next = cores_[index]->step(
                ValidityVerdict{request.height, request.block_id, valid(request.block)}, now());
            carry_out(index, next);
        }
    }

    Params params_;
    MessageVerifier verifier_;
    std::vector<std::unique_ptr<KeySigner>> signers_;
    std::vector<std::unique_ptr<Core>> cores_;
    std::vector<std::vector<Decision>> decided_;
    std::vector<std::optional<PersistentState>> persisted_;
    std::vector<std::size_t> pool_;  // Events in each node's pool (report_events).
    std::vector<Evidence> evidence_;
    std::vector<std::pair<std::size_t, SignedMessage>> sent_;
    struct Queued {
        std::size_t from;
        std::size_t to;
        SignedMessage message;
    };
    std::deque<Queued> queue_;
    struct Pending {
        std::size_t node;
        std::int64_t at_ms;
        Timeout timeout;
    };
    std::vector<Pending> timeouts_;
    std::set<std::size_t> crashed_;
    std::int64_t elapsed_ms_ = 0;
    std::uint8_t next_salt_ = 1;
    bool rebroadcast = false;
    std::function<bool(std::size_t, std::size_t)> link_up = [](std::size_t, std::size_t) { return true; };
    std::function<bool(const Block&)> valid = [](const Block&) { return true; };
};

}  // namespace custos::test
