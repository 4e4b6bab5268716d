// Pages of long trails and cases: GET /v1/items/{item}/trail takes `cursor` (a leaf index) and
// `limit`, GET /v1/cases/{case} `after` (an item) and `limit`; following `next` gives every entry
// once, in order, for every page size; without them the first page (up to 1,000) is answered as
// before; a bad cursor or limit is 400 naming it.
#include "api_support.hpp"

namespace custos::api::test {

namespace {

// Every page of `target` (which has a query already) by `limit`, following `next` as `param`:
// the values of `member` of each entry of the array `field`.
std::vector<std::string> every_page(Fixture& fixture, const std::string& target, const std::string& field,
                                    const std::string& member, const std::string& param, std::size_t limit) {
    std::vector<std::string> all;
    std::string cursor;
    for (int page = 0; page < 20; ++page) {
        std::string paged = target + "?limit=" + std::to_string(limit);
        if (!cursor.empty()) paged += "&" + param + "=" + cursor;
        auto response = fixture.signed_request("auditor", "GET", paged);
        REQUIRE(response.status == 200);
        Json answer = json_of(response);
        CHECK(answer[field].size() <= limit);
        for (const auto& entry : answer[field])
            all.push_back(entry[member].is_string() ? entry[member].get<std::string>()
                                                    : entry[member].dump());
        if (!answer.contains("next")) return all;
        CHECK(answer[field].size() == limit);  // only a full page has a next one
        cursor = answer["next"].get<std::string>();
    }
    FAIL("more pages than entries");
    return all;
}

}  // namespace

TEST_CASE("paging: a trail by leaf cursor, a case by item, every page size, no gap or repeat") {
    Fixture fixture;
    for (std::size_t limit = 1; limit <= 4; ++limit) {
        CAPTURE(limit);
        CHECK(every_page(fixture, "/v1/items/ITEM-1/trail", "events", "leaf_index", "cursor", limit) ==
              std::vector<std::string>{"3", "9", "10"});
        CHECK(every_page(fixture, "/v1/cases/CASE-1", "items", "item", "after", limit) ==
              std::vector<std::string>{"ITEM-1", "ITEM-5", "ITEM-10"});
    }
    // The cursor a page gives is where the next starts.
    Json first = json_of(fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/trail?limit=1"));
    CHECK(first["next"] == "4");
    Json rest = json_of(fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/trail?cursor=4"));
    CHECK(rest["events"].size() == 2);
    CHECK(!rest.contains("next"));
    // Without a page asked for: the whole (short) trail and case, without `next`, as before.
    Json whole = json_of(fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/trail"));
    CHECK(whole["events"].size() == 3);
    CHECK(!whole.contains("next"));
    Json case_whole = json_of(fixture.signed_request("auditor", "GET", "/v1/cases/CASE-1"));
    CHECK(case_whole["items"].size() == 3);
    CHECK(!case_whole.contains("next"));
    // The readers' rule holds on every page.
    CHECK(fixture.signed_request("de.custodian", "GET", "/v1/items/ITEM-1/trail?cursor=4").status == 403);
    CHECK(fixture.signed_request("de.custodian", "GET", "/v1/cases/CASE-1?after=ITEM-1").status == 403);
    // Bounds: 400 naming the parameter.
    for (const auto& [target_entry, field] :
         std::vector<std::pair<std::string, std::string>>{{"/v1/items/ITEM-1/trail?limit=0", "limit"},
                                                          {"/v1/items/ITEM-1/trail?limit=1001", "limit"},
                                                          {"/v1/items/ITEM-1/trail?cursor=0", "cursor"},
                                                          {"/v1/items/ITEM-1/trail?cursor=x", "cursor"},
                                                          {"/v1/items/ITEM-1/trail?after=ITEM-1", "after"},
                                                          {"/v1/cases/CASE-1?limit=1001", "limit"},
                                                          {"/v1/cases/CASE-1?limit=-1", "limit"},
                                                          {"/v1/cases/CASE-1?after=a*b", "after"},
                                                          {"/v1/cases/CASE-1?cursor=3", "cursor"}}) {
        const auto& target = target_entry;  // clang 14 cannot capture a structured binding
        CAPTURE(target);
        auto refused = fixture.signed_request("auditor", "GET", target);
        CHECK(refused.status == 400);
        CHECK(problem_of(refused)["field"] == field);
    }
}

}  // namespace custos::api::test
