// The consultation log's record (kind "read", docs/FORMAT.md 6.7, CUSTODY_RULES.md R33..R37):
// its JSON form, the request path each read action has, and the parse of the RFC 9421 signature
// base it carries, so that the rules can check that the record says what the officer signed.
//
// The ledger owns what a read record means: the api room builds one from a request it served
// (the signature base it verified, the status it answered), the node signs it with its validator
// key, and every validator checks it here when it admits or applies it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "crypto/canonical_json.hpp"
#include "ledger/events/event.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

// The request window the record's times must fit, the api's own (api/http_signature.hpp): the
// signature's created time at most this far ahead of the node's receipt time, the receipt before
// expires, and expires at most read_signature_lifetime_max_s after created.
inline constexpr std::int64_t read_created_skew_ms = 30'000;
inline constexpr std::int64_t read_signature_lifetime_max_s = 300;

// The request path of a read (FORMAT.md 6.7): /v1/items/{subject}/trail, .../bundle,
// .../state-proof, .../reads, /v1/cases/{subject}, /v1/search.
[[nodiscard]] std::string read_path(ReadAction action, std::string_view subject);

// What a signature base (FORMAT.md section 12) states, as parse_signature_base() read it.
struct SignatureBaseFields {
    std::string method;          // "@method"
    std::string target_uri;      // "@target-uri"
    std::string content_digest;  // "content-digest"
    std::int64_t created = 0, expires = 0;
    std::string nonce, key_id, alg;
};

// The base of a Custos request signature: the three covered components, each once, in the
// order the "@signature-params" line lists them, then that line with exactly the parameters
// created, expires, nonce, keyid and alg. invalid_argument naming what is wrong otherwise.
[[nodiscard]] Result<SignatureBaseFields> parse_signature_base(std::string_view base);

// The key of the "one record per signed request" rule (R37) and of the store's meta
// "read_request/" index: SHA-256 of the signature base's bytes.
[[nodiscard]] Hash32 read_request_hash(const ReadRecord& record);

// The path and query of a target URI ("https://host:port/v1/search?sha256=.." ->
// "/v1/search?sha256=.."); nullopt unless it is http:// or https://, an authority and a path.
[[nodiscard]] std::optional<std::string_view> target_of_uri(std::string_view target_uri);
// The authority of the same ("https://host:port/v1/..." -> "host:port"): the node the request
// was signed for; nullopt when target_of_uri() is.
[[nodiscard]] std::optional<std::string_view> authority_of_uri(std::string_view target_uri);

// The `read` member on its own (R1 of FORMAT.md 6.7, errors naming `read.<member>`) and its JSON
// form: what an observer sends a validator to record a read it served (FORMAT.md 8.4, 0x07).
[[nodiscard]] Result<ReadRecord> read_record_from_json(const crypto::Json& json);
[[nodiscard]] crypto::Json read_record_to_json(const ReadRecord& record);

class FieldReader;
namespace detail {
class CanonicalWriter;
// R1 of the "read" member (FORMAT.md 6.7).
[[nodiscard]] Result<ReadRecord> read_record_from_json(const FieldReader& reader, const crypto::Json& json,
                                                       const std::string& path);
[[nodiscard]] crypto::Json read_record_to_json(const ReadRecord& record);
void write_read_record(CanonicalWriter& writer, const ReadRecord& record);
}  // namespace detail

}  // namespace custos::ledger
