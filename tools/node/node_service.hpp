// api::NodeService over a running custos-node: every call hops onto the node thread.
#pragma once

#include <map>
#include <set>
#include <string>

#include "api/service.hpp"
#include "consensus/runtime/node.hpp"

namespace custos::node_tool {

class NodeServiceAdapter final : public api::NodeService {
public:
    explicit NodeServiceAdapter(runtime::Node& node) : node_(node) {}
    Result<ledger::EventId> submit_event(std::string_view envelope_json) override;
    Result<crypto::Json> event_by_id(const ledger::EventId& id) override;
    Result<crypto::Json> item_trail(std::string_view item_id) override;
    Result<crypto::Json> case_items(std::string_view case_id) override;
    Result<crypto::Json> block_by_height(ledger::Height height) override;
    Result<api::CheckpointView> latest_checkpoint() override;
    Result<api::CheckpointView> checkpoint_at(ledger::Height height) override;
    Result<crypto::Json> item_bundle(std::string_view item_id) override;
    Result<crypto::Json> inclusion_proof(const ledger::EventId& id,
                                         std::optional<std::uint64_t> size) override;
    Result<crypto::Json> consistency_proof(std::uint64_t from, std::uint64_t to) override;
    Result<std::optional<ledger::Officer>> officer(const crypto::PublicKey& key) override;
    Result<std::set<std::string>> case_participants(std::string_view case_id) override;
    Result<std::string> item_case(std::string_view item_id) override;
    api::NodeStatus status() override;
    std::string metrics_text() override;
    bool healthy() override;

private:
    // Case participants by case id with the log size they were computed at (a new block may add
    // agencies, so an entry is used only while the log has not grown). Node thread only.
    struct CachedParticipants {
        std::uint64_t log_size = 0;
        std::set<std::string> agencies;
    };
    static constexpr std::size_t participants_cache_max = 4096;
    std::map<std::string, CachedParticipants, std::less<>> participants_cache_;

    runtime::Node& node_;
};

}  // namespace custos::node_tool
