// Block application (pure, deterministic) and block building for the proposer.
#include <algorithm>
#include <map>
#include <set>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "crypto/merkle.hpp"
#include "crypto/smt.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {

namespace {

// Merkle nodes written by this block on top of the committed ones.
class OverlayNodes final : public crypto::NodeStore {
public:
    explicit OverlayNodes(const crypto::NodeStore& base) : base_(base) {}
    Result<Hash32> get(crypto::NodeKey key) const override {
        auto found = added_.find(key);
        if (found != added_.end()) return found->second;
        return base_.get(key);
    }
    void put(crypto::NodeKey key, const Hash32& hash) override { added_.insert_or_assign(key, hash); }
    [[nodiscard]] std::vector<std::pair<crypto::NodeKey, Hash32>> added() const {
        return {added_.begin(), added_.end()};
    }

private:
    const crypto::NodeStore& base_;
    std::map<crypto::NodeKey, Hash32> added_;
};

struct LogAppend {
    std::uint64_t size = 0;
    Hash32 root;
    std::vector<std::pair<crypto::NodeKey, Hash32>> nodes;
};

Result<LogAppend> append_leaves(const crypto::NodeStore& nodes, std::uint64_t size,
                                std::span<const Hash32> leaves) {
    OverlayNodes overlay(nodes);
    auto tree = crypto::MerkleTree::open(overlay, size);
    if (!tree) return make_error(tree.error().code, "log: " + tree.error().message);
    for (const auto& leaf : leaves)
        tree->append(leaf);
    return LogAppend{tree->size(), tree->root(), overlay.added()};
}

// The state map after a block (docs/FORMAT.md 7.5): the entries of what the block's events
// touched, over the map before it.
Result<crypto::SmtChanges> state_after(const OverlayState& overlay, const ApplyContext& context,
                                       const std::optional<GovernanceHead>& governance) {
    if (context.test_without_state_map)
        return crypto::SmtChanges{.root = Hash32{}, .nodes = {}};  // TEST ONLY
    CUSTOS_ASSERT(context.state_nodes != nullptr, "apply_block needs the state map's nodes");
    StateChanges changes{.items = overlay.touched_items(),
                         .officers = overlay.touched_officers(),
                         .proposals = overlay.touched_proposals(),
                         .adopted = overlay.adopted(),
                         .governance = governance};
    auto map = crypto::smt_update(*context.state_nodes, state_updates(changes));
    if (!map) return make_error(map.error().code, "state map: " + map.error().message);
    return map;
}

// The governance head after `event`, when it is a governance event.
void count_governance(std::optional<GovernanceHead>& after, const ApplyContext& context, const Event& event,
                      const EventId& id) {
    if (!is_governance(event.kind)) return;
    if (!after) after = context.governance;
    after->head = id;
    ++after->count;
}

tl::unexpected<Error> bad_block(const BlockHeader& header, ErrorCode code, const std::string& why) {
    return make_error(code, "block " + std::to_string(header.height.value) + ": " + why);
}

// Everything about the header that does not need the events' effects.
Status check_header(const Block& block, const ApplyContext& context) {
    const BlockHeader& header = block.header;
    const auto mismatch = check_header_links(
        header, HeaderLinks{.genesis = context.genesis,
                            .previous = context.previous,
                            .previous_hash = context.previous ? block_hash(*context.previous) : BlockHash{},
                            .validators = context.validators,
                            .validators_hash = context.validators.hash()});
    if (mismatch) {
        return bad_block(header, ErrorCode::verification_failed,
                         mismatch->message + " (" + std::string(mismatch->check) + "): expected " +
                             mismatch->expected + ", found " + mismatch->found);
    }
    if (block.events.size() > context.genesis.params.block_events_max) {
        return bad_block(header, ErrorCode::invalid_argument,
                         std::to_string(block.events.size()) + " events, over block_events_max " +
                             std::to_string(context.genesis.params.block_events_max));
    }
    return {};
}

Result<BlockEffects> apply_block_with_map(const StateView& state, const Block& block,
                                          const ApplyContext& context, std::vector<EventBytes> bytes,
                                          std::optional<crypto::SmtChanges> built_map);

tl::unexpected<Error> bad_event(const BlockHeader& header, std::size_t index, const EventId& id,
                                const RuleError& error) {
    return bad_block(header, error.code,
                     "event " + std::to_string(index) + " (" + event_id_hex(id) + "): " + error.message());
}

}  // namespace

std::optional<HeaderMismatch> check_header_links(const BlockHeader& header, const HeaderLinks& links) {
    const BlockHeader* previous = links.previous;
    const std::uint64_t expected_height = previous ? previous->height.value + 1 : 1;
    if (header.height.value != expected_height) {
        return HeaderMismatch{header_check::height, std::to_string(expected_height),
                              std::to_string(header.height.value), "the block names another height"};
    }
    if (header.chain_id != links.genesis.chain_id) {
        return HeaderMismatch{header_check::chain_id, links.genesis.chain_id, header.chain_id,
                              "chain id differs from the genesis"};
    }
    if (header.previous != links.previous_hash) {
        return HeaderMismatch{header_check::previous, block_hash_hex(links.previous_hash),
                              block_hash_hex(header.previous),
                              "previous block hash does not link to the block before it"};
    }
    if (header.time.value < 0 || header.time.value > time_ms_max) {
        return HeaderMismatch{header_check::time, "a time from 1970 to 9999",
                              std::to_string(header.time.value), "block time out of range"};
    }
    const TimeMs floor = previous ? previous->time : links.genesis.genesis_time;
    if (previous ? !(floor < header.time) : header.time < floor) {
        return HeaderMismatch{header_check::time,
                              std::string(previous ? "after " : "at or after ") + format_time(floor),
                              format_time(header.time),
                              previous ? "block time is not after the previous block's"
                                       : "block time is before the genesis time"};
    }
    if (header.validators_hash != links.validators_hash) {
        return HeaderMismatch{header_check::validators, crypto::hex(links.validators_hash),
                              crypto::hex(header.validators_hash),
                              "validator-set hash is not the set in force"};
    }
    if (links.validators.find_name(header.proposer) == nullptr) {
        return HeaderMismatch{header_check::proposer, "a validator of the set in force", header.proposer,
                              "proposer is not a validator"};
    }
    return std::nullopt;
}

Result<BlockEffects> apply_block(const StateView& state, const Block& block, const ApplyContext& context) {
    // One canonicalization per event gives its id, signed bytes and leaf data.
    std::vector<EventBytes> bytes;
    bytes.reserve(block.events.size());
    for (const auto& envelope : block.events)
        bytes.push_back(event_bytes(envelope));
    return apply_block(state, block, context, std::move(bytes));
}

Result<BlockEffects> apply_block(const StateView& state, const Block& block, const ApplyContext& context,
                                 std::vector<EventBytes> bytes) {
    return apply_block_with_map(state, block, context, std::move(bytes), std::nullopt);
}

namespace {

// The indexes an applied event joins (docs/FORMAT.md section 9). A read record enters no trail
// and no agency's events: the consultation log's own index. Governance events name no item: they
// are indexed under their agency only.
void index_event(BlockEffects& effects, const Event& event, const AppliedEvent& applied,
                 const EventEffects& checked) {
    if (event.kind == EventKind::read) {
        const ReadRecord& read = *event.read;
        effects.reads.push_back({.item = reads_item(read.action) ? read.subject : std::string(),
                                 .leaf_index = applied.leaf_index,
                                 .event = applied.id,
                                 .request = *checked.read_request});
        return;
    }
    if (!is_governance(event.kind))
        effects.item_events.push_back({event.item, applied.leaf_index, applied.id});
    if (event.kind == EventKind::register_item) effects.case_items.push_back({event.case_id, event.item});
    if (event.kind == EventKind::derive) {
        effects.item_events.push_back({*event.new_item, applied.leaf_index, applied.id});
        effects.case_items.push_back({event.case_id, *event.new_item});
    }
    effects.agency_events.push_back({event.agency, applied.leaf_index, applied.id});
}

// The log after the block's leaves, which must have the header's size and root.
Result<LogAppend> checked_log(const BlockHeader& header, const ApplyContext& context, std::uint64_t base,
                              std::span<const Hash32> leaves) {
    auto log = append_leaves(context.log_nodes, base, leaves);
    if (!log) return tl::unexpected(log.error());
    if (header.log_size != log->size) {
        return bad_block(
            header, ErrorCode::verification_failed,
            "log_size " + std::to_string(header.log_size) + ", expected " + std::to_string(log->size));
    }
    if (header.log_root != log->root) {
        return bad_block(header, ErrorCode::verification_failed,
                         "log_root " + crypto::hex(header.log_root) + ", expected " + crypto::hex(log->root));
    }
    return log;
}

// The state map after the block (the one build_block computed, when given), which must have the
// header's state root.
Result<crypto::SmtChanges> checked_state_map(const BlockHeader& header, const OverlayState& overlay,
                                             const ApplyContext& context,
                                             const std::optional<GovernanceHead>& governance,
                                             std::optional<crypto::SmtChanges> built_map) {
    auto map = built_map ? Result<crypto::SmtChanges>(std::move(*built_map))
                         : state_after(overlay, context, governance);
    if (!map) return bad_block(header, map.error().code, map.error().message);
    if (header.state_root != map->root) {
        return bad_block(
            header, ErrorCode::verification_failed,
            "state_root " + crypto::hex(header.state_root) + ", expected " + crypto::hex(map->root));
    }
    return map;
}

// The records the block's events changed, as the overlay holds them, and the set it adopted.
void take_state_effects(BlockEffects& effects, const OverlayState& overlay, const BlockHeader& header) {
    effects.items = overlay.touched_items();
    effects.officers = overlay.touched_officers();
    effects.admin_counts = overlay.touched_admin_counts();
    effects.proposals = overlay.touched_proposals();
    if (const auto& adopted = overlay.adopted()) {
        effects.adopted_validators =
            ValidatorSetRecord{.in_force_from = Height{header.height.value + validator_change_delay},
                               .adopted_in = header.height,
                               .adoptions = adopted->adoptions,
                               .set = *adopted->set};
    }
}

// apply_block, given (by build_block only) the state map's changes that the same events applied
// in the same order to the same state gave a moment ago: the map's update is then not computed a
// second time. Everything else is checked again as for any block.
Result<BlockEffects> apply_block_with_map(const StateView& state, const Block& block,
                                          const ApplyContext& context, std::vector<EventBytes> bytes,
                                          std::optional<crypto::SmtChanges> built_map) {
    CUSTOS_ASSERT(bytes.size() == block.events.size(), "one event_bytes() per block event");
    if (auto status = check_header(block, context); !status) return tl::unexpected(status.error());
    const BlockHeader& header = block.header;
    std::vector<EventId> ids;
    ids.reserve(block.events.size());
    for (const auto& event : bytes)
        ids.push_back(event.id);
    if (events_hash(ids) != header.events_hash) {
        return bad_block(header, ErrorCode::verification_failed,
                         "events_hash does not match the block's events");
    }
    const std::uint64_t base = context.previous ? context.previous->log_size : 0;
    OverlayState overlay(state);
    BlockEffects effects{.hash = block_hash(header), .height = header.height};
    effects.events.reserve(block.events.size());
    std::vector<Hash32> leaves;
    leaves.reserve(block.events.size());
    std::uint64_t total_bytes = 0;
    std::optional<GovernanceHead> governance;  // Set when the block holds a governance event.
    for (std::size_t i = 0; i < block.events.size(); ++i) {
        const Envelope& envelope = block.events[i];
        if (context.verify_signatures && !verify_envelope_signature(envelope, bytes[i])) {
            return bad_event(
                header, i, ids[i],
                RuleError{ErrorCode::verification_failed, rule::signature, "sig",
                          "the signature does not verify under signer " + key_id(envelope.signer)});
        }
        auto checked = check_event(overlay, envelope, ids[i], header.time, context.genesis);
        if (!checked) return bad_event(header, i, ids[i], checked.error());
        overlay.apply(*checked);
        AppliedEvent applied{.id = ids[i],
                             .leaf_index = base + i,
                             .leaf_hash = {},
                             .leaf_data = std::move(bytes[i].canonical_envelope),
                             .integrity_alert = checked->integrity_alert};
        applied.leaf_hash = crypto::merkle_leaf_hash(as_bytes(applied.leaf_data));
        total_bytes += applied.leaf_data.size();
        if (total_bytes > context.genesis.params.block_bytes_max) {
            return bad_block(
                header, ErrorCode::invalid_argument,
                "events exceed block_bytes_max " + std::to_string(context.genesis.params.block_bytes_max));
        }
        index_event(effects, envelope.event, applied, *checked);
        count_governance(governance, context, envelope.event, applied.id);
        leaves.push_back(applied.leaf_hash);
        effects.events.push_back(std::move(applied));
    }
    auto log = checked_log(header, context, base, leaves);
    if (!log) return tl::unexpected(log.error());
    auto map = checked_state_map(header, overlay, context, governance, std::move(built_map));
    if (!map) return tl::unexpected(map.error());
    effects.state_nodes = std::move(map->nodes);
    effects.state_root = map->root;
    effects.governance = governance.value_or(context.governance);
    take_state_effects(effects, overlay, header);
    effects.log_nodes = std::move(log->nodes);
    effects.log_size = log->size;
    effects.log_root = log->root;
    return effects;
}

// The header of the block a proposal makes, but for what its events decide (fill_roots).
BlockHeader proposed_header(const BlockProposal& proposal, const ApplyContext& context) {
    BlockHeader header;
    header.chain_id = context.genesis.chain_id;
    header.height = Height{context.previous ? context.previous->height.value + 1 : 1};
    header.time = proposal.time;
    header.previous = context.previous ? block_hash(*context.previous) : BlockHash{};
    header.validators_hash = context.validators.hash();
    header.proposer = proposal.proposer;
    return header;
}

// The header's events hash, log size and root and state root, from the events chosen and their
// effects; returns the state map's changes.
Result<crypto::SmtChanges> fill_roots(BlockHeader& header, const ApplyContext& context,
                                      const OverlayState& overlay, std::span<const EventBytes> included,
                                      std::span<const Hash32> leaves,
                                      const std::optional<GovernanceHead>& governance) {
    std::vector<EventId> ids;
    ids.reserve(included.size());
    for (const auto& event : included)
        ids.push_back(event.id);
    header.events_hash = events_hash(ids);
    auto log = append_leaves(context.log_nodes, context.previous ? context.previous->log_size : 0, leaves);
    if (!log) return tl::unexpected(log.error());
    header.log_size = log->size;
    header.log_root = log->root;
    auto map = state_after(overlay, context, governance);
    if (!map) return tl::unexpected(map.error());
    header.state_root = map->root;
    return map;
}

}  // namespace

Result<BuiltBlock> build_block(const StateView& state, const BlockProposal& proposal,
                               const ApplyContext& context) {
    BuiltBlock built;
    OverlayState overlay(state);
    std::vector<Hash32> leaves;
    std::vector<EventBytes> included;  // Of the block's events, for apply_block below.
    std::uint64_t bytes = 0;
    std::optional<GovernanceHead> governance;
    const ConsensusParams& params = context.genesis.params;
    const std::uint64_t bytes_max = proposal.bytes_max == 0
                                        ? params.block_bytes_max
                                        : std::min(proposal.bytes_max, params.block_bytes_max);
    // Once a candidate is deferred for want of room, every later one waits with it, in order: a
    // later candidate may depend on it (the next event on its item, an event its new officer
    // signs), and checked against a state without it, it would be dropped (and the pool drops
    // what build_block drops: an admitted event lost) or overtake it.
    bool full = false;
    for (const auto& envelope : proposal.candidates) {
        EventBytes event = event_bytes(envelope);
        const EventId id = event.id;
        if (full || built.block.events.size() >= params.block_events_max) {
            built.deferred.push_back(id);
            continue;
        }
        if (context.verify_signatures && !verify_envelope_signature(envelope, event)) {
            built.dropped.push_back({id, RuleError{ErrorCode::verification_failed, rule::signature, "sig",
                                                   "the signature does not verify"}});
            continue;
        }
        auto checked = check_event(overlay, envelope, id, proposal.time, context.genesis);
        if (!checked) {
            if (checked.error().rule == 0) return tl::unexpected(checked.error().to_error());
            built.dropped.push_back({id, checked.error()});
            continue;
        }
        if (bytes + event.canonical_envelope.size() > bytes_max) {
            built.deferred.push_back(id);
            full = true;
            continue;
        }
        bytes += event.canonical_envelope.size();
        overlay.apply(*checked);
        count_governance(governance, context, envelope.event, id);
        leaves.push_back(crypto::merkle_leaf_hash(as_bytes(event.canonical_envelope)));
        built.block.events.push_back(envelope);
        included.push_back(std::move(event));
    }
    built.block.header = proposed_header(proposal, context);
    auto map = fill_roots(built.block.header, context, overlay, included, leaves, governance);
    if (!map) return tl::unexpected(map.error());
    // The block is applied once more as every validator will apply it, which also checks the
    // header inputs (time, proposer) the caller gave; the state map's update, a function of the
    // same events applied to the same state, is the one just computed (each other validator
    // computes it for itself, and refuses the block if its root differs).
    ApplyContext verified_context{.genesis = context.genesis,
                                  .validators = context.validators,
                                  .log_nodes = context.log_nodes,
                                  .previous = context.previous,
                                  .verify_signatures = false,
                                  .state_nodes = context.state_nodes,
                                  .governance = context.governance,
                                  .test_without_state_map = context.test_without_state_map};
    auto effects =
        apply_block_with_map(state, built.block, verified_context, std::move(included), std::move(*map));
    if (!effects) return tl::unexpected(effects.error());
    built.effects = std::move(*effects);
    return built;
}

}  // namespace custos::ledger
