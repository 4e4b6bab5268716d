// The HTTP signature header parsers (api/http_signature_fields.hpp, api/http_signature.hpp): the
// RFC 8941 dictionary parser on a whole header value, and the Signature-Input / Signature /
// Content-Digest checks the server makes on every signed request. The input is up to three header
// values separated by '\n' (a header value never holds one). A dictionary that parses serializes
// to a text that parses to the same serialization.
#include "api/http_signature.hpp"
#include "api/http_signature_fields.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace custos;

namespace {

// RFC 8941 serialization of a parsed dictionary (section 4.1.2).
std::string serialize(const std::vector<api::sf::Member>& members) {
    std::string out;
    for (const auto& member : members) {
        if (!out.empty()) out += ", ";
        out += member.key;
        if (member.is_inner_list) {
            out += '=' + api::sf::serialize_inner_list(member.inner_list, member.list_parameters);
        } else if (member.item.value.kind == api::sf::BareItem::Kind::boolean && member.item.value.boolean) {
            out += api::sf::serialize_parameters(member.item.parameters);
        } else {
            out += '=' + api::sf::serialize_bare_item(member.item.value) +
                   api::sf::serialize_parameters(member.item.parameters);
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    const auto first_end = std::min(text.find('\n'), text.size());
    const auto first = text.substr(0, first_end);
    const auto rest = text.substr(std::min(first_end + 1, text.size()));
    const auto second = rest.substr(0, std::min(rest.find('\n'), rest.size()));
    const auto third = rest.substr(std::min(second.size() + 1, rest.size()));

    if (auto members = api::sf::parse_dictionary(first, "Signature-Input")) {
        const std::string serialized = serialize(*members);
        auto again = api::sf::parse_dictionary(serialized, "Signature-Input");
        // A long serialization may pass the bound the input kept under; only then may it fail.
        FUZZ_CHECK(again.has_value() || serialized.size() > api::structured_field_bytes_max,
                   "a serialized dictionary parses");
        if (again) FUZZ_CHECK(serialize(*again) == serialized, "serialization is a fixed point");
    }
    if (auto signature = api::parse_request_signature(first, second)) {
        (void)api::check_signature_time(*signature, 1'800'000'000);
        const auto key = fuzz::seeded_key(1).public_key();
        (void)api::verify_request_signature(*signature, key, "POST", "http://127.0.0.1:8081/v1/events",
                                            third);
    }
    (void)api::parse_signature_input(first, "sig1");
    (void)api::parse_signature_value(second, "sig1");
    (void)api::check_content_digest(first, third);
    return 0;
}
