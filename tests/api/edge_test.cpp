// Hostile bodies on POST /v1/events: each refused with 400 and a problem naming the field and the
// reason, before the service sees it. Signed by a custodian, so authentication is not what
// refuses them. The 100,000-deep document is sent through handle_request() directly (it cannot
// pass the 64 KiB body limit on the socket, which answers 413 first; that is checked too).
#include <sstream>

#include "api_support.hpp"

namespace custos::api::test {

namespace {

Json refused_body(Fixture& fixture, const std::string& body) {
    auto response = fixture.signed_request("nl.custodian", "POST", "/v1/events", body, "application/json");
    CHECK(response.status == 400);
    return problem_of(response);
}

}  // namespace

TEST_CASE("POST /v1/events: malformed JSON is 400 naming the body and the reason") {
    Fixture fixture;
    auto truncated = refused_body(fixture, R"({"event": {)");
    CHECK(truncated["field"] == "body");
    CHECK(truncated["title"] == "Malformed JSON");
    CHECK(truncated["detail"].get<std::string>().find("end of input") != std::string::npos);

    auto deep = refused_body(fixture, std::string(60000, '['));
    CHECK(deep["field"] == "body");
    CHECK(deep["detail"].get<std::string>().find("nesting deeper than the limit of 64") != std::string::npos);

    auto duplicate = refused_body(fixture, R"({"a":1,"a":2})");
    CHECK(duplicate["field"] == "body");
    CHECK(duplicate["detail"].get<std::string>().find("duplicate key") != std::string::npos);

    auto utf8 = refused_body(fixture, "{\"a\":\"\xff\"}");
    CHECK(utf8["field"] == "body");
    CHECK(utf8["detail"].get<std::string>().find("UTF-8") != std::string::npos);

    auto lone_low = refused_body(fixture, R"({"a":"\udc00"})");
    CHECK(lone_low["detail"].get<std::string>().find("lone low surrogate") != std::string::npos);
    auto lone_high = refused_body(fixture, R"({"a":"\ud800x"})");
    CHECK(lone_high["detail"].get<std::string>().find("high surrogate") != std::string::npos);

    auto array = refused_body(fixture, "[1]");
    CHECK(array["field"] == "body");
    CHECK(array["detail"] == "the body must be a JSON object");
    CHECK(fixture.service.submits == 0);
}

TEST_CASE("POST /v1/events: schema errors (rule R1) name the field: unknown, missing, numbers") {
    Fixture fixture;
    const auto& custodian = fixture.service.officer_named("nl.custodian");
    auto envelope = crypto::parse_json(envelope_for(custodian.key, "NL-POL")).value();

    auto with = [&](const std::function<void(Json&)>& change) {
        Json changed = envelope;
        change(changed);
        return refused_body(fixture, changed.dump());
    };
    auto unknown = with([](Json& e) { e["event"]["colour"] = "black"; });
    CHECK(unknown["field"] == "event.colour");
    CHECK(unknown["rule"] == "R1");
    CHECK(unknown["detail"] == "R1 event.colour: unknown field");
    auto top = with([](Json& e) { e["extra"] = 1; });
    CHECK(top["field"] == "extra");
    auto missing = with([](Json& e) { e["event"].erase("item"); });
    CHECK(missing["field"] == "event.item");
    CHECK(missing["detail"] == "R1 event.item: missing (required in a register event)");
    auto fraction = with([](Json& e) { e["event"]["time"] = 1.5; });
    CHECK(fraction["field"] == "event.time");
    auto huge = refused_body(fixture, R"({"event":{"time":1e400}})");
    CHECK(huge["field"] == "body");
    CHECK(fixture.service.submits == 0);
}

TEST_CASE("a document nested 100,000 deep: 413 on the socket, 400 at handle_request, never built") {
    Fixture fixture;
    std::string deep(100000, '[');
    RawConnection connection(fixture.port);
    std::ostringstream request;
    request << "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
            << deep.size() << "\r\n\r\n";
    CHECK(connection.send(request.str()));
    bool closed = false;
    CHECK(status_line(connection.read_all(closed)) == "HTTP/1.1 413 Payload Too Large");

    // The route itself, past the socket's limit: the strict parser stops at depth 64.
    FakeService service;
    Authenticator auth([] { return test_now; }, 16);
    const auto& custodian = service.officer_named("nl.custodian");
    auto headers = sign_request(custodian.key, custodian.key_id(), "POST", "http://h/v1/events", deep,
                                test_now, test_now + 60, "deep");
    ApiRequest api_request{.method = boost::beast::http::verb::post,
                           .target = "/v1/events",
                           .content_type = "application/json",
                           .host = "h",
                           .content_digest = headers.content_digest,
                           .signature_input = headers.signature_input,
                           .signature = headers.signature,
                           .body = deep};
    auto response = handle_request(service, auth, api_request);
    CHECK(response.status == 400);
    auto problem = crypto::parse_json(response.body).value();
    CHECK(problem["field"] == "body");
    CHECK(problem["detail"].get<std::string>().find("nesting deeper than the limit of 64") !=
          std::string::npos);
    CHECK(service.submits == 0);
}

}  // namespace custos::api::test
