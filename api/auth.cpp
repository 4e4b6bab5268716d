// Signature, window, officer and replay checks. See auth.hpp.
#include "api/auth.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "api/http_signature.hpp"
#include "common/assert.hpp"
#include "crypto/ed25519_tables.hpp"

namespace custos::api {

namespace {

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

ApiResponse unauthorized(std::string field, std::string detail) {
    return problem_response(Problem{
        .status = 401, .title = "Not authenticated", .detail = std::move(detail), .field = std::move(field)});
}

bool is_nonce_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '~' || c == '+' || c == '/' || c == '=' || c == '-';
}

// The window: created not ahead of our clock by more than the skew, not yet expired, and no
// longer than the lifetime limit.
std::optional<ApiResponse> check_window(const RequestSignature& sig, std::int64_t now) {
    if (sig.created > now + signature_clock_skew_s) {
        return unauthorized("created", "the signature's created time is in the future (more than " +
                                           std::to_string(signature_clock_skew_s) + " s ahead of the node)");
    }
    if (sig.expires <= now) return unauthorized("expires", "the signature has expired");
    if (sig.expires <= sig.created || sig.expires - sig.created > signature_lifetime_max_s) {
        return unauthorized("expires", "expires must be after created and at most " +
                                           std::to_string(signature_lifetime_max_s) + " s after it");
    }
    return std::nullopt;
}

}  // namespace

std::int64_t system_clock_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Authenticator::Authenticator(Clock clock, AuthOptions options)
    : clock_(clock ? std::move(clock) : Clock(system_clock_seconds)), options_(std::move(options)) {
    for (auto& name : options_.public_names)
        name = ascii_lower(name);
}

void Authenticator::forget_expired(std::int64_t now) {
    while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
        const auto& [expires, replay_key] = *by_expiry_.begin();
        auto window = by_key_.find(replay_key.substr(0, replay_key.find(' ')));
        CUSTOS_ASSERT(window != by_key_.end() && window->second.live > 0,
                      "replay cache: a nonce without its key");
        if (--window->second.live == 0) {
            by_key_.erase(window);
        } else if (--window->second.expiring[expires] == 0) {
            window->second.expiring.erase(expires);
        }
        by_nonce_.erase(replay_key);
        by_expiry_.erase(by_expiry_.begin());
    }
}

bool Authenticator::is_public_name(std::string_view authority) const {
    const std::string lower = ascii_lower(authority);
    return std::find(options_.public_names.begin(), options_.public_names.end(), lower) !=
           options_.public_names.end();
}

std::optional<ApiResponse> Authenticator::remember(const std::string& key_id, const std::string& nonce,
                                                   std::int64_t expires, std::int64_t now) {
    std::lock_guard lock(mutex_);
    forget_expired(now);
    std::string replay_key = key_id + ' ' + nonce;
    if (by_nonce_.contains(replay_key)) {
        return unauthorized("nonce", "this nonce was already used (a replayed request)");
    }
    // Room comes back when the oldest remembered signature (of the key, or of anyone) expires.
    auto busy = [&](std::string detail, std::optional<std::int64_t> oldest) {
        ApiResponse response = problem_response(Problem{.status = 503,
                                                        .title = "Too many signed requests",
                                                        .detail = std::move(detail),
                                                        .field = "nonce"});
        const std::int64_t wait_s =
            oldest ? std::max<std::int64_t>(1, *oldest - now) : std::int64_t{retry_after_seconds};
        response.headers.emplace_back("Retry-After", std::to_string(wait_s));
        return response;
    };
    auto window = by_key_.find(key_id);
    if (window != by_key_.end() && window->second.live >= options_.replay_entries_per_key_max) {
        return busy("this key's quota in the node's replay cache is full (" +
                        std::to_string(window->second.live) +
                        " of its signed requests are live); retry when its older signatures have expired, "
                        "or sign with a shorter lifetime",
                    window->second.expiring.begin()->first);
    }
    if (by_nonce_.size() >= options_.replay_entries_max) {
        return busy(
            "the node's replay cache is full (signed requests of all keys); retry when older "
            "signatures have expired",
            by_expiry_.empty() ? std::nullopt : std::optional(by_expiry_.begin()->first));
    }
    KeyWindow& key_window = by_key_[key_id];
    ++key_window.live;
    ++key_window.expiring[expires];
    by_nonce_.emplace(replay_key, expires);
    by_expiry_.emplace(expires, std::move(replay_key));
    return std::nullopt;
}

tl::expected<Authenticated, ApiResponse> Authenticator::authenticate(NodeService& service,
                                                                     const SignedRequest& request) {
    if (request.signature_input.empty() || request.signature.empty()) {
        std::string missing = request.signature_input.empty() ? "Signature-Input" : "Signature";
        return tl::unexpected(unauthorized(
            missing,
            "this route needs an RFC 9421 signature (Signature-Input and Signature headers, label sig1)"));
    }
    auto sig = parse_request_signature(request.signature_input, request.signature);
    if (!sig) return tl::unexpected(unauthorized("Signature-Input", sig.error().message));
    if (sig->alg != "ed25519")
        return tl::unexpected(unauthorized("alg", "the signature alg must be ed25519"));
    if (request.content_digest.empty()) {
        return tl::unexpected(
            unauthorized("Content-Digest", "the Content-Digest header (RFC 9530) is missing"));
    }
    if (auto digest = check_content_digest(request.content_digest, request.body); !digest) {
        return tl::unexpected(unauthorized("Content-Digest", digest.error().message));
    }
    const std::int64_t now = clock_();
    if (auto refused = check_window(*sig, now)) return tl::unexpected(*refused);
    if (sig->nonce.empty() || sig->nonce.size() > nonce_bytes_max ||
        !std::all_of(sig->nonce.begin(), sig->nonce.end(), is_nonce_char)) {
        return tl::unexpected(unauthorized("nonce", "the nonce must be 1 to " +
                                                        std::to_string(nonce_bytes_max) +
                                                        " characters of [A-Za-z0-9._~+/=-]"));
    }
    auto key = crypto::public_key_from_hex(sig->key_id);
    if (!key)
        return tl::unexpected(unauthorized("keyid", "keyid must be the 64 hex digits of an officer key"));
    auto officer = service.officer(*key);
    if (!officer) return tl::unexpected(error_response(officer.error()));
    if (!*officer) {
        return tl::unexpected(
            unauthorized("keyid", "keyid is not the key of an officer in force (unknown or revoked)"));
    }
    if (!options_.public_names.empty() && !is_public_name(request.host)) {
        return tl::unexpected(unauthorized(
            "@target-uri", "the signed @target-uri names authority '" + request.host +
                               "', which is not one of this node's public names: a request signed for "
                               "another node is refused here (sign for this node's URL)"));
    }
    const std::string target_uri =
        std::string(request.tls ? "https://" : "http://") + request.host + request.target;
    if (auto verified =
            verify_request_signature(*sig, *key, request.method, target_uri, request.content_digest);
        !verified) {
        return tl::unexpected(
            unauthorized("Signature", "the signature does not verify: " + verified.error().message));
    }
    crypto::ed25519_tables::note_known_key(*key);  // An officer in force (looked up above).
    if (auto refused = remember(sig->key_id, sig->nonce, sig->expires, now)) return tl::unexpected(*refused);
    return Authenticated{
        .officer = **officer,
        .signature_base = signature_base(*sig, request.method, target_uri, request.content_digest),
        .signature = sig->signature,
        .received_s = now};
}

}  // namespace custos::api
