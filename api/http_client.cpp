// Blocking HTTP/1.1 client over Boost.Beast: async operations run on a private io_context for at
// most the deadline, so a silent peer cannot hang the caller. See http_client.hpp.
#include "api/http_client.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <optional>

#include <sodium.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "api/http_signature.hpp"
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

// One exchange (optionally connecting first) on a stream, run on its io_context until done or
// the deadline passes; every step sets `error` or moves on to the next.
struct Exchange {
    beast::tcp_stream& stream;
    beast::flat_buffer& buffer;
    http::request<http::string_body>& message;
    std::optional<http::response_parser<http::string_body>> parser;
    beast::error_code error;
    bool done = false;
    bool answer_started = false;  // some response bytes arrived

    void connect_then_send(const tcp::resolver::results_type& endpoints) {
        stream.async_connect(endpoints, [this](beast::error_code connect_error, const tcp::endpoint&) {
            if (connect_error) return finish(connect_error);
            // A request is written whole: Nagle's algorithm could only delay its tail.
            beast::error_code ignored;
            stream.socket().set_option(tcp::no_delay(true), ignored);
            send();
        });
    }

    void send() {
        http::async_write(stream, message, [this](beast::error_code write_error, std::size_t) {
            if (write_error) return finish(write_error);
            http::async_read(stream, buffer, *parser, [this](beast::error_code read_error, std::size_t) {
                answer_started = parser->got_some();
                finish(read_error);
            });
        });
    }

    void finish(const beast::error_code& result) {
        error = result;
        done = true;
    }
};

Result<ClientResponse> exchange_result(Exchange& exchange, const ClientRequest& request,
                                       const std::string& where) {
    if (!exchange.done) return make_error(ErrorCode::internal, "request to " + where + " did not finish");
    if (exchange.error == beast::error::timeout) {
        return make_error(ErrorCode::unavailable, "no answer from " + where + " in time");
    }
    if (exchange.error) {
        return make_error(ErrorCode::io_error,
                          request.method + " " + where + request.target + ": " + exchange.error.message());
    }
    return to_client_response(exchange.parser->release());
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
    std::string target_uri = "http://" + authority(request.host, request.port) + request.target;
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

Result<ClientResponse> http_request(const ClientRequest& request) {
    auto message = build_message(request, request.host, request.port, false);
    if (!message) return tl::unexpected(message.error());
    asio::io_context io;
    beast::tcp_stream stream(io);
    beast::flat_buffer buffer;
    auto endpoints = resolve(io, request.host, request.port);
    if (!endpoints) return tl::unexpected(endpoints.error());
    Exchange exchange{stream, buffer, *message, std::nullopt, {}, false, false};
    exchange.parser.emplace();
    exchange.parser->body_limit(client_response_bytes_max);
    stream.expires_after(std::chrono::milliseconds(request.timeout_ms));
    exchange.connect_then_send(*endpoints);
    io.run();
    return exchange_result(exchange, request, authority(request.host, request.port));
}

struct HttpConnection::State {
    asio::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;
    std::optional<tcp::resolver::results_type> endpoints;
    bool open = false;

    void close() {
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream.close();
        buffer.clear();
        open = false;
    }
};

HttpConnection::HttpConnection(std::string host, std::uint16_t port)
    : host_(std::move(host)), port_(port), state_(std::make_unique<State>()) {}
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
    // At most two tries: the second only when a reused connection failed before any answer.
    for (int attempt = 0; attempt < 2; ++attempt) {
        bool reused = state.open;
        auto message = build_message(request, host_, port_, true);
        if (!message) return tl::unexpected(message.error());
        Exchange exchange{state.stream, state.buffer, *message, std::nullopt, {}, false, false};
        exchange.parser.emplace();
        exchange.parser->body_limit(client_response_bytes_max);
        state.stream.expires_after(std::chrono::milliseconds(request.timeout_ms));
        if (reused) {
            exchange.send();
        } else {
            exchange.connect_then_send(*state.endpoints);
        }
        state.io.restart();
        state.io.run();
        state.open = exchange.done && !exchange.error;
        if (!state.open) {
            bool retry = reused && exchange.done && exchange.error != beast::error::timeout &&
                         !exchange.answer_started;
            state.close();
            if (retry) continue;
            return exchange_result(exchange, request, where);
        }
        bool server_keeps_alive = exchange.parser->keep_alive();
        auto response = exchange_result(exchange, request, where);
        if (!server_keeps_alive) state.close();
        return response;
    }
    return make_error(ErrorCode::io_error,
                      request.method + " " + where + request.target + ": connection lost");
}

Result<ParsedUrl> parse_url(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (url.substr(0, scheme.size()) != scheme) {
        return make_error(ErrorCode::invalid_argument, "URL must start with http://");
    }
    url.remove_prefix(scheme.size());
    ParsedUrl parsed;
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

}  // namespace custos::api
