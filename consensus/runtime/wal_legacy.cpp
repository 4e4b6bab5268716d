// The previous signing-state format (v1: the whole PersistentState, blocks included, in one
// file rewritten at every step). Read once to migrate to the log in wal.hpp.
#include "consensus/runtime/wal.hpp"

#include "consensus/runtime/json_unsigned.hpp"

#include <fstream>
#include <iterator>

#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/block.hpp"

namespace custos::runtime {
namespace {

using crypto::Json;
constexpr std::string_view magic = "custos.consensus_state.v1\n";

Json optional_round(const std::optional<ledger::Round>& round) {
    return round ? Json(round->value) : Json(nullptr);
}

Json optional_message(const std::optional<consensus::SignedMessage>& message) {
    return message ? Json(consensus::encode(*message)) : Json(nullptr);
}

Json optional_block(const std::optional<ledger::Block>& block) {
    return block ? ledger::block_to_json(*block) : Json(nullptr);
}

Result<std::optional<ledger::Round>> read_round(const Json& json) {
    if (json.is_null()) return std::optional<ledger::Round>{};
    if (!json.is_number_unsigned()) return make_error(ErrorCode::corruption, "consensus state: bad round");
    return std::optional<ledger::Round>{ledger::Round{json_unsigned<std::uint32_t>(json, "a round")}};
}

Result<std::optional<consensus::SignedMessage>> read_message(const Json& json) {
    if (json.is_null()) return std::optional<consensus::SignedMessage>{};
    if (!json.is_string()) return make_error(ErrorCode::corruption, "consensus state: bad message");
    auto message = consensus::decode(json.get_ref<const std::string&>());
    if (!message) return make_error(ErrorCode::corruption, "consensus state: " + message.error().message);
    return std::optional<consensus::SignedMessage>{std::move(*message)};
}

Result<std::optional<ledger::Block>> read_block(const Json& json) {
    if (json.is_null()) return std::optional<ledger::Block>{};
    auto block = ledger::block_from_json(json);
    if (!block) return make_error(ErrorCode::corruption, "consensus state: " + block.error().message);
    return std::optional<ledger::Block>{std::move(*block)};
}

}  // namespace

std::string encode_persistent_state(const consensus::PersistentState& state) {
    Json proof = Json::array();
    for (const auto& message : state.valid_proof)
        proof.push_back(consensus::encode(message));
    Json json = {{"height", state.height.value},
                 {"round", state.round.value},
                 {"locked_round", optional_round(state.locked_round)},
                 {"locked_block", optional_block(state.locked_block)},
                 {"valid_round", optional_round(state.valid_round)},
                 {"valid_block", optional_block(state.valid_block)},
                 {"valid_proof", proof},
                 {"last_proposal", optional_message(state.last_proposal)},
                 {"last_prevote", optional_message(state.last_prevote)},
                 {"last_precommit", optional_message(state.last_precommit)}};
    return json.dump();
}

Result<consensus::PersistentState> decode_persistent_state(std::string_view text) {
    auto parsed = crypto::parse_json(text, {.bytes_max = consensus_state_bytes_max});
    if (!parsed || !parsed->is_object())
        return make_error(ErrorCode::corruption, "consensus state: not a JSON object");
    const Json& json = *parsed;
    consensus::PersistentState state;
    try {
        state.height = ledger::Height{json_unsigned<std::uint64_t>(json.at("height"), "height")};
        state.round = ledger::Round{json_unsigned<std::uint32_t>(json.at("round"), "round")};
        auto locked_round = read_round(json.at("locked_round"));
        auto valid_round = read_round(json.at("valid_round"));
        auto locked_block = read_block(json.at("locked_block"));
        auto valid_block = read_block(json.at("valid_block"));
        auto last_proposal = read_message(json.at("last_proposal"));
        auto last_prevote = read_message(json.at("last_prevote"));
        auto last_precommit = read_message(json.at("last_precommit"));
        for (auto* failed : {&locked_round, &valid_round}) {
            if (!*failed) return tl::unexpected(failed->error());
        }
        for (auto* failed : {&locked_block, &valid_block}) {
            if (!*failed) return tl::unexpected(failed->error());
        }
        for (auto* failed : {&last_proposal, &last_prevote, &last_precommit}) {
            if (!*failed) return tl::unexpected(failed->error());
        }
        state.locked_round = *locked_round;
        state.valid_round = *valid_round;
        state.locked_block = std::move(*locked_block);
        state.valid_block = std::move(*valid_block);
        state.last_proposal = std::move(*last_proposal);
        state.last_prevote = std::move(*last_prevote);
        state.last_precommit = std::move(*last_precommit);
        for (const auto& entry : json.at("valid_proof")) {
            auto message = read_message(entry);
            if (!message || !*message)
                return make_error(ErrorCode::corruption, "consensus state: bad valid_proof");
            state.valid_proof.push_back(std::move(**message));
        }
    } catch (const std::exception& error) {
        return make_error(ErrorCode::corruption, std::string("consensus state: ") + error.what());
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
