// Signature, window, officer and replay checks. See auth.hpp.
#include "api/auth.hpp"

#include <algorithm>
#include <chrono>

#include "api/http_signature.hpp"
#include "crypto/ed25519_tables.hpp"

namespace custos::api {

namespace {

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

Authenticator::Authenticator(Clock clock, std::size_t replay_entries_max)
    : clock_(clock ? std::move(clock) : Clock(system_clock_seconds)),
      replay_entries_max_(replay_entries_max) {}

void Authenticator::forget_expired(std::int64_t now) {
    while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
        by_nonce_.erase(by_expiry_.begin()->second);
        by_expiry_.erase(by_expiry_.begin());
    }
}

std::optional<ApiResponse> Authenticator::remember(const std::string& key_id, const std::string& nonce,
                                                   std::int64_t expires, std::int64_t now) {
    std::lock_guard lock(mutex_);
    forget_expired(now);
    std::string replay_key = key_id + ' ' + nonce;
    if (by_nonce_.contains(replay_key)) {
        return unauthorized("nonce", "this nonce was already used (a replayed request)");
    }
    if (by_nonce_.size() >= replay_entries_max_) {
        ApiResponse busy = problem_response(
            Problem{.status = 503,
                    .title = "Too many signed requests",
                    .detail = "the node's replay cache is full; retry when older signatures have expired",
                    .field = "nonce"});
        // Room comes back when the oldest remembered signature expires.
        const std::int64_t wait_s = by_expiry_.empty()
                                        ? std::int64_t{retry_after_seconds}
                                        : std::max<std::int64_t>(1, by_expiry_.begin()->first - now);
        busy.headers.emplace_back("Retry-After", std::to_string(wait_s));
        return busy;
    }
    by_nonce_.emplace(replay_key, expires);
    by_expiry_.emplace(expires, std::move(replay_key));
    return std::nullopt;
}

tl::expected<ledger::Officer, ApiResponse> Authenticator::authenticate(NodeService& service,
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
    const std::string target_uri = "http://" + request.host + request.target;
    if (auto verified =
            verify_request_signature(*sig, *key, request.method, target_uri, request.content_digest);
        !verified) {
        return tl::unexpected(
            unauthorized("Signature", "the signature does not verify: " + verified.error().message));
    }
    crypto::ed25519_tables::note_known_key(*key);  // An officer in force (looked up above).
    if (auto refused = remember(sig->key_id, sig->nonce, sig->expires, now)) return tl::unexpected(*refused);
    return **officer;
}

}  // namespace custos::api
