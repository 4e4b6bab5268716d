// Block headers, block hashes, events hashes and block JSON (docs/FORMAT.md section 7).
#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/json_fields.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {

namespace {

using crypto::Json;

const FieldReader block_reader("block ");

}  // namespace

Json block_header_to_json(const BlockHeader& header) {
    return Json{{"type", block_type},
                {"chain_id", header.chain_id},
                {"height", header.height.value},
                {"time", format_time(header.time)},
                {"previous", detail::hex(header.previous.hash)},
                {"log_size", header.log_size},
                {"log_root", detail::hex(header.log_root)},
                {"validators_hash", detail::hex(header.validators_hash)},
                {"proposer", header.proposer},
                {"events_hash", detail::hex(header.events_hash)},
                {"state_root", detail::hex(header.state_root)}};
}

Result<BlockHeader> block_header_from_json(const Json& json) {
    if (auto status =
            block_reader.object(json, "header",
                                {"type", "chain_id", "height", "time", "previous", "log_size", "log_root",
                                 "validators_hash", "proposer", "events_hash", "state_root"});
        !status) {
        return tl::unexpected(status.error());
    }
    auto field = [&](std::string_view key) { return block_reader.required(json, key, "header"); };
    auto type = field("type");
    if (!type) return tl::unexpected(type.error());
    if (!(*type)->is_string() || (*type)->get_ref<const std::string&>() != block_type) {
        return block_reader.fail("header.type", "must be \"" + std::string(block_type) + "\"");
    }
    BlockHeader header;
    auto chain_id =
        field("chain_id").and_then([&](const Json* v) { return block_reader.id(*v, "header.chain_id", 64); });
    if (!chain_id) return tl::unexpected(chain_id.error());
    header.chain_id = *chain_id;
    auto height = field("height").and_then(
        [&](const Json* v) { return block_reader.unsigned_integer(*v, "header.height", height_max); });
    if (!height) return tl::unexpected(height.error());
    if (*height == 0) return block_reader.fail("header.height", "must be at least 1");
    header.height = Height{*height};
    auto time = field("time").and_then([&](const Json* v) { return block_reader.time(*v, "header.time"); });
    if (!time) return tl::unexpected(time.error());
    header.time = *time;
    auto log_size = field("log_size").and_then([&](const Json* v) {
        return block_reader.unsigned_integer(*v, "header.log_size", height_max);
    });
    if (!log_size) return tl::unexpected(log_size.error());
    header.log_size = *log_size;
    struct HashField {
        std::string_view key;
        Hash32* target;
    };
    for (const HashField& hash_field :
         {HashField{"previous", &header.previous.hash}, HashField{"log_root", &header.log_root},
          HashField{"validators_hash", &header.validators_hash},
          HashField{"events_hash", &header.events_hash}, HashField{"state_root", &header.state_root}}) {
        auto hash = field(hash_field.key).and_then([&](const Json* v) {
            return block_reader.hash(*v, "header." + std::string(hash_field.key));
        });
        if (!hash) return tl::unexpected(hash.error());
        *hash_field.target = *hash;
    }
    auto proposer = field("proposer").and_then([&](const Json* v) {
        return block_reader.id(*v, "header.proposer", 256);
    });
    if (!proposer) return tl::unexpected(proposer.error());
    header.proposer = *proposer;
    return header;
}

std::string canonical_block_header(const BlockHeader& header) {
    return detail::canonical_text(block_header_to_json(header));
}

BlockHash block_hash(const BlockHeader& header) {
    return BlockHash{crypto::sha256(canonical_block_header(header))};
}

std::string block_hash_hex(const BlockHash& hash) {
    return detail::hex(hash.hash);
}

Hash32 events_hash(std::span<const EventId> ids) {
    crypto::Sha256 hasher;
    for (const auto& id : ids)
        hasher.update(id.hash.view());
    return hasher.finish();
}

Hash32 events_hash(std::span<const Envelope> events) {
    crypto::Sha256 hasher;
    for (const auto& envelope : events)
        hasher.update(event_id(envelope.event).hash.view());
    return hasher.finish();
}

Json block_to_json(const Block& block) {
    Json events = Json::array();
    for (const auto& envelope : block.events)
        events.push_back(envelope_to_json(envelope));
    return Json{{"header", block_header_to_json(block.header)}, {"events", events}};
}

Result<Block> block_from_json(const Json& json) {
    if (auto status = block_reader.object(json, "", {"header", "events"}); !status)
        return tl::unexpected(status.error());
    Block block;
    auto header = block_reader.required(json, "header", "").and_then([](const Json* v) {
        return block_header_from_json(*v);
    });
    if (!header) return tl::unexpected(header.error());
    block.header = *header;
    // The count limit that matters is the genesis's block_events_max, checked by apply_block;
    // this one only bounds the work of parsing.
    auto events = block_reader.required(json, "events", "").and_then([](const Json* v) {
        return block_reader.array(*v, "events", 100000);
    });
    if (!events) return tl::unexpected(events.error());
    block.events.reserve((*events)->size());
    for (std::size_t i = 0; i < (*events)->size(); ++i) {
        auto envelope = envelope_from_json((**events)[i]);
        if (!envelope) {
            return make_error(envelope.error().code,
                              path_index("block events", i) + ": " + envelope.error().message);
        }
        block.events.push_back(std::move(*envelope));
    }
    return block;
}

Result<Block> parse_block(std::string_view text) {
    auto json = crypto::parse_json(text, crypto::JsonParseOptions{.bytes_max = block_json_bytes_max});
    if (!json) return make_error(ErrorCode::invalid_argument, "block: " + json.error().message);
    return block_from_json(*json);
}

namespace {

// {"events":[<canonical envelope>,...],"header":<header>}: the members in canonical order,
// byte-identical to canonicalizing block_to_json(block), without building a JSON tree.
template <typename EnvelopeText>
std::string write_canonical_block(const BlockHeader& header, std::size_t count,
                                  EnvelopeText&& envelope_text) {
    std::string header_text = canonical_block_header(header);
    std::string out;
    out.reserve(header_text.size() + 32 + count * 640);
    out += R"({"events":[)";
    for (std::size_t index = 0; index < count; ++index) {
        if (index != 0) out += ',';
        out += envelope_text(index);
    }
    out += R"(],"header":)";
    out += header_text;
    out += '}';
    return out;
}

}  // namespace

std::string canonical_block(const Block& block) {
    return write_canonical_block(block.header, block.events.size(), [&block](std::size_t index) {
        return canonical_envelope(block.events[index]);
    });
}

std::string canonical_block(const BlockHeader& header, const BlockEffects& effects) {
    return write_canonical_block(
        header, effects.events.size(),
        [&effects](std::size_t index) -> std::string_view { return effects.events[index].leaf_data; });
}

}  // namespace custos::ledger
