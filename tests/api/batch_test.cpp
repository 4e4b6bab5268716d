// POST /v1/batches against the fake NodeService: entries admitted in order in one service call,
// each refused on its own with the problem POST /v1/events would give (its field prefixed with
// the entry), whole-request refusals (400 naming the field), the route's own 4 MiB body limit
// while every other route keeps 64 KiB, and no wait=commit.
#include <chrono>
#include <memory>
#include <sstream>
#include <thread>

#include "api_support.hpp"

namespace custos::api::test {

namespace {

// {"events":[<entries joined by commas>]}
std::string batch_of(const std::vector<std::string>& entries) {
    std::string body = R"({"events":[)";
    for (std::size_t i = 0; i < entries.size(); ++i)
        body += (i == 0 ? "" : ",") + entries[i];
    return body + "]}";
}

// `count` envelopes of NL-POL registering ITEM-B0, ITEM-B1, ...
std::vector<std::string> nl_envelopes(Fixture& fixture, std::size_t count) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < count; ++i) {
        out.push_back(envelope_for(fixture.service.officer_named("nl.custodian").key, "NL-POL",
                                   "ITEM-B" + std::to_string(i)));
    }
    return out;
}

ledger::EventId id_of(const std::string& envelope) {
    return ledger::event_id(ledger::parse_envelope(envelope).value().event);
}

ClientResponse post_batch(Fixture& fixture, const std::string& body,
                          const std::string& officer = "nl.custodian",
                          const std::string& target = "/v1/batches") {
    return fixture.signed_request(officer, "POST", target, body, "application/json");
}

// The 200 answer's document; checks its totals against its results.
Json batch_answer(const ClientResponse& response) {
    CHECK(response.status == 200);
    CHECK(response.content_type == "application/json");
    auto json = crypto::parse_json(response.body);
    REQUIRE(json.has_value());
    REQUIRE((*json)["results"].is_array());
    std::size_t pending = 0;
    for (std::size_t i = 0; i < (*json)["results"].size(); ++i) {
        CHECK((*json)["results"][i]["index"] == i);
        if ((*json)["results"][i]["status"] == "pending") ++pending;
    }
    CHECK((*json)["accepted"] == pending);
    CHECK((*json)["refused"] == (*json)["results"].size() - pending);
    return *json;
}

// A refused entry's problem; checks the entry says so and the problem is a problem document.
Json entry_problem(const Json& answer, std::size_t index, unsigned status) {
    const Json& entry = answer["results"][index];
    CHECK(entry["status"] == "refused");
    CHECK_FALSE(entry.contains("id"));
    const Json& problem = entry["problem"];
    CHECK(problem["status"] == status);
    CHECK(problem["type"].get<std::string>().rfind("urn:custos:problem:", 0) == 0);
    return problem;
}

Json refused_batch(Fixture& fixture, const std::string& body) {
    auto response = post_batch(fixture, body);
    CHECK(response.status == 400);
    return problem_of(response);
}

}  // namespace

TEST_CASE("POST /v1/batches: every entry admitted, in order, in one service call, ids in the answer") {
    Fixture fixture;
    fixture.service.real_ids = true;
    auto envelopes = nl_envelopes(fixture, 3);
    auto answer = batch_answer(post_batch(fixture, batch_of(envelopes)));
    CHECK(answer["accepted"] == 3);
    CHECK(answer["refused"] == 0);
    for (std::size_t i = 0; i < envelopes.size(); ++i) {
        CHECK(answer["results"][i]["status"] == "pending");
        CHECK(answer["results"][i]["id"] == ledger::event_id_hex(id_of(envelopes[i])));
    }
    auto submitted = fixture.service.submitted();
    REQUIRE(submitted.size() == 3);
    for (std::size_t i = 0; i < envelopes.size(); ++i)
        CHECK(submitted[i] == ledger::parse_envelope(envelopes[i]).value());
    CHECK(fixture.service.submit_calls == 1);
}

TEST_CASE("POST /v1/batches: refused entries name their field under events[i]; the others go on") {
    Fixture fixture;
    fixture.service.real_ids = true;
    auto envelopes = nl_envelopes(fixture, 5);
    // Entry 1 breaks rule R1 (found at the edge), entry 2 a custody rule (found by the node),
    // entry 3 is not an object.
    Json unknown = crypto::parse_json(envelopes[1]).value();
    unknown["event"]["colour"] = "black";
    fixture.service.refuse_event(id_of(envelopes[2]),
                                 Error{ErrorCode::rule_violation, "R5 prev: not the item's current head"});
    auto answer = batch_answer(
        post_batch(fixture, batch_of({envelopes[0], unknown.dump(), envelopes[2], "42", envelopes[4]})));
    CHECK(answer["accepted"] == 2);
    CHECK(answer["refused"] == 3);
    CHECK(answer["results"][0]["id"] == ledger::event_id_hex(id_of(envelopes[0])));
    CHECK(answer["results"][4]["id"] == ledger::event_id_hex(id_of(envelopes[4])));

    auto schema = entry_problem(answer, 1, 400);
    CHECK(schema["field"] == "events[1].event.colour");
    CHECK(schema["rule"] == "R1");
    CHECK(schema["detail"] == "R1 event.colour: unknown field");
    auto rule = entry_problem(answer, 2, 409);
    CHECK(rule["field"] == "events[2].prev");
    CHECK(rule["rule"] == "R5");
    CHECK(rule["title"] == "Custody rule violated");
    auto not_object = entry_problem(answer, 3, 400);
    CHECK(not_object["field"] == "events[3]");
    CHECK(not_object["title"] == "Malformed envelope");

    // The service saw entries 0, 2 and 4, in that order; the edge kept 1 and 3 from it.
    auto submitted = fixture.service.submitted();
    REQUIRE(submitted.size() == 3);
    CHECK(submitted[0] == ledger::parse_envelope(envelopes[0]).value());
    CHECK(submitted[1] == ledger::parse_envelope(envelopes[2]).value());
    CHECK(submitted[2] == ledger::parse_envelope(envelopes[4]).value());
}

TEST_CASE("POST /v1/batches: roles are checked per entry, as POST /v1/events checks its body") {
    Fixture fixture;
    const auto& nl = fixture.service.officer_named("nl.custodian");
    std::vector<std::string> entries = {envelope_for(nl.key, "NL-POL", "ITEM-R0"),
                                        envelope_for(nl.key, "DE-BKA", "ITEM-R1"),
                                        envelope_for(nl.key, "NL-POL", "ITEM-R2")};
    auto answer = batch_answer(post_batch(fixture, batch_of(entries)));
    CHECK(answer["accepted"] == 2);
    auto agency = entry_problem(answer, 1, 403);
    CHECK(agency["field"] == "events[1].event.agency");
    CHECK(fixture.service.submitted().size() == 2);

    // A prosecutor registers nothing (rule R6): every entry is refused for the role, the service not called.
    const int calls = fixture.service.submit_calls;
    auto prosecutor = batch_answer(post_batch(fixture, batch_of(entries), "nl.prosecutor"));
    CHECK(prosecutor["accepted"] == 0);
    for (std::size_t i = 0; i < entries.size(); ++i)
        CHECK(entry_problem(prosecutor, i, 403)["field"] == "events[" + std::to_string(i) + "].role");
    CHECK(fixture.service.submit_calls == calls);
}

TEST_CASE("POST /v1/batches: a full mempool refuses the rest with 503, and the answer says retry") {
    Fixture fixture;
    fixture.service.set_mempool_room(2);
    auto response = post_batch(fixture, batch_of(nl_envelopes(fixture, 4)));
    auto answer = batch_answer(response);
    CHECK(answer["accepted"] == 2);
    CHECK(answer["results"][1]["status"] == "pending");
    for (std::size_t i : {2u, 3u}) {
        auto full = entry_problem(answer, i, 503);
        CHECK(full["title"] == "Mempool full");
        CHECK(full["field"] == "events[" + std::to_string(i) + "]");
    }
    CHECK(response.header("Retry-After") == "1");
    // A batch with nothing refused for want of room has no Retry-After.
    Fixture calm;
    CHECK(post_batch(calm, batch_of(nl_envelopes(calm, 2))).header("Retry-After").empty());
}

TEST_CASE("POST /v1/batches: whole-request errors are 400 naming the field; none reaches the service") {
    Fixture fixture;
    auto envelope = nl_envelopes(fixture, 1).front();

    auto truncated = refused_batch(fixture, R"({"events":[)");
    CHECK(truncated["field"] == "body");
    CHECK(truncated["title"] == "Malformed JSON");
    CHECK(refused_batch(fixture, "[" + envelope + "]")["field"] == "body");
    auto unknown = refused_batch(fixture, R"({"events":[)" + envelope + R"(],"wait":"commit"})");
    CHECK(unknown["field"] == "wait");
    CHECK(unknown["detail"] == "unknown member");
    CHECK(refused_batch(fixture, "{}")["field"] == "events");
    CHECK(refused_batch(fixture, R"({"events":{}})")["field"] == "events");
    auto empty = refused_batch(fixture, R"({"events":[]})");
    CHECK(empty["field"] == "events");
    CHECK(empty["title"] == "Invalid batch");

    std::vector<std::string> over(batch_events_max + 1, envelope);
    auto too_many = refused_batch(fixture, batch_of(over));
    CHECK(too_many["field"] == "events");
    CHECK(too_many["detail"] == "holds 1001 envelopes, over the limit of 1000");
    CHECK(fixture.service.submits == 0);

    // The limit itself is admitted.
    over.pop_back();
    CHECK(batch_answer(post_batch(fixture, batch_of(over)))["accepted"] == batch_events_max);
    CHECK(fixture.service.submit_calls == 1);
}

TEST_CASE("POST /v1/batches: no wait=commit (400 naming wait)") {
    Fixture fixture;
    auto body = batch_of(nl_envelopes(fixture, 1));
    for (const std::string target : {"/v1/batches?wait=commit", "/v1/batches?wait=x"}) {
        auto response = post_batch(fixture, body, "nl.custodian", target);
        CHECK(response.status == 400);
        CHECK(problem_of(response)["field"] == "wait");
    }
    CHECK(fixture.service.submits == 0);
}

TEST_CASE("body limits per route: 4 MiB for batches, 64 KiB for POST /v1/events and the rest") {
    Fixture fixture;
    // About 100 KiB of envelopes: over the 64 KiB of one event, well within a batch.
    std::vector<std::string> envelopes;
    while (batch_of(envelopes).size() < 100 * 1024)
        envelopes.push_back(envelope_for(fixture.service.officer_named("nl.custodian").key, "NL-POL",
                                         "ITEM-L" + std::to_string(envelopes.size())));
    auto answer = batch_answer(post_batch(fixture, batch_of(envelopes)));
    CHECK(answer["accepted"] == envelopes.size());

    auto header_only = [&](const std::string& target, std::size_t length,
                           const std::string& method = "POST") {
        RawConnection connection(fixture.port);
        CHECK(connection.send(method + " " + target +
                              " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(length) + "\r\n\r\n"));
        bool closed = false;
        std::string raw = connection.read_all(closed);
        CHECK(closed);
        return raw;
    };
    // POST /v1/events still refuses 100 KiB from the header; the detail names its limit.
    auto events = header_only("/v1/events", 100 * 1024);
    CHECK(status_line(events) == "HTTP/1.1 413 Payload Too Large");
    CHECK(events.find("over the limit of 65536 bytes") != std::string::npos);
    // Over every route's limit: refused while the header is parsed, still naming the route's limit.
    auto huge = header_only("/v1/events", batch_body_bytes_max + 1);
    CHECK(status_line(huge) == "HTTP/1.1 413 Payload Too Large");
    CHECK(huge.find("over the limit of 65536 bytes") != std::string::npos);
    // One byte over the batch limit: 413 from the header, naming the batch limit.
    auto batch = header_only("/v1/batches", batch_body_bytes_max + 1);
    CHECK(status_line(batch) == "HTTP/1.1 413 Payload Too Large");
    CHECK(batch.find("over the limit of 4194304 bytes") != std::string::npos);
    // The batch limit is that route's only: elsewhere 100 KiB is still 413, even on a wrong method.
    CHECK(status_line(header_only("/v1/status", 100 * 1024, "GET")) == "HTTP/1.1 413 Payload Too Large");
    CHECK(status_line(header_only("/v1/batches", 100 * 1024, "GET")) == "HTTP/1.1 413 Payload Too Large");

    // A batch of exactly the limit is read (padded with whitespace after its last entry).
    std::string at_limit = batch_of({envelopes[0]});
    at_limit.insert(at_limit.size() - 2, batch_body_bytes_max - at_limit.size(), ' ');
    REQUIRE(at_limit.size() == batch_body_bytes_max);
    CHECK(batch_answer(post_batch(fixture, at_limit))["accepted"] == 1);
}

TEST_CASE("POST /v1/batches: a chunked batch over 64 KiB is read; chunked events stay at 64 KiB") {
    Fixture fixture;
    auto envelope = nl_envelopes(fixture, 1).front();
    std::string body = batch_of({envelope});
    body.insert(body.size() - 2, 80000, ' ');
    auto chunked = [&](const std::string& target) {
        std::ostringstream request;
        request
            << "POST " << target << " HTTP/1.1\r\nHost: 127.0.0.1:" << fixture.port
            << "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n";
        for (const auto& [name, value] :
             fixture.sign(fixture.service.officer_named("nl.custodian").key, "POST", target, body, test_now,
                          test_now + 60, fixture.next_nonce()))
            request << name << ": " << value << "\r\n";
        request << "\r\n";
        const std::size_t half = body.size() / 2;
        request << std::hex << half << "\r\n"
                << body.substr(0, half) << "\r\n"
                << body.size() - half << "\r\n"
                << body.substr(half) << "\r\n0\r\n\r\n";
        RawConnection connection(fixture.port);
        CHECK(connection.send(request.str()));
        bool closed = false;
        return status_line(connection.read_all(closed));
    };
    CHECK(chunked("/v1/batches") == "HTTP/1.1 200 OK");
    CHECK(chunked("/v1/events").rfind("HTTP/1.1 413 ", 0) == 0);
    CHECK(fixture.service.submits == 1);
}

TEST_CASE("POST /v1/batches: an entry over the envelope limit is refused alone, measured as compact JSON") {
    Fixture fixture;
    fixture.service.real_ids = true;
    auto envelopes = nl_envelopes(fixture, 3);
    // Entry 0's description makes its compact text one byte over ledger::envelope_bytes_max.
    // Entry 1's description holds what a careless scan would take for structure (the fake does not
    // check signatures).
    Json big = crypto::parse_json(envelopes[0]).value();
    big["event"]["description"] = "";
    const std::size_t base = big.dump().size();
    big["event"]["description"] = std::string(ledger::envelope_bytes_max + 1 - base, 'x');
    const std::string big_text = big.dump();
    REQUIRE(big_text.size() == ledger::envelope_bytes_max + 1);
    Json tricky = crypto::parse_json(envelopes[1]).value();
    tricky["event"]["description"] = "one \" quote, then ]} ,[{ and \\ a backslash\\";
    std::string tricky_text = tricky.dump();
    auto answer = batch_answer(post_batch(fixture, batch_of({big_text, tricky_text, envelopes[2]})));
    CHECK(answer["accepted"] == 2);
    auto over = entry_problem(answer, 0, 400);
    CHECK(over["field"] == "events[0]");
    CHECK(over["rule"] == "R1");
    CHECK(over["detail"] == "the envelope is " + std::to_string(big_text.size()) +
                                " bytes, over the limit of " + std::to_string(ledger::envelope_bytes_max));
    CHECK(answer["results"][1]["status"] == "pending");
    CHECK(answer["results"][2]["id"] == ledger::event_id_hex(id_of(envelopes[2])));

    // Whitespace is not counted: an entry padded with spaces past the limit as sent is admitted.
    std::string padded = envelopes[0];
    padded.insert(1, ledger::envelope_bytes_max + 1000 - padded.size(), ' ');
    auto fits =
        batch_answer(post_batch(fixture, "{ \"events\" : [ \n" + padded + " ,\t" + tricky_text + "  ] }"));
    CHECK(fits["accepted"] == 2);
}

TEST_CASE("large bodies in flight are bounded: past the budget a batch gets 503 with Retry-After") {
    ServerOptions options;
    options.body_timeout_ms = 60'000;  // The holders' bodies never come: they outlast the probing.
    Fixture fixture(options);
    auto header_only = [&](std::size_t length) {
        auto connection = std::make_unique<RawConnection>(fixture.port);
        CHECK(
            connection->send("POST /v1/batches HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             "Content-Length: " +
                             std::to_string(length) + "\r\n\r\n"));
        return connection;
    };
    // Sixteen 4 MiB batches whose bodies never come hold the whole 64 MiB budget.
    std::vector<std::unique_ptr<RawConnection>> holders;
    for (std::size_t i = 0; i < large_bodies_bytes_max / batch_body_bytes_max; ++i)
        holders.push_back(header_only(batch_body_bytes_max));
    // Once their headers are read, a further batch (here a small unsigned one, refused with a 4xx
    // when served) is refused with 503 before its body is read. The holders' headers are read on
    // the server's threads: until they all are, a probe is served (slowly under sanitizers).
    // Up to 30 s (a loaded CI machine under sanitizers once took more than 100 probes of 50 ms).
    std::string raw;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < give_up) {
        RawConnection probe(fixture.port);
        CHECK(
            probe.send("POST /v1/batches HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                       "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"));
        bool closed = false;
        raw = probe.read_all(closed);
        if (status_line(raw) == "HTTP/1.1 503 Service Unavailable") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(status_line(raw) == "HTTP/1.1 503 Service Unavailable");
    CHECK(raw.find("Retry-After: 1") != std::string::npos);
    CHECK(raw.find("Too many large requests") != std::string::npos);
    CHECK(fixture.service.submits == 0);
    // One holder goes away: its share returns and a batch is served again.
    holders.pop_back();
    auto envelopes = nl_envelopes(fixture, 1);
    bool served = false;
    for (int attempt = 0; attempt < 40 && !served; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        served = post_batch(fixture, batch_of(envelopes)).status == 200;
    }
    CHECK(served);
}

}  // namespace custos::api::test
