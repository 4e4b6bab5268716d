// A small blocking HTTP/1.1 client (Boost.Beast) with one deadline per request: what the CLI
// (custos-dev localnet run's demo, submit/trail/case/status, the benchmarks) and the tests use to
// speak to a node. http_request() opens one connection per request; HttpConnection keeps one open
// across requests (keep-alive). Either signs a request with an officer key (RFC 9421,
// api/http_signature.hpp) when ClientRequest::signing_key is set. HTTPS when given a ClientTls
// (api/tls.hpp): the server is checked against its CA file and/or pin before any request byte is
// sent. No redirects.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "crypto/ed25519.hpp"

namespace custos::api {

struct ClientTls;  // api/tls.hpp

// Largest response body the client reads (a long trail or block is far below it).
inline constexpr std::size_t client_response_bytes_max = 64 * 1024 * 1024;

struct ClientRequest {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string method = "GET";
    std::string target = "/";
    std::string content_type;  // Sent only when not empty.
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // Extra headers, sent as given.
    std::uint32_t timeout_ms = 5000;
    // When set, the request is signed with this officer key at send time: Content-Digest,
    // Signature-Input and Signature headers, created = now, expires = now + signature_lifetime_s,
    // a fresh random nonce. The key must outlive the call.
    const crypto::SecretKey* signing_key = nullptr;
    std::int64_t signature_lifetime_s = 60;
    // When set, HTTPS with these trust anchors (api/tls.hpp make_client_tls); the signed
    // @target-uri then starts with https://.
    std::shared_ptr<const ClientTls> tls;
};

// Adds Content-Digest, Signature-Input and Signature (label sig1) to `request` for the key, over
// "@method" "@target-uri" "content-digest" where the target URI is
// "http://" (or "https://" when request.tls is set) + host + ":" + port + target (what the server
// rebuilds from the Host header this client sends). created_s is seconds since the Unix epoch.
void sign_client_request(ClientRequest& request, const crypto::SecretKey& key, std::int64_t created_s,
                         std::int64_t lifetime_s);
// 128 random bits from libsodium as 32 lowercase hex digits (a signature nonce).
[[nodiscard]] std::string random_nonce();
// Seconds since the Unix epoch.
[[nodiscard]] std::int64_t unix_time_s();

struct ClientResponse {
    unsigned status = 0;
    std::string content_type;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    // The first header of that name (case-insensitive), or empty.
    [[nodiscard]] std::string header(std::string_view name) const;
};

// io_error / unavailable if the node cannot be reached or does not answer within the deadline;
// invalid_argument for a bad method. Any HTTP status is a success here.
[[nodiscard]] Result<ClientResponse> http_request(const ClientRequest& request);

// One keep-alive connection to host:port, opened on first use and reopened when the server has
// closed it. request() ignores ClientRequest::host/port (the connection's are used). A request
// that fails on a reused connection before any answer arrives is sent once more on a fresh one
// (the server may have closed an idle connection); a signed request is re-signed for that, since
// its nonce may have been seen. With `tls`, HTTPS (ClientRequest::tls is ignored: the
// connection's is used). Not thread-safe: one connection per thread.
class HttpConnection {
public:
    HttpConnection(std::string host, std::uint16_t port, std::shared_ptr<const ClientTls> tls = nullptr);
    ~HttpConnection();
    HttpConnection(HttpConnection&&) noexcept;
    HttpConnection& operator=(HttpConnection&&) noexcept;

    [[nodiscard]] Result<ClientResponse> request(const ClientRequest& request);
    [[nodiscard]] const std::string& host() const { return host_; }
    [[nodiscard]] std::uint16_t port() const { return port_; }

private:
    struct State;
    std::string host_;
    std::uint16_t port_;
    std::shared_ptr<const ClientTls> tls_;
    std::unique_ptr<State> state_;
};

// A request whose 200 answer is a stream (GET /v1/stream): the head is read within the request's
// deadline, then each piece of the body is given to `on_bytes` as it arrives, until the server
// closes (success, the head returned), `on_bytes` returns false (success), or nothing arrives for
// `idle_timeout_ms` (unavailable). A status other than 200 is read whole and returned as
// http_request() would. The caller's thread is blocked throughout.
[[nodiscard]] Result<ClientResponse> http_stream(const ClientRequest& request, std::uint32_t idle_timeout_ms,
                                                 const std::function<bool(std::string_view)>& on_bytes);

// Splits "http://host:port/path" or "https://host:port/path" into host, port (default 80 or
// 443) and path ("/" when absent).
struct ParsedUrl {
    std::string host;
    std::uint16_t port = 80;
    std::string target = "/";
    bool tls = false;  // https://
};
[[nodiscard]] Result<ParsedUrl> parse_url(std::string_view url);

}  // namespace custos::api
