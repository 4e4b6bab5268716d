// Signed notes (crypto/signed_note.hpp) and commit certificates (ledger/types.hpp
// verify_certificate): a note that parses formats back to a text that parses to the same note;
// opening it against the fixtures' validator keys and verifying it as a certificate of the
// fixtures' set (what block sync and the bundle verifier do with a peer's certificate) never crash.
#include "crypto/signed_note.hpp"
#include "fuzz/fuzz_support.hpp"
#include "ledger/types.hpp"

using namespace custos;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    static const auto keys = fuzz::fixture_validators().note_keys();
    if (auto note = crypto::parse_note(text)) {
        const std::string formatted = crypto::format_note(*note);
        auto again = crypto::parse_note(formatted);
        FUZZ_CHECK(again.has_value(), "a formatted note parses");
        FUZZ_CHECK(again->body == note->body && again->signatures == note->signatures,
                   "parse(format(note)) == note");
        FUZZ_CHECK(formatted == text, "format(parse(text)) == text");
    }
    (void)crypto::open_note(text, keys);
    auto verified = ledger::verify_certificate(ledger::Certificate{std::string(text)}, fuzz::fixture_chain,
                                               fuzz::fixture_validators());
    if (verified) FUZZ_CHECK(verified->signed_power * 3 > 4 * 2, "a certificate holds more than 2/3");
    return 0;
}
