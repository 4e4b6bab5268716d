// RFC 9421 HTTP Message Signatures (alg "ed25519", label "sig1") and RFC 9530 Content-Digest
// (sha-256): how an officer's key authenticates a request to the REST API. The client signs with
// sign_request(); the server parses with parse_request_signature(), checks the time window with
// check_signature_time(), rebuilds the target URI as "http://" (or "https://" over TLS) + Host +
// request-target and calls verify_request_signature(). docs/FORMAT.md, "Request signatures", states the exact
// bytes.
//
// The structured-field parser (RFC 8941, api/http_signature_fields.hpp) is strict and bounded: every header
// value, dictionary, inner list, parameter list and string has a named limit; duplicate dictionary keys or
// parameters are refused (RFC 8941 would let the last one win, which lets two readers of one header
// disagree). Every refusal names the header and, where there is one, the parameter.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "crypto/ed25519.hpp"

namespace custos::api {

inline constexpr std::int64_t signature_lifetime_max_s = 300;  // expires - created
inline constexpr std::int64_t signature_clock_skew_s = 30;     // created may be this far ahead

// Bounds of the structured-field parser.
inline constexpr std::size_t structured_field_bytes_max = 4096;  // one header value
inline constexpr std::size_t structured_field_members_max = 8;   // dictionary members
inline constexpr std::size_t inner_list_items_max = 8;           // covered components
inline constexpr std::size_t parameters_max = 8;                 // parameters on one item
inline constexpr std::size_t nonce_chars_max = 128;

// The label, algorithm and covered components Custos signs and requires, in this order.
inline constexpr std::string_view signature_label = "sig1";
inline constexpr std::string_view signature_alg = "ed25519";
inline constexpr std::string_view component_method = "@method";
inline constexpr std::string_view component_target_uri = "@target-uri";
inline constexpr std::string_view component_content_digest = "content-digest";

// "sha-256=:<base64 of SHA-256(body)>:", the RFC 9530 Content-Digest value.
[[nodiscard]] std::string content_digest_sha256(std::string_view body);
// invalid_argument naming the header when the value is malformed; verification_failed when it
// parses but does not match the body (no sha-256 entry also fails). Other algorithms' entries are
// parsed and ignored (RFC 9530 section 2 lets a recipient ignore digests).
[[nodiscard]] Status check_content_digest(std::string_view header_value, std::string_view body);

struct RequestSignature {
    std::vector<std::string> components;  // e.g. {"@method","@target-uri","content-digest"}
    std::int64_t created = 0, expires = 0;
    std::string nonce, key_id, alg;
    std::string params_text;  // the inner list as sent, e.g. ("@method" ...);created=..
    crypto::Signature signature;
};

struct SignedHeaders {
    std::string content_digest, signature_input, signature;
};

// Signs "@method" "@target-uri" "content-digest" with parameters created, expires, nonce, keyid,
// alg="ed25519" (in that order). The nonce and key id must be printable ASCII (asserted: they come
// from the caller's own code, not from the network).
[[nodiscard]] SignedHeaders sign_request(const crypto::SecretKey& key, std::string_view key_id,
                                         std::string_view method, std::string_view target_uri,
                                         std::string_view body, std::int64_t created_s,
                                         std::int64_t expires_s, std::string_view nonce);

// Parses Signature-Input and Signature (structured fields, RFC 8941), label sig1; refuses a
// missing component of the three above or a missing parameter (invalid_argument naming it), an
// unknown component or parameter, another label, alg other than ed25519, a keyid that is not 64
// lowercase hex digits, expires <= created or a lifetime over signature_lifetime_max_s.
[[nodiscard]] Result<RequestSignature> parse_request_signature(std::string_view signature_input,
                                                               std::string_view signature);

// The time window: invalid_argument ("Signature-Input: created ...") when created is more than
// signature_clock_skew_s ahead of now_s, or expires <= now_s (the signature has expired).
[[nodiscard]] Status check_signature_time(const RequestSignature& sig, std::int64_t now_s);

[[nodiscard]] std::string signature_base(const RequestSignature& sig, std::string_view method,
                                         std::string_view target_uri, std::string_view content_digest_value);

// verification_failed when the Ed25519 signature over signature_base() does not verify, when
// keyid is not the hex of `key`, or when a component value holds a control character (it could
// not have been signed as one line).
[[nodiscard]] Status verify_request_signature(const RequestSignature& sig, const crypto::PublicKey& key,
                                              std::string_view method, std::string_view target_uri,
                                              std::string_view content_digest_value);

// Lower-level pieces, general over components and labels (the RFC 9421 appendix examples use
// other components and labels than Custos does; the tests reproduce them with these).
struct SignatureParams {
    std::vector<std::string> components;
    // Each parameter's name and its value serialized as an RFC 8941 bare item (a string keeps
    // its quotes): e.g. {"created","1618884473"}, {"keyid","\"test-key-ed25519\""}.
    std::vector<std::pair<std::string, std::string>> parameters;
    std::string params_text;  // the serialized inner list: the "@signature-params" value
};
// The member `label` of a Signature-Input dictionary: an inner list of plain strings.
[[nodiscard]] Result<SignatureParams> parse_signature_input(std::string_view header_value,
                                                            std::string_view label);
// The member `label` of a Signature dictionary: a 64-byte byte sequence.
[[nodiscard]] Result<crypto::Signature> parse_signature_value(std::string_view header_value,
                                                              std::string_view label);
// RFC 9421 section 2.5: one line `"name": value` per component, then `"@signature-params": ...`,
// joined by LF with no trailing LF.
[[nodiscard]] std::string build_signature_base(
    const std::vector<std::pair<std::string, std::string>>& component_values, std::string_view params_text);

}  // namespace custos::api
