// The genesis document: the chain id, member agencies, officer keys with their roles, the first
// validator set and the consensus parameters. Its SHA-256 (the genesis hash) is the one value a
// court must trust. Format: docs/FORMAT.md section 5.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

inline constexpr std::string_view genesis_type = "custos.genesis.v1";
inline constexpr std::size_t genesis_agencies_max = 256;
inline constexpr std::size_t genesis_officers_max = 100000;
inline constexpr std::size_t genesis_validators_max = 128;
inline constexpr std::size_t chain_id_bytes_max = 64;
inline constexpr std::size_t name_bytes_max = 256;
inline constexpr std::size_t address_bytes_max = 256;
// Voting power per validator; keeps every total far below 2^53 so it is an exact JSON number.
inline constexpr std::uint64_t validator_power_max = std::uint64_t{1} << 40;

enum class Role { custodian, prosecutor, auditor, admin };
[[nodiscard]] std::string_view role_name(Role role);
[[nodiscard]] std::optional<Role> role_from_name(std::string_view name);

struct Agency {
    std::string id;       // e.g. "NL-POL"
    std::string name;     // e.g. "Politie Nederland"
    std::string country;  // ISO 3166-1 alpha-2 ("NL") or a 2-3 letter code such as "EU", "INT"
};

struct Officer {
    crypto::PublicKey key;    // The officer's identity; its key id is the lowercase hex.
    std::string agency;       // Agency id.
    std::vector<Role> roles;  // Sorted by enum order, no duplicates, non-empty.
    std::string name;

    [[nodiscard]] bool has_role(Role role) const;
    friend bool operator==(const Officer&, const Officer&) = default;
};

struct ConsensusParams {
    std::uint64_t timeout_propose_ms = 3000;
    std::uint64_t timeout_propose_delta_ms = 500;
    std::uint64_t timeout_prevote_ms = 1000;
    std::uint64_t timeout_prevote_delta_ms = 500;
    std::uint64_t timeout_precommit_ms = 1000;
    std::uint64_t timeout_precommit_delta_ms = 500;
    std::uint64_t timeout_commit_ms = 1000;
    std::uint64_t block_events_max = 1000;
    std::uint64_t block_bytes_max = 8 * 1024 * 1024;
    std::uint64_t clock_skew_max_ms = 5000;
    // Quiet when idle: no block without events, except one at least this long after the block
    // before (a heartbeat, so a fresh checkpoint proves that nothing happened meanwhile).
    std::uint64_t heartbeat_interval_ms = 60'000;
};

// Arrays are kept in canonical order: agencies by id, officers by key bytes (= key id hex
// order), validators by name. validate_genesis() refuses any other order, so the genesis
// re-serialized from this struct is byte-identical to the canonical form of the file.
struct Genesis {
    std::string chain_id;
    TimeMs genesis_time;
    std::vector<Agency> agencies;
    std::vector<Officer> officers;
    ValidatorSet validators;
    ConsensusParams params;

    [[nodiscard]] const Agency* find_agency(std::string_view id) const;
    [[nodiscard]] const Officer* find_officer(const crypto::PublicKey& key) const;
};

// Id syntax shared by chain ids, agencies, items, cases: [A-Za-z0-9._:-]{1,bytes_max}.
[[nodiscard]] bool is_valid_id(std::string_view text, std::size_t bytes_max = 128);
// Key id = lowercase hex of the Ed25519 public key.
[[nodiscard]] std::string key_id(const crypto::PublicKey& key);

// Full validation: ids and names well-formed, unique agency ids, officer keys and validator
// names/keys, every agency referenced exists, roles sorted and unique, power in 1..max, params
// positive, arrays in canonical order.
[[nodiscard]] Status validate_genesis(const Genesis& genesis);

// The checks every validator set passes, the genesis set and each set validator governance
// adopts (R29): 1..genesis_validators_max validators sorted by unique name (a signed-note key
// name), unique keys, power 1..validator_power_max, the agency a member, the address host:port.
// nullopt when valid, else "validators[i].<field>: <reason>".
[[nodiscard]] std::optional<std::string> validator_set_problem(const ValidatorSet& set,
                                                               const Genesis& genesis);

// Refuses unknown fields (naming them), then validates.
[[nodiscard]] Result<Genesis> genesis_from_json(const crypto::Json& json);
[[nodiscard]] Result<Genesis> parse_genesis(std::string_view text);
[[nodiscard]] crypto::Json genesis_to_json(const Genesis& genesis);
// Canonical JSON text (RFC 8785) of the genesis.
[[nodiscard]] std::string canonical_genesis(const Genesis& genesis);
// SHA-256 of canonical_genesis(): the genesis hash.
[[nodiscard]] Hash32 genesis_hash(const Genesis& genesis);

// The validator set as canonical JSON (also used by ValidatorSet::hash()).
[[nodiscard]] crypto::Json validator_set_to_json(const ValidatorSet& set);

}  // namespace custos::ledger
