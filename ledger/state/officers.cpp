// Officer records (what governance changes), their stored JSON, and the officer table behind
// every StateView implementation.
#include "ledger/state/officers.hpp"

#include "common/assert.hpp"
#include "ledger/events/event.hpp"
#include "ledger/json_fields.hpp"

namespace custos::ledger {

namespace {

using crypto::Json;

// A stored record that does not parse means the store contradicts itself.
const FieldReader officer_reader("officer record ", ErrorCode::corruption);

Result<std::optional<EventId>> optional_id(const Json& json, std::string_view key) {
    const Json* value = officer_reader.optional(json, key);
    if (value == nullptr) return std::optional<EventId>();
    auto hash = officer_reader.hash(*value, key);
    if (!hash) return tl::unexpected(hash.error());
    return std::optional<EventId>(EventId{*hash});
}

bool in_force_admin(const OfficerRecord& record) {
    return !record.revoked() && record.officer.has_role(Role::admin);
}

}  // namespace

namespace detail {

Result<std::vector<Role>> roles_from_json(const FieldReader& fields, const Json& json,
                                          const std::string& path) {
    auto array = fields.array(json, path, 4);
    if (!array) return tl::unexpected(array.error());
    if (json.empty()) return fields.fail(path, "must name at least one role");
    std::vector<Role> roles;
    for (std::size_t i = 0; i < json.size(); ++i) {
        const Json& item = json[i];
        auto role = item.is_string() ? role_from_name(item.get_ref<const std::string&>()) : std::nullopt;
        if (!role) return fields.fail(path_index(path, i), "must be custodian, prosecutor, auditor or admin");
        if (!roles.empty() && !(roles.back() < *role)) {
            return fields.fail(path_index(path, i),
                               "duplicate or out of order (custodian, prosecutor, auditor, admin)");
        }
        roles.push_back(*role);
    }
    return roles;
}

Json roles_to_json(const std::vector<Role>& roles) {
    Json json = Json::array();
    for (Role role : roles)
        json.push_back(std::string(role_name(role)));
    return json;
}

}  // namespace detail

Json officer_record_to_json(const OfficerRecord& record) {
    Json json{{"key", key_id(record.officer.key)},
              {"agency", record.officer.agency},
              {"roles", detail::roles_to_json(record.officer.roles)},
              {"name", record.officer.name}};
    if (record.added_by) json["added_by"] = event_id_hex(*record.added_by);
    if (record.revoked_by) json["revoked_by"] = event_id_hex(*record.revoked_by);
    return json;
}

Result<OfficerRecord> officer_record_from_json(const Json& json) {
    if (auto status =
            officer_reader.object(json, "", {"key", "agency", "roles", "name", "added_by", "revoked_by"});
        !status) {
        return tl::unexpected(status.error());
    }
    OfficerRecord record;
    auto key = officer_reader.required(json, "key", "").and_then([](const Json* v) {
        return officer_reader.key(*v, "key");
    });
    if (!key) return tl::unexpected(key.error());
    record.officer.key = *key;
    auto agency = officer_reader.required(json, "agency", "").and_then([](const Json* v) {
        return officer_reader.id(*v, "agency");
    });
    if (!agency) return tl::unexpected(agency.error());
    record.officer.agency = *agency;
    auto roles = officer_reader.required(json, "roles", "").and_then([](const Json* v) {
        return detail::roles_from_json(officer_reader, *v, "roles");
    });
    if (!roles) return tl::unexpected(roles.error());
    record.officer.roles = *roles;
    auto name = officer_reader.required(json, "name", "").and_then([](const Json* v) {
        return officer_reader.text(*v, "name", name_bytes_max);
    });
    if (!name) return tl::unexpected(name.error());
    record.officer.name = *name;
    auto added = optional_id(json, "added_by");
    if (!added) return tl::unexpected(added.error());
    record.added_by = *added;
    auto revoked = optional_id(json, "revoked_by");
    if (!revoked) return tl::unexpected(revoked.error());
    record.revoked_by = *revoked;
    return record;
}

std::string canonical_officer_record(const OfficerRecord& record) {
    return detail::canonical_text(officer_record_to_json(record));
}

std::optional<Officer> officer_in_force(const std::optional<OfficerRecord>& record) {
    if (!record || record->revoked()) return std::nullopt;
    return record->officer;
}

OfficerTable::OfficerTable(const Genesis& genesis) {
    for (const Officer& officer : genesis.officers)
        records_.emplace(officer.key, OfficerRecord{officer, std::nullopt, std::nullopt});
    // Every agency gets a count, so a seeded table answers for all of them.
    for (const Agency& agency : genesis.agencies)
        admins_.emplace(agency.id, 0);
    recount_admins();
}

const OfficerRecord* OfficerTable::find(const crypto::PublicKey& key) const {
    auto found = records_.find(key);
    return found == records_.end() ? nullptr : &found->second;
}

std::optional<std::uint64_t> OfficerTable::admin_keys(std::string_view agency) const {
    auto found = admins_.find(agency);
    if (found == admins_.end()) return std::nullopt;
    return found->second;
}

void OfficerTable::put(const OfficerRecord& record) {
    records_.insert_or_assign(record.officer.key, record);
}

void OfficerTable::put(const AdminCount& count) {
    admins_.insert_or_assign(count.agency, count.count);
}

void OfficerTable::recount_admins() {
    for (auto& [agency, count] : admins_)
        count = 0;
    for (const auto& [key, record] : records_) {
        if (in_force_admin(record)) admins_[record.officer.agency] += 1;
    }
}

}  // namespace custos::ledger
