// Checks 4 (chain) and 5 (custody rules) of the bundle verifier, and the timeline they fill in.
// The replay uses the ledger's own rule engine (check_event) over a MemoryState seeded from the
// genesis, so governance events change officer keys here exactly where they do on the ledger.
#include <algorithm>
#include <map>
#include <set>

#include "crypto/encoding.hpp"
#include "ledger/bundle/bundle_internal.hpp"
#include "ledger/rules/rules.hpp"
#include "ledger/state/state.hpp"

namespace custos::ledger::bundle_detail {
namespace {

bool all_envelopes_parsed(const Verification& verification) {
    return std::all_of(verification.log_order.begin(), verification.log_order.end(),
                       [](const Record* record) { return record->envelope.has_value(); });
}

// The items an event belongs to: its item, and the new item of a derive.
std::vector<std::string> items_of(const Event& event) {
    std::vector<std::string> items{event.item};
    if (event.kind == EventKind::derive && event.new_item) items.push_back(*event.new_item);
    return items;
}

bool is_origin_of(const Event& event, const std::string& item) {
    if (event.kind == EventKind::register_item) return event.item == item;
    return event.kind == EventKind::derive && event.new_item == item;
}

// Leaf order within each list, and no leaf in both lists.
bool check_order(Verification& verification) {
    std::set<std::uint64_t> seen;
    for (const auto* list : {&verification.bundle.governance, &verification.bundle.events}) {
        for (std::size_t i = 0; i < list->size(); ++i) {
            const Record& record = (*list)[i];
            if (i > 0 && !((*list)[i - 1].leaf_index < record.leaf_index)) {
                verification.fail(BundleCheck::chain, location_of(record),
                                  "records are not in strictly increasing leaf order (leaf " +
                                      std::to_string(record.leaf_index) + " after " +
                                      std::to_string((*list)[i - 1].leaf_index) + ")");
                return false;
            }
            if (!seen.insert(record.leaf_index).second) {
                verification.fail(BundleCheck::chain, location_of(record),
                                  "leaf " + std::to_string(record.leaf_index) + " appears twice");
                return false;
            }
        }
    }
    return true;
}

// Every record is in the right list, and every event concerns a listed item.
bool check_membership(Verification& verification) {
    const auto& items = verification.bundle.items;
    auto listed = [&](const std::string& item) {
        return std::binary_search(items.begin(), items.end(), item);
    };
    if (!listed(verification.bundle.item)) {
        verification.fail(BundleCheck::chain, BundleLocation{.field = "items"},
                          "items does not hold the item");
        return false;
    }
    for (const Record* record : verification.log_order) {
        const Event& event = record->envelope->event;
        if (event.kind == EventKind::read) {  // The consultation log is never part of a trail.
            verification.fail(BundleCheck::chain, location_of(*record), "a read record in the bundle");
            return false;
        }
        if (is_governance(event.kind) != record->in_governance_list) {
            verification.fail(BundleCheck::chain, location_of(*record),
                              record->in_governance_list ? "a custody event in the governance list"
                                                         : "a governance event in the events list");
            return false;
        }
        if (record->in_governance_list) continue;
        for (const auto& item : items_of(event)) {
            if (!listed(item)) {
                verification.fail(BundleCheck::chain, location_of(*record),
                                  "the event concerns item " + item + ", which is not in items");
                return false;
            }
        }
    }
    return true;
}

}  // namespace

void check_chain(Verification& verification) {
    if (!all_envelopes_parsed(verification)) {
        verification.set_result(BundleCheck::chain, false,
                                "not run: an envelope is not a valid event (check 2)");
        return;
    }
    if (!check_order(verification) || !check_membership(verification)) {
        verification.set_result(BundleCheck::chain, true, "records out of order or misplaced");
        return;
    }
    // Each item's events in leaf order (events are in leaf order already).
    std::map<std::string, std::vector<const Record*>, std::less<>> trails;
    for (const auto& item : verification.bundle.items)
        trails[item];
    for (const auto& record : verification.bundle.events) {
        for (const auto& item : items_of(record.envelope->event))
            trails[item].push_back(&record);
    }
    std::size_t links = 0;
    std::size_t registered = 0;  // Items whose origin is a register: one per derivation family.
    for (const auto& [item, trail] : trails) {
        if (trail.empty()) {
            verification.fail(BundleCheck::chain, BundleLocation{.field = "items"},
                              "item " + item + " has no events in the bundle");
            break;
        }
        if (!is_origin_of(trail.front()->envelope->event, item)) {
            verification.fail(BundleCheck::chain, location_of(*trail.front()),
                              "the first event of item " + item + " is not its register or derive event");
            break;
        }
        if (trail.front()->envelope->event.kind == EventKind::register_item) ++registered;
        for (std::size_t i = 1; i < trail.size(); ++i) {
            const Event& event = trail[i]->envelope->event;
            const EventId& expected = trail[i - 1]->bytes.id;
            if (is_origin_of(event, item) || !event.prev || *event.prev != expected) {
                verification.fail(BundleCheck::chain, location_of(*trail[i]),
                                  "item " + item + ": prev is " +
                                      (event.prev ? event_id_hex(*event.prev) : std::string("absent")) +
                                      ", the event before it in the bundle is " + event_id_hex(expected));
                break;
            }
            ++links;
        }
        if (verification.failed(BundleCheck::chain)) break;
    }
    // Every other item's origin is a derive from a listed item (membership above), so one
    // registered item makes `items` one derivation family (FORMAT.md 11.1).
    if (!verification.failed(BundleCheck::chain) && registered != 1) {
        verification.fail(BundleCheck::chain, BundleLocation{.field = "items"},
                          "items holds " + std::to_string(registered) +
                              " registered items: a bundle is about one derivation family");
    }
    verification.set_result(BundleCheck::chain, true,
                            std::to_string(trails.size()) + " item chains from their origin, " +
                                std::to_string(links) + " prev links");
}

namespace {

bool is_signer_rule(int number) {
    return number == rule::chain || number == rule::known_officer || number == rule::officer_agency ||
           number == rule::role || number == rule::revoked_key;
}

std::string sha256_text(const Digests& digests) {
    return crypto::hex_encode(digests.sha256.view());
}

// The seal and digest notes of the readable timeline, from the item's state before the event.
void describe_checks(TimelineEntry& entry, const std::optional<ItemState>& before) {
    const Event& event = entry.envelope.event;
    if (event.kind == EventKind::transfer_accept && event.seal_intact) {
        entry.seal_check = *event.seal_intact ? "seal intact" : "SEAL BROKEN on receipt";
    } else if (event.kind == EventKind::seal && event.seal) {
        entry.seal_check = "sealed " + *event.seal;
    } else if (event.kind == EventKind::unseal && event.seal) {
        entry.seal_check = "seal " + *event.seal + " opened";
    } else if (event.kind == EventKind::register_item && event.seal) {
        entry.seal_check = "arrives sealed " + *event.seal;
    }
    if (!event.digests) return;
    if (event.kind == EventKind::register_item || event.kind == EventKind::derive) {
        entry.digest_check = "reference SHA-256 " + sha256_text(*event.digests);
    } else if (before) {
        entry.digest_check = event.digests->sha256 == before->digests.sha256
                                 ? "SHA-256 matches the reference"
                                 : "SHA-256 MISMATCH: measured " + sha256_text(*event.digests) +
                                       ", reference " + sha256_text(before->digests);
    }
}

void describe_signer(TimelineEntry& entry, const StateView& state) {
    auto officer = state.officer(entry.envelope.signer);
    if (!officer || !officer->has_value()) return;
    entry.signer_name = (*officer)->name;
    for (Role role : roles_for(entry.envelope.event.kind)) {
        if ((*officer)->has_role(role)) {
            entry.signer_role = std::string(role_name(role));
            break;
        }
    }
}

TimelineEntry timeline_entry(const Record& record) {
    TimelineEntry entry;
    entry.id = record.bytes.id;
    entry.leaf_index = record.leaf_index;
    entry.height = record.height.value;
    entry.ledger_time = record.checkpoint->header.time;
    entry.envelope = *record.envelope;
    entry.governance = record.in_governance_list;
    return entry;
}

void summarize_item(BundleReport& report, const MemoryState& state, const Verification& verification) {
    for (const auto& record : verification.bundle.events) {
        const Event& event = record.envelope->event;
        if (is_origin_of(event, report.item)) {
            report.case_id = event.case_id;
            report.description = event.description.value_or("");
            break;
        }
    }
    auto item = state.item(report.item);
    if (item && item->has_value()) {
        report.current_custodian = (*item)->custodian;
        report.integrity_alert = (*item)->integrity_alert;
    }
}

}  // namespace

void check_custody_rules(Verification& verification) {
    auto& report = verification.report;
    if (!all_envelopes_parsed(verification)) {
        verification.set_result(BundleCheck::signatures, true, "an envelope is not a valid signed event");
        verification.set_result(BundleCheck::custody_rules, false,
                                "not run: an envelope is not a valid event");
        return;
    }
    MemoryState state(verification.genesis);
    std::size_t replayed = 0;
    for (const Record* record : verification.log_order) {
        TimelineEntry entry = timeline_entry(*record);
        const Event& event = record->envelope->event;
        describe_signer(entry, state);
        std::optional<ItemState> before;
        if (names_item(event.kind)) {
            auto item = state.item(event.item);
            if (item && item->has_value()) before = **item;
        }
        describe_checks(entry, before);
        auto effects =
            check_event(state, *record->envelope, record->bytes.id, entry.ledger_time, verification.genesis);
        report.timeline.push_back(std::move(entry));
        if (!effects) {
            const BundleCheck check =
                is_signer_rule(effects.error().rule) ? BundleCheck::signatures : BundleCheck::custody_rules;
            verification.fail(check, location_of(*record), effects.error().message());
            break;
        }
        report.timeline.back().integrity_alert = effects->integrity_alert;
        state.apply(*effects);
        ++replayed;
    }
    // The timeline covers every record, also those after a refusal (shown unverified).
    for (std::size_t i = report.timeline.size(); i < verification.log_order.size(); ++i)
        report.timeline.push_back(timeline_entry(*verification.log_order[i]));
    summarize_item(report, state, verification);
    const std::size_t total = verification.log_order.size();
    verification.set_result(BundleCheck::signatures, true,
                            std::to_string(total) +
                                " signatures (R1-R2), signer keys, agencies and roles at each "
                                "event's log position (R3-R6, R23)");
    if (replayed == verification.log_order.size()) verification.replayed = std::move(state);
    verification.set_result(BundleCheck::custody_rules, true,
                            std::to_string(replayed) + " of " + std::to_string(total) +
                                " records replayed through the ledger's custody rules (R3-R32)");
}

}  // namespace custos::ledger::bundle_detail
