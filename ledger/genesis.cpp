// Genesis: parsing, validation, canonical form and hash (docs/FORMAT.md section 5).
#include "ledger/genesis.hpp"

#include <algorithm>
#include <set>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "crypto/signed_note.hpp"
#include "ledger/json_fields.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {

namespace {

using crypto::Json;

constexpr std::size_t roles_max = 4;
constexpr std::uint64_t timeout_ms_max = 3'600'000;
constexpr std::uint64_t block_events_limit = 100'000;
constexpr std::uint64_t block_bytes_limit = 32ULL * 1024 * 1024;

tl::unexpected<Error> invalid(const std::string& why) {
    return make_error(ErrorCode::invalid_argument, "genesis " + why);
}

bool is_country(std::string_view text) {
    if (text.size() < 2 || text.size() > 3) return false;
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool is_address(std::string_view text) {
    if (text.empty() || text.size() > address_bytes_max) return false;
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    std::string_view port = text.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port[0] == '0') return false;
    std::uint32_t value = 0;
    for (char c : port) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (value > 65535) return false;
    return std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

bool is_plain_text(std::string_view text, std::size_t bytes_max) {
    if (text.empty() || text.size() > bytes_max) return false;
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) return false;
    }
    return static_cast<bool>(crypto::canonicalize(Json(std::string(text))));
}

Status validate_agencies(const Genesis& genesis) {
    if (genesis.agencies.empty()) return invalid("agencies: at least one agency is needed");
    if (genesis.agencies.size() > genesis_agencies_max) return invalid("agencies: too many");
    for (std::size_t i = 0; i < genesis.agencies.size(); ++i) {
        const Agency& agency = genesis.agencies[i];
        std::string path = path_index("agencies", i);
        if (!is_valid_id(agency.id)) return invalid(path + ".id: must match [A-Za-z0-9._:-]{1,128}");
        if (!is_plain_text(agency.name, name_bytes_max))
            return invalid(path + ".name: empty, too long or control characters");
        if (!is_country(agency.country)) return invalid(path + ".country: must be 2 or 3 capital letters");
        if (i > 0 && !(genesis.agencies[i - 1].id < agency.id)) {
            return invalid(path + ".id: '" + agency.id + "' is a duplicate or out of order (sorted by id)");
        }
    }
    return {};
}

Status validate_officers(const Genesis& genesis) {
    if (genesis.officers.size() > genesis_officers_max) return invalid("officers: too many");
    for (std::size_t i = 0; i < genesis.officers.size(); ++i) {
        const Officer& officer = genesis.officers[i];
        std::string path = path_index("officers", i);
        if (genesis.find_agency(officer.agency) == nullptr) {
            return invalid(path + ".agency: unknown agency '" + officer.agency + "'");
        }
        if (officer.roles.empty() || officer.roles.size() > roles_max)
            return invalid(path + ".roles: must name 1 to 4 roles");
        for (std::size_t r = 1; r < officer.roles.size(); ++r) {
            if (!(officer.roles[r - 1] < officer.roles[r])) {
                return invalid(path +
                               ".roles: duplicate or out of order (custodian, prosecutor, auditor, admin)");
            }
        }
        if (!is_plain_text(officer.name, name_bytes_max))
            return invalid(path + ".name: empty, too long or control characters");
        if (i > 0 && !(genesis.officers[i - 1].key < officer.key)) {
            return invalid(path + ".key: " + key_id(officer.key) +
                           " is a duplicate or out of order (sorted by key)");
        }
    }
    return {};
}

Status validate_validators(const Genesis& genesis) {
    if (auto problem = validator_set_problem(genesis.validators, genesis)) return invalid(*problem);
    return {};
}

Status validate_params(const ConsensusParams& params) {
    struct Bound {
        std::string_view name;
        std::uint64_t value;
        std::uint64_t max;
    };
    const Bound bounds[] = {
        {"timeout_propose_ms", params.timeout_propose_ms, timeout_ms_max},
        {"timeout_propose_delta_ms", params.timeout_propose_delta_ms, timeout_ms_max},
        {"timeout_prevote_ms", params.timeout_prevote_ms, timeout_ms_max},
        {"timeout_prevote_delta_ms", params.timeout_prevote_delta_ms, timeout_ms_max},
        {"timeout_precommit_ms", params.timeout_precommit_ms, timeout_ms_max},
        {"timeout_precommit_delta_ms", params.timeout_precommit_delta_ms, timeout_ms_max},
        {"timeout_commit_ms", params.timeout_commit_ms, timeout_ms_max},
        {"block_events_max", params.block_events_max, block_events_limit},
        {"block_bytes_max", params.block_bytes_max, block_bytes_limit},
        {"clock_skew_max_ms", params.clock_skew_max_ms, timeout_ms_max},
        {"heartbeat_interval_ms", params.heartbeat_interval_ms, timeout_ms_max},
    };
    for (const auto& bound : bounds) {
        if (bound.value == 0 || bound.value > bound.max) {
            return invalid("params." + std::string(bound.name) + ": must be 1.." + std::to_string(bound.max));
        }
    }
    return {};
}

}  // namespace

std::string_view role_name(Role role) {
    switch (role) {
        case Role::custodian:
            return "custodian";
        case Role::prosecutor:
            return "prosecutor";
        case Role::auditor:
            return "auditor";
        case Role::admin:
            return "admin";
    }
    return "unknown";
}

std::optional<Role> role_from_name(std::string_view name) {
    for (Role role : {Role::custodian, Role::prosecutor, Role::auditor, Role::admin}) {
        if (role_name(role) == name) return role;
    }
    return std::nullopt;
}

bool Officer::has_role(Role role) const {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
}

const Agency* Genesis::find_agency(std::string_view id) const {
    auto found =
        std::lower_bound(agencies.begin(), agencies.end(), id,
                         [](const Agency& agency, std::string_view wanted) { return agency.id < wanted; });
    return found != agencies.end() && found->id == id ? &*found : nullptr;
}

const Officer* Genesis::find_officer(const crypto::PublicKey& key) const {
    auto found = std::lower_bound(
        officers.begin(), officers.end(), key,
        [](const Officer& officer, const crypto::PublicKey& wanted) { return officer.key < wanted; });
    return found != officers.end() && found->key == key ? &*found : nullptr;
}

bool is_valid_id(std::string_view text, std::size_t bytes_max) {
    if (text.empty() || text.size() > bytes_max) return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == ':' || c == '-';
    });
}

std::string key_id(const crypto::PublicKey& key) {
    return crypto::hex_encode(key.view());
}

std::optional<std::string> validator_set_problem(const ValidatorSet& set, const Genesis& genesis) {
    const auto& validators = set.validators;
    if (validators.empty()) return "validators: at least one validator is needed";
    if (validators.size() > genesis_validators_max) {
        return "validators: " + std::to_string(validators.size()) + " validators, over the limit of " +
               std::to_string(genesis_validators_max);
    }
    std::set<crypto::PublicKey> keys;
    for (std::size_t i = 0; i < validators.size(); ++i) {
        const Validator& validator = validators[i];
        std::string path = path_index("validators", i);
        if (!is_valid_id(validator.name, name_bytes_max) || !crypto::is_valid_note_key_name(validator.name)) {
            return path + ".name: must match [A-Za-z0-9._:-]{1,256}";
        }
        if (i > 0 && !(validators[i - 1].name < validator.name)) {
            return path + ".name: '" + validator.name + "' is a duplicate or out of order (sorted by name)";
        }
        if (genesis.find_agency(validator.agency) == nullptr) {
            return path + ".agency: unknown agency '" + validator.agency + "'";
        }
        if (!keys.insert(validator.key).second) return path + ".key: the same key as another validator";
        if (validator.power == 0 || validator.power > validator_power_max) {
            return path + ".power: must be 1.." + std::to_string(validator_power_max);
        }
        if (!is_address(validator.address)) return path + ".address: must be host:port";
    }
    return std::nullopt;
}

Status validate_genesis(const Genesis& genesis) {
    if (!is_valid_id(genesis.chain_id, chain_id_bytes_max)) {
        return invalid("chain_id: must match [A-Za-z0-9._:-]{1,64}");
    }
    if (genesis.genesis_time.value < 0 || genesis.genesis_time.value > time_ms_max) {
        return invalid("genesis_time: out of range");
    }
    if (auto status = validate_agencies(genesis); !status) return status;
    if (auto status = validate_officers(genesis); !status) return status;
    if (auto status = validate_validators(genesis); !status) return status;
    return validate_params(genesis.params);
}

}  // namespace custos::ledger
