// The REST server over a real socket on 127.0.0.1 against the fake NodeService (api_support):
// each route's answer, and each hard edge the server owns (413 from the header, 415, 405 +
// Allow, 400 for bad ids and malformed HTTP/JSON, 409 naming the rule, 503 + Retry-After, 431,
// deadlines, connection caps).
#include <sstream>

#include "api_support.hpp"

namespace custos::api::test {

TEST_CASE("GET /healthz and /metrics are open; /v1/status answers an admin or auditor") {
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

    for (const std::string officer : {"nl.admin", "auditor"}) {
        auto status = fixture.signed_request(officer, "GET", "/v1/status");
        CHECK(status.status == 200);
        auto json = crypto::parse_json(status.body);
        REQUIRE(json.has_value());
        CHECK((*json)["chain_id"] == "custos-test");
        CHECK((*json)["height"] == 7);
        CHECK((*json)["genesis_hash"] == std::string(64, 'b'));
    }
    for (const std::string officer : {"nl.custodian", "nl.prosecutor"}) {
        auto refused = fixture.signed_request(officer, "GET", "/v1/status");
        CHECK(refused.status == 403);
        auto problem = problem_of(refused);
        CHECK(problem["field"] == "role");
        CHECK(problem["detail"].get<std::string>().find("admin, auditor") != std::string::npos);
    }
}

TEST_CASE("POST /v1/events: 202 with the id, the envelope reaches the service as parsed, once") {
    Fixture fixture;
    std::string envelope = envelope_for(fixture.service.officer_named("nl.custodian").key, "NL-POL");
    auto response = fixture.signed_request("nl.custodian", "POST", "/v1/events", envelope,
                                           "application/json; charset=utf-8");
    CHECK(response.status == 202);
    CHECK(response.header("Location") == "/v1/events/" + event_hex);
    auto json = crypto::parse_json(response.body);
    REQUIRE(json.has_value());
    CHECK((*json)["id"] == event_hex);
    CHECK((*json)["status"] == "pending");
    auto submitted = fixture.service.submitted();
    REQUIRE(submitted.size() == 1);
    CHECK(submitted.front() == ledger::parse_envelope(envelope).value());
    CHECK(fixture.service.submit_calls == 1);
}

TEST_CASE("POST /v1/events: service errors become problems with the right status") {
    Fixture fixture;
    std::string envelope = envelope_for(fixture.service.officer_named("nl.custodian").key, "NL-POL");
    auto submit = [&](Error error) {
        fixture.service.fail_submits_with(std::move(error));
        return fixture.signed_request("nl.custodian", "POST", "/v1/events", envelope, "application/json");
    };
    auto rule = submit(Error{ErrorCode::rule_violation, "R5 prev: not the item's current head"});
    CHECK(rule.status == 409);
    auto problem = problem_of(rule);
    CHECK(problem["rule"] == "R5");
    CHECK(problem["field"] == "prev");
    CHECK(problem["title"] == "Custody rule violated");
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
    CHECK(problem_of(full)["detail"] == "mempool full");

    auto internal = submit(Error{ErrorCode::internal, "secret inside detail"});
    CHECK(internal.status == 500);
    CHECK(internal.body.find("secret inside") == std::string::npos);
}

TEST_CASE("POST /v1/events: wrong content type is 415, naming Content-Type") {
    Fixture fixture;
    std::string envelope = envelope_for(fixture.service.officer_named("nl.custodian").key, "NL-POL");
    auto response = fixture.signed_request("nl.custodian", "POST", "/v1/events", envelope, "text/plain");
    CHECK(response.status == 415);
    auto problem = problem_of(response);
    CHECK(problem["field"] == "Content-Type");
    CHECK(problem["title"] == "Unsupported media type");
    CHECK(fixture.signed_request("nl.custodian", "POST", "/v1/events", envelope).status == 415);
    CHECK(fixture.service.submits == 0);
}

TEST_CASE("a body over 64 KiB is refused with 413 from the header alone") {
    Fixture fixture;
    RawConnection connection(fixture.port);
    // Only the header is sent: a 413 proves the server decided before reading any body.
    CHECK(connection.send(
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
        "65537\r\n\r\n"));
    bool closed = false;
    std::string raw = connection.read_all(closed);
    CHECK(status_line(raw) == "HTTP/1.1 413 Payload Too Large");
    CHECK(raw.find("application/problem+json") != std::string::npos);
    CHECK(raw.find("\"detail\":\"the body is over the limit of 65536 bytes\"") != std::string::npos);
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
    CHECK(chunked.send(request.str()));
    CHECK(status_line(chunked.read_all(closed)).rfind("HTTP/1.1 413 ", 0) == 0);
    CHECK(fixture.service.submits == 0);

    // A body of exactly the limit is read (and here refused as an envelope without members).
    std::string at_limit(request_body_bytes_max, ' ');
    at_limit.front() = '{';
    at_limit.back() = '}';
    auto read = fixture.signed_request("nl.custodian", "POST", "/v1/events", at_limit, "application/json");
    CHECK(read.status == 400);
    CHECK(problem_of(read)["field"] == "event");
}

TEST_CASE("wrong method is 405 with Allow") {
    Fixture fixture;
    auto on_events = fixture.request("DELETE", "/v1/events");
    CHECK(on_events.status == 405);
    CHECK(on_events.header("Allow") == "POST");
    CHECK(problem_of(on_events)["detail"] == "this route answers POST only");
    auto on_status = fixture.request("POST", "/v1/status", "{}", "application/json");
    CHECK(on_status.status == 405);
    CHECK(on_status.header("Allow") == "GET");
    CHECK(fixture.request("PUT", "/v1/items/ITEM-1/trail").header("Allow") == "GET");
    CHECK(fixture.request("POST", "/v1/checkpoints/latest", "{}", "application/json").status == 405);
}

TEST_CASE("read routes answer from the service; unknown ids are 404") {
    Fixture fixture;
    auto get = [&](const std::string& target) { return fixture.signed_request("auditor", "GET", target); };
    CHECK(get("/v1/items/ITEM-1/trail").status == 200);
    CHECK(get("/v1/items/ITEM-3/trail").status == 404);
    CHECK(get("/v1/items/ITEM-1/bundle").status == 200);
    CHECK(crypto::parse_json(get("/v1/items/ITEM-1/bundle").body).value()["type"] == "custos.bundle.v3");
    CHECK(get("/v1/items/ITEM-3/bundle").status == 404);
    CHECK(get("/v1/cases/CASE-1").status == 200);
    CHECK(problem_of(get("/v1/cases/CASE-3"))["status"] == 404);
    CHECK(get("/v1/events/" + event_hex).status == 200);
    CHECK(get("/v1/events/" + std::string(64, 'c')).status == 404);
    CHECK(get("/v1/blocks/3").status == 200);
    CHECK(get("/v1/blocks/4").status == 404);
    CHECK(get("/v1/nothing").status == 404);
    CHECK(get("/v1/items/ITEM-1/trail/").status == 404);
}

TEST_CASE("checkpoints and proofs are open: JSON, or the signed note as text/plain") {
    Fixture fixture;
    auto json_checkpoint = fixture.request("GET", "/v1/checkpoints/latest");
    CHECK(json_checkpoint.status == 200);
    auto json = crypto::parse_json(json_checkpoint.body);
    REQUIRE(json.has_value());
    CHECK((*json)["height"] == 7);
    CHECK((*json)["log_size"] == 9);
    CHECK((*json)["note"] == "custos-test\n9\nroot=\n\n— v1 sig\n");
    auto note = fixture.request("GET", "/v1/checkpoints/latest", {}, {}, {{"Accept", "text/plain"}});
    CHECK(note.content_type.rfind("text/plain", 0) == 0);
    CHECK(note.body == "custos-test\n9\nroot=\n\n— v1 sig\n");
    CHECK(fixture.request("GET", "/v1/checkpoints/7").status == 200);
    auto both = fixture.request("GET", "/v1/checkpoints/latest", {}, {},
                                {{"Accept", "application/json, text/plain;q=0.5"}});
    CHECK(both.content_type == "application/json");
    CHECK(fixture.request("GET", "/v1/checkpoints/7", {}, {}, {{"Accept", "text/plain"}}).body ==
          "custos-test\n9\nroot=\n\n— v1 sig\n");
    CHECK(fixture.request("GET", "/v1/checkpoints/8").status == 404);
    CHECK(problem_of(fixture.request("GET", "/v1/checkpoints/0"))["field"] == "height");

    auto inclusion = fixture.request("GET", "/v1/proofs/inclusion/" + event_hex + "?size=9");
    CHECK(inclusion.status == 200);
    CHECK(crypto::parse_json(inclusion.body).value()["tree_size"] == 9);
    CHECK(crypto::parse_json(fixture.request("GET", "/v1/proofs/inclusion/" + event_hex).body)
              .value()["leaf_index"] == 8);
    CHECK(problem_of(fixture.request("GET", "/v1/proofs/inclusion/" + event_hex + "?size=8"))["field"] ==
          "size");
    CHECK(fixture.request("GET", "/v1/proofs/inclusion/" + std::string(64, 'c')).status == 404);
    auto consistency = fixture.request("GET", "/v1/proofs/consistency?from=3&to=9");
    CHECK(consistency.status == 200);
    CHECK(crypto::parse_json(consistency.body).value()["from"] == 3);
    CHECK(problem_of(fixture.request("GET", "/v1/proofs/consistency?from=3&to=10"))["field"] == "to");
}

TEST_CASE("query parameters: strict integers, 400 naming the parameter") {
    Fixture fixture;
    auto field_of = [&](const std::string& target) {
        auto response = fixture.request("GET", target);
        CHECK(response.status == 400);
        return problem_of(response);
    };
    const std::string inclusion = "/v1/proofs/inclusion/" + event_hex;
    auto fraction = field_of(inclusion + "?size=1.5");
    CHECK(fraction["field"] == "size");
    CHECK(fraction["detail"] ==
          "size must be a decimal integer (no sign, fraction or exponent) in [1, "
          "18446744073709551615]");
    auto huge = field_of(inclusion + "?size=18446744073709551616");
    CHECK(huge["field"] == "size");
    CHECK(huge["detail"] == "size is out of range [1, 18446744073709551615]");
    CHECK(field_of(inclusion + "?size=-1")["field"] == "size");
    CHECK(field_of(inclusion + "?size=1e3")["field"] == "size");
    CHECK(field_of(inclusion + "?size=")["field"] == "size");
    CHECK(field_of(inclusion + "?size=09")["field"] == "size");
    CHECK(field_of(inclusion + "?size=0")["field"] == "size");
    CHECK(field_of(inclusion + "?size=9&size=9")["detail"] == "query parameter given more than once");
    auto unknown = field_of(inclusion + "?sise=9");
    CHECK(unknown["field"] == "sise");
    CHECK(unknown["detail"] == "unknown query parameter 'sise' for this route");
    CHECK(field_of("/v1/proofs/consistency?to=9")["field"] == "from");
    CHECK(field_of("/v1/proofs/consistency?from=3")["field"] == "to");
    CHECK(field_of("/v1/proofs/consistency?from=5&to=3")["field"] == "from");
    CHECK(field_of("/v1/proofs/consistency?from=1.0&to=3")["field"] == "from");
    CHECK(field_of("/healthz?x=1")["field"] == "x");
    CHECK(field_of("/v1/proofs/consistency?from=%31&to=3")["field"] == "from");
    CHECK(field_of("/v1/proofs/consistency?fr%6Fm=1&to=3")["field"] == "query");
    CHECK(fixture.service.reads == 0);
}

TEST_CASE("bad path ids are 400 and never reach the service") {
    Fixture fixture;
    for (const std::string& target : std::vector<std::string>{
             "/v1/items/a%2Fb/trail", "/v1/items/../trail", "/v1/items/a%00b/trail", "/v1/cases/a*b",
             "/v1/items/" + std::string(129, 'x') + "/trail", "/v1/events/%2e%2e", "/v1/items/a%2Fb/bundle",
             "/v1/proofs/inclusion/..", "/v1/items/%2E%2E/bundle", "/v1/cases/.."}) {
        CAPTURE(target);
        auto response = fixture.signed_request("auditor", "GET", target);
        CHECK(response.status == 400);
        CHECK(problem_of(response)["title"] == "Invalid path id");
    }
    auto named = problem_of(fixture.signed_request("auditor", "GET", "/v1/items/a%2Fb/trail"));
    CHECK(named["field"] == "item");
    CHECK(named["detail"] == "the item in the path must match [A-Za-z0-9._:-]{1,128}");
    CHECK(problem_of(fixture.signed_request("auditor", "GET", "/v1/cases/a%00b"))["field"] == "case");
    CHECK(fixture.service.reads == 0);
    CHECK(fixture.signed_request("auditor", "GET", "/v1/items/" + std::string(128, 'x') + "/trail").status ==
          404);
    CHECK(problem_of(fixture.signed_request("auditor", "GET", "/v1/events/not-hex"))["field"] == "id");
    CHECK(problem_of(fixture.signed_request("auditor", "GET", "/v1/blocks/abc"))["field"] == "height");
    CHECK(fixture.signed_request("auditor", "GET", "/v1/blocks/0").status == 400);
    CHECK(fixture.signed_request("auditor", "GET", "/v1/blocks/1.5").status == 400);
    CHECK(fixture.signed_request("auditor", "GET", "/v1/blocks/99999999999999999999999").status == 400);
}

TEST_CASE("malformed HTTP: oversized header is 431, Content-Length with chunked is 400") {
    Fixture fixture;
    {
        RawConnection connection(fixture.port);
        CHECK(connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') +
                              "\r\n\r\n"));
        bool closed = false;
        std::string raw = connection.read_all(closed);
        CHECK(status_line(raw) == "HTTP/1.1 431 Request Header Fields Too Large");
        CHECK(raw.find("\"detail\":\"the header block is over the limit of 8192 bytes\"") !=
              std::string::npos);
    }
    {
        RawConnection connection(fixture.port);
        CHECK(connection.send(
            "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
        bool closed = false;
        std::string raw = connection.read_all(closed);
        CHECK(status_line(raw) == "HTTP/1.1 400 Bad Request");
        CHECK(raw.find("\"title\":\"Malformed HTTP request\"") != std::string::npos);
    }
    {
        RawConnection connection(fixture.port);
        CHECK(connection.send("NOT HTTP AT ALL\r\n\r\n"));
        bool closed = false;
        CHECK(status_line(connection.read_all(closed)) == "HTTP/1.1 400 Bad Request");
    }
    CHECK(fixture.service.submits == 0);
}

TEST_CASE("a client that never finishes its header is cut off at the deadline") {
    Fixture fixture(ServerOptions{.header_timeout_ms = 200});
    RawConnection connection(fixture.port);
    CHECK(connection.send("GET /healthz HTTP/1.1\r\n"));
    bool closed = false;
    // read_all() gives up after 5 s; a close well before that is the deadline at work.
    CHECK(connection.read_all(closed).empty());
    CHECK(closed);
    // The server still serves others.
    CHECK(fixture.request("GET", "/healthz").status == 200);
}

TEST_CASE("keep-alive: two requests on one connection") {
    Fixture fixture;
    RawConnection connection(fixture.port);
    CHECK(connection.send(
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nConnection: "
        "close\r\n\r\n"));
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

}  // namespace custos::api::test
