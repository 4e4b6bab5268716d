// The route handlers behind handle_request() (routes.cpp): one function per route, each given
// the parsed request. Internal to the api room.
#pragma once

#include <string_view>

#include "api/auth.hpp"
#include "api/query.hpp"
#include "api/routes.hpp"

namespace custos::api::handlers {

struct Call {
    NodeService& service;
    const ApiRequest& request;
    const QueryParams& query;
    std::string_view parameter;      // The route's {id} segment, if any (already validated).
    const ledger::Officer* officer;  // The authenticated officer; null on open routes.
    // The verified request signature (base, signature, receipt time); null on open routes.
    const Authenticated* signed_request = nullptr;
};

[[nodiscard]] ApiResponse healthz(const Call& call);
[[nodiscard]] ApiResponse metrics(const Call& call);
[[nodiscard]] ApiResponse status(const Call& call);
[[nodiscard]] ApiResponse submit_event(const Call& call);
[[nodiscard]] ApiResponse submit_batch(const Call& call);  // batch.cpp
[[nodiscard]] ApiResponse event(const Call& call);
[[nodiscard]] ApiResponse item_trail(const Call& call);
[[nodiscard]] ApiResponse item_bundle(const Call& call);
[[nodiscard]] ApiResponse item_state_proof(const Call& call);
[[nodiscard]] ApiResponse item_reads(const Call& call);
[[nodiscard]] ApiResponse case_items(const Call& call);
[[nodiscard]] ApiResponse officer(const Call& call);
[[nodiscard]] ApiResponse agency_offers(const Call& call);
[[nodiscard]] ApiResponse agency_cases(const Call& call);
[[nodiscard]] ApiResponse search(const Call& call);
[[nodiscard]] ApiResponse stream(const Call& call);  // the start of one; server.cpp serves it
[[nodiscard]] ApiResponse block(const Call& call);
[[nodiscard]] ApiResponse checkpoint(const Call& call);
[[nodiscard]] ApiResponse inclusion_proof(const Call& call);
[[nodiscard]] ApiResponse consistency_proof(const Call& call);

}  // namespace custos::api::handlers
