// The reads an observer waits to have recorded by a validator (read_relay.hpp; the node's side is
// in node_relay.cpp), by ticket: each read is asked of one validator at a time, each validator at
// most once, until one records it or read_relay_wait_ms passes, and at most read_relays_max reads
// wait at once. A ticket is never given twice, so a late answer cannot be taken for another read.
//
// Pure: no Asio, no clock, no store. The caller passes the time and the validators it could ask,
// sends the requests, arms the timers and calls back; `Waiter` is what it keeps with each read
// until then (the node: the read's callback and its attempt timer).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/assert.hpp"
#include "common/result.hpp"
#include "consensus/runtime/read_relay.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/types.hpp"

namespace custos::runtime {

template <typename Waiter>
class RelayTable {
public:
    struct Relay {
        ReadRelayRequest request;  // Its ticket is the read's.
        Waiter waiter;
        std::int64_t deadline_ms = 0;
        std::set<crypto::PublicKey> tried;       // Every validator asked, the current one too.
        std::optional<crypto::PublicKey> asked;  // The validator of the current attempt.
        std::string asked_name;
        std::uint64_t attempt = 0;  // Counts the attempts; a timer knows the one it was armed for.
    };
    // The next attempt at a read (next()): whom to ask, and how long to wait for the answer.
    struct Ask {
        crypto::PublicKey validator;
        std::uint64_t attempt = 0;
        std::int64_t wait_ms = 0;
    };
    // Whether the node is connected to a validator (only a connected one is asked).
    using Connected = std::function<bool(const crypto::PublicKey&)>;

    // A new ticket for `read`, received at `received`, waiting until now_ms + read_relay_wait_ms;
    // nullopt, and nothing kept, when read_relays_max reads wait already.
    [[nodiscard]] std::optional<std::uint64_t> open(ledger::ReadRecord read, ledger::TimeMs received,
                                                    std::int64_t now_ms, Waiter waiter) {
        if (relays_.size() >= read_relays_max) return std::nullopt;
        const std::uint64_t ticket = next_ticket_++;
        const bool inserted = relays_
                                  .emplace(ticket, Relay{.request = ReadRelayRequest{.ticket = ticket,
                                                                                     .received = received,
                                                                                     .read = std::move(read)},
                                                         .waiter = std::move(waiter),
                                                         .deadline_ms = now_ms + read_relay_wait_ms})
                                  .second;
        CUSTOS_ASSERT(inserted, "a read relay ticket is given once");
        return ticket;
    }

    // The next attempt at the waiting read `ticket` at now_ms: one of `validators` (the latest
    // adopted set, in its order) that is `connected` and was not asked for this read yet, taken
    // from a rotating start so that the records spread over them; it is the one asked from now on.
    // An unavailable error, the read's end, when its wait is over or nobody is left to ask.
    [[nodiscard]] Result<Ask> next(std::uint64_t ticket, std::int64_t now_ms,
                                   std::span<const ledger::Validator> validators,
                                   const Connected& connected) {
        Relay* relay = find(ticket);
        CUSTOS_ASSERT(relay != nullptr, "next attempt at a read relay ticket that does not wait");
        const std::int64_t left = relay->deadline_ms - now_ms;
        if (left <= 0) {
            return make_error(ErrorCode::unavailable, "no validator recorded the read within " +
                                                          std::to_string(read_relay_wait_ms) + " ms");
        }
        std::vector<const ledger::Validator*> candidates;
        for (const auto& validator : validators) {
            if (connected(validator.key) && !relay->tried.contains(validator.key))
                candidates.push_back(&validator);
        }
        if (candidates.empty()) {
            return make_error(ErrorCode::unavailable,
                              relay->tried.empty() ? "no validator that lists this observer is connected"
                                                   : "no validator recorded the read (" +
                                                         std::to_string(relay->tried.size()) + " asked)");
        }
        const ledger::Validator& chosen = *candidates[rotation_++ % candidates.size()];
        relay->tried.insert(chosen.key);
        relay->asked = chosen.key;
        relay->asked_name = chosen.name;
        ++relay->attempt;
        return Ask{.validator = chosen.key,
                   .attempt = relay->attempt,
                   .wait_ms = std::min(left, read_relay_attempt_ms)};
    }

    // The waiting read `ticket`, or nullptr.
    [[nodiscard]] Relay* find(std::uint64_t ticket) {
        auto found = relays_.find(ticket);
        return found == relays_.end() ? nullptr : &found->second;
    }
    // The waiting read `ticket` when `peer` is the validator asked now, else nullptr: an answer
    // from another (asked before, or never) is late or unasked, and changes nothing.
    [[nodiscard]] Relay* asked_of(std::uint64_t ticket, const crypto::PublicKey& peer) {
        Relay* relay = find(ticket);
        return relay != nullptr && relay->asked == peer ? relay : nullptr;
    }
    // Whether `attempt` is the current attempt at the waiting read `ticket` (a timer armed for an
    // earlier one, or for a read that ended, is stale).
    [[nodiscard]] bool current(std::uint64_t ticket, std::uint64_t attempt) const {
        auto found = relays_.find(ticket);
        return found != relays_.end() && found->second.attempt == attempt;
    }
    // Ends the waiting read `ticket`: removed and returned; nullopt when none waits under it.
    [[nodiscard]] std::optional<Relay> finish(std::uint64_t ticket) {
        auto found = relays_.find(ticket);
        if (found == relays_.end()) return std::nullopt;
        Relay relay = std::move(found->second);
        relays_.erase(found);
        return relay;
    }
    // The ticket of some waiting read (the oldest), nullopt when none waits.
    [[nodiscard]] std::optional<std::uint64_t> first() const {
        if (relays_.empty()) return std::nullopt;
        return relays_.begin()->first;
    }
    [[nodiscard]] std::size_t size() const { return relays_.size(); }

private:
    std::map<std::uint64_t, Relay> relays_;
    std::uint64_t next_ticket_ = 1;
    std::size_t rotation_ = 0;
};

}  // namespace custos::runtime
