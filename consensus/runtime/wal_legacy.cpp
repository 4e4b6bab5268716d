// The previous signing-state format (v1: the whole PersistentState, blocks included, in one
// file rewritten at every step). Read once to migrate to the log in wal.hpp.
#include "consensus/runtime/wal.hpp"

#include "consensus/runtime/state_fields.hpp"

#include <fstream>
#include <iterator>
#include <tuple>

#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/blocks/block.hpp"

namespace custos::runtime {
namespace {

using crypto::Json;
constexpr std::string_view magic = "custos.consensus_state.v1\n";

Json optional_block(const std::optional<ledger::Block>& block) {
    return block ? ledger::block_to_json(*block) : Json(nullptr);
}

const StateFields state_fields{"consensus state: "};

// Null or a block, into `target` (no optional block is built and returned: GCC 12 at -O1 with
// the sanitizers warned that such a temporary might be destroyed uninitialized).
Status read_block(const Json& json, std::string_view key, std::optional<ledger::Block>& target) {
    auto found = state_fields.member(json, key);
    if (!found) return tl::unexpected(found.error());
    target.reset();
    if ((*found)->is_null()) return {};
    auto block = ledger::block_from_json(**found);
    if (!block) return state_fields.fail(key, block.error().message);
    target.emplace(std::move(*block));
    return {};
}

Result<std::optional<consensus::SignedMessage>> read_message(const Json& json, std::string_view key,
                                                             StateFields::Kind kind) {
    return state_fields.member(json, key).and_then(
        [&](const Json* value) { return state_fields.optional_message(*value, key, kind); });
}

}  // namespace

std::string encode_persistent_state(const consensus::PersistentState& state) {
    Json proof = Json::array();
    for (const auto& message : state.valid_proof)
        proof.push_back(consensus::encode(message));
    Json json = {{"height", state.height.value},
                 {"round", state.round.value},
                 {"locked_round", round_or_null(state.locked_round)},
                 {"locked_block", optional_block(state.locked_block)},
                 {"valid_round", round_or_null(state.valid_round)},
                 {"valid_block", optional_block(state.valid_block)},
                 {"valid_proof", proof},
                 {"last_proposal", message_or_null(state.last_proposal)},
                 {"last_prevote", message_or_null(state.last_prevote)},
                 {"last_precommit", message_or_null(state.last_precommit)}};
    return json.dump();
}

Result<consensus::PersistentState> decode_persistent_state(std::string_view text) {
    auto parsed = crypto::parse_json(text, {.bytes_max = consensus_state_bytes_max});
    if (!parsed || !parsed->is_object())
        return make_error(ErrorCode::corruption, "consensus state: not a JSON object");
    const Json& json = *parsed;
    consensus::PersistentState state;
    const auto& fields = state_fields;
    if (auto head = fields.head(json, state); !head) return tl::unexpected(head.error());
    for (auto [key, target] :
         {std::pair{"locked_block", &state.locked_block}, std::pair{"valid_block", &state.valid_block}}) {
        if (auto block = read_block(json, key, *target); !block) return tl::unexpected(block.error());
    }
    using Kind = StateFields::Kind;
    for (auto [key, target, kind] : {std::tuple{"last_proposal", &state.last_proposal, Kind::proposal},
                                     std::tuple{"last_prevote", &state.last_prevote, Kind::prevote},
                                     std::tuple{"last_precommit", &state.last_precommit, Kind::precommit}}) {
        auto message = read_message(json, key, kind);
        if (!message) return tl::unexpected(message.error());
        *target = std::move(*message);
    }
    auto proof = fields.array(json, "valid_proof");
    if (!proof) return tl::unexpected(proof.error());
    for (std::size_t index = 0; index < (*proof)->size(); ++index) {
        auto message = fields.optional_message((**proof)[index], ledger::path_index("valid_proof", index),
                                               Kind::any_vote);
        if (!message || !*message)
            return make_error(ErrorCode::corruption, "consensus state: bad valid_proof");
        state.valid_proof.push_back(std::move(**message));
    }
    return state;
}

Result<std::optional<consensus::PersistentState>> load_legacy_state(const std::filesystem::path& file) {
    std::error_code error;
    if (!std::filesystem::exists(file, error)) return std::optional<consensus::PersistentState>{};
    std::ifstream in(file, std::ios::binary);
    if (!in) return make_error(ErrorCode::io_error, "cannot read " + file.string());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    constexpr std::size_t hash_hex = 64;
    if (text.size() < magic.size() + hash_hex + 1 || text.compare(0, magic.size(), magic) != 0 ||
        text[magic.size() + hash_hex] != '\n') {
        return make_error(ErrorCode::corruption, file.string() + ": not a consensus state file");
    }
    std::string_view state_text = std::string_view(text).substr(magic.size() + hash_hex + 1);
    if (crypto::hex_encode(crypto::sha256(state_text).view()) != text.substr(magic.size(), hash_hex)) {
        return make_error(ErrorCode::corruption, file.string() + ": checksum mismatch");
    }
    auto state = decode_persistent_state(state_text);
    if (!state) return tl::unexpected(state.error());
    return std::optional<consensus::PersistentState>{std::move(*state)};
}

}  // namespace custos::runtime
