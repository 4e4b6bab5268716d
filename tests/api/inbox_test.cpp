// GET /v1/agencies/{agency}/offers (the inbox), GET /v1/agencies/{agency}/cases and
// GET /v1/officers/{key} against the fake service: who may read, pages and their cursor, and the
// refusals that name their field.
#include "api_support.hpp"
#include "crypto/encoding.hpp"

namespace custos::api::test {

namespace {

std::vector<std::string> items_of(const Json& page) {
    std::vector<std::string> items;
    for (const auto& offer : page["offers"])
        items.push_back(offer["item"].get<std::string>());
    return items;
}

}  // namespace

TEST_CASE("inbox: an agency's officers and auditors read its pending offers, page by page") {
    Fixture fixture;
    for (const std::string officer : {"de.custodian", "de.prosecutor", "de.admin", "auditor"}) {
        CAPTURE(officer);
        Json all = json_of(fixture.signed_request(officer, "GET", "/v1/agencies/DE-BKA/offers"));
        CHECK(all["agency"] == "DE-BKA");
        CHECK(items_of(all) == std::vector<std::string>{"OFFER-1", "OFFER-2", "OFFER-3"});
        CHECK(!all.contains("next"));
        CHECK(all["offers"][0]["offer"]["id"] == event_hex);
        CHECK(all["offers"][0]["custodian"] == "NL-POL");
    }
    // Pages of two: the cursor is the last item of a page, and the last page has no next.
    Json first = json_of(fixture.signed_request("de.custodian", "GET", "/v1/agencies/DE-BKA/offers?limit=2"));
    CHECK(items_of(first) == std::vector<std::string>{"OFFER-1", "OFFER-2"});
    CHECK(first["next"] == "OFFER-2");
    Json second = json_of(
        fixture.signed_request("de.custodian", "GET", "/v1/agencies/DE-BKA/offers?limit=2&after=OFFER-2"));
    CHECK(items_of(second) == std::vector<std::string>{"OFFER-3"});
    CHECK(!second.contains("next"));
    // An agency nothing was offered to has an empty inbox.
    Json empty = json_of(fixture.signed_request("nl.custodian", "GET", "/v1/agencies/NL-POL/offers"));
    CHECK(empty["offers"].empty());
}

TEST_CASE("inbox: another agency's officers are refused (403 agency); bad parameters are 400") {
    Fixture fixture;
    for (const std::string officer : {"nl.custodian", "nl.prosecutor", "nl.admin"}) {
        auto refused = fixture.signed_request(officer, "GET", "/v1/agencies/DE-BKA/offers");
        CHECK(refused.status == 403);
        auto problem = problem_of(refused);
        CHECK(problem["field"] == "agency");
        CHECK(problem["detail"] ==
              "an officer of NL-POL reads the offers to its own agency only, not to DE-BKA");
    }
    for (const auto& [query_entry, field] :
         std::vector<std::pair<std::string, std::string>>{{"?limit=0", "limit"},
                                                          {"?limit=1001", "limit"},
                                                          {"?limit=x", "limit"},
                                                          {"?after=..", "after"},
                                                          {"?page=2", "page"}}) {
        const auto& query = query_entry;  // clang 14 cannot capture a structured binding
        CAPTURE(query);
        auto refused = fixture.signed_request("de.custodian", "GET", "/v1/agencies/DE-BKA/offers" + query);
        CHECK(refused.status == 400);
        CHECK(problem_of(refused)["field"] == field);
    }
    CHECK(json_of(fixture.signed_request("de.custodian", "GET",
                                         "/v1/agencies/DE-BKA/offers?limit=1000"))["offers"]
              .size() == 3);
}

TEST_CASE("agency cases: its officers and auditors list the cases it takes part in, page by page") {
    Fixture fixture;
    auto cases_of = [](const Json& page) {
        std::vector<std::string> out;
        for (const auto& entry : page["cases"])
            out.push_back(entry["case"].get<std::string>());
        return out;
    };
    for (const std::string officer : {"nl.custodian", "nl.prosecutor", "nl.admin", "auditor"}) {
        CAPTURE(officer);
        Json all = json_of(fixture.signed_request(officer, "GET", "/v1/agencies/NL-POL/cases"));
        CHECK(all["agency"] == "NL-POL");
        CHECK(cases_of(all) == std::vector<std::string>{"CASE-1", "CASE-10"});
        CHECK(all["cases"][1]["participants"] == Json{"BE-POL", "NL-POL"});
        CHECK(!all.contains("next"));
    }
    Json first = json_of(fixture.signed_request("nl.custodian", "GET", "/v1/agencies/NL-POL/cases?limit=1"));
    CHECK(cases_of(first) == std::vector<std::string>{"CASE-1"});
    CHECK(first["next"] == "CASE-1");
    Json second = json_of(
        fixture.signed_request("nl.custodian", "GET", "/v1/agencies/NL-POL/cases?limit=1&after=CASE-1"));
    CHECK(cases_of(second) == std::vector<std::string>{"CASE-10"});
    CHECK(!second.contains("next"));
    // Another agency's list is refused, naming the agency; bad cursors and limits name theirs.
    auto refused = fixture.signed_request("de.custodian", "GET", "/v1/agencies/NL-POL/cases");
    CHECK(refused.status == 403);
    CHECK(problem_of(refused)["field"] == "agency");
    CHECK(problem_of(refused)["detail"] ==
          "an officer of DE-BKA reads the cases of its own agency only, not of NL-POL");
    for (const auto& [query_entry, field] : std::vector<std::pair<std::string, std::string>>{
             {"?limit=0", "limit"}, {"?after=a/b", "after"}, {"?after=..", "after"}}) {
        const auto& query = query_entry;  // clang 14 cannot capture a structured binding
        CAPTURE(query);
        auto bad = fixture.signed_request("nl.custodian", "GET", "/v1/agencies/NL-POL/cases" + query);
        CHECK(bad.status == 400);
        CHECK(problem_of(bad)["field"] == field);
    }
}

TEST_CASE("officers: any officer reads a key's record with the chain id; unknown keys 404, bad keys 400") {
    Fixture fixture;
    const auto& admin = fixture.service.officer_named("de.admin");
    Json record = json_of(fixture.signed_request("nl.prosecutor", "GET", "/v1/officers/" + admin.key_id()));
    CHECK(record["key"] == admin.key_id());
    CHECK(record["agency"] == "DE-BKA");
    CHECK(record["roles"] == Json::array({"admin"}));
    CHECK(record["name"] == "DE-BKA.admin");
    CHECK(record["status"] == "in_force");
    CHECK(record["chain_id"] == "custos-test");
    CHECK(!record.contains("revoked_by"));

    const std::string stranger = ledger::key_id(crypto::SecretKey::generate().public_key());
    auto missing = fixture.signed_request("auditor", "GET", "/v1/officers/" + stranger);
    CHECK(missing.status == 404);
    CHECK(problem_of(missing)["field"] == "key");
    auto bad = fixture.signed_request("auditor", "GET", "/v1/officers/" + std::string(63, 'a'));
    CHECK(bad.status == 400);
    CHECK(problem_of(bad)["field"] == "key");
}

TEST_CASE("search: events by digest, only of the cases the reader may read, page by page") {
    Fixture fixture;
    const std::string content = crypto::hex_encode(crypto::sha256("content").view());
    auto leaves = [](const Json& answer) {
        std::vector<std::uint64_t> out;
        for (const auto& event : answer["events"])
            out.push_back(event["leaf_index"].get<std::uint64_t>());
        return out;
    };
    const std::string target = "/v1/search?sha256=" + content;
    CHECK(leaves(json_of(fixture.signed_request("auditor", "GET", target))) ==
          std::vector<std::uint64_t>{3, 5, 9});
    // NL-POL takes part in CASE-1 only, DE-BKA in CASE-2 only: the other case's events are left
    // out, without a word.
    Json nl = json_of(fixture.signed_request("nl.prosecutor", "GET", target));
    CHECK(leaves(nl) == std::vector<std::uint64_t>{3, 9});
    CHECK(nl["events"][0]["item"] == "ITEM-1");
    CHECK(leaves(json_of(fixture.signed_request("de.custodian", "GET", target))) ==
          std::vector<std::uint64_t>{5});
    // Capitals are the same digest.
    std::string upper = target;
    for (auto i = upper.find('=') + 1; i < upper.size(); ++i)
        upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
    CHECK(leaves(json_of(fixture.signed_request("auditor", "GET", upper))) ==
          std::vector<std::uint64_t>{3, 5, 9});
    // Pages: the cursor `next` is where the next page starts.
    Json first = json_of(fixture.signed_request("auditor", "GET", target + "&limit=2"));
    CHECK(leaves(first) == std::vector<std::uint64_t>{3, 5});
    CHECK(first["next"] == "6");
    Json second = json_of(fixture.signed_request("auditor", "GET", target + "&limit=2&cursor=6"));
    CHECK(leaves(second) == std::vector<std::uint64_t>{9});
    CHECK(!second.contains("next"));
    // Refusals: the sha256 missing or malformed, a bad cursor.
    for (const auto& [query_entry, field] :
         std::vector<std::pair<std::string, std::string>>{{"/v1/search", "sha256"},
                                                          {"/v1/search?sha256=abc", "sha256"},
                                                          {target + "&cursor=0", "cursor"},
                                                          {target + "&limit=0", "limit"}}) {
        const auto& query = query_entry;  // clang 14 cannot capture a structured binding
        CAPTURE(query);
        auto refused = fixture.signed_request("auditor", "GET", query);
        CHECK(refused.status == 400);
        CHECK(problem_of(refused)["field"] == field);
    }
}

TEST_CASE("search: events by officer key, by ledger time, within a case; pages without gaps or repeats") {
    Fixture fixture;
    auto leaves = [](const Json& answer) {
        std::vector<std::uint64_t> out;
        for (const auto& event : answer["events"])
            out.push_back(event["leaf_index"].get<std::uint64_t>());
        return out;
    };
    using Leaves = std::vector<std::uint64_t>;
    const std::string nl_custodian = fixture.service.officer_named("nl.custodian").key_id();
    const std::string by_officer = "/v1/search?officer=" + nl_custodian;
    Json found = json_of(fixture.signed_request("auditor", "GET", by_officer));
    CHECK(leaves(found) == Leaves{3, 9});
    CHECK(found["officer"] == nl_custodian);
    CHECK(found["events"][0]["signer"] == nl_custodian);
    // Ledger time: from inclusive, to exclusive; either alone.
    const std::string february = "/v1/search?from=2026-02-02T10:00:00.000Z&to=2026-02-04T10:00:00.000Z";
    Json window = json_of(fixture.signed_request("auditor", "GET", february));
    CHECK(leaves(window) == Leaves{5, 9});
    CHECK(window["from"] == "2026-02-02T10:00:00.000Z");
    CHECK(leaves(json_of(fixture.signed_request(
              "auditor", "GET", "/v1/search?from=2026-02-03T00:00:00.000Z"))) == Leaves{9, 10});
    CHECK(leaves(json_of(fixture.signed_request("auditor", "GET",
                                                "/v1/search?to=2026-02-03T00:00:00.000Z"))) == Leaves{3, 5});
    // Combined: an officer's events in a time range; a case narrows any search.
    CHECK(leaves(json_of(fixture.signed_request(
              "auditor", "GET", by_officer + "&from=2026-02-02T00:00:00.000Z"))) == Leaves{9});
    CHECK(leaves(json_of(fixture.signed_request("auditor", "GET", february + "&case=CASE-2"))) == Leaves{5});
    // The reader's rights: DE-BKA takes no part in CASE-1, so it finds nothing of nl.custodian's,
    // even when it names the case.
    CHECK(leaves(json_of(fixture.signed_request("de.custodian", "GET", by_officer))).empty());
    CHECK(
        leaves(json_of(fixture.signed_request("de.custodian", "GET", by_officer + "&case=CASE-1"))).empty());
    CHECK(leaves(json_of(fixture.signed_request("de.custodian", "GET",
                                                "/v1/search?from=2026-01-01T00:00:00.000Z"))) == Leaves{5});
    CHECK(leaves(json_of(fixture.signed_request(
              "nl.prosecutor", "GET", "/v1/search?from=2026-01-01T00:00:00.000Z"))) == Leaves{3, 9, 10});
    // Every page size: following `next` gives every event once, in order.
    for (std::uint64_t limit = 1; limit <= 5; ++limit) {
        CAPTURE(limit);
        Leaves all;
        std::string cursor;
        for (int page = 0; page < 10; ++page) {
            std::string target = "/v1/search?from=2026-01-01T00:00:00.000Z&limit=" + std::to_string(limit);
            if (!cursor.empty()) target += "&cursor=" + cursor;
            Json answer = json_of(fixture.signed_request("auditor", "GET", target));
            CHECK(answer["events"].size() <= limit);
            for (auto leaf : leaves(answer))
                all.push_back(leaf);
            if (!answer.contains("next")) break;
            cursor = answer["next"].get<std::string>();
        }
        CHECK(all == Leaves{3, 5, 9, 10});
    }
    // A reader's pages are filled with what it may read before they are cut: no empty or short
    // page and no `next` betrays events of other cases that match (DE-BKA's one event of CASE-2
    // comes alone, without a `next` that CASE-1's events after it would have caused).
    for (const auto& [reader_entry, expected] :
         std::vector<std::pair<std::string, Leaves>>{{"nl.prosecutor", {3, 9, 10}}, {"de.custodian", {5}}}) {
        const auto& reader = reader_entry;  // clang 14 cannot capture a structured binding
        for (std::uint64_t limit = 1; limit <= 3; ++limit) {
            CAPTURE(reader);
            CAPTURE(limit);
            Leaves all;
            std::string cursor;
            for (int page = 0; page < 10; ++page) {
                std::string target =
                    "/v1/search?from=2026-01-01T00:00:00.000Z&limit=" + std::to_string(limit);
                if (!cursor.empty()) target += "&cursor=" + cursor;
                Json answer = json_of(fixture.signed_request(reader, "GET", target));
                const auto got = leaves(answer);
                if (answer.contains("next")) CHECK(got.size() == limit);  // Only a full page has a next.
                CHECK(!got.empty());
                all.insert(all.end(), got.begin(), got.end());
                if (!answer.contains("next")) break;
                cursor = answer["next"].get<std::string>();
            }
            CHECK(all == expected);
        }
    }
    // The scan is bounded: past 10,000 index entries read for one page, the page ends where the
    // scan stopped (here 15,000 CASE-2 events that NL-POL may not read follow its three).
    fixture.service.search_padding = 15'000;
    Json bounded = json_of(
        fixture.signed_request("nl.prosecutor", "GET", "/v1/search?from=2026-01-01T00:00:00.000Z&limit=5"));
    CHECK(leaves(bounded) == Leaves{3, 9, 10});
    REQUIRE(bounded.contains("next"));
    // 10,000 entries read: leaves 3, 5, 9, 10 and 100 .. 100 + 9,995.
    CHECK(bounded["next"] == std::to_string(100 + 9'996));
    Json rest = json_of(fixture.signed_request(
        "nl.prosecutor", "GET",
        "/v1/search?from=2026-01-01T00:00:00.000Z&limit=5&cursor=" + std::to_string(100 + 9'996)));
    CHECK(leaves(rest).empty());
    CHECK(!rest.contains("next"));
    fixture.service.search_padding = 0;
    // Refusals name the parameter.
    const std::string content = crypto::hex_encode(crypto::sha256("content").view());
    for (const auto& [query_entry, field] : std::vector<std::pair<std::string, std::string>>{
             {"/v1/search?officer=" + std::string(63, 'a'), "officer"},
             {"/v1/search?officer=" + nl_custodian + "&sha256=" + content, "officer"},
             {"/v1/search?from=2026-02-01", "from"},
             {"/v1/search?to=1769940000000", "to"},
             {"/v1/search?from=2026-02-02T00:00:00.000Z&to=2026-02-02T00:00:00.000Z", "from"},
             {by_officer + "&case=..", "case"},
             {by_officer + "&limit=1001", "limit"},
             {by_officer + "&cursor=-1", "cursor"},
             {"/v1/search?case=CASE-1", "sha256"}}) {
        const auto& query = query_entry;  // clang 14 cannot capture a structured binding
        CAPTURE(query);
        auto refused = fixture.signed_request("auditor", "GET", query);
        CHECK(refused.status == 400);
        CHECK(problem_of(refused)["field"] == field);
    }
}

}  // namespace custos::api::test
