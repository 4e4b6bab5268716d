#include "tools/node/node_service.hpp"

#include "crypto/encoding.hpp"
#include "ledger/block.hpp"

namespace custos::node_tool {
namespace {

using crypto::Json;

std::string item_state_name(const ledger::ItemState& state) {
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

Result<api::CheckpointView> checkpoint_view(const ledger::Store& store, ledger::Height height) {
    auto header = store.header(height);
    if (!header) return tl::unexpected(header.error());
    auto certificate = store.certificate(height);
    if (!certificate) return tl::unexpected(certificate.error());
    api::CheckpointView view;
    view.height = height;
    view.log_size = header->log_size;
    view.log_root_base64 = crypto::base64_encode(header->log_root.view());
    view.block_hash_hex = ledger::block_hash_hex(ledger::block_hash(*header));
    view.note = certificate->note;
    return view;
}

}  // namespace

Result<ledger::EventId> NodeServiceAdapter::submit_event(std::string_view envelope_json) {
    std::string text(envelope_json);
    return node_.call<ledger::EventId>([this, text] { return node_.submit_event(text); });
}

Result<Json> NodeServiceAdapter::event_by_id(const ledger::EventId& id) {
    return node_.call<Json>([this, id]() -> Result<Json> {
        if (auto pending = node_.pending(id)) {
            return Json{{"id", ledger::event_id_hex(id)},
                        {"status", "pending"},
                        {"envelope", ledger::envelope_to_json(*pending)}};
        }
        auto stored = node_.store().event(id);
        if (!stored) return tl::unexpected(stored.error());
        Json out = stored_event_json(*stored);
        out["status"] = "committed";
        return out;
    });
}

Result<Json> NodeServiceAdapter::item_trail(std::string_view item_id) {
    std::string item(item_id);
    return node_.call<Json>([this, item]() -> Result<Json> {
        const auto& store = node_.store();
        auto state = store.item(item);
        if (!state) return tl::unexpected(state.error());
        if (!*state) return make_error(ErrorCode::not_found, "no item " + item);
        auto trail = store.item_trail(item);
        if (!trail) return tl::unexpected(trail.error());
        Json events = Json::array();
        for (const auto& event : *trail)
            events.push_back(stored_event_json(event));
        return Json{{"item", item},
                    {"case", (*state)->case_id},
                    {"custodian", (*state)->custodian},
                    {"state", item_state_name(**state)},
                    {"events", events},
                    {"integrity_alert", (*state)->integrity_alert}};
    });
}

Result<Json> NodeServiceAdapter::case_items(std::string_view case_id) {
    std::string id(case_id);
    return node_.call<Json>([this, id]() -> Result<Json> {
        const auto& store = node_.store();
        auto items = store.case_items(id);
        if (!items) return tl::unexpected(items.error());
        if (items->empty()) return make_error(ErrorCode::not_found, "no case " + id);
        Json out = Json::array();
        for (const auto& item : *items) {
            auto state = store.item(item);
            if (!state) return tl::unexpected(state.error());
            if (!*state) continue;
            out.push_back(
                {{"item", item}, {"custodian", (*state)->custodian}, {"state", item_state_name(**state)}});
        }
        return Json{{"case", id}, {"items", out}};
    });
}

Result<Json> NodeServiceAdapter::block_by_height(ledger::Height height) {
    return node_.call<Json>([this, height]() -> Result<Json> {
        const auto& store = node_.store();
        auto block = store.block(height);
        if (!block) return tl::unexpected(block.error());
        auto certificate = store.certificate(height);
        if (!certificate) return tl::unexpected(certificate.error());
        Json ids = Json::array();
        for (const auto& envelope : block->events)
            ids.push_back(ledger::event_id_hex(ledger::event_id(envelope.event)));
        return Json{{"header", ledger::block_header_to_json(block->header)},
                    {"hash", ledger::block_hash_hex(ledger::block_hash(block->header))},
                    {"events", ids},
                    {"certificate", certificate->note}};
    });
}

Result<api::CheckpointView> NodeServiceAdapter::latest_checkpoint() {
    return node_.call<api::CheckpointView>([this]() -> Result<api::CheckpointView> {
        const auto height = node_.store().height();
        if (height.value == 0) return make_error(ErrorCode::not_found, "no block committed yet");
        return checkpoint_view(node_.store(), height);
    });
}

Result<api::CheckpointView> NodeServiceAdapter::checkpoint_at(ledger::Height height) {
    return node_.call<api::CheckpointView>(
        [this, height]() -> Result<api::CheckpointView> { return checkpoint_view(node_.store(), height); });
}

api::NodeStatus NodeServiceAdapter::status() {
    auto snapshot = node_.call<runtime::NodeSnapshot>(
        [this]() -> Result<runtime::NodeSnapshot> { return node_.snapshot(); });
    api::NodeStatus out;
    if (!snapshot) return out;
    out.chain_id = snapshot->chain_id;
    out.genesis_hash_hex = snapshot->genesis_hash_hex;
    out.node_name = snapshot->node_name;
    out.height = ledger::Height{snapshot->height};
    out.log_size = snapshot->log_size;
    out.mempool_events = snapshot->mempool_events;
    out.mempool_bytes = snapshot->mempool_bytes;
    out.syncing = snapshot->syncing;
    for (const auto& peer : snapshot->validators) {
        out.validators.push_back(api::ValidatorStatus{peer.name, peer.agency, peer.power, peer.connected});
    }
    return out;
}

std::string NodeServiceAdapter::metrics_text() {
    auto text = node_.call<std::string>([this]() -> Result<std::string> { return node_.metrics_text(); });
    return text ? *text : std::string();
}

bool NodeServiceAdapter::healthy() {
    auto running = node_.call<bool>([this]() -> Result<bool> { return node_.snapshot().running; });
    return running && *running;
}

}  // namespace custos::node_tool
