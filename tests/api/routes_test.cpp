// Pure checks (no socket): path ids and case participation.
#include <doctest/doctest.h>

#include <set>

#include "api/access.hpp"
#include "api/routes.hpp"

namespace custos::api {

TEST_CASE("path ids: [A-Za-z0-9._:-]{1,128}, never . or ..") {
    CHECK(is_valid_path_id("NL-POL:case.2026_7"));
    CHECK(is_valid_path_id(std::string(128, 'a')));
    CHECK_FALSE(is_valid_path_id(std::string(129, 'a')));
    CHECK_FALSE(is_valid_path_id(""));
    CHECK_FALSE(is_valid_path_id("."));
    CHECK_FALSE(is_valid_path_id(".."));
    CHECK_FALSE(is_valid_path_id("a%2Fb"));
    CHECK_FALSE(is_valid_path_id("a b"));
    CHECK_FALSE(is_valid_path_id(std::string("a\0b", 3)));
}

}  // namespace custos::api

namespace custos::api {

TEST_CASE("case participants: who registered, held, was offered or granted an item") {
    auto event = [](ledger::EventKind kind, std::string agency) {
        ledger::Event out;
        out.kind = kind;
        out.case_id = "CASE-1";
        out.agency = std::move(agency);
        return out;
    };
    std::set<std::string> agencies;
    add_case_participants(event(ledger::EventKind::register_item, "NL-POL"), agencies);
    CHECK(agencies == std::set<std::string>{"NL-POL"});
    auto offer = event(ledger::EventKind::transfer_offer, "NL-POL");
    offer.recipient = "DE-BKA";
    add_case_participants(offer, agencies);
    CHECK(agencies == std::set<std::string>{"DE-BKA", "NL-POL"});
    auto grant = event(ledger::EventKind::grant, "DE-BKA");
    grant.grantee = "BE-FGP";
    add_case_participants(grant, agencies);
    auto revoke = event(ledger::EventKind::revoke, "DE-BKA");
    revoke.grantee = "FR-PN";  // A revoke names a grantee but grants nothing.
    add_case_participants(revoke, agencies);
    add_case_participants(event(ledger::EventKind::access, "DE-BKA"), agencies);
    CHECK(agencies == std::set<std::string>{"BE-FGP", "DE-BKA", "NL-POL"});
    // A governance event names no case: it makes no agency part of one.
    auto governance = event(ledger::EventKind::officer_add, "FR-PN");
    governance.case_id.clear();
    add_case_participants(governance, agencies);
    CHECK(agencies == std::set<std::string>{"BE-FGP", "DE-BKA", "NL-POL"});
}

}  // namespace custos::api
