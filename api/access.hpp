// Who may do what (issue #6), from the officer record of the request's key:
//   (writes)    every role submits, for its own agency only, the kinds rule R6 lets it sign:
//               a custodian the custody events, a prosecutor an access, an admin a grant or
//               revoke and the governance events (officer.*, validator.*)
//   custodian   reads the events, trails and cases of
//               cases its agency takes part in (it needs an item's head to chain the next event)
//   prosecutor  reads the cases its agency takes part in and exports their bundles
//   auditor     reads everything (events, trails, cases, bundles, blocks, status)
//   admin       reads its agency's data (cases it takes part in), blocks and node status
// An agency takes part in a case when it registered, held, received (was offered or accepted)
// or was granted an item of it (NodeService::case_participants).
// The rule engine re-checks every write at commit; these checks only keep a node's front end
// from serving or admitting what the key may not touch.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "api/problem.hpp"
#include "api/service.hpp"
#include "ledger/events/event.hpp"
#include "ledger/genesis.hpp"

namespace custos::api {

// 403 unless the officer holds one of `roles`; `what` names the action in the detail.
[[nodiscard]] std::optional<ApiResponse> require_role(const ledger::Officer& officer,
                                                      std::initializer_list<ledger::Role> roles,
                                                      std::string_view what);

// May the officer read data of `case_id` with one of `roles`? An auditor always may; the other
// roles in `roles` when the officer's agency takes part in the case, or when it is the agency
// acting in `own_event_agency` (an officer may read its own agency's pending event).
// 403 naming the case otherwise; a service error maps as usual.
[[nodiscard]] std::optional<ApiResponse> require_case_access(NodeService& service,
                                                             const ledger::Officer& officer,
                                                             std::initializer_list<ledger::Role> roles,
                                                             const std::string& case_id,
                                                             std::string_view own_event_agency = {});

// POST /v1/events and each entry of POST /v1/batches: the officer holds a role rule R6 gives the
// event's kind (ledger::roles_for) and belongs to the event's acting agency.
[[nodiscard]] std::optional<ApiResponse> require_submit(const ledger::Officer& officer,
                                                        const ledger::Envelope& envelope);

}  // namespace custos::api
