// One request without a socket, and the pieces the server shares with it. See http_exchange.hpp.
#include "api/http_exchange.hpp"

#include <chrono>
#include <future>

#include <boost/asio/error.hpp>
#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>

#include "api/server.hpp"

namespace custos::api {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::string_view title_for(unsigned status) {
    switch (status) {
        case 413:
            return "Content too large";
        case 431:
            return "Request header fields too large";
        default:
            return "Malformed HTTP request";
    }
}

// `body_limit` is the limit of the request's route (413 names it).
std::string detail_for(unsigned status, std::size_t body_limit) {
    switch (status) {
        case 413:
            return "the body is over the limit of " + std::to_string(body_limit) + " bytes";
        case 431:
            return "the header block is over the limit of " + std::to_string(request_header_bytes_max) +
                   " bytes";
        default:
            return "the request is not valid HTTP/1.1";
    }
}

// What a socket read reports when the peer closes: end_of_stream before any byte of a message
// (beast::http::async_read's rule), else the parser's end of file.
void end_of_bytes(http::request_parser<http::string_body>& parser, beast::error_code& error) {
    if (!parser.got_some()) {
        error = http::error::end_of_stream;
        return;
    }
    parser.put_eof(error);
}

// Feeds `bytes` from `offset` to the parser until it stops: the header is done (when it is not
// eager), the message is, it fails, or the bytes run out. Bytes that run out are a peer that
// closed its side there: the parser's end of file (end_of_stream before any byte, partial_message
// within a message), as a socket read reports it.
void feed(http::request_parser<http::string_body>& parser, std::string_view bytes, std::size_t& offset,
          beast::error_code& error) {
    while (!error && !parser.is_done() && !(parser.is_header_done() && !parser.eager())) {
        if (offset == bytes.size()) return end_of_bytes(parser, error);
        offset += parser.put(asio::const_buffer(bytes.data() + offset, bytes.size() - offset), error);
        // The parser was given every byte left and wants more: there are no more.
        if (error == http::error::need_more) {
            error = {};
            return end_of_bytes(parser, error);
        }
    }
}

}  // namespace

ApiRequest request_from_message(const HttpRequest& message) {
    ApiRequest request;
    request.method = message.method();
    request.target = std::string(message.target());
    request.content_type = std::string(message[http::field::content_type]);
    request.accept = std::string(message[http::field::accept]);
    request.host = std::string(message[http::field::host]);
    request.content_digest = std::string(message["Content-Digest"]);
    request.signature_input = std::string(message["Signature-Input"]);
    request.signature = std::string(message["Signature"]);
    request.last_event_id = std::string(message["Last-Event-ID"]);
    return request;
}

std::optional<unsigned> status_for_parse_error(const beast::error_code& error) {
    if (error == http::error::end_of_stream || error == beast::error::timeout ||
        error == asio::error::operation_aborted || error == asio::error::connection_reset ||
        error == asio::error::eof) {
        return std::nullopt;
    }
    if (error == http::error::header_limit) return 431;
    if (error == http::error::body_limit) return 413;
    return 400;
}

ApiResponse parse_error_response(unsigned status, std::size_t body_limit) {
    return problem_response(Problem{
        .status = status, .title = std::string(title_for(status)), .detail = detail_for(status, body_limit)});
}

void fill_response(HttpResponse& response, ApiResponse answer, bool keep_alive) {
    response = {};
    response.result(answer.status);
    response.version(11);
    response.set(http::field::content_type, answer.content_type);
    response.set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : answer.headers)
        response.set(name, value);
    response.body() = std::move(answer.body);
    response.keep_alive(keep_alive);
    response.prepare_payload();
}

std::optional<ApiResponse> serve_request_bytes(NodeService& service, Authenticator& auth,
                                               std::string_view bytes) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(request_header_bytes_max));
    std::size_t body_limit = request_body_bytes_max_any_route;
    parser.body_limit(body_limit);
    std::size_t offset = 0;
    beast::error_code error;
    // The header (Session::read_header and on_header).
    feed(parser, bytes, offset, error);
    if (error && error != http::error::body_limit) {
        auto status = status_for_parse_error(error);
        if (!status) return std::nullopt;
        return parse_error_response(*status, body_limit);
    }
    const ApiRequest head = request_from_message(parser.get());
    body_limit = request_body_limit(head);
    if (error) return parse_error_response(413, body_limit);
    if (auto length = parser.content_length(); length && *length > body_limit) {
        return parse_error_response(413, body_limit);
    }
    parser.body_limit(body_limit);
    if (auto refused = check_head(head)) return refused;
    // The body (Session::on_body).
    parser.eager(true);
    feed(parser, bytes, offset, error);
    if (error) {
        auto status = status_for_parse_error(error);
        if (!status) return std::nullopt;
        return parse_error_response(*status, body_limit);
    }
    ApiRequest request = request_from_message(parser.get());
    request.body = std::move(parser.get().body());
    ApiResponse answer = handle_request(service, auth, request);
    if (answer.await_commit) {
        auto committed = committed_response(service, *answer.await_commit);
        if (committed) return committed;
        return commit_timeout_response(*answer.await_commit, 0);
    }
    if (answer.await_record) {
        // As the server does (server.cpp await_record), waiting here on this thread.
        auto recorded = std::make_shared<std::promise<Result<std::string>>>();
        auto future = recorded->get_future();
        service.record_read(std::move(answer.await_record->read), answer.await_record->received,
                            [recorded](Result<std::string> by) { recorded->set_value(std::move(by)); });
        answer.await_record.reset();
        if (future.wait_for(std::chrono::milliseconds(ServerOptions{}.read_record_wait_ms)) !=
            std::future_status::ready) {
            return read_not_recorded_response("no validator recorded it in time");
        }
        auto by = future.get();
        if (!by) return read_not_recorded_response(by.error().message);
        answer.headers.emplace_back("Custos-Read-Recorded-By", *by);
        return answer;
    }
    if (answer.stream) {
        // A stream's head only: its events are the server session's (server.cpp).
        return ApiResponse{.status = 200, .content_type = "text/event-stream; charset=utf-8"};
    }
    return answer;
}

}  // namespace custos::api
