#include "tools/node/node_service.hpp"

#include <memory>
#include <utility>
#include <vector>

#include "api/problem.hpp"
#include "api/views.hpp"
#include "ledger/bundle/bundle.hpp"
#include "ledger/store/store_pages.hpp"

namespace custos::node_tool {

using crypto::Json;

Result<ledger::Height> NodeServiceAdapter::store_height() {
    const ledger::Store* store = nullptr;
    {
        std::lock_guard lock(mutex_);
        store = store_;
    }
    if (store == nullptr) {
        // The store lives as long as the node (opened in Node::create, closed in ~Node, after
        // the server has stopped), so its address may be kept.
        auto found = node_.call<const ledger::Store*>(
            [this]() -> Result<const ledger::Store*> { return &node_.store(); });
        if (!found) return tl::unexpected(found.error());
        std::lock_guard lock(mutex_);
        store_ = store = *found;
    }
    return store->committed_height();
}

bool NodeServiceAdapter::cache_at(ledger::Height height) {
    if (height > cache_.height) {
        cache_ = ReadCache{};
        cache_.height = height;
    }
    return height == cache_.height;
}

template <typename T, typename Lookup, typename Insert, typename Compute>
Result<T> NodeServiceAdapter::cached_read(Lookup lookup, Insert insert, Compute compute) {
    if (auto height = store_height()) {
        std::lock_guard lock(mutex_);
        if (cache_at(*height)) {
            if (std::optional<T> hit = lookup(cache_)) return std::move(*hit);
        }
    }
    // A miss: computed on the node thread, with the height it holds for.
    auto computed =
        node_.call<std::pair<T, ledger::Height>>([this, compute]() -> Result<std::pair<T, ledger::Height>> {
            const auto& ledger_store = node_.store();
            auto answer = compute(ledger_store);
            if (!answer) return tl::unexpected(answer.error());
            auto height = ledger_store.committed_height();
            if (!height) return tl::unexpected(height.error());
            return std::pair<T, ledger::Height>(std::move(*answer), *height);
        });
    if (!computed) return tl::unexpected(computed.error());
    {
        std::lock_guard lock(mutex_);
        if (cache_at(computed->second)) insert(cache_, computed->first);
    }
    return std::move(computed->first);
}

template <typename Map, typename Compute>
Result<typename Map::mapped_type> NodeServiceAdapter::cached_entry(Map ReadCache::*map,
                                                                   typename Map::key_type key,
                                                                   Compute compute) {
    using T = typename Map::mapped_type;
    return cached_read<T>(
        [map, key](const ReadCache& cache) -> std::optional<T> {
            auto found = (cache.*map).find(key);
            if (found == (cache.*map).end()) return std::nullopt;
            return found->second;
        },
        [map, key](ReadCache& cache, const T& answer) {
            if ((cache.*map).size() >= read_cache_entries_max) (cache.*map).clear();
            (cache.*map).emplace(key, answer);
        },
        std::move(compute));
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

Result<api::FoundEvent> NodeServiceAdapter::event_by_id(const ledger::EventId& id) {
    return node_.call<api::FoundEvent>([this, id]() -> Result<api::FoundEvent> {
        if (auto pending = node_.pending(id)) {
            api::FoundEvent found;
            found.event.id = id;
            found.event.envelope = *pending;
            return found;
        }
        auto stored = node_.store().event(id);
        if (!stored && stored.error().code == ErrorCode::not_found) {
            if (auto dropped = node_.dropped(id)) {
                api::FoundEvent found;
                found.event.id = id;
                found.event.envelope = std::move(dropped->envelope);
                found.dropped = std::move(dropped->why);
                return found;
            }
        }
        if (!stored) return tl::unexpected(stored.error());
        return api::FoundEvent{std::move(*stored), true};
    });
}

Result<ledger::TrailPage> NodeServiceAdapter::item_trail(std::string_view item_id, std::uint64_t from_leaf,
                                                         std::size_t limit) {
    std::string item(item_id);
    return node_.call<ledger::TrailPage>([this, item, from_leaf, limit]() {
        return ledger::trail_page(node_.store(), item, from_leaf, limit);
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
            auto page = ledger::trail_page(store, item, 0, api::trail_page_max);
            if (!page) return tl::unexpected(page.error());
            return api::json_text(api::views::trail_json(*page));
        });
}

Result<ledger::CasePage> NodeServiceAdapter::case_items(std::string_view case_id, std::string_view after_item,
                                                        std::size_t limit) {
    std::string id(case_id);
    std::string after(after_item);
    return node_.call<ledger::CasePage>(
        [this, id, after, limit]() { return ledger::case_page(node_.store(), id, after, limit); });
}

Result<ledger::BlockView> NodeServiceAdapter::block_by_height(ledger::Height height) {
    return node_.call<ledger::BlockView>(
        [this, height]() { return ledger::block_view(node_.store(), height); });
}

Result<api::CheckpointView> NodeServiceAdapter::latest_checkpoint() {
    return node_.call<api::CheckpointView>([this]() -> Result<api::CheckpointView> {
        const auto height = node_.store().height();
        if (height.value == 0) return make_error(ErrorCode::not_found, "no block committed yet");
        return ledger::checkpoint_at(node_.store(), height).map(api::views::checkpoint_view);
    });
}

Result<api::CheckpointView> NodeServiceAdapter::checkpoint_at(ledger::Height height) {
    return node_.call<api::CheckpointView>([this, height]() -> Result<api::CheckpointView> {
        return ledger::checkpoint_at(node_.store(), height).map(api::views::checkpoint_view);
    });
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

Result<ledger::EventInclusionProof> NodeServiceAdapter::inclusion_proof(const ledger::EventId& id,
                                                                        std::optional<std::uint64_t> size) {
    return node_.call<ledger::EventInclusionProof>(
        [this, id, size]() { return ledger::inclusion_proof(node_.store(), id, size); });
}

Result<ledger::LogConsistencyProof> NodeServiceAdapter::consistency_proof(std::uint64_t from,
                                                                          std::uint64_t to) {
    return node_.call<ledger::LogConsistencyProof>(
        [this, from, to]() { return ledger::consistency_proof(node_.store(), from, to); });
}

Result<std::optional<ledger::Officer>> NodeServiceAdapter::officer(const crypto::PublicKey& key) {
    // The ledger's officer state in force (genesis officers as changed by governance events), so
    // a revoked key stops authenticating at the height its revocation commits.
    return cached_entry(&ReadCache::officers, key,
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

Result<std::vector<ledger::InboxOffer>> NodeServiceAdapter::pending_offers(std::string_view agency,
                                                                           std::string_view after_item,
                                                                           std::size_t limit) {
    std::string recipient(agency);
    std::string after(after_item);
    return node_.call<std::vector<ledger::InboxOffer>>([this, recipient, after, limit]() {
        return ledger::pending_offers(node_.store(), recipient, after, limit);
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

Result<std::vector<ledger::SearchHit>> NodeServiceAdapter::search_events(const ledger::EventSearch& search) {
    return node_.call<std::vector<ledger::SearchHit>>(
        [this, search]() { return ledger::search_hits(node_.store(), search); });
}

Result<ledger::ItemReads> NodeServiceAdapter::item_reads(std::string_view item_id, std::uint64_t from_leaf,
                                                         std::size_t limit) {
    std::string item(item_id);
    return node_.call<ledger::ItemReads>([this, item, from_leaf, limit]() {
        return ledger::item_reads(node_.store(), item, from_leaf, limit);
    });
}

Result<ledger::Height> NodeServiceAdapter::committed_height() {
    auto height = store_height();
    if (!height && height.error().code != ErrorCode::corruption)
        return make_error(ErrorCode::unavailable, "the committed height cannot be read");
    return height;
}

Result<std::uint64_t> NodeServiceAdapter::first_leaf_of(ledger::Height height) {
    return node_.call<std::uint64_t>(
        [this, height]() -> Result<std::uint64_t> { return ledger::first_leaf_of(node_.store(), height); });
}

Result<std::vector<ledger::StoredEvent>> NodeServiceAdapter::committed_events(std::uint64_t from_leaf,
                                                                              std::size_t limit) {
    return node_.call<std::vector<ledger::StoredEvent>>(
        [this, from_leaf, limit]() { return ledger::committed_events(node_.store(), from_leaf, limit); });
}

Result<std::set<std::string>> NodeServiceAdapter::case_participants(std::string_view case_id) {
    std::string id(case_id);
    return cached_entry(&ReadCache::participants, id,
                        [id](const ledger::Store& store) { return ledger::case_participants(store, id); });
}

Result<std::string> NodeServiceAdapter::item_case(std::string_view item_id) {
    std::string item(item_id);
    return cached_entry(&ReadCache::item_cases, item,
                        [item](const ledger::Store& store) { return ledger::item_case(store, item); });
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
