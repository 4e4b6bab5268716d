// serve_request_bytes(): one request from bytes in memory, with the server session's limits and
// steps, and the same answers a socket gets (the fuzz target of the request path runs on it).
#include "api/http_exchange.hpp"
#include "api_support.hpp"

namespace custos::api::test {

namespace {

struct InMemory {
    FakeService service;
    Authenticator auth{[] { return test_now; }, AuthOptions{}};

    std::optional<ApiResponse> serve(std::string_view bytes) {
        return serve_request_bytes(service, auth, bytes);
    }
};

}  // namespace

TEST_CASE(
    "in memory: an open route answers as on a socket; the response is written as the server writes it") {
    InMemory node;
    auto answer = node.serve("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(answer.has_value());
    CHECK(answer->status == 200);
    CHECK(answer->body == "ok\n");
    HttpResponse response;
    fill_response(response, *answer, true);
    CHECK(response[boost::beast::http::field::cache_control] == "no-store");
    CHECK(response[boost::beast::http::field::content_length] == std::to_string(answer->body.size()));
}

TEST_CASE("in memory: the session's refusals, in its order") {
    InMemory node;
    // Unknown path and wrong method: check_head, before any body.
    CHECK(node.serve("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")->status == 404);
    CHECK(node.serve("DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n")->status == 405);
    // Not HTTP: 400; a header block over the limit: 431.
    CHECK(node.serve("hello\r\n\r\n")->status == 400);
    const std::string big(request_header_bytes_max + 1, 'a');
    CHECK(node.serve("GET /healthz HTTP/1.1\r\nX-Big: " + big + "\r\n\r\n")->status == 431);
    // A declared length over the route's limit: 413 naming the limit, without the body.
    auto large = node.serve(
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 70000\r\n\r\n");
    REQUIRE(large.has_value());
    CHECK(large->status == 413);
    CHECK(large->body.find(std::to_string(request_body_bytes_max)) != std::string::npos);
    // Signed routes without a signature: 401, once the body is in.
    CHECK(node.serve("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: 2\r\n\r\n{}")
              ->status == 401);
    CHECK(node.service.submits == 0);
}

TEST_CASE(
    "in memory: bytes that end early are a peer that closed there: no answer, or 400 within a request") {
    InMemory node;
    CHECK_FALSE(node.serve("").has_value());
    auto header = node.serve("GET /healthz HTTP/1.1\r\nHost:");
    REQUIRE(header.has_value());
    CHECK(header->status == 400);
    auto body = node.serve(
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 10\r\n\r\n{}");
    REQUIRE(body.has_value());
    CHECK(body->status == 400);
    CHECK(node.service.submits == 0);
}

}  // namespace custos::api::test
