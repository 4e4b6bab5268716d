// Request authentication: RFC 9421 HTTP Message Signatures (label sig1, ed25519) over
// "@method" "@target-uri" "content-digest", with the RFC 9530 Content-Digest checked against the
// body, a short created/expires window, the officer key looked up through the NodeService, and
// each nonce accepted once per node.
//
// The replay cache is bounded: a nonce is remembered until its signature expires (at most
// signature_lifetime_max_s), and when replay_entries_max nonces are live the request is refused
// with 503 + Retry-After rather than a nonce forgotten early (forgetting one would let it be
// replayed). Each key also has its own quota, replay_entries_per_key_max live nonces, so one busy
// officer meets 503 alone instead of filling the cache for everyone; the 503 says which limit it
// met. Nonces are remembered only after the signature verifies, so unsigned requests cannot fill
// the cache.
//
// A signature is bound to the node it was sent to: when public_names is set (custos-node always
// sets it, from its config), a signature whose @target-uri authority (the Host header) is not one
// of them is refused, so a request captured on its way to one validator cannot be replayed once
// on each of the others.
//
// Thread-safe: the server's threads share one (the replay cache is under a mutex; the signature
// is verified outside it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/problem.hpp"
#include "api/service.hpp"
#include "ledger/genesis.hpp"

namespace custos::api {

// Seconds since the Unix epoch; injected so tests drive the signature window.
using Clock = std::function<std::int64_t()>;
[[nodiscard]] std::int64_t system_clock_seconds();

// Nonces are at most this long ([A-Za-z0-9._~+/=-] only); a longer one is refused.
inline constexpr std::size_t nonce_bytes_max = 128;
inline constexpr std::size_t replay_entries_default = 100000;
// A tenth of the cache per key: 60-second signatures at 160 requests/s (what `custos-dev bench load`
// sends with --batch 50 at 8,000 events/s) stay within it.
inline constexpr std::size_t replay_entries_per_key_default = 10000;

struct AuthOptions {
    std::size_t replay_entries_max = replay_entries_default;
    std::size_t replay_entries_per_key_max = replay_entries_per_key_default;
    // Authorities ("host:port", or "host" alone, as clients write them in the node's URL) this
    // node answers to, compared without regard to case; empty: any (tests only).
    std::vector<std::string> public_names;
};
struct SignedRequest {
    std::string method;  // "GET", "POST"
    std::string host;    // The Host header.
    bool tls = false;    // Came over TLS: the @target-uri is https://, else http://.
    std::string target;  // The request-target as received (path and query).
    std::string body;
    std::string content_digest;   // Content-Digest header.
    std::string signature_input;  // Signature-Input header.
    std::string signature;        // Signature header.
};

// A request that passed every check: its officer, and what the consultation log keeps of it
// (docs/FORMAT.md 6.7): the signature base verified, the signature, and the node's clock then.
struct Authenticated {
    ledger::Officer officer;
    std::string signature_base;
    crypto::Signature signature;
    std::int64_t received_s = 0;  // The clock (seconds) the window was checked against.
};

class Authenticator {
public:
    Authenticator(Clock clock, AuthOptions options);
    Authenticator(Clock clock, std::size_t replay_entries_max)
        : Authenticator(std::move(clock), AuthOptions{.replay_entries_max = replay_entries_max}) {}

    // The officer who signed the request, or the problem to answer: 401 naming what failed,
    // 503 when the replay cache, or the key's quota in it, is full, or the mapped service error.
    [[nodiscard]] tl::expected<Authenticated, ApiResponse> authenticate(NodeService& service,
                                                                        const SignedRequest& request);

    [[nodiscard]] std::size_t replay_entries() const {
        std::lock_guard lock(mutex_);
        return by_nonce_.size();
    }

private:
    // Under mutex_: remembers the nonce of a verified request, or the problem to answer.
    [[nodiscard]] std::optional<ApiResponse> remember(const std::string& key_id, const std::string& nonce,
                                                      std::int64_t expires, std::int64_t now);
    void forget_expired(std::int64_t now);
    [[nodiscard]] bool is_public_name(std::string_view authority) const;

    // One key's live nonces: how many, and how many expire at each second (for Retry-After).
    struct KeyWindow {
        std::size_t live = 0;
        std::map<std::int64_t, std::size_t> expiring;
    };

    Clock clock_;
    AuthOptions options_;
    mutable std::mutex mutex_;  // Guards the replay cache below.
    // Hashed, not ordered: every key starts with the same 64-digit key id for one client, which
    // an ordered map compares on each step.
    std::unordered_map<std::string, std::int64_t> by_nonce_;  // key id + ' ' + nonce -> expires
    std::multimap<std::int64_t, std::string> by_expiry_;      // expires -> key of by_nonce_
    std::unordered_map<std::string, KeyWindow> by_key_;       // key id -> its live nonces
};

}  // namespace custos::api
