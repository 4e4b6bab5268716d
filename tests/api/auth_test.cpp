// Request signatures (RFC 9421) and roles on the server: every 401 and 403 the API sends, each
// checked for its exact status and the field/reason its problem names.
#include "api_support.hpp"

namespace custos::api::test {

namespace {

// A request with the given signature headers (possibly altered) to GET /v1/items/ITEM-1/trail.
struct Case {
    Fixture& fixture;
    std::string target = "/v1/items/ITEM-1/trail";

    std::vector<std::pair<std::string, std::string>> headers(const std::string& officer, std::int64_t created,
                                                             std::int64_t expires, const std::string& nonce,
                                                             const std::string& body = {}) {
        return fixture.sign(fixture.service.officer_named(officer).key, "GET", target, body, created, expires,
                            nonce);
    }
    Json refused(std::vector<std::pair<std::string, std::string>> headers, unsigned status = 401) {
        auto response = fixture.request("GET", target, {}, {}, std::move(headers));
        CHECK(response.status == status);
        auto problem = problem_of(response);
        if (status == 401) CHECK(problem["title"] == "Not authenticated");
        return problem;
    }
};

std::vector<std::pair<std::string, std::string>> without(
    std::vector<std::pair<std::string, std::string>> headers, const std::string& name) {
    std::erase_if(headers, [&](const auto& header) { return header.first == name; });
    return headers;
}

std::vector<std::pair<std::string, std::string>> replaced(
    std::vector<std::pair<std::string, std::string>> headers, const std::string& name,
    const std::string& value) {
    for (auto& header : headers) {
        if (header.first == name) header.second = value;
    }
    return headers;
}

}  // namespace

TEST_CASE("401: missing signature headers, naming the header") {
    Fixture fixture;
    Case c{fixture};
    auto none = c.refused({});
    CHECK(none["field"] == "Signature-Input");
    CHECK(none["detail"] ==
          "this route needs an RFC 9421 signature (Signature-Input and Signature headers, label sig1)");
    auto good = c.headers("auditor", test_now, test_now + 60, "n1");
    CHECK(c.refused(without(good, "Signature"))["field"] == "Signature");
    CHECK(c.refused(without(good, "Signature-Input"))["field"] == "Signature-Input");
    auto digest = c.refused(without(good, "Content-Digest"));
    CHECK(digest["field"] == "Content-Digest");
    CHECK(digest["detail"] == "the Content-Digest header (RFC 9530) is missing");
    // None of these reached the service, and the nonce was not spent.
    CHECK(fixture.service.reads == 0);
    CHECK(fixture.request("GET", c.target, {}, {}, good).status == 200);
}

TEST_CASE("401: a Content-Digest that does not match the body") {
    Fixture fixture;
    std::string envelope = envelope_for(fixture.service.officer_named("nl.custodian").key, "NL-POL");
    auto headers = fixture.sign(fixture.service.officer_named("nl.custodian").key, "POST", "/v1/events",
                                envelope, test_now, test_now + 60, "n1");
    // The body changed after signing: the digest (which the signature covers) no longer matches.
    auto response = fixture.request("POST", "/v1/events", envelope + " ", "application/json", headers);
    CHECK(response.status == 401);
    auto problem = problem_of(response);
    CHECK(problem["field"] == "Content-Digest");
    // A digest changed to match the new body breaks the signature instead.
    auto rematched = replaced(headers, "Content-Digest", content_digest_sha256(envelope + " "));
    auto forged = fixture.request("POST", "/v1/events", envelope + " ", "application/json", rematched);
    CHECK(forged.status == 401);
    CHECK(problem_of(forged)["field"] == "Signature");
    CHECK(fixture.service.submits == 0);
}

TEST_CASE("401: expired, future and overlong signature windows") {
    Fixture fixture;
    Case c{fixture};
    auto expired = c.refused(c.headers("auditor", test_now - 100, test_now - 1, "n1"));
    CHECK(expired["field"] == "expires");
    CHECK(expired["detail"] == "the signature has expired");
    CHECK(c.refused(c.headers("auditor", test_now - 100, test_now, "n2"))["field"] == "expires");
    auto future = c.refused(c.headers("auditor", test_now + 31, test_now + 90, "n3"));
    CHECK(future["field"] == "created");
    // Within the skew is fine.
    CHECK(fixture.request("GET", c.target, {}, {}, c.headers("auditor", test_now + 30, test_now + 90, "n4"))
              .status == 200);
    // A window over 300 s is refused by the parser, naming Signature-Input.
    auto overlong = c.refused(c.headers("auditor", test_now, test_now + 301, "n5"));
    CHECK(overlong["field"] == "Signature-Input");
    // The clock moves: a signature valid now is expired a minute later.
    auto later = c.headers("auditor", test_now, test_now + 60, "n6");
    fixture.now->store(test_now + 61);
    CHECK(c.refused(later)["field"] == "expires");
}

TEST_CASE("401: a replayed nonce; the replay cache forgets a nonce only once it has expired") {
    Fixture fixture;
    Case c{fixture};
    auto headers = c.headers("auditor", test_now, test_now + 60, "once");
    CHECK(fixture.request("GET", c.target, {}, {}, headers).status == 200);
    auto replay = c.refused(headers);
    CHECK(replay["field"] == "nonce");
    CHECK(replay["detail"] == "this nonce was already used (a replayed request)");
    // The same nonce by another officer is another request.
    CHECK(fixture.request("GET", c.target, {}, {}, c.headers("nl.custodian", test_now, test_now + 60, "once"))
              .status == 200);
    // A bad nonce is refused before the cache.
    CHECK(c.refused(c.headers("auditor", test_now, test_now + 60, std::string(129, 'n')))["field"] ==
          "Signature-Input");
}

TEST_CASE("503 when the replay cache is full, rather than forgetting a live nonce") {
    Fixture fixture(ServerOptions{.replay_entries_max = 2});
    Case c{fixture};
    CHECK(
        fixture.request("GET", c.target, {}, {}, c.headers("auditor", test_now, test_now + 60, "a")).status ==
        200);
    CHECK(fixture.request("GET", c.target, {}, {}, c.headers("auditor", test_now, test_now + 120, "b"))
              .status == 200);
    auto full = fixture.request("GET", c.target, {}, {}, c.headers("auditor", test_now, test_now + 60, "c"));
    CHECK(full.status == 503);
    CHECK(full.header("Retry-After") == "60");  // When "a", the oldest, expires.
    CHECK(problem_of(full)["title"] == "Too many signed requests");
    // "a" is still refused as a replay: it was not forgotten to make room.
    CHECK(c.refused(c.headers("auditor", test_now, test_now + 60, "a"))["field"] == "nonce");
    // Once "a" has expired there is room again.
    fixture.now->store(test_now + 61);
    CHECK(fixture.request("GET", c.target, {}, {}, c.headers("auditor", test_now + 61, test_now + 100, "c"))
              .status == 200);
}

TEST_CASE("401: unknown and revoked keys; a bad signature") {
    Fixture fixture;
    Case c{fixture};
    auto stranger = crypto::SecretKey::generate();
    auto unknown = c.refused(fixture.sign(stranger, "GET", c.target, {}, test_now, test_now + 60, "n1"));
    CHECK(unknown["field"] == "keyid");
    CHECK(unknown["detail"] == "keyid is not the key of an officer in force (unknown or revoked)");

    const auto& custodian = fixture.service.officer_named("nl.custodian");
    CHECK(fixture.request("GET", c.target, {}, {}, c.headers("nl.custodian", test_now, test_now + 60, "n2"))
              .status == 200);
    fixture.service.revoke(custodian.record.key);
    CHECK(c.refused(c.headers("nl.custodian", test_now, test_now + 60, "n3"))["field"] == "keyid");

    // Signed by one key, claiming another officer's keyid.
    auto claimed = fixture.sign(stranger, "GET", c.target, {}, test_now, test_now + 60, "n4");
    auto auditor_id = fixture.service.officer_named("auditor").key_id();
    for (auto& header : claimed) {
        if (header.first != "Signature-Input") continue;
        auto at = header.second.find(ledger::key_id(stranger.public_key()));
        REQUIRE(at != std::string::npos);
        header.second.replace(at, auditor_id.size(), auditor_id);
    }
    auto bad = c.refused(claimed);
    CHECK(bad["field"] == "Signature");
    CHECK(bad["detail"].get<std::string>().rfind("the signature does not verify", 0) == 0);

    // Signed for another target (the server rebuilds @target-uri from Host and the target).
    auto other = fixture.sign(fixture.service.officer_named("auditor").key, "GET", "/v1/items/ITEM-2/trail",
                              {}, test_now, test_now + 60, "n5");
    CHECK(c.refused(other)["field"] == "Signature");
    // Signed for GET, sent as the same target with another Host.
    auto host = c.headers("auditor", test_now, test_now + 60, "n6");
    host.emplace_back("Host", "evil.example:80");
    CHECK(fixture.request("GET", c.target, {}, {}, host).status == 401);
    CHECK(fixture.service.reads == 1);
}

TEST_CASE("roles: custodians submit for their own agency only") {
    Fixture fixture;
    const auto& nl = fixture.service.officer_named("nl.custodian");
    std::string nl_event = envelope_for(nl.key, "NL-POL");
    auto other_agency =
        fixture.signed_request("de.custodian", "POST", "/v1/events", nl_event, "application/json");
    CHECK(other_agency.status == 403);
    auto problem = problem_of(other_agency);
    CHECK(problem["field"] == "event.agency");
    CHECK(problem["detail"] ==
          "an officer of DE-BKA may submit events for its own agency only, not for NL-POL");
    // A register is a custodian's (rule R6; every other pair: roles_test.cpp).
    for (const std::string officer : {"nl.prosecutor", "nl.admin"}) {
        auto refused = fixture.signed_request(officer, "POST", "/v1/events", nl_event, "application/json");
        CHECK(refused.status == 403);
        CHECK(problem_of(refused)["detail"] ==
              "submitting a register event needs the role custodian (rule R6); this key's officer holds " +
                  officer.substr(3));
    }
    CHECK(fixture.service.submits == 0);
    CHECK(fixture.signed_request("nl.custodian", "POST", "/v1/events", nl_event, "application/json").status ==
          202);
}

TEST_CASE("roles: reads of a case need an agency taking part in it; auditors read everything") {
    Fixture fixture;
    // CASE-1 / ITEM-1 / the event take in NL-POL only.
    for (const std::string& target :
         std::vector<std::string>{"/v1/items/ITEM-1/trail", "/v1/cases/CASE-1", "/v1/events/" + event_hex}) {
        CAPTURE(target);
        for (const std::string officer : {"nl.custodian", "nl.prosecutor", "nl.admin", "auditor"})
            CHECK(fixture.signed_request(officer, "GET", target).status == 200);
        for (const std::string officer : {"de.custodian", "de.prosecutor", "de.admin"}) {
            auto refused = fixture.signed_request(officer, "GET", target);
            CHECK(refused.status == 403);
            auto problem = problem_of(refused);
            CHECK(problem["field"] == "case");
            CHECK(problem["detail"] == "agency DE-BKA takes no part in case CASE-1");
        }
    }
    CHECK(fixture.signed_request("de.prosecutor", "GET", "/v1/items/ITEM-2/trail").status == 200);
    // An unknown item is 404 for whoever may read trails at all.
    CHECK(fixture.signed_request("de.custodian", "GET", "/v1/items/ITEM-9/trail").status == 404);
}

TEST_CASE(
    "roles: an event the pool dropped is a 404 saying why, to whom the event shows, and a 403 to others") {
    Fixture fixture;
    fixture.service.dropped =
        "R10 event.prev: not the head (this node admitted the event and later let it go "
        "from its pool uncommitted)";
    const std::string target = "/v1/events/" + event_hex;
    for (const std::string officer : {"nl.custodian", "auditor"}) {
        CAPTURE(officer);
        auto answer = fixture.signed_request(officer, "GET", target);
        CHECK(answer.status == 404);
        const auto problem = problem_of(answer);
        CHECK(problem["detail"] == fixture.service.dropped);
        CHECK(problem["rule"] == "R10");
        CHECK(problem["field"] == "event.prev");
    }
    // Another agency learns no more of it than of the pending event it was.
    auto refused = fixture.signed_request("de.custodian", "GET", target);
    CHECK(refused.status == 403);
    CHECK(problem_of(refused)["detail"] == "agency DE-BKA takes no part in case CASE-1");
}

TEST_CASE("roles: bundles are for prosecutors of the case and auditors; blocks for auditors and admins") {
    Fixture fixture;
    CHECK(fixture.signed_request("nl.prosecutor", "GET", "/v1/items/ITEM-1/bundle").status == 200);
    CHECK(fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/bundle").status == 200);
    auto wrong_case = fixture.signed_request("de.prosecutor", "GET", "/v1/items/ITEM-1/bundle");
    CHECK(wrong_case.status == 403);
    CHECK(problem_of(wrong_case)["field"] == "case");
    for (const std::string officer : {"nl.custodian", "nl.admin"}) {
        auto refused = fixture.signed_request(officer, "GET", "/v1/items/ITEM-1/bundle");
        CHECK(refused.status == 403);
        auto problem = problem_of(refused);
        CHECK(problem["field"] == "role");
        CHECK(problem["detail"] ==
              "exporting a bundle needs the role prosecutor; this key's officer does not hold it");
    }
    CHECK(fixture.signed_request("auditor", "GET", "/v1/blocks/3").status == 200);
    CHECK(fixture.signed_request("de.admin", "GET", "/v1/blocks/3").status == 200);
    for (const std::string officer : {"nl.custodian", "nl.prosecutor"}) {
        auto refused = fixture.signed_request(officer, "GET", "/v1/blocks/3");
        CHECK(refused.status == 403);
        CHECK(problem_of(refused)["detail"] ==
              "reading blocks needs the role auditor, admin; this key's officer does not hold it");
    }
}

}  // namespace custos::api::test

namespace custos::api::test {

TEST_CASE("503 per key: one officer's quota in the replay cache leaves room for the others (issue 19)") {
    Fixture fixture(ServerOptions{.replay_entries_max = 100, .replay_entries_per_key_max = 2});
    Case c{fixture};
    CHECK(
        fixture.request("GET", c.target, {}, {}, c.headers("auditor", test_now, test_now + 30, "a")).status ==
        200);
    CHECK(
        fixture.request("GET", c.target, {}, {}, c.headers("auditor", test_now, test_now + 90, "b")).status ==
        200);
    auto quota = fixture.request("GET", c.target, {}, {}, c.headers("auditor", test_now, test_now + 60, "c"));
    CHECK(quota.status == 503);
    CHECK(quota.header("Retry-After") == "30");  // When this key's oldest, "a", expires.
    auto problem = problem_of(quota);
    CHECK(problem["title"] == "Too many signed requests");
    CHECK(problem["detail"].get<std::string>().starts_with(
        "this key's quota in the node's replay cache is full"));
    // Another officer is not held up by the auditor's requests.
    for (const char* nonce : {"a", "b"}) {
        CHECK(fixture
                  .request("GET", c.target, {}, {}, c.headers("nl.custodian", test_now, test_now + 60, nonce))
                  .status == 200);
    }
    // Once "a" has expired the auditor has room again, and "a" itself is forgotten with it.
    fixture.now->store(test_now + 31);
    CHECK(fixture.request("GET", c.target, {}, {}, c.headers("auditor", test_now + 31, test_now + 60, "c"))
              .status == 200);
    CHECK(fixture.request("GET", c.target, {}, {}, c.headers("auditor", test_now + 31, test_now + 60, "d"))
              .status == 503);
}

TEST_CASE("503 for the whole cache names the cache, not the key") {
    Fixture fixture(ServerOptions{.replay_entries_max = 1});
    Case c{fixture};
    CHECK(
        fixture.request("GET", c.target, {}, {}, c.headers("auditor", test_now, test_now + 60, "a")).status ==
        200);
    auto full =
        fixture.request("GET", c.target, {}, {}, c.headers("nl.custodian", test_now, test_now + 60, "b"));
    CHECK(full.status == 503);
    CHECK(problem_of(full)["detail"].get<std::string>().starts_with("the node's replay cache is full"));
}

TEST_CASE("401: a request signed for another node's authority is refused (issue 19)") {
    FakeService service;
    const auto& officer = service.officer_named("auditor");
    Authenticator auth([] { return test_now; },
                       AuthOptions{.public_names = {"Node-A.police.example:8081", "127.0.0.1:8081"}});
    auto attempt = [&](const std::string& host, const std::string& nonce) {
        auto headers = sign_request(officer.key, officer.key_id(), "GET", "http://" + host + "/v1/status", "",
                                    test_now, test_now + 60, nonce);
        return auth.authenticate(service, SignedRequest{.method = "GET",
                                                        .host = host,
                                                        .target = "/v1/status",
                                                        .body = "",
                                                        .content_digest = headers.content_digest,
                                                        .signature_input = headers.signature_input,
                                                        .signature = headers.signature});
    };
    CHECK(attempt("node-a.police.example:8081", "n1").has_value());  // Names compare without case.
    CHECK(attempt("127.0.0.1:8081", "n2").has_value());
    // A valid signature, but for node B (a captured request replayed here): refused, and its nonce
    // is not spent.
    auto other = attempt("node-b.police.example:8081", "n3");
    REQUIRE_FALSE(other.has_value());
    CHECK(other.error().status == 401);
    auto problem = crypto::parse_json(other.error().body).value();
    CHECK(problem["field"] == "@target-uri");
    CHECK(problem["detail"].get<std::string>().find("node-b.police.example:8081") != std::string::npos);
    CHECK(attempt("127.0.0.1:8082", "n4").has_value() == false);  // Another port is another node.
    CHECK(auth.replay_entries() == 2);

    // Without public names (tests only) any authority is taken: the negative control.
    Authenticator open([] { return test_now; }, AuthOptions{});
    auto headers = sign_request(officer.key, officer.key_id(), "GET", "http://elsewhere:1/v1/status", "",
                                test_now, test_now + 60, "n5");
    CHECK(open.authenticate(service, SignedRequest{.method = "GET",
                                                   .host = "elsewhere:1",
                                                   .target = "/v1/status",
                                                   .content_digest = headers.content_digest,
                                                   .signature_input = headers.signature_input,
                                                   .signature = headers.signature})
              .has_value());
}

}  // namespace custos::api::test
