// The strict JSON parser and the RFC 8785 canonicalizer (crypto/canonical_json.hpp): any input
// either is refused with an error or parses; what parses and canonicalizes gives a text that
// parses again to the same canonical text (canonicalize is a fixed point).
#include "crypto/canonical_json.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace custos;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto parsed = crypto::parse_json(fuzz::as_text(data, size));
    if (!parsed) return 0;
    auto canonical = crypto::canonicalize(*parsed);
    if (!canonical) return 0;  // A double above 2^53 that ECMAScript would print as an integer.
    auto again = crypto::parse_json(*canonical);
    FUZZ_CHECK(again.has_value(), "the canonical text parses");
    auto twice = crypto::canonicalize(*again);
    FUZZ_CHECK(twice.has_value() && *twice == *canonical, "canonicalize(parse(canonical)) == canonical");
    return 0;
}
