// The node's wire messages (consensus/runtime/node_net.cpp NodeImpl::on_message): a type byte,
// then the payload, taken apart by the same decoders the node calls, in the same order:
//   consensus (0x01): consensus::decode, then the verifier against the set;
//   events (0x02): a strict JSON array of envelopes, each through rule R1 (envelope_from_json);
//   status (0x03), sync_request (0x04): a big-endian u64 height (exactly 8 bytes);
//   compact_proposal (0x05): consensus::decode_compact;
//   proposal_request (0x06): u64 height, u32 round (exactly 12 bytes);
//   read_relay (0x07), read_relay_answer (0x08): runtime::decode_read_relay(_answer), whose
//   result must encode and decode back to itself; a relay then through check_relayed_read.
// The node's own state (pool, store, core) is not here: the simulator and node tests drive it.
#include "consensus/messages.hpp"
#include "consensus/runtime/node_impl.hpp"
#include "consensus/runtime/read_relay.hpp"
#include "consensus/verifier.hpp"
#include "fuzz/fuzz_support.hpp"
#include "ledger/events/event.hpp"

using namespace custos;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto payload = fuzz::as_text(data + 1, size - 1);
    static const consensus::MessageVerifier verifier(std::string(fuzz::fixture_chain),
                                                     fuzz::fixture_validators());
    switch (data[0]) {
        case runtime::wire::consensus:
            if (auto message = consensus::decode(payload)) (void)verifier.verify(std::move(*message));
            return 0;
        case runtime::wire::events: {
            auto parsed = crypto::parse_json(payload, {.bytes_max = consensus::message_bytes_max});
            if (!parsed || !parsed->is_array()) return 0;
            for (const auto& entry : *parsed) {
                auto envelope = ledger::envelope_from_json(entry);
                if (!envelope) continue;
                FUZZ_CHECK(ledger::validate_event(envelope->event).has_value(), "a gossiped event passes R1");
                (void)ledger::verify_envelope_signature(*envelope);
            }
            return 0;
        }
        case runtime::wire::compact_proposal:
            if (auto compact = consensus::decode_compact(payload)) {
                (void)verifier.verify(consensus::expand(std::move(*compact), {}));
            }
            return 0;
        case runtime::wire::read_relay:
            if (auto request = runtime::decode_read_relay(payload)) {
                auto again = runtime::decode_read_relay(runtime::encode_read_relay(*request));
                FUZZ_CHECK(again.has_value() && again->ticket == request->ticket &&
                               again->received == request->received && again->read == request->read,
                           "a read relay request re-encodes to itself");
                static const std::string names[] = {"127.0.0.1:8085", "observer.example"};
                (void)runtime::check_relayed_read(
                    *request, {.now_ms = request->received.value, .skew_ms = 5000, .observer_names = names});
            }
            return 0;
        case runtime::wire::read_relay_answer:
            if (auto answer = runtime::decode_read_relay_answer(payload)) {
                auto again = runtime::decode_read_relay_answer(runtime::encode_read_relay_answer(*answer));
                FUZZ_CHECK(again.has_value() && again->ticket == answer->ticket && again->id == answer->id &&
                               again->refused == answer->refused,
                           "a read relay answer re-encodes to itself");
            }
            return 0;
        default:
            return 0;
    }
}
