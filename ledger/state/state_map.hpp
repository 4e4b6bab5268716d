// The certified state (docs/FORMAT.md section 7.5): what the ledger puts in the sparse Merkle map
// (crypto/smt.hpp) whose root every block header carries as `state_root`. One entry per item
// (its state, 6.4), per officer key (its record, 6.5, genesis officers included), per validator
// proposal (6.6), one for the latest adopted validator set and one for the governance head and
// count. The ledger decides what the keys and values mean; the map only hashes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/smt.hpp"
#include "ledger/genesis.hpp"
#include "ledger/state/officers.hpp"
#include "ledger/state/state.hpp"
#include "ledger/state/validators.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

inline constexpr std::string_view governance_state_type = "custos.state.governance.v1";
inline constexpr std::string_view validators_state_type = "custos.state.validators.v1";

// The last governance event (officer.*, validator.*) in log order and how many there are.
struct GovernanceHead {
    std::optional<EventId> head;
    std::uint64_t count = 0;
    friend bool operator==(const GovernanceHead&, const GovernanceHead&) = default;
};

[[nodiscard]] crypto::Json governance_head_to_json(const GovernanceHead& head);
[[nodiscard]] Result<GovernanceHead> governance_head_from_json(const crypto::Json& json);
[[nodiscard]] std::string canonical_governance_head(const GovernanceHead& head);
// {"adoptions": n, "latest": <validator set hash of the latest adopted set>, "type": ...}
[[nodiscard]] std::string canonical_validators_state(const ValidatorEpoch& epoch);

// Map keys: SHA-256(tag || 0x00 || id), tags "item", "officer", "proposal", "validators",
// "governance" (the last two with an empty id).
[[nodiscard]] Hash32 state_key(std::string_view tag, std::string_view id);
[[nodiscard]] Hash32 item_state_key(std::string_view item);
[[nodiscard]] Hash32 officer_state_key(const crypto::PublicKey& key);
[[nodiscard]] Hash32 proposal_state_key(const EventId& id);
[[nodiscard]] Hash32 validators_state_key();
[[nodiscard]] Hash32 governance_state_key();
// The map's value hash of a value's bytes: SHA-256 of them.
[[nodiscard]] Hash32 state_value_hash(std::string_view value);

// The map before the first block: every genesis officer, the genesis set (0 adoptions) and an
// empty governance head.
[[nodiscard]] std::vector<crypto::SmtUpdate> genesis_state_updates(const Genesis& genesis);

// What one block changes in the map.
struct StateChanges {
    std::vector<ItemState> items;
    std::vector<OfficerRecord> officers;
    std::vector<ValidatorProposal> proposals;
    std::optional<ValidatorEpoch> adopted;
    std::optional<GovernanceHead> governance;
};
[[nodiscard]] std::vector<crypto::SmtUpdate> state_updates(const StateChanges& changes);

// A map proof as JSON (docs/FORMAT.md 3.5): {"leaf": {"key","value_hash"} | null, "depth": n,
// "empty": "<hex bitmap of ceil(n / 8) bytes>", "siblings": [the non-empty ones, deepest first]}.
[[nodiscard]] crypto::Json smt_proof_to_json(const crypto::SmtProof& proof);
// Strict syntax: exactly those fields, depth 0..256, lowercase hex, a bitmap of at most 32 bytes,
// at most 256 siblings. Errors name `path`. The proof's form against its depth (bitmap length,
// padding, count, no listed empty hash) is checked by crypto::smt_proven_value.
[[nodiscard]] Result<crypto::SmtProof> smt_proof_from_json(const crypto::Json& json, std::string_view path);

}  // namespace custos::ledger
