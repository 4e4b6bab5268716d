// Event envelope decoding and rule R1 (ledger/events/event.hpp parse_envelope): what parses survives the
// round trip through its canonical text unchanged, passes validate_event, and the one-pass
// event_bytes() agrees with the separate functions; R2 (the signature) runs without crashing.
#include "fuzz/fuzz_support.hpp"
#include "ledger/events/event.hpp"

using namespace custos;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto envelope = ledger::parse_envelope(fuzz::as_text(data, size));
    if (!envelope) return 0;
    FUZZ_CHECK(ledger::validate_event(envelope->event).has_value(), "a parsed event passes validate_event");
    const std::string canonical = ledger::canonical_envelope(*envelope);
    auto again = ledger::parse_envelope(canonical);
    FUZZ_CHECK(again.has_value() && *again == *envelope,
               "the canonical envelope parses to the same envelope");
    const auto bytes = ledger::event_bytes(*envelope);
    FUZZ_CHECK(bytes.canonical_envelope == canonical, "event_bytes: canonical envelope");
    FUZZ_CHECK(bytes.canonical_event == ledger::canonical_event(envelope->event),
               "event_bytes: canonical event");
    FUZZ_CHECK(bytes.id == ledger::event_id(envelope->event), "event_bytes: id");
    auto inner = ledger::canonical_event_of_envelope(bytes.canonical_envelope);
    FUZZ_CHECK(inner.has_value() && *inner == bytes.canonical_event,
               "the event inside the canonical envelope");
    (void)ledger::verify_envelope_signature(*envelope, bytes);
    return 0;
}
