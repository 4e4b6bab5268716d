// Blocks: a header (ledger/types.hpp BlockHeader) and the signed event envelopes in log order.
// Format: docs/FORMAT.md section 7.
//
// apply_block() is pure and deterministic: from a state view, the log's Merkle nodes and the
// previous header it either refuses the block (naming the event and rule) or returns every
// effect the store must write in one batch. build_block() is the proposer's side: it picks the
// candidate events that pass the rules and fills in the header.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/merkle.hpp"
#include "crypto/smt.hpp"
#include "ledger/events/event.hpp"
#include "ledger/genesis.hpp"
#include "ledger/rules/rules.hpp"
#include "ledger/state/state.hpp"
#include "ledger/state/state_map.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

inline constexpr std::string_view block_type = "custos.block.v2";
// Heights and log sizes stay exact JSON numbers.
inline constexpr std::uint64_t height_max = std::uint64_t{1} << 53;
// Largest block JSON text parse_block() reads (genesis caps block_bytes_max at 32 MiB of
// canonical envelopes; the header and array syntax add little).
inline constexpr std::size_t block_json_bytes_max = 64 * 1024 * 1024;

// A block's envelopes, shared between copies of the block: a block passes through the consensus
// core's locks, its persisted state, validation and the decision, and a copy of 1,000 envelopes
// at each step was measurable. Reading never copies. Writing goes through the few mutators below
// (or mutable_events()), which first give this list its own vector if another block shares it,
// so a copy never sees a later change to the block it was copied from. Not for concurrent use of
// one object; distinct objects sharing a vector may live on different threads.
class BlockEvents {
public:
    using value_type = Envelope;
    using const_iterator = std::vector<Envelope>::const_iterator;
    using iterator = const_iterator;  // Reading only; see mutable_events().

    BlockEvents() = default;
    BlockEvents(std::vector<Envelope> events)  // NOLINT(google-explicit-constructor): a vector is a list.
        : events_(events.empty() ? nullptr : std::make_shared<std::vector<Envelope>>(std::move(events))) {}
    BlockEvents(std::initializer_list<Envelope> events) : BlockEvents(std::vector<Envelope>(events)) {}

    [[nodiscard]] std::size_t size() const { return events_ ? events_->size() : 0; }
    [[nodiscard]] bool empty() const { return size() == 0; }
    [[nodiscard]] const_iterator begin() const { return view().begin(); }
    [[nodiscard]] const_iterator end() const { return view().end(); }
    [[nodiscard]] const Envelope* data() const { return view().data(); }
    [[nodiscard]] const Envelope& operator[](std::size_t i) const { return view()[i]; }
    [[nodiscard]] const Envelope& front() const { return view().front(); }
    [[nodiscard]] const Envelope& back() const { return view().back(); }
    [[nodiscard]] const std::vector<Envelope>& view() const { return events_ ? *events_ : empty_list(); }
    operator std::span<const Envelope>() const { return view(); }  // NOLINT(google-explicit-constructor)

    void push_back(Envelope envelope) { mutable_events().push_back(std::move(envelope)); }
    void reserve(std::size_t count) { mutable_events().reserve(count); }
    void clear() { events_.reset(); }
    // This list's own vector (copied first if another block shares it). The reference is valid
    // until the list is next assigned or copied into.
    std::vector<Envelope>& mutable_events() {
        if (!events_) {
            events_ = std::make_shared<std::vector<Envelope>>();
        } else if (events_.use_count() > 1) {
            events_ = std::make_shared<std::vector<Envelope>>(*events_);
        }
        return *events_;
    }

    friend bool operator==(const BlockEvents& a, const BlockEvents& b) {
        return a.events_ == b.events_ || a.view() == b.view();
    }

private:
    static const std::vector<Envelope>& empty_list() {
        static const std::vector<Envelope> none;
        return none;
    }
    std::shared_ptr<std::vector<Envelope>> events_;  // Null when empty.
};

struct Block {
    BlockHeader header;
    BlockEvents events;
    friend bool operator==(const Block&, const Block&) = default;
};

// Header JSON: {"type":"custos.block.v2","chain_id",...} (FORMAT.md section 7).
[[nodiscard]] crypto::Json block_header_to_json(const BlockHeader& header);
[[nodiscard]] Result<BlockHeader> block_header_from_json(const crypto::Json& json);
[[nodiscard]] std::string canonical_block_header(const BlockHeader& header);
// SHA-256 of canonical_block_header().
[[nodiscard]] BlockHash block_hash(const BlockHeader& header);
[[nodiscard]] std::string block_hash_hex(const BlockHash& hash);

// SHA-256 of the concatenated 32-byte event ids, in block order (SHA-256("") when empty).
[[nodiscard]] Hash32 events_hash(std::span<const EventId> ids);
[[nodiscard]] Hash32 events_hash(std::span<const Envelope> events);

// Block JSON: {"header": <header JSON>, "events": [<envelope>...]}.
[[nodiscard]] crypto::Json block_to_json(const Block& block);
[[nodiscard]] Result<Block> block_from_json(const crypto::Json& json);
[[nodiscard]] Result<Block> parse_block(std::string_view text);
[[nodiscard]] std::string canonical_block(const Block& block);

struct AppliedEvent {
    EventId id;
    std::uint64_t leaf_index = 0;  // Position in the global log.
    Hash32 leaf_hash;              // merkle_leaf_hash(canonical envelope)
    std::string leaf_data;         // canonical envelope, as stored and proven
    bool integrity_alert = false;
};

struct ItemEventEntry {  // item -> event index entry (a derive adds one for each item; none
                         // for governance events, which name no item)
    std::string item;
    std::uint64_t leaf_index = 0;
    EventId event;
};
struct CaseItemEntry {  // case -> item, for items created in this block
    std::string case_id;
    std::string item;
};
struct AgencyEventEntry {  // acting agency -> event
    std::string agency;
    std::uint64_t leaf_index = 0;
    EventId event;
};

struct ReadEntry {     // a read record: the consultation log's index (meta "read/", "read_request/")
    std::string item;  // The item read (empty for a case or search read).
    std::uint64_t leaf_index = 0;
    EventId event;
    Hash32 request;  // read_request_hash(): the signed request it records.
};

// Everything a block changes, for the store's single WriteBatch.
struct BlockEffects {
    BlockHash hash;
    Height height;
    std::vector<AppliedEvent> events;         // in log order
    std::vector<ItemState> items;             // final state of each touched item, by item id
    std::vector<ItemEventEntry> item_events;  // in log order
    std::vector<CaseItemEntry> case_items;
    std::vector<AgencyEventEntry> agency_events;  // every event, governance included, reads not
    std::vector<ReadEntry> reads;                 // the read records, in log order
    std::vector<OfficerRecord> officers;          // final record of each key governance changed, by key
    std::vector<AdminCount> admin_counts;         // admin keys in force of the agencies concerned
    std::vector<ValidatorProposal> proposals;     // final record of each proposal made or approved, by id
    // The latest adopted set after the block when one of its events adopted a proposal (in
    // force from height + 2).
    std::optional<ValidatorSetRecord> adopted_validators;
    std::vector<std::pair<crypto::NodeKey, Hash32>> log_nodes;  // new complete Merkle subtrees
    std::uint64_t log_size = 0;
    Hash32 log_root;
    // The state map after the block (docs/FORMAT.md 7.5): its nodes written and removed, its
    // root (the header's state_root) and the governance head it holds.
    std::vector<crypto::SmtNodeChange> state_nodes;
    Hash32 state_root;
    GovernanceHead governance;
};

// canonical_block() of a block apply_block() accepted, from the canonical envelopes it returned
// (`effects.events[i].leaf_data`) instead of serializing every event again; byte-identical to
// canonical_block(block) when `effects` are apply_block's for that block (its header commits to
// the envelopes through log_root).
[[nodiscard]] std::string canonical_block(const BlockHeader& header, const BlockEffects& effects);

// The names of the checks a block header can fail against the ledger before it, shared by
// apply_block() and the audit replay (whose violations name them in `rule`).
namespace header_check {
inline constexpr std::string_view height = "block.height";
inline constexpr std::string_view chain_id = "block.chain_id";
inline constexpr std::string_view previous = "block.previous";
inline constexpr std::string_view time = "block.time";
inline constexpr std::string_view validators = "block.validators_hash";
inline constexpr std::string_view proposer = "block.proposer";
}  // namespace header_check

// What a header must agree with: the genesis, the block before it and the validator set in force.
struct HeaderLinks {
    const Genesis& genesis;
    const BlockHeader* previous = nullptr;  // nullptr for height 1.
    BlockHash previous_hash;                // block_hash(*previous); all zeros for height 1.
    const ValidatorSet& validators;         // The set in force at the header's height.
    Hash32 validators_hash;                 // validators.hash(), which the caller may keep.
};

// The first header check that fails: its name, what the ledger expected, what the header holds,
// and why in words (without the height).
struct HeaderMismatch {
    std::string_view check;
    std::string expected;
    std::string found;
    std::string message;
};

// Height (the previous one's plus one, or 1), chain id, previous block hash, time (in range,
// strictly after the previous block's; at height 1 not before the genesis time),
// validators_hash and the proposer's place in the set, in that order: nullopt when all hold.
[[nodiscard]] std::optional<HeaderMismatch> check_header_links(const BlockHeader& header,
                                                               const HeaderLinks& links);

struct ApplyContext {
    const Genesis& genesis;
    const ValidatorSet& validators;         // The set in force at this height.
    const crypto::NodeStore& log_nodes;     // The log's Merkle nodes before the block.
    const BlockHeader* previous = nullptr;  // nullptr for height 1.
    bool verify_signatures = true;          // false only if every envelope was already checked.
    // The state map's nodes and governance head before the block (never null in use).
    const crypto::SmtNodeStore* state_nodes = nullptr;
    GovernanceHead governance;
    // TEST ONLY, for benchmarks that measure what the state map costs (the same load with and
    // without it, side by side): no map is kept and every header's state_root must be 32 zero
    // bytes. Set only by a store opened with StoreOpenOptions::test_without_state_map, which a
    // node takes only from config "test_without_state_map", refused outside tests (config.hpp).
    // A block of such a network is refused by every other ledger (its state_root is wrong).
    bool test_without_state_map = false;
};

// Checks the header against the previous block, the genesis and the set (chain id, height,
// previous hash, time strictly after the previous block's (at height 1: not before genesis
// time), validators_hash, proposer in the set, events_hash, limits), then every event (R1..R32
// with ledger time = header time, each against the state left by the events before it), then
// log_size, log_root and state_root. Error messages name the height, the event index and id, and the rule.
[[nodiscard]] Result<BlockEffects> apply_block(const StateView& state, const Block& block,
                                               const ApplyContext& context);
// The same, for a caller that already has event_bytes() of each of the block's events, in order
// (a node's signature check computes them): they are used, not computed again.
[[nodiscard]] Result<BlockEffects> apply_block(const StateView& state, const Block& block,
                                               const ApplyContext& context, std::vector<EventBytes> bytes);

struct BlockProposal {
    std::vector<Envelope> candidates;  // In the order the proposer wants them.
    TimeMs time;
    std::string proposer;  // Validator name.
    // A tighter cap than the genesis block_bytes_max on the events' canonical bytes, for a
    // proposer whose transport cannot carry a block that large (0: the genesis limit alone).
    std::uint64_t bytes_max = 0;
};

struct DroppedEvent {
    EventId id;
    RuleError error;
};

struct BuiltBlock {
    Block block;
    BlockEffects effects;
    std::vector<DroppedEvent> dropped;  // Candidates that failed a rule, left out.
    // The first valid candidate that did not fit and every candidate after it (left unchecked:
    // they follow one that waits), in order; try them next block.
    std::vector<EventId> deferred;
};

// Builds the next block from the candidates that pass (at most block_events_max and
// block_bytes_max); fails only if the state cannot be read or the header inputs are bad.
[[nodiscard]] Result<BuiltBlock> build_block(const StateView& state, const BlockProposal& proposal,
                                             const ApplyContext& context);

}  // namespace custos::ledger
