// Codecs and checks of the read relay (read_relay.hpp, docs/FORMAT.md 8.4).
#include "consensus/runtime/read_relay.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <limits>

#include "common/assert.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/events/read_record.hpp"
#include "ledger/genesis.hpp"
#include "ledger/json_fields.hpp"

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

const ledger::FieldReader fields{"read relay "};

bool equal_ignoring_case(std::string_view left, std::string_view right) {
    return left.size() == right.size() &&
           std::equal(left.begin(), left.end(), right.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
           });
}

// A relay message of `type`: the strict parse, only `members` (each required unless listed in
// `optional`), the type, and its ticket.
struct Message {
    Json json;
    std::uint64_t ticket = 0;
};

Result<Message> parse_message(std::string_view payload, std::string_view type,
                              std::initializer_list<std::string_view> members,
                              std::initializer_list<std::string_view> optional = {}) {
    auto parsed = crypto::parse_json(payload, {.bytes_max = read_relay_bytes_max});
    if (!parsed) return invalid("read relay: " + parsed.error().message);
    if (auto status = fields.object(*parsed, "", members); !status) return tl::unexpected(status.error());
    for (auto member : members) {
        if (std::find(optional.begin(), optional.end(), member) != optional.end()) continue;
        if (auto present = fields.required(*parsed, member, ""); !present)
            return tl::unexpected(present.error());
    }
    auto named = fields.string(parsed->at("type"), "type", 64);
    if (!named) return tl::unexpected(named.error());
    if (*named != type) return fields.fail("type", "must be " + std::string(type));
    auto ticket =
        fields.unsigned_integer(parsed->at("ticket"), "ticket", std::numeric_limits<std::uint64_t>::max());
    if (!ticket) return tl::unexpected(ticket.error());
    return Message{std::move(*parsed), *ticket};
}

}  // namespace

std::string encode_read_relay(const ReadRelayRequest& request) {
    return canonical_text(Json{{"type", read_relay_type},
                               {"ticket", request.ticket},
                               {"received", request.received.value},
                               {"read", ledger::read_record_to_json(request.read)}});
}

Result<ReadRelayRequest> decode_read_relay(std::string_view payload) {
    auto message = parse_message(payload, read_relay_type, {"type", "ticket", "received", "read"});
    if (!message) return tl::unexpected(message.error());
    auto received =
        fields.unsigned_integer(message->json.at("received"), "received",
                                static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
    if (!received) return tl::unexpected(received.error());
    auto read = ledger::read_record_from_json(message->json.at("read"));
    if (!read) return invalid("read relay " + read.error().message);
    return ReadRelayRequest{.ticket = message->ticket,
                            .received = ledger::TimeMs{static_cast<std::int64_t>(*received)},
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
    auto message = parse_message(payload, read_relay_answer_type, {"type", "ticket", "id", "refused"},
                                 {"id", "refused"});
    if (!message) return tl::unexpected(message.error());
    ReadRelayAnswer answer{.ticket = message->ticket};
    const Json* id = fields.optional(message->json, "id");
    const Json* refused = fields.optional(message->json, "refused");
    if ((id == nullptr) == (refused == nullptr))
        return invalid("read relay answer: exactly one of id and refused");
    if (id != nullptr) {
        auto text = fields.string(*id, "id", 64);
        auto event = text ? ledger::event_id_from_hex(*text) : tl::unexpected(text.error());
        if (!event) return fields.fail("id", "must be an event id (64 lowercase hex)");
        answer.id = *event;
        return answer;
    }
    auto reason = fields.string(*refused, "refused", read_relay_reason_bytes_max);
    if (!reason || reason->empty()) {
        return fields.fail("refused",
                           "must be 1 to " + std::to_string(read_relay_reason_bytes_max) + " bytes of text");
    }
    answer.refused = std::move(*reason);
    return answer;
}

Status check_relayed_read(const ReadRelayRequest& request, const RelayedReadCheck& check) {
    if (std::llabs(request.received.value - check.now_ms) > check.skew_ms) {
        return invalid("read relay received: the observer's receipt time is " +
                       std::to_string(request.received.value - check.now_ms) +
                       " ms from this validator's clock (at most " + std::to_string(check.skew_ms) +
                       " ms either way)");
    }
    const ledger::ReadRecord& read = request.read;
    auto base = ledger::parse_signature_base(read.signature_base);
    if (!base) return invalid("R36 read.signature_base: " + base.error().message);
    auto authority = ledger::authority_of_uri(base->target_uri);
    if (!authority) {
        return invalid("read relay read.signature_base: the signed @target-uri '" + base->target_uri +
                       "' has no http(s) authority");
    }
    const bool named =
        std::any_of(check.observer_names.begin(), check.observer_names.end(),
                    [&](const std::string& name) { return equal_ignoring_case(name, *authority); });
    if (!named) {
        return make_error(
            ErrorCode::permission_denied,
            "read relay read.signature_base: the signed @target-uri names authority '" +
                std::string(*authority) +
                "', which is not one of this observer's public names (its entry's rest_public_names "
                "in this validator's \"observers\"): a request signed for another node is not "
                "recorded for this one");
    }
    if (!crypto::verify(read.officer, as_bytes(read.signature_base), read.signature)) {
        return invalid("R35 read.signature: the request signature does not verify under officer " +
                       ledger::key_id(read.officer));
    }
    return {};
}

}  // namespace custos::runtime
