// An in-memory ledger: state, the global log (MemoryNodeStore Merkle tree) and the blocks with
// their certificates. For tests and the deterministic simulator; the RocksDB store offers the
// same operations durably.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "crypto/merkle.hpp"
#include "crypto/smt.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/genesis.hpp"
#include "ledger/state/state.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

class MemoryLedger {
public:
    explicit MemoryLedger(Genesis genesis);

    MemoryLedger(const MemoryLedger&) = delete;
    MemoryLedger& operator=(const MemoryLedger&) = delete;

    [[nodiscard]] const Genesis& genesis() const { return genesis_; }
    // The set in force at the next height (the genesis set until governance changes it).
    [[nodiscard]] const ValidatorSet& validators() const { return *history_.at(Height{height().value + 1}); }
    // The set in force at `height` (1 <= height <= height() + 2).
    [[nodiscard]] const ValidatorSet& validators_at(Height height) const { return *history_.at(height); }
    [[nodiscard]] Height height() const;  // 0 before the first block.
    [[nodiscard]] const BlockHeader* last_header() const;
    [[nodiscard]] const std::vector<Block>& blocks() const { return blocks_; }
    [[nodiscard]] const MemoryState& state() const { return state_; }
    [[nodiscard]] const crypto::MemoryNodeStore& log_nodes() const { return nodes_; }
    // The state map (docs/FORMAT.md 7.5) after the last block, and the governance head in it.
    [[nodiscard]] const crypto::MemorySmtNodeStore& state_nodes() const { return state_nodes_; }
    [[nodiscard]] const GovernanceHead& governance() const { return governance_; }
    [[nodiscard]] Hash32 state_root() const;
    [[nodiscard]] std::uint64_t log_size() const;
    [[nodiscard]] Hash32 log_root() const;

    // Admission check against the current state at `now`.
    [[nodiscard]] RuleResult<EventEffects> admit(const Envelope& envelope, TimeMs now) const;
    // The next block from these candidates (does not apply it).
    [[nodiscard]] Result<BuiltBlock> build(const BlockProposal& proposal) const;
    // Validates and applies the next block; on error nothing changes.
    [[nodiscard]] Result<BlockEffects> apply(const Block& block);
    // build() then apply(): convenience for tests.
    [[nodiscard]] Result<BuiltBlock> propose_and_apply(const BlockProposal& proposal);

    // Global log position of an event, and an item's events in order.
    [[nodiscard]] std::optional<std::uint64_t> event_index(const EventId& id) const;
    [[nodiscard]] std::vector<EventId> item_trail(std::string_view item) const;
    [[nodiscard]] const std::vector<std::string>& leaves() const { return leaf_data_; }

private:
    [[nodiscard]] ApplyContext context() const;

    Genesis genesis_;
    MemoryState state_;
    ValidatorHistory history_;
    crypto::MemoryNodeStore nodes_;
    crypto::MemorySmtNodeStore state_nodes_;
    GovernanceHead governance_;
    std::vector<Block> blocks_;
    std::vector<std::string> leaf_data_;
    std::map<EventId, std::uint64_t> event_index_;
    std::map<std::string, std::vector<EventId>, std::less<>> trails_;
};

}  // namespace custos::ledger
