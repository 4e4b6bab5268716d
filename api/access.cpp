// Role and case checks. See access.hpp.
#include "api/access.hpp"

#include <algorithm>

#include "ledger/rules/rules.hpp"

namespace custos::api {

namespace {

ApiResponse forbidden(std::string field, std::string detail) {
    return problem_response(
        Problem{.status = 403, .title = "Forbidden", .detail = std::move(detail), .field = std::move(field)});
}

std::string role_list(std::initializer_list<ledger::Role> roles) {
    std::string out;
    for (auto role : roles)
        out += (out.empty() ? "" : ", ") + std::string(ledger::role_name(role));
    return out;
}

bool has_any(const ledger::Officer& officer, std::initializer_list<ledger::Role> roles) {
    return std::any_of(roles.begin(), roles.end(), [&](ledger::Role role) { return officer.has_role(role); });
}

}  // namespace

std::optional<ApiResponse> require_role(const ledger::Officer& officer,
                                        std::initializer_list<ledger::Role> roles, std::string_view what) {
    if (has_any(officer, roles)) return std::nullopt;
    return forbidden("role", std::string(what) + " needs the role " + role_list(roles) +
                                 "; this key's officer does not hold it");
}

std::optional<ApiResponse> require_case_access(NodeService& service, const ledger::Officer& officer,
                                               std::initializer_list<ledger::Role> roles,
                                               const std::string& case_id,
                                               std::string_view own_event_agency) {
    if (officer.has_role(ledger::Role::auditor)) return std::nullopt;
    if (!has_any(officer, roles)) {
        return forbidden("role", "reading this needs the role auditor or " + role_list(roles) +
                                     "; this key's officer holds neither");
    }
    if (!own_event_agency.empty() && own_event_agency == officer.agency) return std::nullopt;
    auto participants = service.case_participants(case_id);
    if (!participants) {
        // A case that has no committed item yet has no participants.
        if (participants.error().code != ErrorCode::not_found) return error_response(participants.error());
    } else if (participants->contains(officer.agency)) {
        return std::nullopt;
    }
    return forbidden("case", "agency " + officer.agency + " takes no part in case " + case_id);
}

std::optional<ApiResponse> require_submit(const ledger::Officer& officer, const ledger::Envelope& envelope) {
    // The roles rule R6 gives the event's kind (ledger::roles_for, docs/CUSTODY_RULES.md), so the
    // front end admits exactly what the rule engine would: a prosecutor's access, an admin's
    // grant or revoke, a custodian's custody events, an admin's governance events.
    const ledger::EventKind kind = envelope.event.kind;
    const auto roles = ledger::roles_for(kind);
    if (!std::any_of(roles.begin(), roles.end(), [&](ledger::Role role) { return officer.has_role(role); })) {
        auto names = [](const std::vector<ledger::Role>& list, std::string_view joint) {
            std::string out;
            for (auto role : list)
                out += (out.empty() ? "" : std::string(joint)) + std::string(ledger::role_name(role));
            return out;
        };
        return forbidden("role", "submitting a " + std::string(ledger::event_kind_name(kind)) +
                                     " event needs the role " + names(roles, " or ") +
                                     " (rule R6); this key's officer holds " + names(officer.roles, ", "));
    }
    if (envelope.event.agency != officer.agency) {
        return forbidden("event.agency", "an officer of " + officer.agency +
                                             " may submit events for its own agency only, not for " +
                                             envelope.event.agency);
    }
    return std::nullopt;
}

}  // namespace custos::api
