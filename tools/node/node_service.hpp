// api::NodeService over a running custos-node.
//
// Writes and uncached reads hop onto the node thread (Node::call). The reads every signed
// request makes (the officer of its key, an item's case, a case's participants, an item's
// trail) are served from a read cache that is valid for one committed height: each call reads
// the store's committed height (ledger::Store::committed_height: thread-safe, and written in the
// same synced batch as the block, so it moves exactly when a block commits) and answers from the
// cache only when the cache was filled at that height; otherwise it hops to the node thread,
// which computes the answer from the store together with the height it holds for. So a trail
// read after a commit shows the new event, and a key revoked by a committed block is refused by
// the next request, while reads between commits cost no node-thread hop.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "api/service.hpp"
#include "consensus/runtime/node.hpp"
#include "ledger/store/store.hpp"

namespace custos::node_tool {

// Bounds of the read cache (over a bound, that map is emptied and refilled on demand).
inline constexpr std::size_t read_cache_entries_max = 4096;
inline constexpr std::size_t read_cache_trail_bytes_max = 32 * 1024 * 1024;

class NodeServiceAdapter final : public api::NodeService {
public:
    explicit NodeServiceAdapter(runtime::Node& node) : node_(node) {}
    std::vector<Result<ledger::EventId>> submit_envelopes(std::vector<ledger::Envelope> envelopes) override;
    Result<api::FoundEvent> event_by_id(const ledger::EventId& id) override;
    Result<ledger::TrailPage> item_trail(std::string_view item_id, std::uint64_t from_leaf,
                                         std::size_t limit) override;
    Result<std::string> item_trail_text(std::string_view item_id) override;
    Result<ledger::CasePage> case_items(std::string_view case_id, std::string_view after_item,
                                        std::size_t limit) override;
    Result<ledger::BlockView> block_by_height(ledger::Height height) override;
    Result<api::CheckpointView> latest_checkpoint() override;
    Result<api::CheckpointView> checkpoint_at(ledger::Height height) override;
    Result<crypto::Json> item_bundle(std::string_view item_id, ledger::ReadRecord read,
                                     ledger::TimeMs received) override;
    Result<crypto::Json> item_state_proof(std::string_view item_id, std::uint64_t from_size) override;
    Result<ledger::EventInclusionProof> inclusion_proof(const ledger::EventId& id,
                                                        std::optional<std::uint64_t> size) override;
    Result<ledger::LogConsistencyProof> consistency_proof(std::uint64_t from, std::uint64_t to) override;
    Result<std::optional<ledger::Officer>> officer(const crypto::PublicKey& key) override;
    Result<std::optional<ledger::OfficerRecord>> officer_record(const crypto::PublicKey& key) override;
    std::string chain_id() override;
    Result<std::vector<ledger::InboxOffer>> pending_offers(std::string_view agency,
                                                           std::string_view after_item,
                                                           std::size_t limit) override;
    Result<std::vector<std::string>> agency_cases(std::string_view agency, std::string_view after_case,
                                                  std::size_t limit) override;
    Result<std::vector<ledger::SearchHit>> search_events(const ledger::EventSearch& search) override;
    Result<ledger::Height> committed_height() override;
    Result<std::uint64_t> first_leaf_of(ledger::Height height) override;
    Result<std::vector<ledger::StoredEvent>> committed_events(std::uint64_t from_leaf,
                                                              std::size_t limit) override;
    Result<std::set<std::string>> case_participants(std::string_view case_id) override;
    Result<std::string> item_case(std::string_view item_id) override;
    void record_read(ledger::ReadRecord read, ledger::TimeMs received, ReadRecorded done) override {
        node_.record_read(std::move(read), received, std::move(done));
    }
    Result<ledger::ItemReads> item_reads(std::string_view item_id, std::uint64_t from_leaf,
                                         std::size_t limit) override;
    api::NodeStatus status() override;
    std::string metrics_text() override;
    bool healthy() override;

private:
    // What the cache holds, all computed at the committed height `height`.
    struct ReadCache {
        ledger::Height height;
        std::map<crypto::PublicKey, std::optional<ledger::Officer>> officers;
        std::map<std::string, std::string, std::less<>> item_cases;
        std::map<std::string, std::set<std::string>, std::less<>> participants;
        std::map<std::string, std::string, std::less<>> trails;  // item -> response body
        std::size_t trail_bytes = 0;
    };

    // The store's committed height, read on the calling thread (an error: the caller then hops
    // without the cache).
    Result<ledger::Height> store_height();
    // Under mutex_: empties the cache when `height` is newer than what it holds; true when the
    // cache now holds `height` (an answer computed at `height` may be used or stored).
    bool cache_at(ledger::Height height);

    // The answer from the cache (`lookup`) when it holds the committed height, else computed on
    // the node thread (`compute` over the store) and kept (`insert`) if still current.
    template <typename T, typename Lookup, typename Insert, typename Compute>
    Result<T> cached_read(Lookup lookup, Insert insert, Compute compute);
    // cached_read of one map of the cache, keyed by `key`, emptied when it holds
    // read_cache_entries_max answers.
    template <typename Map, typename Compute>
    Result<typename Map::mapped_type> cached_entry(Map ReadCache::*map, typename Map::key_type key,
                                                   Compute compute);

    std::mutex mutex_;
    ReadCache cache_;                       // Guarded by mutex_.
    const ledger::Store* store_ = nullptr;  // Guarded by mutex_ (set once, by a node hop).
    runtime::Node& node_;
};

}  // namespace custos::node_tool
