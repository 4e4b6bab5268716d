// Reads served by an observer, recorded by a validator (docs/FORMAT.md 8.4, messages 0x07 and
// 0x08; docs/OPERATIONS.md "Observer nodes"). An observer cannot sign read records (R33: only a
// validator of the latest adopted set does), yet the consultation log must hold every evidence
// read a node serves. So an observer that authenticated an officer's read and decided its
// answer asks a validator that lists it under "observers" to record it: it sends the read record
// it built (0x07, with a ticket), the validator checks it (the officer's signature over the
// base, the receipt time against its own clock), names itself in `read.node`, signs and admits it
// exactly like a read it served, and answers (0x08) with the record's event id or why not. The
// observer answers the officer only once a validator has accepted the record.
//
// This file holds the two messages' strict codecs and the validator's checks: pure functions, no
// I/O (the node's side is in node_relay.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "ledger/events/event.hpp"
#include "ledger/types.hpp"

namespace custos::runtime {

// An observer waits this long for one validator's answer before it asks the next one, and this
// long in all before it gives up (the API then answers 503: no validator recorded the read).
inline constexpr std::int64_t read_relay_attempt_ms = 2000;
inline constexpr std::int64_t read_relay_wait_ms = 5000;
// Relayed reads an observer waits for at once; past it, a read is not served (503).
inline constexpr std::size_t read_relays_max = 4096;
// A relay message is at most this long: a read record's signature base is at most 8 KiB.
inline constexpr std::size_t read_relay_bytes_max = 16 * 1024;
// The longest refusal reason a validator sends back (cut, never refused for length).
inline constexpr std::size_t read_relay_reason_bytes_max = 512;

inline constexpr std::string_view read_relay_type = "custos.read_relay.v1";
inline constexpr std::string_view read_relay_answer_type = "custos.read_relay_answer.v1";

// 0x07, observer -> validator: {"type","ticket","received","read"}. `read` is the record as the
// observer built it (ledger 6.7's `read` member; `node` the observer's own name, which the
// validator replaces with its own), `received` the observer's receipt time (ms since the epoch).
struct ReadRelayRequest {
    std::uint64_t ticket = 0;
    ledger::TimeMs received{0};
    ledger::ReadRecord read;
};

// 0x08, validator -> observer: {"type","ticket","id"} once the record is admitted to the
// validator's pool, or {"type","ticket","refused"} with the reason.
struct ReadRelayAnswer {
    std::uint64_t ticket = 0;
    std::optional<ledger::EventId> id;  // Set when recorded.
    std::string refused;                // Why not, when not.
};

[[nodiscard]] std::string encode_read_relay(const ReadRelayRequest& request);
// Strict: canonical JSON within read_relay_bytes_max, exactly these members, the read record
// by the ledger's own R1 (ledger::read_record_from_json). invalid_argument naming the member.
[[nodiscard]] Result<ReadRelayRequest> decode_read_relay(std::string_view payload);
[[nodiscard]] std::string encode_read_relay_answer(const ReadRelayAnswer& answer);
[[nodiscard]] Result<ReadRelayAnswer> decode_read_relay_answer(std::string_view payload);

// What a validator checks before it signs an observer's read (the ledger's R34..R37 apply at
// admission anyway), cheapest first:
// - the receipt time within `skew_ms` of its own clock `now_ms` (it signs that time as its own
//   receipt time);
// - the officer's signed @target-uri names one of `observer_names`, the relaying observer's
//   public names (its config entry's rest_public_names, compared without case): the observer
//   served the read, so the officer signed it for the observer, and a request signed for another
//   node (a validator, another observer) is not this observer's to have recorded;
// - the officer's Ed25519 signature over the base (R35).
// invalid_argument naming the failed check; permission_denied for a read signed for another node.
struct RelayedReadCheck {
    std::int64_t now_ms = 0;
    std::int64_t skew_ms = 0;
    std::span<const std::string> observer_names;
};
[[nodiscard]] Status check_relayed_read(const ReadRelayRequest& request, const RelayedReadCheck& check);

}  // namespace custos::runtime
