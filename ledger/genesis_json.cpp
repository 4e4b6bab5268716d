// Genesis JSON: the strict reader (unknown fields named and refused) and the canonical writer.
#include <algorithm>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/genesis.hpp"
#include "ledger/json_fields.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {

namespace {

using crypto::Json;

const FieldReader genesis_reader("genesis ");

Result<Agency> agency_from_json(const Json& json, const std::string& path) {
    if (auto status = genesis_reader.object(json, path, {"id", "name", "country"}); !status)
        return tl::unexpected(status.error());
    Agency agency;
    auto id = genesis_reader.required(json, "id", path).and_then([&](const Json* v) {
        return genesis_reader.id(*v, path_join(path, "id"));
    });
    if (!id) return tl::unexpected(id.error());
    auto name = genesis_reader.required(json, "name", path).and_then([&](const Json* v) {
        return genesis_reader.text(*v, path_join(path, "name"), name_bytes_max);
    });
    if (!name) return tl::unexpected(name.error());
    auto country = genesis_reader.required(json, "country", path).and_then([&](const Json* v) {
        return genesis_reader.text(*v, path_join(path, "country"), 3);
    });
    if (!country) return tl::unexpected(country.error());
    return Agency{*id, *name, *country};
}

Result<Officer> officer_from_json(const Json& json, const std::string& path) {
    if (auto status = genesis_reader.object(json, path, {"key", "agency", "roles", "name"}); !status) {
        return tl::unexpected(status.error());
    }
    Officer officer;
    auto key = genesis_reader.required(json, "key", path).and_then([&](const Json* v) {
        return genesis_reader.key(*v, path_join(path, "key"));
    });
    if (!key) return tl::unexpected(key.error());
    officer.key = *key;
    auto agency = genesis_reader.required(json, "agency", path).and_then([&](const Json* v) {
        return genesis_reader.id(*v, path_join(path, "agency"));
    });
    if (!agency) return tl::unexpected(agency.error());
    officer.agency = *agency;
    auto name = genesis_reader.required(json, "name", path).and_then([&](const Json* v) {
        return genesis_reader.text(*v, path_join(path, "name"), name_bytes_max);
    });
    if (!name) return tl::unexpected(name.error());
    officer.name = *name;
    std::string roles_path = path_join(path, "roles");
    auto roles = genesis_reader.required(json, "roles", path).and_then([&](const Json* v) {
        return genesis_reader.array(*v, roles_path, 4);
    });
    if (!roles) return tl::unexpected(roles.error());
    for (std::size_t i = 0; i < (*roles)->size(); ++i) {
        const Json& role_json = (**roles)[i];
        auto role =
            role_json.is_string() ? role_from_name(role_json.get_ref<const std::string&>()) : std::nullopt;
        if (!role)
            return genesis_reader.fail(path_index(roles_path, i),
                                       "must be custodian, prosecutor, auditor or admin");
        officer.roles.push_back(*role);
    }
    return officer;
}

struct ParamField {
    std::string_view name;
    std::uint64_t ConsensusParams::*member;
};

constexpr ParamField param_fields[] = {
    {"timeout_propose_ms", &ConsensusParams::timeout_propose_ms},
    {"timeout_propose_delta_ms", &ConsensusParams::timeout_propose_delta_ms},
    {"timeout_prevote_ms", &ConsensusParams::timeout_prevote_ms},
    {"timeout_prevote_delta_ms", &ConsensusParams::timeout_prevote_delta_ms},
    {"timeout_precommit_ms", &ConsensusParams::timeout_precommit_ms},
    {"timeout_precommit_delta_ms", &ConsensusParams::timeout_precommit_delta_ms},
    {"timeout_commit_ms", &ConsensusParams::timeout_commit_ms},
    {"block_events_max", &ConsensusParams::block_events_max},
    {"block_bytes_max", &ConsensusParams::block_bytes_max},
    {"clock_skew_max_ms", &ConsensusParams::clock_skew_max_ms},
    {"heartbeat_interval_ms", &ConsensusParams::heartbeat_interval_ms},
};

Result<ConsensusParams> params_from_json(const Json& json) {
    if (!json.is_object()) return genesis_reader.fail("params", "must be an object");
    for (const auto& member : json.items()) {
        const std::string& key = member.key();
        bool known = std::any_of(std::begin(param_fields), std::end(param_fields),
                                 [&](const ParamField& field) { return field.name == key; });
        if (!known) return genesis_reader.fail(path_join("params", key.substr(0, 64)), "unknown field");
    }
    ConsensusParams params;
    for (const auto& field : param_fields) {
        std::string path = path_join("params", field.name);
        auto value = genesis_reader.required(json, field.name, "params").and_then([&](const Json* v) {
            return genesis_reader.unsigned_integer(*v, path, UINT64_C(1) << 53);
        });
        if (!value) return tl::unexpected(value.error());
        params.*field.member = *value;
    }
    return params;
}

template <typename T, typename Parse>
Result<std::vector<T>> list_from_json(const Json& json, std::string_view key, std::size_t items_max,
                                      Parse parse) {
    auto array = genesis_reader.required(json, key, "").and_then([&](const Json* v) {
        return genesis_reader.array(*v, key, items_max);
    });
    if (!array) return tl::unexpected(array.error());
    std::vector<T> items;
    items.reserve((*array)->size());
    for (std::size_t i = 0; i < (*array)->size(); ++i) {
        auto item = parse((**array)[i], path_index(key, i));
        if (!item) return tl::unexpected(item.error());
        items.push_back(std::move(*item));
    }
    return items;
}

}  // namespace

namespace detail {

Result<Validator> validator_from_json(const FieldReader& fields, const Json& json, const std::string& path) {
    if (auto status = fields.object(json, path, {"name", "agency", "key", "power", "address"}); !status) {
        return tl::unexpected(status.error());
    }
    Validator validator;
    auto name = fields.required(json, "name", path).and_then([&](const Json* v) {
        return fields.id(*v, path_join(path, "name"), name_bytes_max);
    });
    if (!name) return tl::unexpected(name.error());
    validator.name = *name;
    auto agency = fields.required(json, "agency", path).and_then([&](const Json* v) {
        return fields.id(*v, path_join(path, "agency"));
    });
    if (!agency) return tl::unexpected(agency.error());
    validator.agency = *agency;
    auto key = fields.required(json, "key", path).and_then([&](const Json* v) {
        return fields.key(*v, path_join(path, "key"));
    });
    if (!key) return tl::unexpected(key.error());
    validator.key = *key;
    auto power = fields.required(json, "power", path).and_then([&](const Json* v) {
        return fields.unsigned_integer(*v, path_join(path, "power"), validator_power_max);
    });
    if (!power) return tl::unexpected(power.error());
    validator.power = *power;
    auto address = fields.required(json, "address", path).and_then([&](const Json* v) {
        return fields.text(*v, path_join(path, "address"), address_bytes_max);
    });
    if (!address) return tl::unexpected(address.error());
    validator.address = *address;
    return validator;
}

Json validator_to_json(const Validator& validator) {
    return Json{{"name", validator.name},
                {"agency", validator.agency},
                {"key", key_id(validator.key)},
                {"power", validator.power},
                {"address", validator.address}};
}

}  // namespace detail

Result<Genesis> genesis_from_json(const Json& json) {
    if (auto status = genesis_reader.object(
            json, "", {"type", "chain_id", "genesis_time", "agencies", "officers", "validators", "params"});
        !status) {
        return tl::unexpected(status.error());
    }
    auto type = genesis_reader.required(json, "type", "");
    if (!type) return tl::unexpected(type.error());
    if (!(*type)->is_string() || (*type)->get_ref<const std::string&>() != genesis_type)
        return genesis_reader.fail("type", "must be \"" + std::string(genesis_type) + "\"");
    Genesis genesis;
    auto chain_id = genesis_reader.required(json, "chain_id", "").and_then([&](const Json* v) {
        return genesis_reader.id(*v, "chain_id", chain_id_bytes_max);
    });
    if (!chain_id) return tl::unexpected(chain_id.error());
    genesis.chain_id = *chain_id;
    auto time = genesis_reader.required(json, "genesis_time", "").and_then([&](const Json* v) {
        return genesis_reader.time(*v, "genesis_time");
    });
    if (!time) return tl::unexpected(time.error());
    genesis.genesis_time = *time;
    auto agencies = list_from_json<Agency>(json, "agencies", genesis_agencies_max, agency_from_json);
    if (!agencies) return tl::unexpected(agencies.error());
    genesis.agencies = std::move(*agencies);
    auto officers = list_from_json<Officer>(json, "officers", genesis_officers_max, officer_from_json);
    if (!officers) return tl::unexpected(officers.error());
    genesis.officers = std::move(*officers);
    auto validators = list_from_json<Validator>(
        json, "validators", genesis_validators_max, [](const Json& v, const std::string& path) {
            return detail::validator_from_json(genesis_reader, v, path);
        });
    if (!validators) return tl::unexpected(validators.error());
    genesis.validators.validators = std::move(*validators);
    auto params =
        genesis_reader.required(json, "params", "").and_then([&](const Json* v) -> Result<ConsensusParams> {
            return params_from_json(*v);
        });
    if (!params) return tl::unexpected(params.error());
    genesis.params = *params;
    if (auto status = validate_genesis(genesis); !status) return tl::unexpected(status.error());
    return genesis;
}

Result<Genesis> parse_genesis(std::string_view text) {
    auto json = crypto::parse_json(text);
    if (!json) return make_error(ErrorCode::invalid_argument, "genesis: " + json.error().message);
    return genesis_from_json(*json);
}

Json genesis_to_json(const Genesis& genesis) {
    Json agencies = Json::array();
    for (const auto& agency : genesis.agencies) {
        agencies.push_back(Json{{"id", agency.id}, {"name", agency.name}, {"country", agency.country}});
    }
    Json officers = Json::array();
    for (const auto& officer : genesis.officers) {
        Json roles = Json::array();
        for (Role role : officer.roles)
            roles.push_back(std::string(role_name(role)));
        officers.push_back(Json{{"key", key_id(officer.key)},
                                {"agency", officer.agency},
                                {"roles", roles},
                                {"name", officer.name}});
    }
    Json params = Json::object();
    for (const auto& field : param_fields)
        params[std::string(field.name)] = genesis.params.*field.member;
    return Json{{"type", genesis_type},
                {"chain_id", genesis.chain_id},
                {"genesis_time", format_time(genesis.genesis_time)},
                {"agencies", agencies},
                {"officers", officers},
                {"validators", validator_set_to_json(genesis.validators)["validators"]},
                {"params", params}};
}

std::string canonical_genesis(const Genesis& genesis) {
    return detail::canonical_text(genesis_to_json(genesis));
}

Hash32 genesis_hash(const Genesis& genesis) {
    return crypto::sha256(canonical_genesis(genesis));
}

Json validator_set_to_json(const ValidatorSet& set) {
    Json validators = Json::array();
    for (const auto& validator : set.validators)
        validators.push_back(detail::validator_to_json(validator));
    return Json{{"type", "custos.validators.v1"}, {"validators", validators}};
}

}  // namespace custos::ledger
