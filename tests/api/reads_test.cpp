// The consultation log's API side (docs/FORMAT.md 6.7): which answers hand the node a read
// record, and that the record carries exactly what the officer signed; GET /v1/items/{item}/reads:
// who may list an item's readers, its pages; GET /v1/events/{id} of one read record: the same readers.
// tests/node/api_read_cache_test.cpp checks on a real network that the records commit.
#include "api_support.hpp"
#include "crypto/encoding.hpp"
#include "ledger/events/read_record.hpp"

namespace custos::api::test {

namespace {

// What R35 and R36 check (ledger/rules/rules_read.cpp), here against the record the server built.
void check_signed_as_recorded(const ledger::ReadRecord& read, const TestOfficer& officer,
                              const std::string& target) {
    CHECK(read.officer == officer.key.public_key());
    CHECK(crypto::verify(read.officer, as_bytes(read.signature_base), read.signature));
    auto base = ledger::parse_signature_base(read.signature_base);
    REQUIRE_MESSAGE(base.has_value(), read.signature_base);
    CHECK(base->method == "GET");
    CHECK(ledger::target_of_uri(base->target_uri) == target);
    CHECK(base->key_id == officer.key_id());
}

}  // namespace

TEST_CASE("reads: a served trail read and a refused one are handed to the node as read records") {
    Fixture fixture;
    REQUIRE(fixture.signed_request("nl.prosecutor", "GET", "/v1/items/ITEM-1/trail").status == 200);
    REQUIRE(fixture.signed_request("de.custodian", "GET", "/v1/items/ITEM-1/trail").status == 403);
    auto reads = fixture.service.recorded_reads();
    REQUIRE(reads.size() == 2);
    const auto& [served, served_at] = reads[0];
    CHECK(served.action == ledger::ReadAction::trail);
    CHECK(served.subject == "ITEM-1");
    CHECK(served.outcome == ledger::ReadOutcome::served);
    CHECK(served.status == 200);
    CHECK(served.node.empty());  // The node names itself.
    CHECK(served_at.value == test_now * 1000);
    check_signed_as_recorded(served, fixture.service.officer_named("nl.prosecutor"),
                             "/v1/items/ITEM-1/trail");
    const auto& refused = reads[1].first;
    CHECK(refused.outcome == ledger::ReadOutcome::refused);
    CHECK(refused.status == 403);
    check_signed_as_recorded(refused, fixture.service.officer_named("de.custodian"),
                             "/v1/items/ITEM-1/trail");
}

TEST_CASE("reads: an observer serves a read the log records only once a validator has recorded it") {
    Fixture fixture;
    fixture.service.observer = true;
    const std::string digest = crypto::hex_encode(crypto::sha256("content").view());
    const std::vector<std::string> targets{
        "/v1/items/ITEM-1/trail", "/v1/items/ITEM-1/bundle", "/v1/items/ITEM-1/state-proof?from_size=1",
        "/v1/items/ITEM-1/reads", "/v1/cases/CASE-1",        "/v1/search?sha256=" + digest};
    for (const auto& target : targets) {
        auto response = fixture.signed_request("auditor", "GET", target);
        CHECK_MESSAGE(response.status == 200, target);
        CHECK(response.header("Custos-Read-Recorded-By") == "NL-POL.validator-1");
    }
    // Every read went to the relay, with what the officer signed, and none was recorded by this
    // node (the observer signs no record itself).
    auto relayed = fixture.service.relayed_reads();
    REQUIRE(relayed.size() == targets.size());
    CHECK(fixture.service.recorded_reads().empty());
    CHECK(relayed[0].first.action == ledger::ReadAction::trail);
    CHECK(relayed[0].first.outcome == ledger::ReadOutcome::served);
    CHECK(relayed[0].second.value == test_now * 1000);
    check_signed_as_recorded(relayed[0].first, fixture.service.officer_named("auditor"),
                             "/v1/items/ITEM-1/trail");
    CHECK(relayed[5].first.action == ledger::ReadAction::search);
    CHECK(relayed[5].first.subject == digest);
    // A refusal (403) is recorded too, and answered only then.
    CHECK(fixture.signed_request("de.custodian", "GET", "/v1/items/ITEM-1/trail").status == 403);
    REQUIRE(fixture.service.relayed_reads().size() == targets.size() + 1);
    CHECK(fixture.service.relayed_reads().back().first.outcome == ledger::ReadOutcome::refused);
    // What needs no record is served without the relay: status, blocks, checkpoints, a 404.
    CHECK(fixture.signed_request("auditor", "GET", "/v1/status").status == 200);
    CHECK(fixture.request("GET", "/v1/checkpoints/latest").status == 200);
    CHECK(fixture.signed_request("auditor", "GET", "/v1/items/NO-SUCH/trail").status == 404);
    CHECK(fixture.service.relayed_reads().size() == targets.size() + 1);
}

TEST_CASE("reads: an observer whose read no validator records answers 503 (R33) and serves nothing") {
    ServerOptions options;
    options.read_record_wait_ms = 300;  // The server's own bound, when the node never answers.
    Fixture fixture(options);
    fixture.service.observer = true;
    auto served = fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/trail").body;
    REQUIRE(served.find("ITEM-1") != std::string::npos);  // What the trail's answer holds.
    for (auto mode : {FakeService::Relay::refused, FakeService::Relay::silent}) {
        fixture.service.relay = mode;
        auto response = fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/trail");
        CHECK(response.status == 503);
        CHECK(response.content_type.find("application/problem+json") != std::string::npos);
        CHECK(response.body.find("no validator") != std::string::npos);
        CHECK(response.body.find("R33") != std::string::npos);
        CHECK(response.body.find("\"events\"") == std::string::npos);  // Nothing of the trail.
        CHECK(response.header("Custos-Read-Recorded-By").empty());
        CHECK(response.header("Retry-After") == "1");
    }
    CHECK(fixture.service.relayed_reads().size() == 3);
    // The connection still serves after the bounded wait (the same client, the next request).
    fixture.service.relay = FakeService::Relay::recorded;
    CHECK(fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/trail").status == 200);
    // Negative control: the same node as a validator records the read itself, no relay.
    fixture.service.observer = false;
    CHECK(fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/trail").status == 200);
    CHECK(fixture.service.recorded_reads().size() == 1);
    CHECK(fixture.service.relayed_reads().size() == 4);
}

TEST_CASE("reads: a validator whose pool refuses a read's record answers 503 (R33) and serves nothing") {
    Fixture fixture;
    const std::string digest = crypto::hex_encode(crypto::sha256("content").view());
    const std::vector<std::string> targets{
        "/v1/items/ITEM-1/trail", "/v1/items/ITEM-1/bundle", "/v1/items/ITEM-1/state-proof?from_size=1",
        "/v1/items/ITEM-1/reads", "/v1/cases/CASE-1",        "/v1/search?sha256=" + digest};
    for (const auto& target : targets) {
        CAPTURE(target);
        // With room: served, with the validator's own name, and the record is in its pool.
        fixture.service.read_share_full = false;
        const std::size_t before = fixture.service.recorded_reads().size();
        auto served = fixture.signed_request("auditor", "GET", target);
        REQUIRE(served.status == 200);
        CHECK(served.header("Custos-Read-Recorded-By") == FakeService::validator_name);
        CHECK(fixture.service.recorded_reads().size() == before + 1);
        REQUIRE(served.body.size() > 2);
        // The pool's share of read records full: no record, so none of the answer goes out.
        fixture.service.read_share_full = true;
        auto refused = fixture.signed_request("auditor", "GET", target);
        CHECK(refused.status == 503);
        CHECK(refused.content_type.find("application/problem+json") != std::string::npos);
        CHECK(refused.body.find("R33") != std::string::npos);
        CHECK(refused.body.find("read records full") != std::string::npos);  // The pool's reason.
        CHECK(refused.body.find(served.body) == std::string::npos);
        CHECK(refused.header("Custos-Read-Recorded-By").empty());
        CHECK(refused.header("Retry-After") == "1");
        CHECK(fixture.service.recorded_reads().size() == before + 1);
    }
    // A refusal (403) is answered only once recorded too: the officer learns nothing either way.
    CHECK(fixture.signed_request("de.custodian", "GET", "/v1/items/ITEM-1/trail").status == 503);
    fixture.service.read_share_full = false;
    CHECK(fixture.signed_request("de.custodian", "GET", "/v1/items/ITEM-1/trail").status == 403);
    CHECK(fixture.service.relayed_reads().empty());  // A validator relays nothing.
}

TEST_CASE("reads: each read route is recorded with its action and subject; other answers are not") {
    Fixture fixture;
    const std::string digest = crypto::hex_encode(crypto::sha256("content").view());
    fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/bundle");
    fixture.signed_request("auditor", "GET", "/v1/cases/CASE-1");
    fixture.signed_request("auditor", "GET", "/v1/search?sha256=" + digest);
    fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/reads");
    auto reads = fixture.service.recorded_reads();
    REQUIRE(reads.size() == 4);
    CHECK(reads[0].first.action == ledger::ReadAction::bundle);
    CHECK(reads[1].first.action == ledger::ReadAction::case_items);
    CHECK(reads[1].first.subject == "CASE-1");
    CHECK(reads[2].first.action == ledger::ReadAction::search);
    CHECK(reads[2].first.subject == digest);
    CHECK(reads[3].first.action == ledger::ReadAction::reads);
    // Not recorded: a read of nothing (404), a bad request (400), an unsigned request (401), a
    // route that is not a read of evidence (status, officers).
    CHECK(fixture.signed_request("auditor", "GET", "/v1/items/NO-SUCH/trail").status == 404);
    CHECK(fixture.signed_request("auditor", "GET", "/v1/search?sha256=xyz").status == 400);
    CHECK(fixture.request("GET", "/v1/items/ITEM-1/trail").status == 401);
    CHECK(fixture.signed_request("auditor", "GET", "/v1/status").status == 200);
    CHECK(fixture.service.recorded_reads().size() == 4);
}

TEST_CASE(
    "reads: GET /v1/items/{item}/reads is for auditors, the custodian agency and the case's prosecutors") {
    Fixture fixture;
    fixture.signed_request("nl.prosecutor", "GET", "/v1/items/ITEM-1/trail");
    fixture.signed_request("de.custodian", "GET", "/v1/items/ITEM-1/trail");  // 403, recorded
    for (const std::string officer : {"nl.custodian", "nl.admin", "nl.prosecutor", "auditor"}) {
        CAPTURE(officer);
        Json answer = json_of(fixture.signed_request(officer, "GET", "/v1/items/ITEM-1/reads"));
        CHECK(answer["item"] == "ITEM-1");
        CHECK(answer["custodian"] == "NL-POL");
        REQUIRE(answer["reads"].size() >= 2);
        const Json& first = answer["reads"][0];
        CHECK(first["action"] == "trail");
        CHECK(first["outcome"] == "served");
        CHECK(first["officer"]["key"] == fixture.service.officer_named("nl.prosecutor").key_id());
        CHECK(first["officer"]["agency"] == "NL-POL");
        CHECK(first["officer"]["roles"] == Json::array({"prosecutor"}));
        CHECK(first["officer"]["name"] == "NL-POL.prosecutor");
        CHECK(answer["reads"][1]["outcome"] == "refused");
        CHECK(answer["reads"][1]["status"] == 403);
        CHECK(answer["reads"][1]["officer"]["agency"] == "DE-BKA");
    }
    // DE-BKA neither holds ITEM-1 nor takes part in CASE-1: refused, and the refusal is recorded.
    const std::size_t before = fixture.service.recorded_reads().size();
    for (const std::string officer : {"de.custodian", "de.prosecutor", "de.admin"}) {
        auto refused = fixture.signed_request(officer, "GET", "/v1/items/ITEM-1/reads");
        CHECK(refused.status == 403);
        CHECK(problem_of(refused)["field"] == "item");
    }
    auto reads = fixture.service.recorded_reads();
    REQUIRE(reads.size() == before + 3);
    CHECK(reads.back().first.action == ledger::ReadAction::reads);
    CHECK(reads.back().first.outcome == ledger::ReadOutcome::refused);
    CHECK(fixture.signed_request("auditor", "GET", "/v1/items/NO-SUCH/reads").status == 404);
}

TEST_CASE("reads: one read record (GET /v1/events/{id}) shows to whom the item's reads show, no one else") {
    Fixture fixture;
    const std::string path = "/v1/events/" + read_event_hex;
    SUBCASE("a read of DE-BKA's ITEM-2 (CASE-2), served by NL-POL's node") {
        // Its custodian agency, its case's prosecutors and auditors see it.
        for (const std::string officer : {"de.custodian", "de.prosecutor", "de.admin", "auditor"}) {
            CAPTURE(officer);
            Json answer = json_of(fixture.signed_request(officer, "GET", path));
            CHECK(answer["envelope"]["event"]["kind"] == "read");
        }
        // The serving node's own agency takes no part in CASE-2: what DE-BKA read is not shown to it.
        for (const std::string officer : {"nl.custodian", "nl.prosecutor", "nl.admin"}) {
            CAPTURE(officer);
            auto refused = fixture.signed_request(officer, "GET", path);
            CHECK(refused.status == 403);
            CHECK(problem_of(refused)["field"] == "item");
        }
    }
    SUBCASE("a read of a case or a search: auditors only") {
        for (const ledger::ReadRecord& read :
             {ledger::ReadRecord{.action = ledger::ReadAction::case_items, .subject = "CASE-1"},
              ledger::ReadRecord{.action = ledger::ReadAction::search, .subject = std::string(64, '0')}}) {
            fixture.service.read_record = read;
            CHECK(fixture.signed_request("auditor", "GET", path).status == 200);
            for (const std::string officer : {"nl.custodian", "nl.prosecutor", "de.custodian"}) {
                CAPTURE(officer);
                auto refused = fixture.signed_request(officer, "GET", path);
                CHECK(refused.status == 403);
                CHECK(problem_of(refused)["field"] == "role");
            }
        }
    }
    SUBCASE("a read of an item the ledger does not hold: auditors only") {
        fixture.service.read_record =
            ledger::ReadRecord{.action = ledger::ReadAction::bundle, .subject = "NO-SUCH"};
        CHECK(fixture.signed_request("auditor", "GET", path).status == 200);
        CHECK(fixture.signed_request("nl.custodian", "GET", path).status == 403);
    }
}

TEST_CASE("reads: pages of GET /v1/items/{item}/reads follow the cursor") {
    Fixture fixture;
    for (int i = 0; i < 3; ++i)
        fixture.signed_request("nl.prosecutor", "GET", "/v1/items/ITEM-1/trail");
    Json first = json_of(fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/reads?limit=2"));
    REQUIRE(first["reads"].size() == 2);
    REQUIRE(first.contains("next"));
    CHECK(first["next"] == "2");
    Json second =
        json_of(fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/reads?limit=2&cursor=2"));
    // The third trail read, then the first page's own read of the list.
    REQUIRE(second["reads"].size() == 2);
    CHECK(second["reads"][0]["leaf_index"] == 2);
    CHECK(second["reads"][1]["action"] == "reads");
    CHECK(fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/reads?limit=0").status == 400);
    CHECK(fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/reads?cursor=-1").status == 400);
}

}  // namespace custos::api::test
