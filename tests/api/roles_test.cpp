// Who may submit what: POST /v1/events (and each entry of POST /v1/batches) admits exactly the
// (role, kind) pairs rule R6 of docs/CUSTODY_RULES.md allows, and refuses every other pair with
// 403 naming the role. The table below is R6 written out again by hand, not read from the
// ledger, so a front end that drifts from the rule fails here.
#include <array>

#include "api_support.hpp"
#include "crypto/sha256.hpp"

namespace custos::api::test {

namespace {

using ledger::EventKind;
using ledger::Role;

// R6, as docs/CUSTODY_RULES.md states it.
struct KindRoles {
    EventKind kind;
    std::vector<Role> roles;
};
const std::array<KindRoles, ledger::event_kind_count> rule_r6 = {{
    {EventKind::register_item, {Role::custodian}},
    {EventKind::transfer_offer, {Role::custodian}},
    {EventKind::transfer_accept, {Role::custodian}},
    {EventKind::transfer_reject, {Role::custodian}},
    {EventKind::transfer_cancel, {Role::custodian}},
    {EventKind::access, {Role::custodian, Role::prosecutor}},
    {EventKind::grant, {Role::custodian, Role::admin}},
    {EventKind::revoke, {Role::custodian, Role::admin}},
    {EventKind::verify, {Role::custodian}},
    {EventKind::seal, {Role::custodian}},
    {EventKind::unseal, {Role::custodian}},
    {EventKind::derive, {Role::custodian}},
    {EventKind::dispose, {Role::custodian}},
    {EventKind::officer_add, {Role::admin}},
    {EventKind::officer_revoke, {Role::admin}},
    {EventKind::validator_propose, {Role::admin}},
    {EventKind::validator_approve, {Role::admin}},
    // A read record is signed by a validator's key, never submitted by an officer (R33).
    {EventKind::read, {}},
}};

constexpr std::array<Role, 4> all_roles = {Role::custodian, Role::prosecutor, Role::auditor, Role::admin};

ledger::Digests digests_of(std::string_view content) {
    return ledger::Digests{crypto::sha256(content), std::nullopt, std::nullopt};
}

// A well-formed (R1) event of `kind` for `agency`: the fields the kind requires, nothing else.
ledger::Event event_of_kind(EventKind kind, const std::string& agency) {
    ledger::Event event;
    event.chain_id = "custos-test";
    event.kind = kind;
    event.agency = agency;
    event.time = ledger::TimeMs{test_now * 1000};
    const ledger::LegalAuthority warrant{ledger::AuthorityKind::warrant, "W-1"};
    const auto some_key = crypto::SecretKey::generate().public_key();
    if (ledger::names_item(kind)) {
        event.item = "ITEM-1";
        event.case_id = "CASE-1";
        if (kind != EventKind::register_item) event.prev = ledger::event_id_from_hex(event_hex).value();
    }
    switch (kind) {
        case EventKind::register_item:
            event.digests = digests_of("content");
            event.description = "Laptop";
            event.location = "Amsterdam";
            event.legal_authority = warrant;
            break;
        case EventKind::transfer_offer:
            event.recipient = "DE-BKA";
            event.released_by = "J. Jansen";
            event.legal_authority = warrant;
            break;
        case EventKind::transfer_accept:
            event.received_by = "K. Weber";
            event.seal_intact = true;
            event.location = "Wiesbaden";
            event.digests = digests_of("content");
            break;
        case EventKind::transfer_reject:
            event.received_by = "K. Weber";
            event.reason = "wrong item";
            break;
        case EventKind::transfer_cancel:
            break;
        case EventKind::access:
            event.action = ledger::AccessAction::image;
            event.purpose = "forensic image";
            event.legal_authority = warrant;
            break;
        case EventKind::grant:
            event.grantee = "DE-BKA";
            event.scope = {ledger::AccessAction::view};
            event.expires = ledger::TimeMs{(test_now + 3600) * 1000};
            event.legal_authority = warrant;
            break;
        case EventKind::revoke:
            event.grantee = "DE-BKA";
            break;
        case EventKind::verify:
            event.digests = digests_of("content");
            break;
        case EventKind::seal:
        case EventKind::unseal:
            event.seal = "S-1";
            break;
        case EventKind::derive:
            event.new_item = "ITEM-1.image";
            event.digests = digests_of("image");
            event.description = "Disk image";
            event.legal_authority = warrant;
            break;
        case EventKind::dispose:
            event.outcome = ledger::DisposeOutcome::returned;
            break;
        case EventKind::officer_add:
            event.officer = some_key;
            event.roles = {Role::custodian};
            event.name = "A. de Boer";
            break;
        case EventKind::officer_revoke:
            event.officer = some_key;
            event.reason = "left the unit";
            break;
        case EventKind::validator_propose:
            event.validator = ledger::Validator{"NL-POL.validator-5", agency, some_key, 1, "10.0.0.5:26656"};
            event.reason = "a fifth validator";
            break;
        case EventKind::validator_approve:
            event.proposal = ledger::event_id_from_hex(event_hex).value();
            break;
        case EventKind::read:
            event.read = ledger::ReadRecord{.node = "validator-1",
                                            .officer = some_key,
                                            .action = ledger::ReadAction::trail,
                                            .subject = "ITEM-1",
                                            .outcome = ledger::ReadOutcome::served,
                                            .status = 200,
                                            .signature_base = "\"@method\": GET",
                                            .signature = {}};
            break;
    }
    return event;
}

// The fake's officer of `role` whose agency the event names: auditors are of EU-AUD.
std::pair<std::string, std::string> officer_and_agency(Role role) {
    if (role == Role::auditor) return {"auditor", "EU-AUD"};
    return {"nl." + std::string(ledger::role_name(role)), "NL-POL"};
}

bool allowed(const KindRoles& entry, Role role) {
    return std::find(entry.roles.begin(), entry.roles.end(), role) != entry.roles.end();
}

}  // namespace

TEST_CASE("roles: every (role, kind) pair of rule R6 is admitted, every other pair refused with 403") {
    Fixture fixture;
    for (const auto& entry : rule_r6) {
        for (Role role : all_roles) {
            const auto [officer, agency] = officer_and_agency(role);
            const ledger::Event event = event_of_kind(entry.kind, agency);
            REQUIRE(ledger::validate_event(event).has_value());
            const auto& key = fixture.service.officer_named(officer).key;
            const std::string envelope = ledger::canonical_envelope(ledger::sign_event(event, key));
            const std::string pair = std::string(ledger::role_name(role)) + " / " +
                                     std::string(ledger::event_kind_name(entry.kind));
            CAPTURE(pair);
            const int submits_before = fixture.service.submits;
            auto response =
                fixture.signed_request(officer, "POST", "/v1/events", envelope, "application/json");
            if (allowed(entry, role)) {
                CHECK(response.status == 202);
                CHECK(fixture.service.submits == submits_before + 1);
            } else {
                CHECK(response.status == 403);
                auto problem = problem_of(response);
                CHECK(problem["field"] == "role");
                CHECK(problem["detail"].get<std::string>().find("(rule R6)") != std::string::npos);
                CHECK(fixture.service.submits == submits_before);
            }
        }
    }
}

TEST_CASE("roles: a batch admits a prosecutor's access and an admin's grant, refuses their register") {
    Fixture fixture;
    auto entry = [&](EventKind kind, const std::string& officer) {
        const auto& key = fixture.service.officer_named(officer).key;
        return ledger::canonical_envelope(ledger::sign_event(event_of_kind(kind, "NL-POL"), key));
    };
    for (const auto& [officer_entry, kind] :
         std::vector<std::pair<std::string, EventKind>>{{"nl.prosecutor", EventKind::access},
                                                        {"nl.admin", EventKind::grant},
                                                        {"nl.admin", EventKind::revoke}}) {
        const auto& officer = officer_entry;  // clang 14 cannot capture a structured binding
        CAPTURE(officer);
        const std::string body =
            "{\"events\":[" + entry(kind, officer) + "," + entry(EventKind::register_item, officer) + "]}";
        auto response = fixture.signed_request(officer, "POST", "/v1/batches", body, "application/json");
        REQUIRE(response.status == 200);
        auto answer = crypto::parse_json(response.body).value();
        CHECK(answer["accepted"] == 1);
        CHECK(answer["results"][0]["status"] == "pending");
        CHECK(answer["results"][1]["status"] == "refused");
        CHECK(answer["results"][1]["problem"]["status"] == 403);
        CHECK(answer["results"][1]["problem"]["field"] == "events[1].role");
    }
}

TEST_CASE("roles: an officer submits for its own agency only, whatever its role") {
    Fixture fixture;
    for (const auto& [officer_entry, kind] :
         std::vector<std::pair<std::string, EventKind>>{{"de.custodian", EventKind::register_item},
                                                        {"de.prosecutor", EventKind::access},
                                                        {"de.admin", EventKind::grant}}) {
        const auto& officer = officer_entry;  // clang 14 cannot capture a structured binding
        CAPTURE(officer);
        const auto& key = fixture.service.officer_named(officer).key;
        const std::string envelope =
            ledger::canonical_envelope(ledger::sign_event(event_of_kind(kind, "NL-POL"), key));
        auto response = fixture.signed_request(officer, "POST", "/v1/events", envelope, "application/json");
        CHECK(response.status == 403);
        auto problem = problem_of(response);
        CHECK(problem["field"] == "event.agency");
        CHECK(problem["detail"] ==
              "an officer of DE-BKA may submit events for its own agency only, not for NL-POL");
    }
    CHECK(fixture.service.submits == 0);
}

}  // namespace custos::api::test
