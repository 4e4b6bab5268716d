// Blocking HTTP/1.1 client over Boost.Beast: async operations run on a private io_context for at
// most the deadline, so a silent peer cannot hang the caller. See http_client.hpp.
#include "api/http_client.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <functional>
#include <optional>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "api/http_signature.hpp"
#include "api/tls.hpp"
#include "crypto/encoding.hpp"

namespace custos::api {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string authority(const std::string& host, std::uint16_t port) {
    return host + ":" + std::to_string(port);
}

// The message to send: the request's own headers, plus a signature made now when it has a key.
Result<http::request<http::string_body>> build_message(ClientRequest request, const std::string& host,
                                                       std::uint16_t port, bool keep_alive) {
    http::verb method = http::string_to_verb(request.method);
    if (method == http::verb::unknown)
        return make_error(ErrorCode::invalid_argument, "bad method " + request.method);
    request.host = host;
    request.port = port;
    if (request.signing_key != nullptr) {
        sign_client_request(request, *request.signing_key, unix_time_s(), request.signature_lifetime_s);
    }
    http::request<http::string_body> message(method, request.target, 11);
    message.set(http::field::host, authority(host, port));
    if (!request.content_type.empty()) message.set(http::field::content_type, request.content_type);
    for (const auto& [name, value] : request.headers)
        message.set(name, value);
    message.body() = std::move(request.body);
    message.keep_alive(keep_alive);
    message.prepare_payload();
    return message;
}

ClientResponse to_client_response(http::response<http::string_body>&& message) {
    ClientResponse response;
    response.status = message.result_int();
    response.content_type = std::string(message[http::field::content_type]);
    for (const auto& field : message) {
        response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    return response;
}

using TlsStream = beast::ssl_stream<beast::tcp_stream&>;

// One connection's transport: TCP, and TLS over it when the client has a ClientTls. Not movable
// once TLS is set up (the TLS stream refers to the TCP one).
struct Channel {
    explicit Channel(asio::io_context& io) : tcp(io) {}
    beast::tcp_stream tcp;
    std::optional<TlsStream> tls;

    // Runs `start` on the stream the exchange goes over: TLS when there is one, else plain TCP.
    template <class Start>
    void with_stream(Start&& start) {
        if (tls) {
            start(*tls);
        } else {
            start(tcp);
        }
    }

    void close() {
        tls.reset();  // No close_notify: the connection is dropped either way.
        beast::error_code ignored;
        tcp.socket().shutdown(tcp::socket::shutdown_both, ignored);
        tcp.close();
    }
};

// Runs the io_context until the started operations are done (or the stream's deadline passed).
void run(asio::io_context& io) {
    io.restart();
    io.run();
}

Status connect_failure(const beast::error_code& error, const std::string& what, const std::string& where) {
    if (error == beast::error::timeout)
        return make_error(ErrorCode::unavailable, "no answer from " + where + " in time");
    return make_error(ErrorCode::io_error, what + " " + where + ": " + error.message());
}

// With a CA file: the certificate must name `host` (an IP address or a DNS name); a name is
// also sent as SNI.
void expect_host(SSL* ssl, const ClientTls& tls, const std::string& host) {
    beast::error_code not_address;
    asio::ip::make_address(host, not_address);
    if (not_address) SSL_set_tlsext_host_name(ssl, host.c_str());
    if (!tls.verify_chain) return;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (!not_address) {
        X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    } else {
        X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    }
}

// The TLS handshake and the checks of the server that the trust anchors ask for: the chain and
// host name (CA file) during the handshake, the pin right after it, before any request byte.
Status start_tls(asio::io_context& io, Channel& channel, const ClientTls& tls, const std::string& host,
                 const std::string& where) {
    channel.tls.emplace(channel.tcp, tls.context);
    SSL* ssl = channel.tls->native_handle();
    expect_host(ssl, tls, host);
    beast::error_code error;
    bool done = false;
    channel.tls->async_handshake(asio::ssl::stream_base::client, [&](beast::error_code handshake_error) {
        error = handshake_error;
        done = true;
    });
    run(io);
    if (!done) return make_error(ErrorCode::internal, "TLS handshake with " + where + " did not finish");
    if (error) {
        const long verified = SSL_get_verify_result(ssl);
        if (tls.verify_chain && verified != X509_V_OK) {
            return make_error(ErrorCode::verification_failed,
                              "TLS: the certificate of " + where +
                                  " is not trusted by --cacert: " + X509_verify_cert_error_string(verified));
        }
        return connect_failure(error, "TLS handshake with", where);
    }
    if (tls.pin_sha256_hex) {
        X509* peer = SSL_get0_peer_certificate(ssl);
        const std::string pin = peer == nullptr ? std::string() : spki_pin_of(peer);
        if (pin != "sha256:" + *tls.pin_sha256_hex) {
            return make_error(ErrorCode::verification_failed,
                              "TLS: the certificate of " + where + " has the public key pin " +
                                  (pin.empty() ? std::string("(none)") : pin) + ", not the --pin given");
        }
    }
    return {};
}

// Connects within the TCP stream's deadline (set by the caller), then starts TLS when asked.
Status open_channel(asio::io_context& io, Channel& channel, const tcp::resolver::results_type& endpoints,
                    const ClientTls* tls, const std::string& host, const std::string& where) {
    beast::error_code error;
    bool done = false;
    channel.tcp.async_connect(endpoints, [&](beast::error_code connect_error, const tcp::endpoint&) {
        error = connect_error;
        done = true;
    });
    run(io);
    if (!done) return make_error(ErrorCode::internal, "connecting to " + where + " did not finish");
    if (error) return connect_failure(error, "cannot connect to", where);
    // A request is written whole: Nagle's algorithm could only delay its tail.
    beast::error_code ignored;
    channel.tcp.socket().set_option(tcp::no_delay(true), ignored);
    if (tls == nullptr) return {};
    return start_tls(io, channel, *tls, host, where);
}

// What one request-response exchange on an open channel gave.
struct Outcome {
    beast::error_code error;
    bool done = false;
    bool answer_started = false;  // some response bytes arrived
    bool keep_alive = false;
    std::optional<http::response<http::string_body>> response;
};

// Writes the request and reads the answer on the channel (TLS or TCP) within its deadline.
Outcome exchange(asio::io_context& io, Channel& channel, beast::flat_buffer& buffer,
                 http::request<http::string_body>& message) {
    Outcome outcome;
    http::response_parser<http::string_body> parser;
    parser.body_limit(client_response_bytes_max);
    auto start = [&](auto& stream) {
        http::async_write(stream, message, [&](beast::error_code write_error, std::size_t) {
            if (write_error) {
                outcome.error = write_error;
                outcome.done = true;
                return;
            }
            http::async_read(stream, buffer, parser, [&](beast::error_code read_error, std::size_t) {
                outcome.answer_started = parser.got_some();
                outcome.error = read_error;
                outcome.done = true;
            });
        });
    };
    channel.with_stream(start);
    run(io);
    if (outcome.done && !outcome.error) {
        outcome.keep_alive = parser.keep_alive();
        outcome.response = parser.release();
    }
    return outcome;
}

Result<ClientResponse> outcome_result(Outcome& outcome, const ClientRequest& request,
                                      const std::string& where) {
    if (!outcome.done) return make_error(ErrorCode::internal, "request to " + where + " did not finish");
    if (outcome.error == beast::error::timeout) {
        return make_error(ErrorCode::unavailable, "no answer from " + where + " in time");
    }
    if (outcome.error) {
        return make_error(ErrorCode::io_error,
                          request.method + " " + where + request.target + ": " + outcome.error.message());
    }
    return to_client_response(std::move(*outcome.response));
}

Result<tcp::resolver::results_type> resolve(asio::io_context& io, const std::string& host,
                                            std::uint16_t port) {
    tcp::resolver resolver(io);
    beast::error_code resolve_error;
    auto endpoints = resolver.resolve(host, std::to_string(port), resolve_error);
    if (resolve_error) {
        return make_error(ErrorCode::io_error, "cannot resolve " + host + ": " + resolve_error.message());
    }
    return endpoints;
}

// A one-shot request's channel (http_request, http_stream): resolves its host, then connects and
// starts TLS when asked, under the request's deadline from now on.
Status open_request_channel(asio::io_context& io, Channel& channel, const ClientRequest& request,
                            const std::string& where) {
    auto endpoints = resolve(io, request.host, request.port);
    if (!endpoints) return tl::unexpected(endpoints.error());
    channel.tcp.expires_after(std::chrono::milliseconds(request.timeout_ms));
    return open_channel(io, channel, *endpoints, request.tls.get(), request.host, where);
}

}  // namespace

std::string ClientResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    return {};
}

std::int64_t unix_time_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string random_nonce() {
    std::array<std::uint8_t, 16> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    return crypto::hex_encode(ByteView(bytes.data(), bytes.size()));
}

void sign_client_request(ClientRequest& request, const crypto::SecretKey& key, std::int64_t created_s,
                         std::int64_t lifetime_s) {
    std::string key_id = crypto::hex_encode(key.public_key().view());
    std::string target_uri = std::string(request.tls ? "https://" : "http://") +
                             authority(request.host, request.port) + request.target;
    SignedHeaders signed_headers = sign_request(key, key_id, request.method, target_uri, request.body,
                                                created_s, created_s + lifetime_s, random_nonce());
    auto set = [&](std::string_view name, std::string value) {
        for (auto& [existing, existing_value] : request.headers) {
            if (iequals(existing, name)) {
                existing_value = std::move(value);
                return;
            }
        }
        request.headers.emplace_back(std::string(name), std::move(value));
    };
    set("Content-Digest", std::move(signed_headers.content_digest));
    set("Signature-Input", std::move(signed_headers.signature_input));
    set("Signature", std::move(signed_headers.signature));
}

namespace {

// One request's own connection: its message, opened channel and read buffer (http_request and
// http_stream; HttpConnection keeps its connection instead).
struct OneShot {
    asio::io_context io;
    Channel channel{io};
    beast::flat_buffer buffer;
    std::string where;
    std::optional<http::request<http::string_body>> message;
};

// Builds the message and opens the channel (one deadline for the connection and TLS handshake).
Status open_one_shot(OneShot& call, const ClientRequest& request) {
    auto message = build_message(request, request.host, request.port, false);
    if (!message) return tl::unexpected(message.error());
    call.message = std::move(*message);
    call.where = authority(request.host, request.port);
    return open_request_channel(call.io, call.channel, request, call.where);
}

}  // namespace

Result<ClientResponse> http_request(const ClientRequest& request) {
    OneShot call;
    if (auto opened = open_one_shot(call, request); !opened) return tl::unexpected(opened.error());
    auto outcome = exchange(call.io, call.channel, call.buffer, *call.message);
    return outcome_result(outcome, request, call.where);
}

struct HttpConnection::State {
    asio::io_context io;
    Channel channel{io};
    beast::flat_buffer buffer;
    std::optional<tcp::resolver::results_type> endpoints;
    bool open = false;

    void close() {
        channel.close();
        buffer.clear();
        open = false;
    }
};

HttpConnection::HttpConnection(std::string host, std::uint16_t port, std::shared_ptr<const ClientTls> tls)
    : host_(std::move(host)), port_(port), tls_(std::move(tls)), state_(std::make_unique<State>()) {}
HttpConnection::~HttpConnection() = default;
HttpConnection::HttpConnection(HttpConnection&&) noexcept = default;
HttpConnection& HttpConnection::operator=(HttpConnection&&) noexcept = default;

Result<ClientResponse> HttpConnection::request(const ClientRequest& request) {
    State& state = *state_;
    if (!state.endpoints) {
        auto endpoints = resolve(state.io, host_, port_);
        if (!endpoints) return tl::unexpected(endpoints.error());
        state.endpoints = std::move(*endpoints);
    }
    const std::string where = authority(host_, port_);
    ClientRequest signed_for = request;
    signed_for.tls = tls_;  // The connection's scheme is the one signed (@target-uri).
    // At most two tries: the second only when a reused connection failed before any answer.
    for (int attempt = 0; attempt < 2; ++attempt) {
        bool reused = state.open;
        auto message = build_message(signed_for, host_, port_, true);
        if (!message) return tl::unexpected(message.error());
        state.channel.tcp.expires_after(std::chrono::milliseconds(request.timeout_ms));
        if (!reused) {
            if (auto opened =
                    open_channel(state.io, state.channel, *state.endpoints, tls_.get(), host_, where);
                !opened) {
                state.close();
                return tl::unexpected(opened.error());
            }
        }
        auto outcome = exchange(state.io, state.channel, state.buffer, *message);
        state.open = outcome.done && !outcome.error;
        if (!state.open) {
            bool retry =
                reused && outcome.done && outcome.error != beast::error::timeout && !outcome.answer_started;
            state.close();
            if (retry) continue;
            return outcome_result(outcome, request, where);
        }
        const bool server_keeps_alive = outcome.keep_alive;
        auto response = outcome_result(outcome, request, where);
        if (!server_keeps_alive) state.close();
        return response;
    }
    return make_error(ErrorCode::io_error,
                      request.method + " " + where + request.target + ": connection lost");
}

Result<ParsedUrl> parse_url(std::string_view url) {
    ParsedUrl parsed;
    if (url.starts_with("https://")) {
        parsed.tls = true;
        parsed.port = 443;
        url.remove_prefix(8);
    } else if (url.starts_with("http://")) {
        url.remove_prefix(7);
    } else {
        return make_error(ErrorCode::invalid_argument, "URL must start with http:// or https://");
    }
    auto slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    if (slash != std::string_view::npos) parsed.target = std::string(url.substr(slash));
    auto colon = authority.rfind(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
        std::string_view port_text = authority.substr(colon + 1);
        unsigned port = 0;
        auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (error != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
            return make_error(ErrorCode::invalid_argument, "bad port in URL");
        }
        parsed.port = static_cast<std::uint16_t>(port);
    }
    if (parsed.host.empty()) return make_error(ErrorCode::invalid_argument, "URL has no host");
    return parsed;
}

namespace {

// Sends the request and reads the answer's head into `parser`.
Status send_and_read_head(OneShot& call, const ClientRequest& request,
                          http::response_parser<http::string_body>& parser) {
    beast::error_code error;
    bool done = false;
    call.channel.with_stream([&](auto& stream) {
        http::async_write(stream, *call.message, [&](beast::error_code write_error, std::size_t) {
            if (write_error) {
                error = write_error;
                done = true;
                return;
            }
            http::async_read_header(stream, call.buffer, parser,
                                    [&](beast::error_code read_error, std::size_t) {
                                        error = read_error;
                                        done = true;
                                    });
        });
    });
    run(call.io);
    if (!done) return make_error(ErrorCode::internal, "request to " + call.where + " did not finish");
    if (error == beast::error::timeout)
        return make_error(ErrorCode::unavailable, "no answer from " + call.where + " in time");
    if (error)
        return make_error(ErrorCode::io_error,
                          request.method + " " + call.where + request.target + ": " + error.message());
    return {};
}

// The rest of a refusal (a short body), read as for any request.
Result<ClientResponse> read_refusal(OneShot& call, http::response_parser<http::string_body>& parser) {
    beast::error_code error;
    bool done = false;
    call.channel.with_stream([&](auto& stream) {
        http::async_read(stream, call.buffer, parser, [&](beast::error_code read_error, std::size_t) {
            error = read_error;
            done = true;
        });
    });
    run(call.io);
    if (!done || error)
        return make_error(ErrorCode::io_error, "the answer of " + call.where + " was cut short");
    return to_client_response(parser.release());
}

// Hands the body to `on_bytes` until the server closes, `on_bytes` says stop, or nothing comes
// for `idle_timeout_ms`: first what the header read took beyond the head, then each read.
Status stream_body(OneShot& call, std::uint32_t idle_timeout_ms,
                   const std::function<bool(std::string_view)>& on_bytes) {
    std::string chunk(static_cast<const char*>(call.buffer.data().data()), call.buffer.size());
    call.buffer.consume(call.buffer.size());
    std::array<char, 16384> bytes{};
    while (true) {
        if (!chunk.empty() && !on_bytes(chunk)) return {};
        beast::error_code error;
        std::size_t got = 0;
        bool done = false;
        call.channel.tcp.expires_after(std::chrono::milliseconds(idle_timeout_ms));
        call.channel.with_stream([&](auto& stream) {
            stream.async_read_some(asio::buffer(bytes), [&](beast::error_code read_error, std::size_t size) {
                error = read_error;
                got = size;
                done = true;
            });
        });
        run(call.io);
        chunk.assign(bytes.data(), got);
        if (!done) return make_error(ErrorCode::internal, "reading from " + call.where + " did not finish");
        if (error == asio::error::eof || error == asio::ssl::error::stream_truncated) {
            if (!chunk.empty()) on_bytes(chunk);
            return {};
        }
        if (error == beast::error::timeout)
            return make_error(ErrorCode::unavailable, "nothing from " + call.where + " for " +
                                                          std::to_string(idle_timeout_ms) + " ms");
        if (error)
            return make_error(ErrorCode::io_error, "reading from " + call.where + ": " + error.message());
    }
}

}  // namespace

Result<ClientResponse> http_stream(const ClientRequest& request, std::uint32_t idle_timeout_ms,
                                   const std::function<bool(std::string_view)>& on_bytes) {
    OneShot call;
    if (auto opened = open_one_shot(call, request); !opened) return tl::unexpected(opened.error());
    http::response_parser<http::string_body> parser;
    parser.body_limit(client_response_bytes_max);
    if (auto head = send_and_read_head(call, request, parser); !head) return tl::unexpected(head.error());
    if (parser.get().result_int() != 200) return read_refusal(call, parser);
    ClientResponse head = to_client_response(parser.release());
    if (auto streamed = stream_body(call, idle_timeout_ms, on_bytes); !streamed)
        return tl::unexpected(streamed.error());
    return head;
}

}  // namespace custos::api
