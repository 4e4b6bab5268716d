// The REST server over a real socket on 127.0.0.1 against a fake NodeService: each route, and
// each hard edge the server owns (413 from the header, 415, 405 + Allow, 400 for bad ids and
// malformed HTTP/JSON, 409 naming the rule, 503 + Retry-After, 431, deadlines, connection caps).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <sstream>
#include <string>

#include "api/http_client.hpp"
#include "api/routes.hpp"
#include "api/server.hpp"
#include "crypto/canonical_json.hpp"
#include "ledger/event.hpp"

namespace custos::api {

namespace {

using crypto::Json;

const std::string event_hex(64, 'a');

class FakeService final : public NodeService {
public:
    Result<ledger::EventId> submit_event(std::string_view envelope_json) override {
        std::lock_guard lock(mutex_);
        ++submits;
        last_body = std::string(envelope_json);
        if (submit_error_) return tl::unexpected(*submit_error_);
        return ledger::event_id_from_hex(event_hex);
    }
    Result<Json> event_by_id(const ledger::EventId& id) override {
        ++reads;
        if (ledger::event_id_hex(id) != event_hex) return make_error(ErrorCode::not_found, "no such event");
        return Json{{"id", event_hex}, {"status", "committed"}};
    }
    Result<Json> item_trail(std::string_view item_id) override {
        ++reads;
        if (item_id != "ITEM-1") return make_error(ErrorCode::not_found, "no such item");
        return Json{{"item", "ITEM-1"}, {"events", Json::array()}};
    }
    Result<Json> case_items(std::string_view case_id) override {
        ++reads;
        if (case_id != "CASE-1") return make_error(ErrorCode::not_found, "no such case");
        return Json{{"case", "CASE-1"}, {"items", Json::array()}};
    }
    Result<Json> block_by_height(ledger::Height height) override {
        ++reads;
        if (height.value != 3) return make_error(ErrorCode::not_found, "no such block");
        return Json{{"header", {{"height", 3}}}};
    }
    Result<CheckpointView> latest_checkpoint() override {
        ++reads;
        return CheckpointView{
            .height = ledger::Height{7}, .log_size = 9, .note = "custos-test\n9\nroot=\n\n— v1 sig\n"};
    }
    Result<CheckpointView> checkpoint_at(ledger::Height height) override {
        ++reads;
        if (height.value != 7) return make_error(ErrorCode::not_found, "no such checkpoint");
        return latest_checkpoint();
    }
    NodeStatus status() override {
        ++reads;
        return NodeStatus{
            .chain_id = "custos-test", .genesis_hash_hex = std::string(64, 'b'), .height = ledger::Height{7}};
    }
    std::string metrics_text() override { return "custos_height 7\n"; }
    bool healthy() override { return is_healthy.load(); }

    std::string body() {
        std::lock_guard lock(mutex_);
        return last_body;
    }

    std::atomic<int> submits{0};
    std::atomic<int> reads{0};
    std::atomic<bool> is_healthy{true};
    void fail_submits_with(Error error) {
        std::lock_guard lock(mutex_);
        submit_error_ = std::move(error);
    }

private:
    std::mutex mutex_;
    std::string last_body;
    std::optional<Error> submit_error_;
};

struct Fixture {
    explicit Fixture(ServerOptions options = {}) {
        auto started = Server::start(service, options);
        REQUIRE(started.has_value());
        server = std::move(*started);
        port = server->port();
    }

    ClientResponse request(std::string method, std::string target, std::string body = {},
                           std::string content_type = {},
                           std::vector<std::pair<std::string, std::string>> headers = {}) {
        auto response = http_request(ClientRequest{.port = port,
                                                   .method = std::move(method),
                                                   .target = std::move(target),
                                                   .content_type = std::move(content_type),
                                                   .body = std::move(body),
                                                   .headers = std::move(headers)});
        REQUIRE(response.has_value());
        return *response;
    }

    FakeService service;
    std::unique_ptr<Server> server;
    std::uint16_t port = 0;
};

Json problem_of(const ClientResponse& response) {
    CHECK(response.content_type == "application/problem+json");
    auto json = crypto::parse_json(response.body);
    REQUIRE(json.has_value());
    CHECK((*json)["status"] == response.status);
    CHECK((*json)["type"].get<std::string>().rfind("urn:custos:problem:", 0) == 0);
    return *json;
}

// A raw socket, for requests the client would never send. Reads until the server closes (or 5 s).
struct RawConnection {
    explicit RawConnection(std::uint16_t port) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        timeval timeout{.tv_sec = 5, .tv_usec = 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    }
    ~RawConnection() { ::close(fd); }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    void send(const std::string& bytes) const {
        REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
    }
    // Everything until the server closes; `closed` tells whether it did (rather than timing out).
    std::string read_all(bool& closed) const {
        std::string out;
        char buffer[4096];
        while (true) {
            ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
            if (got > 0) {
                out.append(buffer, static_cast<std::size_t>(got));
                continue;
            }
            closed = got == 0 || errno == ECONNRESET;
            return out;
        }
    }
    int fd = -1;
};

std::string status_line(const std::string& raw) {
    return raw.substr(0, raw.find("\r\n"));
}

}  // namespace

TEST_CASE("GET /healthz, /metrics and /v1/status answer from the service") {
    Fixture fixture;
    auto health = fixture.request("GET", "/healthz");
    CHECK(health.status == 200);
    CHECK(health.body == "ok\n");
    fixture.service.is_healthy = false;
    CHECK(fixture.request("GET", "/healthz").status == 503);

    auto metrics = fixture.request("GET", "/metrics");
    CHECK(metrics.status == 200);
    CHECK(metrics.content_type.rfind("text/plain; version=0.0.4", 0) == 0);
    CHECK(metrics.body == "custos_height 7\n");

    auto status = fixture.request("GET", "/v1/status");
    CHECK(status.status == 200);
    auto json = crypto::parse_json(status.body);
    REQUIRE(json.has_value());
    CHECK((*json)["chain_id"] == "custos-test");
    CHECK((*json)["height"] == 7);
    CHECK((*json)["genesis_hash"] == std::string(64, 'b'));
}

TEST_CASE("POST /v1/events: 202 with the id, the body reaches the service unchanged") {
    Fixture fixture;
    std::string envelope = R"({"event":{"kind":"register"},"signer":"ab","sig":"cd"})";
    auto response = fixture.request("POST", "/v1/events", envelope, "application/json; charset=utf-8");
    CHECK(response.status == 202);
    CHECK(response.header("Location") == "/v1/events/" + event_hex);
    auto json = crypto::parse_json(response.body);
    REQUIRE(json.has_value());
    CHECK((*json)["id"] == event_hex);
    CHECK(fixture.service.body() == envelope);
}

TEST_CASE("POST /v1/events: service errors become problems with the right status") {
    Fixture fixture;
    auto submit = [&](Error error) {
        fixture.service.fail_submits_with(std::move(error));
        return fixture.request("POST", "/v1/events", "{}", "application/json");
    };
    auto rule = submit(Error{ErrorCode::rule_violation, "R5 prev: not the item's current head"});
    CHECK(rule.status == 409);
    auto problem = problem_of(rule);
    CHECK(problem["rule"] == "R5");
    CHECK(problem["field"] == "prev");
    CHECK(problem["detail"] == "R5 prev: not the item's current head");

    auto schema = problem_of(submit(Error{ErrorCode::invalid_argument, "R1 item: too long"}));
    CHECK(schema["status"] == 400);
    CHECK(schema["field"] == "item");

    CHECK(submit(Error{ErrorCode::already_exists, "event already committed"}).status == 409);
    CHECK(submit(Error{ErrorCode::verification_failed, "R2 sig: does not verify"}).status == 400);

    auto full = submit(Error{ErrorCode::resource_exhausted, "mempool full"});
    CHECK(full.status == 503);
    CHECK(full.header("Retry-After") == "1");
    CHECK(problem_of(full)["title"] == "Mempool full");

    auto internal = submit(Error{ErrorCode::internal, "secret inside detail"});
    CHECK(internal.status == 500);
    CHECK(internal.body.find("secret inside") == std::string::npos);
}

TEST_CASE("POST /v1/events: malformed JSON is refused at the edge, never reaching the service") {
    Fixture fixture;
    auto truncated = fixture.request("POST", "/v1/events", R"({"event": {)", "application/json");
    CHECK(truncated.status == 400);
    CHECK(problem_of(truncated)["field"] == "body");
    // As deep as fits under the body limit: far past the parser's depth limit.
    std::string deep(60000, '[');
    CHECK(fixture.request("POST", "/v1/events", deep, "application/json").status == 400);
    CHECK(fixture.request("POST", "/v1/events", R"({"a":1,"a":2})", "application/json").status == 400);
    CHECK(fixture.request("POST", "/v1/events", "[1]", "application/json").status == 400);
    CHECK(fixture.request("POST", "/v1/events", "{\"a\":\"\xff\"}", "application/json").status == 400);
    CHECK(fixture.service.submits == 0);
}

TEST_CASE("POST /v1/events: wrong content type is 415, naming Content-Type") {
    Fixture fixture;
    auto response = fixture.request("POST", "/v1/events", "{}", "text/plain");
    CHECK(response.status == 415);
    CHECK(problem_of(response)["field"] == "Content-Type");
    CHECK(fixture.request("POST", "/v1/events", "{}").status == 415);
    CHECK(fixture.service.submits == 0);
}

TEST_CASE("a body over 64 KiB is refused with 413 from the header alone") {
    Fixture fixture;
    RawConnection connection(fixture.port);
    // Only the header is sent: a 413 proves the server decided before reading any body.
    connection.send(
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
        "65537\r\n\r\n");
    bool closed = false;
    std::string raw = connection.read_all(closed);
    CHECK(status_line(raw).rfind("HTTP/1.1 413 ", 0) == 0);
    CHECK(raw.find("application/problem+json") != std::string::npos);
    CHECK(closed);
    CHECK(fixture.service.submits == 0);

    // A chunked body has no length up front: it is cut off with 413 once it passes the limit.
    RawConnection chunked(fixture.port);
    std::string chunk(40000, ' ');
    std::ostringstream request;
    request << "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Transfer-Encoding: chunked\r\n\r\n"
            << std::hex << chunk.size() << "\r\n"
            << chunk << "\r\n"
            << chunk.size() << "\r\n"
            << chunk << "\r\n0\r\n\r\n";
    chunked.send(request.str());
    CHECK(status_line(chunked.read_all(closed)).rfind("HTTP/1.1 413 ", 0) == 0);
    CHECK(fixture.service.submits == 0);

    // A body of exactly the limit is read (and here refused only as bad JSON).
    std::string at_limit(request_body_bytes_max, ' ');
    at_limit.front() = '{';
    at_limit.back() = '}';
    CHECK(fixture.request("POST", "/v1/events", at_limit, "application/json").status == 202);
}

TEST_CASE("wrong method is 405 with Allow") {
    Fixture fixture;
    auto on_events = fixture.request("DELETE", "/v1/events");
    CHECK(on_events.status == 405);
    CHECK(on_events.header("Allow") == "POST");
    problem_of(on_events);
    auto on_status = fixture.request("POST", "/v1/status", "{}", "application/json");
    CHECK(on_status.status == 405);
    CHECK(on_status.header("Allow") == "GET");
    CHECK(fixture.request("PUT", "/v1/items/ITEM-1/trail").header("Allow") == "GET");
}

TEST_CASE("read routes answer from the service; unknown ids are 404") {
    Fixture fixture;
    CHECK(fixture.request("GET", "/v1/items/ITEM-1/trail").status == 200);
    CHECK(fixture.request("GET", "/v1/items/ITEM-2/trail").status == 404);
    CHECK(fixture.request("GET", "/v1/cases/CASE-1").status == 200);
    CHECK(problem_of(fixture.request("GET", "/v1/cases/CASE-2"))["status"] == 404);
    CHECK(fixture.request("GET", "/v1/events/" + event_hex).status == 200);
    CHECK(fixture.request("GET", "/v1/events/" + std::string(64, 'c')).status == 404);
    CHECK(fixture.request("GET", "/v1/blocks/3").status == 200);
    CHECK(fixture.request("GET", "/v1/blocks/4").status == 404);
    CHECK(fixture.request("GET", "/v1/nothing").status == 404);
    CHECK(fixture.request("GET", "/v1/items/ITEM-1/trail/").status == 404);

    auto json_checkpoint = fixture.request("GET", "/v1/checkpoints/latest");
    CHECK(json_checkpoint.status == 200);
    auto json = crypto::parse_json(json_checkpoint.body);
    REQUIRE(json.has_value());
    CHECK((*json)["height"] == 7);
    CHECK((*json)["log_size"] == 9);
    auto note = fixture.request("GET", "/v1/checkpoints/latest", {}, {}, {{"Accept", "text/plain"}});
    CHECK(note.content_type.rfind("text/plain", 0) == 0);
    CHECK(note.body == "custos-test\n9\nroot=\n\n— v1 sig\n");
    CHECK(fixture.request("GET", "/v1/checkpoints/7").status == 200);
}

TEST_CASE("bad path ids are 400 and never reach the service") {
    Fixture fixture;
    for (const std::string& target : std::vector<std::string>{
             "/v1/items/a%2Fb/trail", "/v1/items/../trail", "/v1/items/a%00b/trail", "/v1/cases/a*b",
             "/v1/items/" + std::string(129, 'x') + "/trail", "/v1/events/%2e%2e"}) {
        CAPTURE(target);
        auto response = fixture.request("GET", target);
        CHECK(response.status == 400);
        problem_of(response);
    }
    CHECK(problem_of(fixture.request("GET", "/v1/items/a%2Fb/trail"))["field"] == "item");
    CHECK(fixture.request("GET", "/v1/items/" + std::string(128, 'x') + "/trail").status == 404);
    CHECK(fixture.service.reads == 1);
    CHECK(fixture.request("GET", "/v1/events/not-hex").status == 400);
    CHECK(fixture.request("GET", "/v1/blocks/abc").status == 400);
    CHECK(fixture.request("GET", "/v1/blocks/0").status == 400);
    CHECK(fixture.request("GET", "/v1/blocks/99999999999999999999999").status == 400);
}

TEST_CASE("malformed HTTP: oversized header is 431, Content-Length with chunked is 400") {
    Fixture fixture;
    {
        RawConnection connection(fixture.port);
        connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
        bool closed = false;
        CHECK(status_line(connection.read_all(closed)) == "HTTP/1.1 431 Request Header Fields Too Large");
    }
    {
        RawConnection connection(fixture.port);
        connection.send(
            "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
        bool closed = false;
        CHECK(status_line(connection.read_all(closed)) == "HTTP/1.1 400 Bad Request");
    }
    {
        RawConnection connection(fixture.port);
        connection.send("NOT HTTP AT ALL\r\n\r\n");
        bool closed = false;
        CHECK(status_line(connection.read_all(closed)) == "HTTP/1.1 400 Bad Request");
    }
    CHECK(fixture.service.submits == 0);
}

TEST_CASE("a client that never finishes its header is cut off at the deadline") {
    Fixture fixture(ServerOptions{.header_timeout_ms = 200});
    RawConnection connection(fixture.port);
    connection.send("GET /healthz HTTP/1.1\r\n");
    bool closed = false;
    // read_all() gives up after 5 s; a close well before that is the deadline at work.
    CHECK(connection.read_all(closed).empty());
    CHECK(closed);
    // The server still serves others.
    CHECK(fixture.request("GET", "/healthz").status == 200);
}

TEST_CASE("connections over the per-address cap are closed at once; the others are served") {
    Fixture fixture(ServerOptions{.connections_per_address_max = 2});
    RawConnection first(fixture.port);
    RawConnection second(fixture.port);
    // Both are open (idle): prove it by a request on the first after the third was refused.
    RawConnection third(fixture.port);
    third.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    bool closed = false;
    CHECK(third.read_all(closed).empty());
    CHECK(closed);
    first.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(status_line(first.read_all(closed)) == "HTTP/1.1 200 OK");
}

TEST_CASE("keep-alive: two requests on one connection") {
    Fixture fixture;
    RawConnection connection(fixture.port);
    connection.send(
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nConnection: "
        "close\r\n\r\n");
    bool closed = false;
    std::string raw = connection.read_all(closed);
    CHECK(raw.find("ok\n") != std::string::npos);
    CHECK(raw.find("custos_height 7\n") != std::string::npos);
    CHECK(closed);
}

TEST_CASE("server_options_from_address parses host:port") {
    auto options = server_options_from_address("127.0.0.1:8081");
    REQUIRE(options.has_value());
    CHECK(options->host == "127.0.0.1");
    CHECK(options->port == 8081);
    CHECK_FALSE(server_options_from_address("127.0.0.1").has_value());
    CHECK_FALSE(server_options_from_address("127.0.0.1:99999").has_value());
    CHECK_FALSE(server_options_from_address("h:8x").has_value());
}

}  // namespace custos::api
