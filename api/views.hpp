// The JSON shapes of the read routes' answers, from the typed values the node serves
// (ledger/store/store_pages.hpp): one function per shape, next to the handlers that send them. The
// shapes are those of docs/API.md and docs/openapi.yaml; nlohmann's objects keep their members in
// key order, so an answer's text depends only on its values.
#pragma once

#include <string>
#include <string_view>

#include "api/service.hpp"
#include "crypto/canonical_json.hpp"
#include "ledger/state/state.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_pages.hpp"

namespace custos::api::views {

// "disposed", "in_transit" (an offer pending), "sealed" or "in_custody".
[[nodiscard]] std::string_view item_state_name(const ledger::ItemState& state);

// A committed event: {"id","height","leaf_index","envelope"} (trails, offers, the stream).
[[nodiscard]] crypto::Json stored_event_json(const ledger::StoredEvent& event);

// GET /v1/events/{id}: {"id","status":"pending","envelope"} or the committed event with
// "status":"committed".
[[nodiscard]] crypto::Json found_event_json(const FoundEvent& found);

// GET /v1/items/{item}/trail: {"item","case","custodian","state","events","integrity_alert","next"?}.
[[nodiscard]] crypto::Json trail_json(const ledger::TrailPage& page);

// GET /v1/cases/{case}: {"case","items":[{"item","custodian","state"}...],"next"?}.
[[nodiscard]] crypto::Json case_json(const ledger::CasePage& page);

// GET /v1/blocks/{height}: {"header","hash","events":[ids...],"certificate"}.
[[nodiscard]] crypto::Json block_json(const ledger::BlockView& block);

// A certified checkpoint's values (GET /v1/checkpoints/..., the 201 of ?wait=commit).
[[nodiscard]] CheckpointView checkpoint_view(const ledger::Checkpoint& checkpoint);
[[nodiscard]] crypto::Json checkpoint_json(const CheckpointView& checkpoint);

// GET /v1/proofs/inclusion/{id}: {"id","leaf_index","tree_size","hashes":[base64...]}.
[[nodiscard]] crypto::Json inclusion_proof_json(const ledger::EventInclusionProof& proof);
// GET /v1/proofs/consistency: {"from","to","hashes":[base64...]}.
[[nodiscard]] crypto::Json consistency_proof_json(const ledger::LogConsistencyProof& proof);

// An entry of GET /v1/agencies/{agency}/offers: {"item","case","custodian","offer"}.
[[nodiscard]] crypto::Json offer_json(const ledger::InboxOffer& offer);

// An entry of GET /v1/search: {"leaf_index","id","height","ledger_time","item","case","kind",
// "agency","signer","time"}.
[[nodiscard]] crypto::Json search_hit_json(const ledger::SearchHit& hit);

// An entry of GET /v1/items/{item}/reads before its officer is filled in: {"leaf_index","id",
// "height","time","action","subject","outcome","status","node","agency","officer": key}.
[[nodiscard]] crypto::Json read_entry_json(const ledger::StoredEvent& read);

// GET /v1/status.
[[nodiscard]] crypto::Json status_json(const NodeStatus& status);

}  // namespace custos::api::views
