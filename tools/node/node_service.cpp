#include "tools/node/node_service.hpp"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "api/access.hpp"
#include "api/problem.hpp"
#include "crypto/encoding.hpp"
#include "ledger/block.hpp"
#include "ledger/bundle.hpp"
#include "ledger/store_keys.hpp"
#include "ledger/time.hpp"

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

Json hashes_json(const std::vector<Hash32>& hashes) {
    Json out = Json::array();
    for (const auto& hash : hashes)
        out.push_back(crypto::base64_encode(hash.view()));
    return out;
}

// Adds the agencies an item's committed events make part of its case: whoever acted on it
// (registered, held, handed over, accepted), was offered it, or was granted access to it.
Status add_participants(const ledger::Store& store, const std::string& item,
                        std::set<std::string>& agencies) {
    auto trail = store.item_trail(item);
    if (!trail) return tl::unexpected(trail.error());
    for (const auto& stored : *trail)
        api::add_case_participants(stored.envelope.event, agencies);
    return {};
}

// One page of an item's trail (NodeService::item_trail).
Result<Json> trail_json(const ledger::Store& store, const std::string& item, std::uint64_t from_leaf,
                        std::size_t limit) {
    auto state = store.item(item);
    if (!state) return tl::unexpected(state.error());
    if (!*state) return make_error(ErrorCode::not_found, "no item " + item);
    limit = std::clamp<std::size_t>(limit, 1, api::trail_page_max);
    auto trail = store.item_trail_from(item, from_leaf, limit + 1);
    if (!trail) return tl::unexpected(trail.error());
    Json events = Json::array();
    for (std::size_t i = 0; i < trail->size() && i < limit; ++i)
        events.push_back(stored_event_json((*trail)[i]));
    Json out{{"item", item},
             {"case", (*state)->case_id},
             {"custodian", (*state)->custodian},
             {"state", item_state_name(**state)},
             {"events", events},
             {"integrity_alert", (*state)->integrity_alert}};
    if (trail->size() > limit) out["next"] = std::to_string((*trail)[limit - 1].leaf_index + 1);
    return out;
}

// The store's committed height as its meta record holds it (written in the block's batch).
// RocksDB reads are thread-safe, so any thread may call this.
Result<std::string> raw_height(const ledger::store::Db& db) {
    auto value = db.get(ledger::store::Column::meta, ledger::store::meta_key::height);
    if (!value) return tl::unexpected(value.error());
    if (!*value) return make_error(ErrorCode::corruption, "the store has no height record");
    return std::move(**value);
}

}  // namespace

std::optional<std::string> NodeServiceAdapter::raw_committed_height() {
    const ledger::store::Db* db = nullptr;
    {
        std::lock_guard lock(mutex_);
        db = db_;
    }
    if (db == nullptr) {
        // The store lives as long as the node (opened in Node::create, closed in ~Node, after
        // the server has stopped), so its database handle may be kept.
        auto found = node_.call<const ledger::store::Db*>(
            [this]() -> Result<const ledger::store::Db*> { return &node_.store().db(); });
        if (!found) return std::nullopt;
        std::lock_guard lock(mutex_);
        db_ = db = *found;
    }
    auto height = raw_height(*db);
    if (!height) return std::nullopt;
    return std::move(*height);
}

bool NodeServiceAdapter::cache_at(const std::string& height) {
    if (height > cache_.height) {
        cache_ = ReadCache{};
        cache_.height = height;
    }
    return height == cache_.height;
}

template <typename T, typename Lookup, typename Insert, typename Compute>
Result<T> NodeServiceAdapter::cached_read(Lookup lookup, Insert insert, Compute compute) {
    if (auto height = raw_committed_height()) {
        std::lock_guard lock(mutex_);
        if (cache_at(*height)) {
            if (std::optional<T> hit = lookup(cache_)) return std::move(*hit);
        }
    }
    // A miss: computed on the node thread, with the height it holds for.
    auto computed =
        node_.call<std::pair<T, std::string>>([this, compute]() -> Result<std::pair<T, std::string>> {
            const auto& ledger_store = node_.store();
            auto answer = compute(ledger_store);
            if (!answer) return tl::unexpected(answer.error());
            auto height = raw_height(ledger_store.db());
            if (!height) return tl::unexpected(height.error());
            return std::pair<T, std::string>(std::move(*answer), std::move(*height));
        });
    if (!computed) return tl::unexpected(computed.error());
    {
        std::lock_guard lock(mutex_);
        if (cache_at(computed->second)) insert(cache_, computed->first);
    }
    return std::move(computed->first);
}

std::vector<Result<ledger::EventId>> NodeServiceAdapter::submit_envelopes(
    std::vector<ledger::Envelope> envelopes) {
    using Results = std::vector<Result<ledger::EventId>>;
    const std::size_t count = envelopes.size();
    // One hop for the whole batch. Node::call takes a std::function, which must be copyable: the
    // envelopes ride in a shared_ptr rather than being copied.
    auto batch = std::make_shared<std::vector<ledger::Envelope>>(std::move(envelopes));
    auto admitted = node_.call<Results>(
        [this, batch]() -> Result<Results> { return node_.submit_envelopes(std::move(*batch)); });
    if (!admitted) return Results(count, Result<ledger::EventId>(tl::unexpected(admitted.error())));
    return std::move(*admitted);
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

Result<Json> NodeServiceAdapter::item_trail(std::string_view item_id, std::uint64_t from_leaf,
                                            std::size_t limit) {
    std::string item(item_id);
    return node_.call<Json>([this, item, from_leaf, limit]() -> Result<Json> {
        return trail_json(node_.store(), item, from_leaf, limit);
    });
}

Result<std::string> NodeServiceAdapter::item_trail_text(std::string_view item_id) {
    std::string item(item_id);
    return cached_read<std::string>(
        [item](const ReadCache& cache) -> std::optional<std::string> {
            auto found = cache.trails.find(item);
            if (found == cache.trails.end()) return std::nullopt;
            return found->second;
        },
        [item](ReadCache& cache, const std::string& answer) {
            if (cache.trail_bytes + answer.size() > read_cache_trail_bytes_max) {
                cache.trails.clear();
                cache.trail_bytes = 0;
            }
            if (answer.size() > read_cache_trail_bytes_max) return;
            if (cache.trails.emplace(item, answer).second) cache.trail_bytes += answer.size();
        },
        [item](const ledger::Store& store) -> Result<std::string> {
            auto json = trail_json(store, item, 0, api::trail_page_max);
            if (!json) return tl::unexpected(json.error());
            return api::json_text(*json);
        });
}

Result<Json> NodeServiceAdapter::case_items(std::string_view case_id, std::string_view after_item,
                                            std::size_t limit) {
    std::string id(case_id);
    std::string after(after_item);
    return node_.call<Json>([this, id, after, limit]() -> Result<Json> {
        const auto& store = node_.store();
        const std::size_t page_max = std::clamp<std::size_t>(limit, 1, api::trail_page_max);
        auto items = store.case_items(id, after, page_max + 1);
        if (!items) return tl::unexpected(items.error());
        if (items->empty()) {
            auto any = after.empty() ? items : store.case_items(id, "", 1);
            if (!any) return tl::unexpected(any.error());
            if (any->empty()) return make_error(ErrorCode::not_found, "no case " + id);
        }
        Json out{{"case", id}};
        if (items->size() > page_max) {
            items->resize(page_max);
            out["next"] = items->back();
        }
        Json page = Json::array();
        for (const auto& item : *items) {
            auto state = store.item(item);
            if (!state) return tl::unexpected(state.error());
            if (!*state) continue;
            page.push_back(
                {{"item", item}, {"custodian", (*state)->custodian}, {"state", item_state_name(**state)}});
        }
        out["items"] = std::move(page);
        return out;
    });
}

Result<Json> NodeServiceAdapter::block_by_height(ledger::Height height) {
    return node_.call<Json>([this, height]() -> Result<Json> {
        const auto& store = node_.store();
        auto block = store.block_event_ids(height);
        if (!block) return tl::unexpected(block.error());
        auto certificate = store.certificate(height);
        if (!certificate) return tl::unexpected(certificate.error());
        Json ids = Json::array();
        for (const auto& id : block->ids)
            ids.push_back(ledger::event_id_hex(id));
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

Result<Json> NodeServiceAdapter::item_bundle(std::string_view item_id, ledger::ReadRecord read,
                                             ledger::TimeMs received) {
    std::string item(item_id);
    return node_.call<Json>([this, item, read = std::move(read), received]() -> Result<Json> {
        return node_.export_bundle(item, read, received);
    });
}

Result<Json> NodeServiceAdapter::item_state_proof(std::string_view item_id, std::uint64_t from_size) {
    std::string item(item_id);
    return node_.call<Json>([this, item, from_size]() -> Result<Json> {
        return ledger::make_state_proof(node_.store(), item, from_size);
    });
}

Result<Json> NodeServiceAdapter::inclusion_proof(const ledger::EventId& id,
                                                 std::optional<std::uint64_t> size) {
    return node_.call<Json>([this, id, size]() -> Result<Json> {
        const auto& store = node_.store();
        auto stored = store.event(id);
        if (!stored) return tl::unexpected(stored.error());
        const std::uint64_t tree_size = size.value_or(store.log_size());
        if (tree_size <= stored->leaf_index || tree_size > store.log_size()) {
            return make_error(ErrorCode::invalid_argument, "size: must be above the event's leaf index " +
                                                               std::to_string(stored->leaf_index) +
                                                               " and at most the log size " +
                                                               std::to_string(store.log_size()));
        }
        auto proof = store.inclusion_proof(stored->leaf_index, tree_size);
        if (!proof) return tl::unexpected(proof.error());
        return Json{{"id", ledger::event_id_hex(id)},
                    {"leaf_index", stored->leaf_index},
                    {"tree_size", tree_size},
                    {"hashes", hashes_json(*proof)}};
    });
}

Result<Json> NodeServiceAdapter::consistency_proof(std::uint64_t from, std::uint64_t to) {
    return node_.call<Json>([this, from, to]() -> Result<Json> {
        const auto& store = node_.store();
        if (to > store.log_size()) {
            return make_error(ErrorCode::invalid_argument,
                              "to: beyond the log size " + std::to_string(store.log_size()));
        }
        if (from == 0 || from > to) {
            return make_error(ErrorCode::invalid_argument, "from: must be at least 1 and at most to");
        }
        auto proof = store.consistency_proof(from, to);
        if (!proof) return tl::unexpected(proof.error());
        return Json{{"from", from}, {"to", to}, {"hashes", hashes_json(*proof)}};
    });
}

Result<std::optional<ledger::Officer>> NodeServiceAdapter::officer(const crypto::PublicKey& key) {
    // The ledger's officer state in force (genesis officers as changed by governance events), so
    // a revoked key stops authenticating at the height its revocation commits.
    using Answer = std::optional<ledger::Officer>;
    return cached_read<Answer>(
        [key](const ReadCache& cache) -> std::optional<Answer> {
            auto found = cache.officers.find(key);
            if (found == cache.officers.end()) return std::nullopt;
            return found->second;
        },
        [key](ReadCache& cache, const Answer& answer) {
            if (cache.officers.size() >= read_cache_entries_max) cache.officers.clear();
            cache.officers.emplace(key, answer);
        },
        [key](const ledger::Store& store) { return store.officer(key); });
}

Result<std::optional<ledger::OfficerRecord>> NodeServiceAdapter::officer_record(
    const crypto::PublicKey& key) {
    return node_.call<std::optional<ledger::OfficerRecord>>(
        [this, key]() { return node_.store().officer_record(key); });
}

std::string NodeServiceAdapter::chain_id() {
    auto id =
        node_.call<std::string>([this]() -> Result<std::string> { return node_.store().genesis().chain_id; });
    return id ? *id : std::string();
}

Result<Json> NodeServiceAdapter::pending_offers(std::string_view agency, std::string_view after_item,
                                                std::size_t limit) {
    std::string recipient(agency);
    std::string after(after_item);
    return node_.call<Json>([this, recipient, after, limit]() -> Result<Json> {
        const auto& store = node_.store();
        auto entries = store.pending_offers(recipient, after, limit + 1);
        if (!entries) return tl::unexpected(entries.error());
        Json offers = Json::array();
        for (const auto& entry : *entries) {
            auto state = store.item(entry.item);
            if (!state) return tl::unexpected(state.error());
            auto offer = store.event(entry.offer);
            if (!offer) return tl::unexpected(offer.error());
            if (!*state)
                return make_error(ErrorCode::corruption, "an offer of an unknown item " + entry.item);
            offers.push_back({{"item", entry.item},
                              {"case", (*state)->case_id},
                              {"custodian", (*state)->custodian},
                              {"offer", stored_event_json(*offer)}});
        }
        return offers;
    });
}

Result<std::vector<std::string>> NodeServiceAdapter::agency_cases(std::string_view agency,
                                                                  std::string_view after_case,
                                                                  std::size_t limit) {
    std::string member(agency);
    std::string after(after_case);
    return node_.call<std::vector<std::string>>(
        [this, member, after, limit]() { return node_.store().agency_cases(member, after, limit); });
}

Result<Json> NodeServiceAdapter::search_events(const ledger::EventSearch& search) {
    return node_.call<Json>([this, search]() -> Result<Json> {
        const auto& store = node_.store();
        auto leaves = store.search_events(search);
        if (!leaves) return tl::unexpected(leaves.error());
        Json events = Json::array();
        std::optional<ledger::BlockHeader> header;  // Of the last event's block.
        for (std::uint64_t leaf : *leaves) {
            auto stored = store.event_at(leaf);
            if (!stored) return tl::unexpected(stored.error());
            if (!header || header->height != stored->height) {
                auto read = store.header(stored->height);
                if (!read) return tl::unexpected(read.error());
                header = std::move(*read);
            }
            const ledger::Event& event = stored->envelope.event;
            events.push_back({{"leaf_index", leaf},
                              {"id", ledger::event_id_hex(stored->id)},
                              {"height", stored->height.value},
                              {"ledger_time", ledger::format_time(header->time)},
                              {"item", event.item},
                              {"case", event.case_id},
                              {"kind", ledger::event_kind_name(event.kind)},
                              {"agency", event.agency},
                              {"signer", ledger::key_id(stored->envelope.signer)},
                              {"time", ledger::format_time(event.time)}});
        }
        return events;
    });
}

Result<Json> NodeServiceAdapter::item_reads(std::string_view item_id, std::uint64_t from_leaf,
                                            std::size_t limit) {
    std::string item(item_id);
    return node_.call<Json>([this, item, from_leaf, limit]() -> Result<Json> {
        const auto& store = node_.store();
        auto state = store.item(item);
        if (!state) return tl::unexpected(state.error());
        if (!state->has_value()) return make_error(ErrorCode::not_found, "no item " + item);
        auto leaves = store.item_reads(item, from_leaf, limit);
        if (!leaves) return tl::unexpected(leaves.error());
        Json reads = Json::array();
        for (std::uint64_t leaf : *leaves) {
            auto stored = store.event_at(leaf);
            if (!stored) return tl::unexpected(stored.error());
            const ledger::Event& event = stored->envelope.event;
            if (!event.read)
                return make_error(ErrorCode::corruption, "the read index names a leaf that is not a read");
            const ledger::ReadRecord& read = *event.read;
            reads.push_back({{"leaf_index", leaf},
                             {"id", ledger::event_id_hex(stored->id)},
                             {"height", stored->height.value},
                             {"time", ledger::format_time(event.time)},
                             {"action", ledger::read_action_name(read.action)},
                             {"subject", read.subject},
                             {"outcome", ledger::read_outcome_name(read.outcome)},
                             {"status", read.status},
                             {"node", read.node},
                             {"agency", event.agency},
                             {"officer", ledger::key_id(read.officer)}});
        }
        return Json{{"item", item},
                    {"case", (*state)->case_id},
                    {"custodian", (*state)->custodian},
                    {"reads", std::move(reads)}};
    });
}

Result<ledger::Height> NodeServiceAdapter::committed_height() {
    auto raw = raw_committed_height();
    if (!raw) return make_error(ErrorCode::unavailable, "the committed height cannot be read");
    auto height = ledger::store::read_be64(*raw);
    if (!height || raw->size() != 8) return make_error(ErrorCode::corruption, "a malformed height record");
    return ledger::Height{*height};
}

Result<std::uint64_t> NodeServiceAdapter::first_leaf_of(ledger::Height height) {
    return node_.call<std::uint64_t>([this, height]() -> Result<std::uint64_t> {
        const auto& store = node_.store();
        if (height.value == 0 || height.value > store.height().value + 1) {
            return make_error(ErrorCode::invalid_argument, "from_height: must be from 1 to the next height " +
                                                               std::to_string(store.height().value + 1));
        }
        if (height.value == 1) return std::uint64_t{0};
        auto previous = store.header(ledger::Height{height.value - 1});
        if (!previous) return tl::unexpected(previous.error());
        return previous->log_size;
    });
}

Result<Json> NodeServiceAdapter::committed_events(std::uint64_t from_leaf, std::size_t limit) {
    return node_.call<Json>([this, from_leaf, limit]() -> Result<Json> {
        const auto& store = node_.store();
        Json events = Json::array();
        for (std::uint64_t leaf = from_leaf; leaf < store.log_size() && events.size() < limit; ++leaf) {
            auto stored = store.event_at(leaf);
            if (!stored) return tl::unexpected(stored.error());
            events.push_back(stored_event_json(*stored));
        }
        return events;
    });
}

Result<std::set<std::string>> NodeServiceAdapter::case_participants(std::string_view case_id) {
    std::string id(case_id);
    using Answer = std::set<std::string>;
    return cached_read<Answer>(
        [id](const ReadCache& cache) -> std::optional<Answer> {
            auto found = cache.participants.find(id);
            if (found == cache.participants.end()) return std::nullopt;
            return found->second;
        },
        [id](ReadCache& cache, const Answer& answer) {
            if (cache.participants.size() >= read_cache_entries_max) cache.participants.clear();
            cache.participants.emplace(id, answer);
        },
        [id](const ledger::Store& store) -> Result<Answer> {
            auto items = store.case_items(id);
            if (!items) return tl::unexpected(items.error());
            if (items->empty()) return make_error(ErrorCode::not_found, "no case " + id);
            Answer agencies;
            for (const auto& item : *items) {
                if (auto added = add_participants(store, item, agencies); !added)
                    return tl::unexpected(added.error());
            }
            return agencies;
        });
}

Result<std::string> NodeServiceAdapter::item_case(std::string_view item_id) {
    std::string item(item_id);
    return cached_read<std::string>(
        [item](const ReadCache& cache) -> std::optional<std::string> {
            auto found = cache.item_cases.find(item);
            if (found == cache.item_cases.end()) return std::nullopt;
            return found->second;
        },
        [item](ReadCache& cache, const std::string& answer) {
            if (cache.item_cases.size() >= read_cache_entries_max) cache.item_cases.clear();
            cache.item_cases.emplace(item, answer);
        },
        [item](const ledger::Store& store) -> Result<std::string> {
            auto state = store.item(item);
            if (!state) return tl::unexpected(state.error());
            if (!*state) return make_error(ErrorCode::not_found, "no item " + item);
            return (*state)->case_id;
        });
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
