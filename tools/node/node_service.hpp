// api::NodeService over a running custos-node: every call hops onto the node thread.
#pragma once

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
    api::NodeStatus status() override;
    std::string metrics_text() override;
    bool healthy() override;

private:
    runtime::Node& node_;
};

}  // namespace custos::node_tool
