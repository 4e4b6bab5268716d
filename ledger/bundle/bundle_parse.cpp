// Check 0 of the bundle verifier: the bundle's structure (docs/FORMAT.md section 11.1-11.3).
// Values whose meaning later checks judge (the genesis, the envelopes) are only located here.
#include <algorithm>
#include <map>

#include "ledger/blocks/block.hpp"
#include "ledger/bundle/bundle_internal.hpp"
#include "ledger/json_fields.hpp"
#include "ledger/state/state_map.hpp"

namespace custos::ledger::bundle_detail {
namespace {

using crypto::Json;

const FieldReader fields{""};

Result<std::vector<Hash32>> read_proof(const Json& object, std::string_view key, const std::string& path) {
    auto value = fields.required(object, key, path);
    if (!value) return tl::unexpected(value.error());
    const std::string proof_path = path_join(path, key);
    auto array = fields.array(**value, proof_path, proof_hashes_max);
    if (!array) return tl::unexpected(array.error());
    std::vector<Hash32> proof;
    proof.reserve((*array)->size());
    for (std::size_t i = 0; i < (*array)->size(); ++i) {
        auto hash = fields.hash((**array)[i], path_index(proof_path, i));
        if (!hash) return tl::unexpected(hash.error());
        proof.push_back(*hash);
    }
    return proof;
}

Result<BlockHeader> read_header(const Json& value, const std::string& path) {
    auto header = block_header_from_json(value);
    if (!header) return fields.fail(path, header.error().message);
    return header;
}

Result<CheckpointEntry> read_checkpoint(const Json& value, const std::string& path) {
    if (auto ok = fields.object(value, path,
                                {"height", "header", "previous_header", "certificate", "consistency_proof"});
        !ok)
        return tl::unexpected(ok.error());
    CheckpointEntry entry;
    entry.path = path;
    auto height = fields.required(value, "height", path).and_then([&](const Json* json) {
        return fields.unsigned_integer(*json, path_join(path, "height"), height_max);
    });
    if (!height) return tl::unexpected(height.error());
    if (*height == 0) return fields.fail(path_join(path, "height"), "must be at least 1");
    entry.height = Height{*height};
    auto header_json = fields.required(value, "header", path);
    if (!header_json) return tl::unexpected(header_json.error());
    auto header = read_header(**header_json, path_join(path, "header"));
    if (!header) return tl::unexpected(header.error());
    entry.header = *header;
    auto previous_json = fields.required(value, "previous_header", path);
    if (!previous_json) return tl::unexpected(previous_json.error());
    if (!(*previous_json)->is_null()) {
        auto previous = read_header(**previous_json, path_join(path, "previous_header"));
        if (!previous) return tl::unexpected(previous.error());
        entry.previous = *previous;
    }
    if ((entry.height.value == 1) != !entry.previous) {
        return fields.fail(path_join(path, "previous_header"), "must be null at height 1 and only there");
    }
    auto note = fields.required(value, "certificate", path);
    if (!note) return tl::unexpected(note.error());
    if (!(*note)->is_string() || (*note)->get_ref<const std::string&>().size() > crypto::note_bytes_max)
        return fields.fail(path_join(path, "certificate"), "must be a signed note text of at most 1 MiB");
    entry.certificate.note = (*note)->get<std::string>();
    auto proof = read_proof(value, "consistency_proof", path);
    if (!proof) return tl::unexpected(proof.error());
    entry.consistency_proof = std::move(*proof);
    return entry;
}

Result<Record> read_record(const Json& value, const std::string& path, bool governance) {
    if (auto ok = fields.object(value, path, {"leaf_index", "height", "envelope", "inclusion_proof"}); !ok)
        return tl::unexpected(ok.error());
    Record record;
    record.path = path;
    record.in_governance_list = governance;
    auto leaf = fields.required(value, "leaf_index", path).and_then([&](const Json* json) {
        return fields.unsigned_integer(*json, path_join(path, "leaf_index"), height_max);
    });
    if (!leaf) return tl::unexpected(leaf.error());
    record.leaf_index = *leaf;
    auto height = fields.required(value, "height", path).and_then([&](const Json* json) {
        return fields.unsigned_integer(*json, path_join(path, "height"), height_max);
    });
    if (!height) return tl::unexpected(height.error());
    record.height = Height{*height};
    auto envelope = fields.required(value, "envelope", path);
    if (!envelope) return tl::unexpected(envelope.error());
    if (!(*envelope)->is_object()) return fields.fail(path_join(path, "envelope"), "must be an object");
    record.envelope_json = *envelope;
    auto proof = read_proof(value, "inclusion_proof", path);
    if (!proof) return tl::unexpected(proof.error());
    record.inclusion_proof = std::move(*proof);
    return record;
}

Result<std::vector<Record>> read_records(const Json& bundle, std::string_view key, std::size_t max,
                                         bool governance) {
    auto value = fields.required(bundle, key, "");
    if (!value) return tl::unexpected(value.error());
    auto array = fields.array(**value, key, max);
    if (!array) return tl::unexpected(array.error());
    std::vector<Record> records;
    records.reserve((*array)->size());
    for (std::size_t i = 0; i < (*array)->size(); ++i) {
        auto record = read_record((**array)[i], path_index(key, i), governance);
        if (!record) return tl::unexpected(record.error());
        records.push_back(std::move(*record));
    }
    return records;
}

Result<std::vector<std::string>> read_items(const Json& bundle) {
    auto value = fields.required(bundle, "items", "");
    if (!value) return tl::unexpected(value.error());
    auto array = fields.array(**value, "items", bundle_items_max);
    if (!array) return tl::unexpected(array.error());
    std::vector<std::string> items;
    for (std::size_t i = 0; i < (*array)->size(); ++i) {
        auto id = fields.id((**array)[i], path_index("items", i), id_bytes_max);
        if (!id) return tl::unexpected(id.error());
        if (!items.empty() && !(items.back() < *id))
            return fields.fail(path_index("items", i), "items must be sorted and unique");
        items.push_back(*id);
    }
    return items;
}

Status read_checkpoints(const Json& bundle, ParsedBundle& parsed) {
    auto value = fields.required(bundle, "checkpoints", "");
    if (!value) return tl::unexpected(value.error());
    auto array = fields.array(**value, "checkpoints", bundle_checkpoints_max);
    if (!array) return tl::unexpected(array.error());
    if ((*array)->empty()) return fields.fail("checkpoints", "must hold at least the anchor");
    for (std::size_t i = 0; i < (*array)->size(); ++i) {
        auto entry = read_checkpoint((**array)[i], path_index("checkpoints", i));
        if (!entry) return tl::unexpected(entry.error());
        if (!parsed.checkpoints.empty() && !(parsed.checkpoints.back().height < entry->height))
            return fields.fail(path_index("checkpoints", i) + ".height", "heights must strictly increase");
        parsed.checkpoints.push_back(std::move(*entry));
    }
    return {};
}

// Points each record at its height's entry; a record whose height has none is malformed.
Status link_records(std::vector<Record>& records, const std::vector<CheckpointEntry>& checkpoints) {
    for (auto& record : records) {
        auto found = std::lower_bound(
            checkpoints.begin(), checkpoints.end(), record.height,
            [](const CheckpointEntry& entry, const Height& height) { return entry.height < height; });
        if (found == checkpoints.end() || found->height != record.height) {
            return fields.fail(record.path + ".height",
                               "no checkpoint entry for height " + std::to_string(record.height.value));
        }
        record.checkpoint = &*found;
    }
    return {};
}

Result<StateEntry> read_state_entry(const Json& value, const std::string& path, std::string_view id_key) {
    if (id_key.empty()) {
        if (auto ok = fields.object(value, path, {"value", "proof"}); !ok) return tl::unexpected(ok.error());
    } else if (auto ok = fields.object(value, path, {id_key, "value", "proof"}); !ok) {
        return tl::unexpected(ok.error());
    }
    StateEntry entry;
    entry.path = path;
    if (!id_key.empty()) {
        auto id = fields.required(value, id_key, path);
        if (!id) return tl::unexpected(id.error());
        if (id_key == "key") {
            auto key = fields.key(**id, path_join(path, id_key));
            if (!key) return tl::unexpected(key.error());
            entry.id = key_id(*key);
        } else {
            auto item = fields.id(**id, path_join(path, id_key), id_bytes_max);
            if (!item) return tl::unexpected(item.error());
            entry.id = *item;
        }
    }
    auto state_value = fields.required(value, "value", path);
    if (!state_value) return tl::unexpected(state_value.error());
    if (!(*state_value)->is_object() && !(*state_value)->is_null())
        return fields.fail(path_join(path, "value"),
                           "must be an object, or null for a key the map does not hold");
    entry.value = *state_value;
    auto proof = fields.required(value, "proof", path).and_then([&](const Json* json) {
        return smt_proof_from_json(*json, path_join(path, "proof"));
    });
    if (!proof) return tl::unexpected(proof.error());
    entry.proof = std::move(*proof);
    return entry;
}

Status read_state(const Json& bundle, ParsedBundle& parsed) {
    auto state = fields.required(bundle, "state", "");
    if (!state) return tl::unexpected(state.error());
    if (auto ok = fields.object(**state, "state", {"items", "officers", "governance"}); !ok) return ok;
    auto items = fields.required(**state, "items", "state").and_then([](const Json* json) {
        return fields.array(*json, "state.items", bundle_items_max);
    });
    if (!items) return tl::unexpected(items.error());
    if ((*items)->size() != parsed.items.size())
        return fields.fail("state.items", "must hold one entry per item of items, in the same order");
    for (std::size_t i = 0; i < (*items)->size(); ++i) {
        auto entry = read_state_entry((**items)[i], path_index("state.items", i), "item");
        if (!entry) return tl::unexpected(entry.error());
        if (entry->id != parsed.items[i])
            return fields.fail(path_index("state.items", i) + ".item", "must be " + parsed.items[i]);
        parsed.item_states.push_back(std::move(*entry));
    }
    auto officers = fields.required(**state, "officers", "state").and_then([](const Json* json) {
        return fields.array(*json, "state.officers", bundle_events_max + bundle_governance_max);
    });
    if (!officers) return tl::unexpected(officers.error());
    for (std::size_t i = 0; i < (*officers)->size(); ++i) {
        auto entry = read_state_entry((**officers)[i], path_index("state.officers", i), "key");
        if (!entry) return tl::unexpected(entry.error());
        if (!parsed.officer_states.empty() && !(parsed.officer_states.back().id < entry->id))
            return fields.fail(path_index("state.officers", i) + ".key", "keys must be sorted and unique");
        parsed.officer_states.push_back(std::move(*entry));
    }
    auto governance = fields.required(**state, "governance", "state").and_then([](const Json* json) {
        return read_state_entry(*json, "state.governance", "");
    });
    if (!governance) return tl::unexpected(governance.error());
    parsed.governance_state = std::move(*governance);
    return {};
}

}  // namespace

Result<ParsedBundle> parse_bundle(const Json& bundle) {
    if (auto ok = fields.object(
            bundle, "bundle",
            {"type", "item", "items", "genesis", "checkpoints", "governance", "events", "state", "exported"});
        !ok)
        return tl::unexpected(ok.error());
    ParsedBundle parsed;
    auto type = fields.required(bundle, "type", "");
    if (!type) return tl::unexpected(type.error());
    if (**type != bundle_type)
        return fields.fail("type",
                           "must be \"" + std::string(bundle_type) + "\" (this verifier reads that version)");
    auto item = fields.required(bundle, "item", "").and_then([](const Json* json) {
        return fields.id(*json, "item", id_bytes_max);
    });
    if (!item) return tl::unexpected(item.error());
    parsed.item = *item;
    auto items = read_items(bundle);
    if (!items) return tl::unexpected(items.error());
    parsed.items = std::move(*items);
    auto genesis = fields.required(bundle, "genesis", "");
    if (!genesis) return tl::unexpected(genesis.error());
    if (!(*genesis)->is_object()) return fields.fail("genesis", "must be an object");
    parsed.genesis_json = *genesis;
    if (auto ok = read_checkpoints(bundle, parsed); !ok) return tl::unexpected(ok.error());
    auto governance = read_records(bundle, "governance", bundle_governance_max, true);
    if (!governance) return tl::unexpected(governance.error());
    parsed.governance = std::move(*governance);
    auto events = read_records(bundle, "events", bundle_events_max, false);
    if (!events) return tl::unexpected(events.error());
    parsed.events = std::move(*events);
    if (auto ok = read_state(bundle, parsed); !ok) return tl::unexpected(ok.error());
    if (auto ok = link_records(parsed.governance, parsed.checkpoints); !ok) return tl::unexpected(ok.error());
    if (auto ok = link_records(parsed.events, parsed.checkpoints); !ok) return tl::unexpected(ok.error());
    return parsed;
}

}  // namespace custos::ledger::bundle_detail
