// The rules of read records, R33..R37 (docs/CUSTODY_RULES.md, "The consultation log"): a record
// is the serving validator's statement that an officer asked for a read and what it answered.
// The validator cannot invent a read (the officer's own signature over the request is in it and
// must say what the record says), and the officer cannot deny one (the signature is theirs).
#include <algorithm>
#include <string>

#include "common/assert.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/events/read_record.hpp"
#include "ledger/rules/rules.hpp"
#include "ledger/rules/rules_internal.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {

namespace {

using detail::refuse;
using detail::state_error;

// R33: the envelope's signer is the key of the validator the record names, a member of the
// latest adopted set (6.6), and the record's agency is that validator's.
RuleResult<void> check_node(const StateView& state, const Envelope& envelope, const ReadRecord& read) {
    auto latest = state.latest_validators();
    if (!latest) return state_error(latest.error());
    const Validator* validator = latest->set ? latest->set->find_name(read.node) : nullptr;
    if (validator == nullptr) {
        return refuse(rule::read_node, "event.read.node",
                      read.node + " is not a validator of the latest adopted set");
    }
    if (validator->key != envelope.signer) {
        return refuse(rule::read_node, "signer",
                      "the record is signed by key " + key_id(envelope.signer) + ", not by validator " +
                          read.node + "'s key");
    }
    if (validator->agency != envelope.event.agency) {
        return refuse(
            rule::read_node, "event.agency",
            "validator " + read.node + " belongs to " + validator->agency + ", not " + envelope.event.agency);
    }
    return {};
}

// R36's path check: the target names the route of the action and its subject (the search its
// sha256 parameter, whose hex digits the node reads without regard to case).
bool target_matches(std::string_view target, const ReadRecord& read) {
    const auto mark = target.find('?');
    const std::string_view path = target.substr(0, mark);
    if (path != read_path(read.action, read.subject)) return false;
    if (read.action != ReadAction::search) return true;
    std::string_view query = mark == std::string_view::npos ? std::string_view() : target.substr(mark + 1);
    while (true) {
        const auto amp = query.find('&');
        const std::string_view parameter = query.substr(0, amp);
        if (parameter.starts_with("sha256=") && parameter.size() == 7 + read.subject.size() &&
            std::equal(read.subject.begin(), read.subject.end(), parameter.begin() + 7, [](char a, char b) {
                return a == (b >= 'A' && b <= 'F' ? static_cast<char>(b - 'A' + 'a') : b);
            })) {
            return true;
        }
        if (amp == std::string_view::npos) return false;
        query.remove_prefix(amp + 1);
    }
}

}  // namespace

// R36: what the signature base states is what the record states.
RuleResult<void> detail::check_read_fields(const Event& event, const ReadRecord& read) {
    auto base = parse_signature_base(read.signature_base);
    if (!base) return refuse(rule::read_fields, "event.read.signature_base", base.error().message);
    if (base->method != "GET") {
        return refuse(rule::read_fields, "event.read.signature_base",
                      "@method is " + base->method.substr(0, 16) + ", a read is GET");
    }
    auto target = target_of_uri(base->target_uri);
    if (!target || !target_matches(*target, read)) {
        return refuse(rule::read_fields, "event.read.subject",
                      "the signed @target-uri does not name " + std::string(read_action_name(read.action)) +
                          " of " + read.subject + " (" + read_path(read.action, read.subject) + ")");
    }
    if (base->key_id != key_id(read.officer)) {
        return refuse(rule::read_fields, "event.read.officer",
                      "the signed keyid is not the record's officer");
    }
    if (base->alg != "ed25519")
        return refuse(rule::read_fields, "event.read.signature_base", "alg must be ed25519");
    const std::int64_t received = event.time.value;
    if (base->expires <= base->created || base->expires - base->created > read_signature_lifetime_max_s) {
        return refuse(rule::read_fields, "event.read.signature_base",
                      "expires must be after created and at most " +
                          std::to_string(read_signature_lifetime_max_s) + " s after it");
    }
    if (base->created * 1000 > received + read_created_skew_ms || !(received < base->expires * 1000)) {
        return refuse(rule::read_fields, "event.time",
                      "the receipt time " + format_time(event.time) +
                          " is outside the signature's window (created " + std::to_string(base->created) +
                          ", expires " + std::to_string(base->expires) + ")");
    }
    return {};
}

RuleResult<EventEffects> check_read_record(const StateView& state, const Envelope& envelope,
                                           const EventId& id, TimeMs ledger_time, const Genesis& genesis) {
    const Event& event = envelope.event;
    CUSTOS_ASSERT(event.kind == EventKind::read && event.read.has_value(), "a read record carries read (R1)");
    const ReadRecord& read = *event.read;
    if (event.chain_id != genesis.chain_id) {
        return refuse(
            rule::chain, "event.chain_id",
            "event is for chain '" + event.chain_id + "', this ledger is '" + genesis.chain_id + "'");
    }
    if (auto node = check_node(state, envelope, read); !node) return tl::unexpected(node.error());
    if (auto unique = detail::check_unique(state, id); !unique) return tl::unexpected(unique.error());
    if (auto ahead = detail::check_not_ahead(event, ledger_time, genesis); !ahead)
        return tl::unexpected(ahead.error());
    auto officer = state.officer_record(read.officer);
    if (!officer) return state_error(officer.error());
    if (!officer->has_value()) {
        return refuse(rule::read_officer, "event.read.officer",
                      "key " + key_id(read.officer) + " is not an officer key");
    }
    if (!crypto::verify(read.officer, as_bytes(read.signature_base), read.signature)) {
        return refuse(rule::read_signature, "event.read.signature",
                      "the request signature does not verify under officer " + key_id(read.officer));
    }
    if (auto fields = detail::check_read_fields(event, read); !fields) return tl::unexpected(fields.error());
    const Hash32 request = read_request_hash(read);
    auto recorded = state.has_read_request(request);
    if (!recorded) return state_error(recorded.error());
    if (*recorded) {
        return refuse(rule::read_once, "event.read.signature_base",
                      "a read record of this signed request is already in the ledger");
    }
    EventEffects effects{.id = id, .items = {}, .integrity_alert = false};
    effects.read_request = request;
    return effects;
}

}  // namespace custos::ledger
