// RFC 9421 request signatures and RFC 9530 Content-Digest over a small, strict RFC 8941 parser.
// See http_signature.hpp for what is accepted and docs/FORMAT.md "Request signatures".
#include "api/http_signature.hpp"

#include <algorithm>

#include "api/http_signature_fields.hpp"
#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"

namespace custos::api {

namespace {

using sf::BareItem;
using sf::Item;
using sf::Member;
using sf::Parameter;
using sf::parse_dictionary;
using sf::serialize_bare_item;
using sf::serialize_inner_list;
using sf::serialize_string;

inline constexpr std::string_view header_signature_input = "Signature-Input";
inline constexpr std::string_view header_signature = "Signature";
inline constexpr std::string_view header_content_digest = "Content-Digest";

// ---- Custos-level checks ----------------------------------------------------------------------

const Member* find_member(const std::vector<Member>& members, std::string_view key) {
    for (const auto& member : members) {
        if (member.key == key) return &member;
    }
    return nullptr;
}

tl::unexpected<Error> header_error(std::string_view header, const std::string& what) {
    return make_error(ErrorCode::invalid_argument, std::string(header) + ": " + what);
}

// The members of Signature-Input and Signature other than `label` are refused: Custos verifies
// exactly one signature per request and will not guess which of several a client meant.
Status only_label(const std::vector<Member>& members, std::string_view header, std::string_view label) {
    for (const auto& member : members) {
        if (member.key != label) {
            return header_error(header,
                                "unexpected label " + member.key + " (only " + std::string(label) + ")");
        }
    }
    if (members.empty()) return header_error(header, "no signature labelled " + std::string(label));
    return {};
}

Result<SignatureParams> signature_params_from(const std::vector<Member>& members, std::string_view label,
                                              std::vector<Parameter>* typed_parameters) {
    const Member* member = find_member(members, label);
    if (member == nullptr)
        return header_error(header_signature_input, "no signature labelled " + std::string(label));
    if (!member->is_inner_list)
        return header_error(header_signature_input, std::string(label) + " is not an inner list");
    SignatureParams params;
    for (const auto& item : member->inner_list) {
        if (item.value.kind != BareItem::Kind::string) {
            return header_error(header_signature_input, "a covered component is not a string");
        }
        if (!item.parameters.empty()) {
            return header_error(header_signature_input,
                                "component \"" + item.value.text + "\" has parameters (not supported)");
        }
        if (std::find(params.components.begin(), params.components.end(), item.value.text) !=
            params.components.end()) {
            return header_error(header_signature_input, "duplicate component \"" + item.value.text + "\"");
        }
        params.components.push_back(item.value.text);
    }
    for (const auto& parameter : member->list_parameters) {
        params.parameters.emplace_back(parameter.key, serialize_bare_item(parameter.value));
    }
    params.params_text = serialize_inner_list(member->inner_list, member->list_parameters);
    if (typed_parameters != nullptr) *typed_parameters = member->list_parameters;
    return params;
}

Result<crypto::Signature> signature_from(const std::vector<Member>& members, std::string_view label) {
    const Member* member = find_member(members, label);
    if (member == nullptr)
        return header_error(header_signature, "no signature labelled " + std::string(label));
    if (member->is_inner_list || member->item.value.kind != BareItem::Kind::bytes) {
        return header_error(header_signature, std::string(label) + " is not a byte sequence");
    }
    if (!member->item.parameters.empty()) {
        return header_error(header_signature, std::string(label) + " has parameters (not supported)");
    }
    auto signature = crypto::signature_from_bytes(member->item.value.bytes);
    if (!signature) return header_error(header_signature, std::string(label) + " is not 64 bytes");
    return *signature;
}

bool is_lower_hex(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Fills the five parameters Custos requires from the typed list; refuses unknown, missing or
// ill-typed ones, naming the parameter.
Status fill_parameters(RequestSignature& sig, const std::vector<Parameter>& parameters) {
    bool seen_created = false, seen_expires = false, seen_nonce = false, seen_keyid = false, seen_alg = false;
    for (const auto& parameter : parameters) {
        const std::string& name = parameter.key;
        bool is_integer = parameter.value.kind == BareItem::Kind::integer;
        bool is_string = parameter.value.kind == BareItem::Kind::string;
        if (name == "created" || name == "expires") {
            if (!is_integer || parameter.value.integer < 0) {
                return header_error(header_signature_input,
                                    "parameter " + name + " must be a non-negative integer");
            }
            (name == "created" ? sig.created : sig.expires) = parameter.value.integer;
            (name == "created" ? seen_created : seen_expires) = true;
        } else if (name == "nonce" || name == "keyid" || name == "alg") {
            if (!is_string)
                return header_error(header_signature_input, "parameter " + name + " must be a string");
            if (name == "nonce") sig.nonce = parameter.value.text, seen_nonce = true;
            if (name == "keyid") sig.key_id = parameter.value.text, seen_keyid = true;
            if (name == "alg") sig.alg = parameter.value.text, seen_alg = true;
        } else {
            return header_error(header_signature_input, "unknown parameter " + name);
        }
    }
    const std::pair<bool, std::string_view> required[] = {
        {seen_created, "created"}, {seen_expires, "expires"}, {seen_nonce, "nonce"},
        {seen_keyid, "keyid"},     {seen_alg, "alg"},
    };
    for (const auto& [seen, name] : required) {
        if (!seen) return header_error(header_signature_input, "missing parameter " + std::string(name));
    }
    return {};
}

Status check_parameter_values(const RequestSignature& sig) {
    if (sig.alg != signature_alg) {
        return header_error(header_signature_input,
                            "parameter alg must be \"ed25519\", not \"" + sig.alg + "\"");
    }
    if (sig.key_id.size() != 2 * crypto::public_key_bytes || !is_lower_hex(sig.key_id)) {
        return header_error(header_signature_input, "parameter keyid must be 64 lowercase hex digits");
    }
    if (sig.nonce.empty() || sig.nonce.size() > nonce_chars_max) {
        return header_error(header_signature_input, "parameter nonce must be 1 to " +
                                                        std::to_string(nonce_chars_max) + " characters");
    }
    if (sig.expires <= sig.created) {
        return header_error(header_signature_input, "parameter expires must be after created");
    }
    if (sig.expires - sig.created > signature_lifetime_max_s) {
        return header_error(header_signature_input, "parameter expires is more than " +
                                                        std::to_string(signature_lifetime_max_s) +
                                                        " s after created");
    }
    return {};
}

Status check_components(const std::vector<std::string>& components) {
    const std::string_view required[] = {component_method, component_target_uri, component_content_digest};
    for (const auto& component : components) {
        if (std::find(std::begin(required), std::end(required), component) == std::end(required)) {
            return header_error(header_signature_input, "unsupported component \"" + component + "\"");
        }
    }
    for (auto name : required) {
        if (std::find(components.begin(), components.end(), name) == components.end()) {
            return header_error(header_signature_input, "missing component \"" + std::string(name) + "\"");
        }
    }
    return {};
}

bool has_control_character(std::string_view text) {
    return std::any_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

std::string content_digest_sha256(std::string_view body) {
    return "sha-256=:" + crypto::base64_encode(crypto::sha256(body).view()) + ":";
}

Status check_content_digest(std::string_view header_value, std::string_view body) {
    auto members = parse_dictionary(header_value, header_content_digest);
    if (!members) return tl::unexpected(members.error());
    const Member* sha256_member = nullptr;
    for (const auto& member : *members) {
        if (member.is_inner_list || member.item.value.kind != BareItem::Kind::bytes) {
            return header_error(header_content_digest, member.key + " is not a byte sequence");
        }
        if (member.key == "sha-256") sha256_member = &member;
    }
    if (sha256_member == nullptr) {
        return make_error(ErrorCode::verification_failed, "Content-Digest: no sha-256 digest");
    }
    const Bytes& digest = sha256_member->item.value.bytes;
    if (digest.size() != 32) return header_error(header_content_digest, "sha-256 digest is not 32 bytes");
    Hash32 expected = crypto::sha256(body);
    if (!std::equal(digest.begin(), digest.end(), expected.bytes.begin())) {
        return make_error(ErrorCode::verification_failed, "Content-Digest: sha-256 does not match the body");
    }
    return {};
}

Result<SignatureParams> parse_signature_input(std::string_view header_value, std::string_view label) {
    auto members = parse_dictionary(header_value, header_signature_input);
    if (!members) return tl::unexpected(members.error());
    return signature_params_from(*members, label, nullptr);
}

Result<crypto::Signature> parse_signature_value(std::string_view header_value, std::string_view label) {
    auto members = parse_dictionary(header_value, header_signature);
    if (!members) return tl::unexpected(members.error());
    return signature_from(*members, label);
}

std::string build_signature_base(const std::vector<std::pair<std::string, std::string>>& component_values,
                                 std::string_view params_text) {
    std::string base;
    for (const auto& [name, value] : component_values) {
        base += serialize_string(name) + ": " + value + "\n";
    }
    base += "\"@signature-params\": ";
    base += params_text;
    return base;
}

SignedHeaders sign_request(const crypto::SecretKey& key, std::string_view key_id, std::string_view method,
                           std::string_view target_uri, std::string_view body, std::int64_t created_s,
                           std::int64_t expires_s, std::string_view nonce) {
    CUSTOS_ASSERT(sf::is_printable_ascii(key_id) && sf::is_printable_ascii(nonce),
                  "the key id and nonce are printable ASCII");
    RequestSignature sig;
    sig.components = {std::string(component_method), std::string(component_target_uri),
                      std::string(component_content_digest)};
    sig.created = created_s;
    sig.expires = expires_s;
    sig.nonce = std::string(nonce);
    sig.key_id = std::string(key_id);
    sig.alg = std::string(signature_alg);
    sig.params_text =
        "(\"@method\" \"@target-uri\" \"content-digest\");created=" + std::to_string(created_s) +
        ";expires=" + std::to_string(expires_s) + ";nonce=" + serialize_string(nonce) +
        ";keyid=" + serialize_string(key_id) + ";alg=" + serialize_string(signature_alg);
    SignedHeaders headers;
    headers.content_digest = content_digest_sha256(body);
    std::string base = signature_base(sig, method, target_uri, headers.content_digest);
    crypto::Signature signature = key.sign(as_bytes(base));
    headers.signature_input = std::string(signature_label) + "=" + sig.params_text;
    headers.signature = std::string(signature_label) + "=:" + crypto::base64_encode(signature.view()) + ":";
    return headers;
}

Result<RequestSignature> parse_request_signature(std::string_view signature_input,
                                                 std::string_view signature) {
    auto input_members = parse_dictionary(signature_input, header_signature_input);
    if (!input_members) return tl::unexpected(input_members.error());
    if (auto status = only_label(*input_members, header_signature_input, signature_label); !status) {
        return tl::unexpected(status.error());
    }
    auto signature_members = parse_dictionary(signature, header_signature);
    if (!signature_members) return tl::unexpected(signature_members.error());
    if (auto status = only_label(*signature_members, header_signature, signature_label); !status) {
        return tl::unexpected(status.error());
    }
    std::vector<Parameter> parameters;
    auto params = signature_params_from(*input_members, signature_label, &parameters);
    if (!params) return tl::unexpected(params.error());
    RequestSignature sig;
    sig.components = std::move(params->components);
    sig.params_text = std::move(params->params_text);
    if (auto status = check_components(sig.components); !status) return tl::unexpected(status.error());
    if (auto status = fill_parameters(sig, parameters); !status) return tl::unexpected(status.error());
    if (auto status = check_parameter_values(sig); !status) return tl::unexpected(status.error());
    auto value = signature_from(*signature_members, signature_label);
    if (!value) return tl::unexpected(value.error());
    sig.signature = *value;
    // What the authenticator relies on from here: the window and the key id are as checked.
    CUSTOS_ASSERT(sig.created < sig.expires && sig.expires - sig.created <= signature_lifetime_max_s,
                  "a parsed signature's window outside (created, created + lifetime max]");
    CUSTOS_ASSERT(sig.key_id.size() == 2 * crypto::public_key_bytes && !sig.nonce.empty() &&
                      sig.nonce.size() <= nonce_chars_max,
                  "a parsed signature's keyid or nonce of the wrong size");
    return sig;
}

Status check_signature_time(const RequestSignature& sig, std::int64_t now_s) {
    if (sig.created > now_s + signature_clock_skew_s) {
        return header_error(header_signature_input, "parameter created is in the future");
    }
    if (sig.expires <= now_s) return header_error(header_signature_input, "parameter expires has passed");
    return {};
}

std::string signature_base(const RequestSignature& sig, std::string_view method, std::string_view target_uri,
                           std::string_view content_digest_value) {
    std::vector<std::pair<std::string, std::string>> values;
    values.reserve(sig.components.size());
    for (const auto& component : sig.components) {
        std::string_view value;
        if (component == component_method) {
            value = method;
        } else if (component == component_target_uri) {
            value = target_uri;
        } else {
            // parse_request_signature admits only the three components; a caller that builds a
            // RequestSignature by hand with another one is a bug.
            CUSTOS_ASSERT(component == component_content_digest,
                          "only the three Custos components are signed");
            value = content_digest_value;
        }
        values.emplace_back(component, std::string(value));
    }
    return build_signature_base(values, sig.params_text);
}

Status verify_request_signature(const RequestSignature& sig, const crypto::PublicKey& key,
                                std::string_view method, std::string_view target_uri,
                                std::string_view content_digest_value) {
    if (sig.key_id != crypto::hex_encode(key.view())) {
        return make_error(ErrorCode::verification_failed,
                          "Signature: keyid is not the key it is checked against");
    }
    if (has_control_character(method) || has_control_character(target_uri) ||
        has_control_character(content_digest_value)) {
        return make_error(ErrorCode::verification_failed,
                          "Signature: a covered component holds a control character");
    }
    std::string base = signature_base(sig, method, target_uri, content_digest_value);
    if (!crypto::verify(key, as_bytes(base), sig.signature)) {
        return make_error(ErrorCode::verification_failed, "Signature: sig1 does not verify");
    }
    return {};
}

}  // namespace custos::api
