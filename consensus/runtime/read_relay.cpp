// Codecs and checks of the read relay (read_relay.hpp, docs/FORMAT.md 8.4).
#include "consensus/runtime/read_relay.hpp"

#include <cstdlib>

#include "common/assert.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/genesis.hpp"
#include "ledger/read_record.hpp"

namespace custos::runtime {
namespace {

using crypto::Json;

tl::unexpected<Error> invalid(std::string message) {
    return tl::unexpected(Error{ErrorCode::invalid_argument, std::move(message)});
}

std::string canonical_text(const Json& json) {
    auto text = crypto::canonicalize(json);
    CUSTOS_ASSERT(text.has_value(), "a read relay message is canonical JSON");
    return std::move(*text);
}

// The object of a relay message of `type` with exactly `members`.
Result<Json> parse_message(std::string_view payload, std::string_view type,
                           std::initializer_list<std::string_view> members) {
    auto parsed = crypto::parse_json(payload, {.bytes_max = read_relay_bytes_max});
    if (!parsed) return invalid("read relay: " + parsed.error().message);
    if (!parsed->is_object()) return invalid("read relay: not a JSON object");
    for (const auto& [key, value] : parsed->items()) {
        bool known = false;
        for (auto member : members)
            known = known || key == member;
        if (!known) return invalid("read relay " + key.substr(0, 32) + ": unknown member");
    }
    for (auto member : members) {
        if (member != "refused" && member != "id" && !parsed->contains(member))
            return invalid("read relay " + std::string(member) + ": missing");
    }
    if (parsed->at("type") != type) return invalid("read relay type: must be " + std::string(type));
    if (!parsed->at("ticket").is_number_unsigned())
        return invalid("read relay ticket: must be a whole number");
    return parsed;
}

}  // namespace

std::string encode_read_relay(const ReadRelayRequest& request) {
    return canonical_text(Json{{"type", read_relay_type},
                               {"ticket", request.ticket},
                               {"received", request.received.value},
                               {"read", ledger::read_record_to_json(request.read)}});
}

Result<ReadRelayRequest> decode_read_relay(std::string_view payload) {
    auto json = parse_message(payload, read_relay_type, {"type", "ticket", "received", "read"});
    if (!json) return tl::unexpected(json.error());
    const Json& received = json->at("received");
    if (!received.is_number_unsigned()) return invalid("read relay received: must be a time in ms");
    auto read = ledger::read_record_from_json(json->at("read"));
    if (!read) return invalid("read relay " + read.error().message);
    return ReadRelayRequest{.ticket = json->at("ticket").get<std::uint64_t>(),
                            .received = ledger::TimeMs{received.get<std::int64_t>()},
                            .read = std::move(*read)};
}

std::string encode_read_relay_answer(const ReadRelayAnswer& answer) {
    Json json{{"type", read_relay_answer_type}, {"ticket", answer.ticket}};
    if (answer.id) {
        json["id"] = ledger::event_id_hex(*answer.id);
    } else {
        // A long reason is cut on a UTF-8 boundary (the lead byte of a cut character goes too).
        std::string reason = answer.refused;
        if (reason.size() > read_relay_reason_bytes_max) {
            std::size_t end = read_relay_reason_bytes_max;
            while (end > 0 && (static_cast<unsigned char>(reason[end]) & 0xC0) == 0x80)
                --end;
            reason.resize(end);
        }
        json["refused"] = reason.empty() ? std::string("refused") : reason;
    }
    return canonical_text(json);
}

Result<ReadRelayAnswer> decode_read_relay_answer(std::string_view payload) {
    auto json = parse_message(payload, read_relay_answer_type, {"type", "ticket", "id", "refused"});
    if (!json) return tl::unexpected(json.error());
    ReadRelayAnswer answer{.ticket = json->at("ticket").get<std::uint64_t>()};
    const bool has_id = json->contains("id");
    if (has_id == json->contains("refused"))
        return invalid("read relay answer: exactly one of id and refused");
    if (has_id) {
        auto id = json->at("id").is_string() ? ledger::event_id_from_hex(json->at("id").get<std::string>())
                                             : make_error(ErrorCode::invalid_argument, "");
        if (!id) return invalid("read relay id: must be an event id (64 lowercase hex)");
        answer.id = *id;
        return answer;
    }
    const Json& refused = json->at("refused");
    if (!refused.is_string() || refused.get_ref<const std::string&>().empty() ||
        refused.get_ref<const std::string&>().size() > read_relay_reason_bytes_max) {
        return invalid("read relay refused: must be 1 to " + std::to_string(read_relay_reason_bytes_max) +
                       " bytes of text");
    }
    answer.refused = refused.get<std::string>();
    return answer;
}

Status check_relayed_read(const ReadRelayRequest& request, std::int64_t now_ms, std::int64_t skew_ms) {
    if (std::llabs(request.received.value - now_ms) > skew_ms) {
        return invalid("read relay received: the observer's receipt time is " +
                       std::to_string(request.received.value - now_ms) +
                       " ms from this validator's clock (at most " + std::to_string(skew_ms) +
                       " ms either way)");
    }
    const ledger::ReadRecord& read = request.read;
    if (!crypto::verify(read.officer, as_bytes(read.signature_base), read.signature)) {
        return invalid("R35 read.signature: the request signature does not verify under officer " +
                       ledger::key_id(read.officer));
    }
    return {};
}

}  // namespace custos::runtime
