// Readers (and the two writers' shared values) of the runtime's own JSON files: the signing-state log's
// records (wal.cpp) and the v1 state file (wal_legacy.cpp). The ledger's FieldReader with
// ErrorCode::corruption: every value is checked before it is converted (a float, a negative number, one
// beyond the target type, a wrong type: found by fuzzing the signing-state loader, docs/FUZZING.md), nothing
// throws, and a refusal names the member.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "consensus/messages.hpp"
#include "crypto/canonical_json.hpp"
#include "ledger/json_fields.hpp"
#include "ledger/types.hpp"

namespace custos::runtime {

class StateFields {
public:
    using Json = crypto::Json;

    // `prefix` starts every refusal ("signing state: a log record's ").
    explicit StateFields(std::string prefix) : fields_(std::move(prefix), ErrorCode::corruption) {}

    [[nodiscard]] tl::unexpected<Error> fail(std::string_view path, std::string_view reason) const {
        return fields_.fail(path, reason);
    }
    [[nodiscard]] Result<const Json*> member(const Json& object, std::string_view key) const {
        if (!object.is_object()) return fields_.fail(key, "is not inside an object");
        return fields_.required(object, key, "");
    }
    [[nodiscard]] Result<std::uint64_t> whole(
        const Json& object, std::string_view key,
        std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) const {
        return member(object, key).and_then([&](const Json* value) {
            return fields_.unsigned_integer(*value, key, max);
        });
    }
    [[nodiscard]] Result<ledger::Round> round(const Json& object, std::string_view key) const {
        return whole(object, key, std::numeric_limits<std::uint32_t>::max()).map([](std::uint64_t value) {
            return ledger::Round{static_cast<std::uint32_t>(value)};
        });
    }
    // Null or a round.
    [[nodiscard]] Result<std::optional<ledger::Round>> optional_round(const Json& object,
                                                                      std::string_view key) const {
        auto found = member(object, key);
        if (!found) return tl::unexpected(found.error());
        if ((*found)->is_null()) return std::optional<ledger::Round>{};
        return round(object, key).map([](ledger::Round value) {
            return std::optional<ledger::Round>{value};
        });
    }
    [[nodiscard]] Result<Hash32> hash(const Json& object, std::string_view key) const {
        return member(object, key).and_then([&](const Json* value) { return fields_.hash(*value, key); });
    }
    // Null or a hash.
    [[nodiscard]] Result<std::optional<Hash32>> optional_hash(const Json& object,
                                                              std::string_view key) const {
        auto found = member(object, key);
        if (!found) return tl::unexpected(found.error());
        if ((*found)->is_null()) return std::optional<Hash32>{};
        return hash(object, key).map([](const Hash32& value) { return std::optional<Hash32>{value}; });
    }
    [[nodiscard]] Result<std::string> string(const Json& value, std::string_view path) const {
        return fields_.string(value, path, consensus::message_bytes_max);
    }
    enum class Kind { any_vote, proposal, prevote, precommit };
    // Null or a consensus message's wire text (consensus::decode) of the kind the member holds
    // (the node takes a last_precommit's body as a Vote, a last_proposal's as a Proposal).
    [[nodiscard]] Result<std::optional<consensus::SignedMessage>> optional_message(const Json& value,
                                                                                   std::string_view path,
                                                                                   Kind kind) const {
        if (value.is_null()) return std::optional<consensus::SignedMessage>{};
        auto text = string(value, path);
        if (!text) return tl::unexpected(text.error());
        auto message = consensus::decode(*text);
        if (!message) return fields_.fail(path, message.error().message);
        const auto* vote = std::get_if<consensus::Vote>(&message->body);
        const bool fits = kind == Kind::proposal ? std::holds_alternative<consensus::Proposal>(message->body)
                          : kind == Kind::any_vote ? vote != nullptr
                          : kind == Kind::prevote
                              ? vote != nullptr && vote->type == consensus::VoteType::prevote
                              : vote != nullptr && vote->type == consensus::VoteType::precommit;
        if (!fits) return fields_.fail(path, "holds another kind of message");
        return std::optional<consensus::SignedMessage>{std::move(*message)};
    }
    [[nodiscard]] Result<const Json*> array(const Json& object, std::string_view key) const {
        return member(object, key).and_then([&](const Json* value) {
            return fields_.array(*value, key, std::numeric_limits<std::size_t>::max());
        });
    }

    // The members every form of the signing state starts with: height, round, locked_round,
    // valid_round.
    [[nodiscard]] Status head(const Json& object, consensus::PersistentState& state) const {
        auto height = whole(object, "height");
        if (!height) return tl::unexpected(height.error());
        state.height = ledger::Height{*height};
        auto current = round(object, "round");
        if (!current) return tl::unexpected(current.error());
        state.round = *current;
        for (auto [key, target] :
             {std::pair{"locked_round", &state.locked_round}, std::pair{"valid_round", &state.valid_round}}) {
            auto value = optional_round(object, key);
            if (!value) return tl::unexpected(value.error());
            *target = *value;
        }
        return {};
    }

private:
    ledger::FieldReader fields_;
};

// The writers' side: an absent round or message is JSON null.
[[nodiscard]] inline crypto::Json round_or_null(const std::optional<ledger::Round>& round) {
    return round ? crypto::Json(round->value) : crypto::Json(nullptr);
}
[[nodiscard]] inline crypto::Json message_or_null(const std::optional<consensus::SignedMessage>& message) {
    return message ? crypto::Json(consensus::encode(*message)) : crypto::Json(nullptr);
}

}  // namespace custos::runtime
