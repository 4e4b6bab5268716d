// Blocking HTTP/1.1 client over Boost.Beast: async operations run on a private io_context for at
// most the deadline, so a silent peer cannot hang the caller. See http_client.hpp.
#include "api/http_client.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

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

// State of one exchange; every step sets `error` or moves on to the next.
struct Exchange {
    asio::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;
    http::request<http::string_body> message;
    std::optional<http::response_parser<http::string_body>> parser;
    beast::error_code error;
    bool done = false;

    void run(const tcp::resolver::results_type& endpoints) {
        stream.async_connect(endpoints, [this](beast::error_code connect_error, const tcp::endpoint&) {
            if (connect_error) return finish(connect_error);
            http::async_write(stream, message, [this](beast::error_code write_error, std::size_t) {
                if (write_error) return finish(write_error);
                http::async_read(stream, buffer, *parser,
                                 [this](beast::error_code read_error, std::size_t) { finish(read_error); });
            });
        });
    }

    void finish(const beast::error_code& result) {
        error = result;
        done = true;
    }
};

}  // namespace

std::string ClientResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    return {};
}

Result<ClientResponse> http_request(const ClientRequest& request) {
    auto exchange = std::make_unique<Exchange>();
    http::verb method = http::string_to_verb(request.method);
    if (method == http::verb::unknown)
        return make_error(ErrorCode::invalid_argument, "bad method " + request.method);
    exchange->message = http::request<http::string_body>(method, request.target, 11);
    exchange->message.set(http::field::host, request.host + ":" + std::to_string(request.port));
    if (!request.content_type.empty()) exchange->message.set(http::field::content_type, request.content_type);
    for (const auto& [name, value] : request.headers)
        exchange->message.set(name, value);
    exchange->message.body() = request.body;
    exchange->message.keep_alive(false);
    exchange->message.prepare_payload();
    exchange->parser.emplace();
    exchange->parser->body_limit(client_response_bytes_max);

    tcp::resolver resolver(exchange->io);
    beast::error_code resolve_error;
    auto endpoints = resolver.resolve(request.host, std::to_string(request.port), resolve_error);
    if (resolve_error) {
        return make_error(ErrorCode::io_error,
                          "cannot resolve " + request.host + ": " + resolve_error.message());
    }
    exchange->stream.expires_after(std::chrono::milliseconds(request.timeout_ms));
    exchange->run(endpoints);
    exchange->io.run();
    std::string where = request.host + ":" + std::to_string(request.port);
    if (!exchange->done) return make_error(ErrorCode::internal, "request to " + where + " did not finish");
    if (exchange->error == beast::error::timeout) {
        return make_error(ErrorCode::unavailable, "no answer from " + where + " in time");
    }
    if (exchange->error) {
        return make_error(ErrorCode::io_error,
                          request.method + " " + where + request.target + ": " + exchange->error.message());
    }
    auto& message = exchange->parser->get();
    ClientResponse response;
    response.status = message.result_int();
    response.content_type = std::string(message[http::field::content_type]);
    for (const auto& field : message) {
        response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    return response;
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
