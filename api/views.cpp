// The read routes' JSON shapes. See views.hpp.
#include "api/views.hpp"

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/events/event.hpp"
#include "ledger/genesis.hpp"
#include "ledger/time.hpp"

namespace custos::api::views {

using crypto::Json;

namespace {

Json hashes_json(const std::vector<Hash32>& hashes) {
    Json out = Json::array();
    for (const auto& hash : hashes)
        out.push_back(crypto::base64_encode(hash.view()));
    return out;
}

}  // namespace

std::string_view item_state_name(const ledger::ItemState& state) {
    if (state.disposed) return "disposed";
    if (state.pending_offer) return "in_transit";
    if (state.seal) return "sealed";
    return "in_custody";
}

Json stored_event_json(const ledger::StoredEvent& event) {
    return {{"id", ledger::event_id_hex(event.id)},
            {"height", event.height.value},
            {"leaf_index", event.leaf_index},
            {"envelope", ledger::envelope_to_json(event.envelope)}};
}

Json found_event_json(const FoundEvent& found) {
    if (!found.committed) {
        return Json{{"id", ledger::event_id_hex(found.event.id)},
                    {"status", "pending"},
                    {"envelope", ledger::envelope_to_json(found.event.envelope)}};
    }
    Json out = stored_event_json(found.event);
    out["status"] = "committed";
    return out;
}

Json trail_json(const ledger::TrailPage& page) {
    Json events = Json::array();
    for (const auto& event : page.events)
        events.push_back(stored_event_json(event));
    Json out{{"item", page.item},
             {"case", page.state.case_id},
             {"custodian", page.state.custodian},
             {"state", item_state_name(page.state)},
             {"events", events},
             {"integrity_alert", page.state.integrity_alert}};
    if (page.next_leaf) out["next"] = std::to_string(*page.next_leaf);
    return out;
}

Json case_json(const ledger::CasePage& page) {
    Json out{{"case", page.case_id}};
    if (page.next_after) out["next"] = *page.next_after;
    Json items = Json::array();
    for (const auto& entry : page.items) {
        items.push_back({{"item", entry.item},
                         {"custodian", entry.state.custodian},
                         {"state", item_state_name(entry.state)}});
    }
    out["items"] = std::move(items);
    return out;
}

Json block_json(const ledger::BlockView& block) {
    Json ids = Json::array();
    for (const auto& id : block.ids)
        ids.push_back(ledger::event_id_hex(id));
    return Json{{"header", ledger::block_header_to_json(block.header)},
                {"hash", ledger::block_hash_hex(ledger::block_hash(block.header))},
                {"events", ids},
                {"certificate", block.certificate.note}};
}

CheckpointView checkpoint_view(const ledger::Checkpoint& checkpoint) {
    CheckpointView view;
    view.height = checkpoint.header.height;
    view.log_size = checkpoint.header.log_size;
    view.log_root_base64 = crypto::base64_encode(checkpoint.header.log_root.view());
    view.block_hash_hex = ledger::block_hash_hex(checkpoint.hash);
    view.note = checkpoint.certificate.note;
    return view;
}

Json checkpoint_json(const CheckpointView& checkpoint) {
    return Json{{"height", checkpoint.height.value},
                {"log_size", checkpoint.log_size},
                {"log_root", checkpoint.log_root_base64},
                {"block_hash", checkpoint.block_hash_hex},
                {"note", checkpoint.note}};
}

Json inclusion_proof_json(const ledger::EventInclusionProof& proof) {
    return Json{{"id", ledger::event_id_hex(proof.id)},
                {"leaf_index", proof.leaf_index},
                {"tree_size", proof.tree_size},
                {"hashes", hashes_json(proof.hashes)}};
}

Json consistency_proof_json(const ledger::LogConsistencyProof& proof) {
    return Json{{"from", proof.from}, {"to", proof.to}, {"hashes", hashes_json(proof.hashes)}};
}

Json offer_json(const ledger::InboxOffer& offer) {
    return Json{{"item", offer.item},
                {"case", offer.state.case_id},
                {"custodian", offer.state.custodian},
                {"offer", stored_event_json(offer.offer)}};
}

Json search_hit_json(const ledger::SearchHit& hit) {
    const ledger::StoredEvent& stored = hit.event;
    const ledger::Event& event = stored.envelope.event;
    return Json{{"leaf_index", stored.leaf_index},
                {"id", ledger::event_id_hex(stored.id)},
                {"height", stored.height.value},
                {"ledger_time", ledger::format_time(hit.ledger_time)},
                {"item", event.item},
                {"case", event.case_id},
                {"kind", ledger::event_kind_name(event.kind)},
                {"agency", event.agency},
                {"signer", ledger::key_id(stored.envelope.signer)},
                {"time", ledger::format_time(event.time)}};
}

Json read_entry_json(const ledger::StoredEvent& stored) {
    const ledger::Event& event = stored.envelope.event;
    CUSTOS_ASSERT(event.read.has_value(), "a read entry that is not a read record");
    const ledger::ReadRecord& read = *event.read;
    return Json{{"leaf_index", stored.leaf_index},
                {"id", ledger::event_id_hex(stored.id)},
                {"height", stored.height.value},
                {"time", ledger::format_time(event.time)},
                {"action", ledger::read_action_name(read.action)},
                {"subject", read.subject},
                {"outcome", ledger::read_outcome_name(read.outcome)},
                {"status", read.status},
                {"node", read.node},
                {"agency", event.agency},
                {"officer", ledger::key_id(read.officer)}};
}

Json status_json(const NodeStatus& status) {
    Json validators = Json::array();
    for (const auto& validator : status.validators) {
        validators.push_back({{"name", validator.name},
                              {"agency", validator.agency},
                              {"power", validator.power},
                              {"connected", validator.connected}});
    }
    return Json{{"chain_id", status.chain_id},
                {"genesis_hash", status.genesis_hash_hex},
                {"node", status.node_name},
                {"height", status.height.value},
                {"log_size", status.log_size},
                {"validators", validators},
                {"mempool", {{"events", status.mempool_events}, {"bytes", status.mempool_bytes}}},
                {"syncing", status.syncing}};
}

}  // namespace custos::api::views
