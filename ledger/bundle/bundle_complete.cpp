// Check 6 of the bundle verifier (docs/FORMAT.md 11.4): completeness. The anchor's header carries
// the root of the certified state (7.5); the bundle's `state` proves, against it, each item's
// event count and last event, each signer key's record and the governance head and count. The
// bundle must hold exactly those events and governance records, so a trail cut short, or a
// revocation left out, is refused here even though every event in it is genuine.
#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "crypto/encoding.hpp"
#include "ledger/bundle/bundle_internal.hpp"
#include "ledger/state/state_map.hpp"
#include "ledger/time.hpp"

namespace custos::ledger::bundle_detail {
namespace {

BundleLocation at(const StateEntry& entry) {
    return BundleLocation{.field = entry.path};
}

// The proven value of an entry under the anchor's root, as canonical text; nullopt for a key the
// map does not hold. Fails the check (and returns an error) if the proof does not hold.
Result<std::optional<std::string>> proven(Verification& verification, const StateEntry& entry,
                                          const Hash32& key, const Hash32& root) {
    std::optional<std::string> canonical;
    std::optional<Hash32> value_hash;
    if (!entry.value->is_null()) {
        auto text = crypto::canonicalize(*entry.value);
        if (!text) {
            verification.fail(BundleCheck::completeness, at(entry), "value has no canonical form");
            return make_error(ErrorCode::verification_failed, "value");
        }
        canonical = std::move(*text);
        value_hash = state_value_hash(*canonical);
    }
    if (auto ok = crypto::smt_verify(root, key, value_hash, entry.proof); !ok) {
        verification.fail(
            BundleCheck::completeness, BundleLocation{.field = entry.path + ".proof"},
            "the map proof does not hold against the anchor's state_root: " + ok.error().message);
        return make_error(ErrorCode::verification_failed, "proof");
    }
    return canonical;
}

// Each item's events in the bundle, in leaf order (a derive counts for both its items).
std::map<std::string, std::vector<const Record*>, std::less<>> trails_of(const Verification& verification) {
    std::map<std::string, std::vector<const Record*>, std::less<>> trails;
    for (const auto& record : verification.bundle.events) {
        const Event& event = record.envelope->event;
        trails[event.item].push_back(&record);
        if (event.kind == EventKind::derive && event.new_item) trails[*event.new_item].push_back(&record);
    }
    return trails;
}

bool check_items(Verification& verification, const Hash32& root, std::uint64_t height) {
    const auto trails = trails_of(verification);
    const std::string as_of = " at height " + std::to_string(height);
    for (const auto& entry : verification.bundle.item_states) {
        auto value = proven(verification, entry, item_state_key(entry.id), root);
        if (!value) return false;
        if (!*value) {
            verification.fail(BundleCheck::completeness, at(entry),
                              "the ledger holds no item " + entry.id + as_of);
            return false;
        }
        auto state = item_state_from_json(*entry.value);
        if (!state || state->item != entry.id) {
            verification.fail(BundleCheck::completeness, at(entry),
                              "value is not the state of item " + entry.id);
            return false;
        }
        auto trail = trails.find(entry.id);
        const std::size_t held = trail == trails.end() ? 0 : trail->second.size();
        if (state->event_count != held) {
            verification.fail(BundleCheck::completeness, at(entry),
                              "item " + entry.id + " has " + std::to_string(state->event_count) + " events" +
                                  as_of + ", the bundle holds " + std::to_string(held));
            return false;
        }
        if (held == 0 || trail->second.back()->bytes.id != state->head) {
            verification.fail(BundleCheck::completeness, at(entry),
                              "the last event of item " + entry.id + as_of + " is " +
                                  event_id_hex(state->head) + ", not the bundle's last");
            return false;
        }
        auto replayed = verification.replayed->item(entry.id);
        if (!replayed || !replayed->has_value() || canonical_item_state(**replayed) != *value) {
            verification.fail(
                BundleCheck::completeness, at(entry),
                "the state of item " + entry.id + as_of + " differs from the state the bundle's events give");
            return false;
        }
    }
    return true;
}

bool check_officers(Verification& verification, const Hash32& root, std::uint64_t height) {
    std::set<std::string> signers;
    for (const Record* record : verification.log_order)
        signers.insert(key_id(record->envelope->signer));
    std::set<std::string> listed;
    for (const auto& entry : verification.bundle.officer_states)
        listed.insert(entry.id);
    if (listed != signers) {
        std::vector<std::string> missing;
        std::set_difference(signers.begin(), signers.end(), listed.begin(), listed.end(),
                            std::back_inserter(missing));
        verification.fail(BundleCheck::completeness, BundleLocation{.field = "state.officers"},
                          missing.empty() ? "lists a key that signed no record of the bundle"
                                          : "no key record for signer " + missing.front());
        return false;
    }
    for (const auto& entry : verification.bundle.officer_states) {
        auto key = crypto::public_key_from_hex(entry.id);
        if (!key) return false;  // format checked it
        auto value = proven(verification, entry, officer_state_key(*key), root);
        if (!value) return false;
        auto replayed = verification.replayed->officer_record(*key);
        const std::optional<std::string> expected = (replayed && replayed->has_value())
                                                        ? std::optional(canonical_officer_record(**replayed))
                                                        : std::nullopt;
        if (*value != expected) {
            verification.fail(BundleCheck::completeness, at(entry),
                              "the ledger's record of officer key " + entry.id + " at height " +
                                  std::to_string(height) + " is " + value->value_or("absent") +
                                  ", the bundle's governance records give " + expected.value_or("absent") +
                                  " (a governance record is missing)");
            return false;
        }
    }
    return true;
}

bool check_governance(Verification& verification, const Hash32& root, std::uint64_t height) {
    const StateEntry& entry = verification.bundle.governance_state;
    auto value = proven(verification, entry, governance_state_key(), root);
    if (!value) return false;
    auto head =
        *value ? governance_head_from_json(*entry.value) : make_error(ErrorCode::invalid_argument, "absent");
    if (!head) {
        verification.fail(BundleCheck::completeness, at(entry), "value is not a governance head");
        return false;
    }
    const auto& records = verification.bundle.governance;
    const std::optional<EventId> last =
        records.empty() ? std::nullopt : std::optional<EventId>(records.back().bytes.id);
    if (head->count != records.size() || head->head != last) {
        verification.fail(BundleCheck::completeness, at(entry),
                          "the ledger holds " + std::to_string(head->count) +
                              " governance records at height " + std::to_string(height) + " (last " +
                              (head->head ? event_id_hex(*head->head) : std::string("none")) +
                              "), the bundle holds " + std::to_string(records.size()));
        return false;
    }
    return true;
}

}  // namespace

void check_completeness(Verification& verification) {
    if (!verification.replayed) {
        verification.set_result(BundleCheck::completeness, false,
                                "not run: the bundle's records did not all replay (checks 2 and 5)");
        return;
    }
    const CheckpointEntry& anchor = verification.bundle.checkpoints.back();
    const Hash32& root = anchor.header.state_root;
    const std::uint64_t height = anchor.height.value;
    const bool complete = check_items(verification, root, height) &&
                          check_officers(verification, root, height) &&
                          check_governance(verification, root, height);
    verification.report.complete = complete;
    verification.set_result(
        BundleCheck::completeness, true,
        complete
            ? std::to_string(verification.bundle.item_states.size()) + " item states, " +
                  std::to_string(verification.bundle.officer_states.size()) +
                  " signer key records and the governance head proven against the state_root of height " +
                  std::to_string(height) + ": the trail is complete as of height " + std::to_string(height) +
                  ", ledger time " + format_time(anchor.header.time)
            : "the certified state at the anchor does not match the bundle");
}

}  // namespace custos::ledger::bundle_detail
