// POST /v1/events?wait=commit: 201 with height, leaf index and certified checkpoint once the
// event is committed; 504 naming the event when the wait runs out; other clients are served
// while a request waits (the wait is a timer on the server's thread, not a blocking call).
#include <thread>

#include "api_support.hpp"

namespace custos::api::test {

namespace {

ClientResponse submit_and_wait(Fixture& fixture) {
    std::string envelope = envelope_for(fixture.service.officer_named("nl.custodian").key, "NL-POL");
    return fixture.signed_request("nl.custodian", "POST", "/v1/events?wait=commit", envelope,
                                  "application/json");
}

}  // namespace

TEST_CASE("wait=commit: 201 with height, leaf index and the certified checkpoint") {
    Fixture fixture(ServerOptions{.commit_wait_ms = 5000, .commit_poll_ms = 10});
    fixture.service.commit_submitted();
    auto response = submit_and_wait(fixture);
    CHECK(response.status == 201);
    CHECK(response.header("Location") == "/v1/events/" + event_hex);
    auto json = crypto::parse_json(response.body).value();
    CHECK(json["id"] == event_hex);
    CHECK(json["status"] == "committed");
    CHECK(json["height"] == 7);
    CHECK(json["leaf_index"] == 8);
    CHECK(json["checkpoint"]["height"] == 7);
    CHECK(json["checkpoint"]["note"] == "custos-test\n9\nroot=\n\n— v1 sig\n");
}

TEST_CASE("wait=commit: 504 with the event id when the commit is not seen in time") {
    Fixture fixture(ServerOptions{.commit_wait_ms = 200, .commit_poll_ms = 10});
    auto response = submit_and_wait(fixture);
    CHECK(response.status == 504);
    CHECK(response.header("Location") == "/v1/events/" + event_hex);
    auto problem = problem_of(response);
    CHECK(problem["id"] == event_hex);
    CHECK(problem["title"] == "Commit not seen in time");
    CHECK(problem["detail"] ==
          "the event was admitted but not committed within 200 ms; its outcome is unknown: "
          "poll GET /v1/events/" +
              event_hex);
    CHECK(fixture.service.submits == 1);
}

TEST_CASE("wait=commit: other requests are served while one waits") {
    Fixture fixture(ServerOptions{.commit_wait_ms = 20000, .commit_poll_ms = 10});
    std::atomic<bool> answered{false};
    unsigned status = 0;
    std::thread waiter([&] {
        status = submit_and_wait(fixture).status;
        answered = true;
    });
    // Until the fake has taken the submission the request is not yet waiting.
    while (fixture.service.submits.load() == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    for (int i = 0; i < 20; ++i)
        CHECK(fixture.request("GET", "/healthz").status == 200);
    CHECK(fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/trail").status == 200);
    CHECK_FALSE(answered.load());  // Still waiting: it is not committed.
    fixture.service.commit_submitted();
    waiter.join();
    CHECK(status == 201);
}

TEST_CASE("wait takes 'commit' only; without it the answer is 202 at once") {
    Fixture fixture;
    std::string envelope = envelope_for(fixture.service.officer_named("nl.custodian").key, "NL-POL");
    auto bad =
        fixture.signed_request("nl.custodian", "POST", "/v1/events?wait=yes", envelope, "application/json");
    CHECK(bad.status == 400);
    CHECK(problem_of(bad)["field"] == "wait");
    CHECK(problem_of(bad)["detail"] == "wait must be 'commit'");
    CHECK(fixture.signed_request("nl.custodian", "POST", "/v1/events", envelope, "application/json").status ==
          202);
}

}  // namespace custos::api::test
