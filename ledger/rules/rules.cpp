// The custody rule engine (docs/CUSTODY_RULES.md). Rules are checked in number order and the
// first that fails is reported, so the same event always gets the same refusal.
#include "ledger/rules/rules.hpp"

#include <algorithm>

#include "common/assert.hpp"
#include "crypto/ed25519_tables.hpp"
#include "crypto/sha256.hpp"
#include "ledger/json_fields.hpp"
#include "ledger/rules/rules_internal.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {

namespace detail {

tl::unexpected<RuleError> refuse(int rule_number, std::string field, std::string reason) {
    return tl::unexpected(
        RuleError{ErrorCode::rule_violation, rule_number, std::move(field), std::move(reason)});
}

tl::unexpected<RuleError> state_error(const Error& error) {
    return tl::unexpected(RuleError{error.code, 0, "state", error.message});
}

}  // namespace detail

namespace {

using detail::refuse;
using detail::state_error;

std::string roles_text(const std::vector<Role>& roles) {
    std::string text;
    for (Role role : roles)
        text += (text.empty() ? "" : " or ") + std::string(role_name(role));
    return text.empty() ? "none" : text;
}

bool digests_match(const Digests& reference, const Digests& measured) {
    if (reference.sha256 != measured.sha256) return false;
    // Legacy digests only count when both sides have them; SHA-256 alone decides otherwise.
    if (reference.md5 && measured.md5 && *reference.md5 != *measured.md5) return false;
    if (reference.sha1 && measured.sha1 && *reference.sha1 != *measured.sha1) return false;
    return true;
}

// R1 ensures every kind-specific field used below is present; these asserts restate it.
template <typename T>
const T& required(const std::optional<T>& value, const char* what) {
    CUSTOS_ASSERT(value.has_value(), what);
    return *value;
}

ItemState registered_item(const Event& event, const EventId& id) {
    ItemState state;
    state.item = event.item;
    state.case_id = event.case_id;
    state.custodian = event.agency;
    state.head = id;
    state.origin = id;
    state.last_time = event.time;
    state.event_count = 1;
    state.digests = required(event.digests, "register carries digests (R1)");
    state.seal = event.seal;
    return state;
}

ItemState derived_item(const Event& event, const EventId& id) {
    ItemState state;
    state.item = required(event.new_item, "derive carries new_item (R1)");
    state.case_id = event.case_id;
    state.custodian = event.agency;
    state.head = id;
    state.origin = id;
    state.derived_from = event.item;
    state.last_time = event.time;
    state.event_count = 1;
    state.digests = required(event.digests, "derive carries digests (R1)");
    return state;
}

void raise_alert(ItemState& state, const EventId& id) {
    state.integrity_alert = true;
    state.alert_count += 1;
    if (!state.first_alert) state.first_alert = id;
}

// An accepted transfer: the recipient holds the item, the offer is settled and the grants of the
// previous custodian lapse. True when the seal is reported broken or the measured digests differ
// (R22: a mismatch is recorded as an integrity alert, never refused).
bool accept_transfer(ItemState& item, const Event& event) {
    item.custodian = event.agency;
    item.pending_offer.reset();
    // Grants were given by the previous custodian; the new one decides afresh.
    item.grants.clear();
    const bool intact = required(event.seal_intact, "accept carries seal_intact (R1)");
    return !intact || !digests_match(item.digests, required(event.digests, "accept carries digests (R1)"));
}

// A grant replaces the grantee's earlier one; the grants stay sorted by grantee.
void put_grant(ItemState& item, const Event& event, const EventId& id) {
    const std::string& grantee = required(event.grantee, "grant carries grantee (R1)");
    std::erase_if(item.grants, [&](const AccessGrant& grant) { return grant.grantee == grantee; });
    item.grants.push_back(
        AccessGrant{grantee, event.scope, required(event.expires, "grant carries expires (R1)"), id});
    std::sort(item.grants.begin(), item.grants.end(),
              [](const AccessGrant& a, const AccessGrant& b) { return a.grantee < b.grantee; });
}

// What an event of each custody kind changes in its item beyond the head, time and count
// (apply_event). True when it raises an integrity alert (R22).
bool change_item(ItemState& item, const Event& event, const EventId& id) {
    switch (event.kind) {
        case EventKind::register_item:
            CUSTOS_ASSERT(false, "register is applied by registered_item");
            return false;
        case EventKind::transfer_offer:
            item.pending_offer = PendingOffer{id, required(event.recipient, "offer carries recipient (R1)")};
            return false;
        case EventKind::transfer_accept:
            return accept_transfer(item, event);
        case EventKind::transfer_reject:
        case EventKind::transfer_cancel:
            item.pending_offer.reset();
            return false;
        case EventKind::access:
            return false;
        case EventKind::grant:
            put_grant(item, event, id);
            return false;
        case EventKind::revoke:
            std::erase_if(item.grants,
                          [&](const AccessGrant& grant) { return grant.grantee == *event.grantee; });
            return false;
        case EventKind::verify:
            return !digests_match(item.digests, required(event.digests, "verify carries digests (R1)"));
        case EventKind::seal:
            item.seal = event.seal;
            return false;
        case EventKind::unseal:
            item.seal.reset();
            return false;
        case EventKind::derive:
            return false;
        case EventKind::dispose:
            item.disposed = required(event.outcome, "dispose carries outcome (R1)");
            return false;
        case EventKind::officer_add:
        case EventKind::officer_revoke:
        case EventKind::validator_propose:
        case EventKind::validator_approve:
        case EventKind::read:
            CUSTOS_ASSERT(false, "governance events and read records touch no item");
            return false;
    }
    return false;  // Only the kinds above exist (R1).
}

// The state change of an event that passed every rule (R22 included: a mismatch is recorded): the
// item's head, time and count, its kind's change, the alert it raises, and a derived item.
EventEffects apply_event(ItemState item, const Event& event, const EventId& id) {
    item.head = id;
    item.last_time = event.time;
    item.event_count += 1;
    EventEffects effects{.id = id, .items = {}, .integrity_alert = change_item(item, event, id)};
    if (effects.integrity_alert) raise_alert(item, id);
    effects.items.push_back(std::move(item));
    if (event.kind == EventKind::derive) effects.items.push_back(derived_item(event, id));
    return effects;
}

// R3..R6 (and R23): the event belongs to this chain and its signer, a key in force, may act for
// the agency in this kind. Officer keys are read from the state, so governance events earlier in
// the log (or the block) count.
RuleResult<OfficerRecord> check_identity(const StateView& state, const Envelope& envelope,
                                         const Genesis& genesis) {
    const Event& event = envelope.event;
    if (event.chain_id != genesis.chain_id) {
        return refuse(
            rule::chain, "event.chain_id",
            "event is for chain '" + event.chain_id + "', this ledger is '" + genesis.chain_id + "'");
    }
    auto record = state.officer_record(envelope.signer);
    if (!record) return state_error(record.error());
    if (!record->has_value()) {
        return refuse(rule::known_officer, "signer",
                      "key " + key_id(envelope.signer) + " is not an officer key");
    }
    const Officer& officer = (*record)->officer;
    if ((*record)->revoked()) {
        return refuse(rule::revoked_key, "signer",
                      "key " + key_id(envelope.signer) + " of " + officer.agency + " was revoked by event " +
                          event_id_hex(*(*record)->revoked_by));
    }
    if (officer.agency != event.agency) {
        return refuse(
            rule::officer_agency, "event.agency",
            "the signer is an officer of " + officer.agency + ", the event acts for " + event.agency);
    }
    const auto roles = roles_for(event.kind);
    if (std::none_of(roles.begin(), roles.end(), [&](Role role) { return officer.has_role(role); })) {
        return refuse(rule::role, "signer",
                      "a " + std::string(event_kind_name(event.kind)) + " event needs role " +
                          roles_text(roles) + "; the signer has " + roles_text(officer.roles));
    }
    // An officer in force acting within its role: the ledger knows the key, so it may have an
    // Ed25519 table (built on its second event). A hint for speed only: verdicts do not change.
    crypto::ed25519_tables::note_known_key(envelope.signer);
    return std::move(**record);
}

// R24..R27: officer.add and officer.revoke. The effects carry the key's new record and its
// agency's count of admin keys in force, so overlays and stores apply them without re-deriving.
RuleResult<EventEffects> check_governance(const StateView& state, const Event& event, const EventId& id,
                                          const Genesis& genesis) {
    const crypto::PublicKey& key = required(event.officer, "governance events carry officer (R1)");
    auto record = state.officer_record(key);
    if (!record) return state_error(record.error());
    auto admins = state.admin_keys(event.agency);
    if (!admins) return state_error(admins.error());
    EventEffects effects{.id = id, .items = {}, .integrity_alert = false};
    if (event.kind == EventKind::officer_add) {
        if (record->has_value() && !(*record)->revoked()) {
            return refuse(
                rule::new_officer, "event.officer",
                "key " + key_id(key) + " is already an officer key of " + (*record)->officer.agency);
        }
        if (genesis.validators.find(key) != nullptr) {
            return refuse(rule::new_officer, "event.officer", "key " + key_id(key) + " is a validator key");
        }
        // Validator keys and officer keys stay apart (R29 keeps officer keys out of validator
        // sets): a key governance made a validator is refused too.
        auto latest = state.latest_validators();
        if (latest && latest->set && latest->set->find(key) != nullptr) {
            return refuse(rule::new_officer, "event.officer",
                          "key " + key_id(key) + " is a validator key of the latest adopted set");
        }
        if (record->has_value()) {
            return refuse(rule::never_readded, "event.officer",
                          "key " + key_id(key) + " was revoked by event " +
                              event_id_hex(*(*record)->revoked_by) + " and is never added again");
        }
        Officer added{key, event.agency, event.roles, required(event.name, "officer.add carries name (R1)")};
        const bool admin = added.has_role(Role::admin);
        effects.officer = OfficerRecord{std::move(added), id, std::nullopt};
        effects.admins = AdminCount{event.agency, *admins + (admin ? 1 : 0)};
        return effects;
    }
    if (!record->has_value() || (*record)->officer.agency != event.agency) {
        return refuse(rule::revoke_target, "event.officer",
                      "key " + key_id(key) + " is not an officer key of " + event.agency);
    }
    if ((*record)->revoked()) {
        return refuse(
            rule::revoke_target, "event.officer",
            "key " + key_id(key) + " was already revoked by event " + event_id_hex(*(*record)->revoked_by));
    }
    const bool admin = (*record)->officer.has_role(Role::admin);
    if (admin && *admins <= 1) {
        return refuse(rule::last_admin, "event.officer",
                      "key " + key_id(key) + " is the last admin key of " + event.agency +
                          "; add another admin key first");
    }
    OfficerRecord revoked = std::move(**record);
    revoked.revoked_by = id;
    effects.officer = std::move(revoked);
    effects.admins = AdminCount{event.agency, *admins - (admin ? 1 : 0)};
    return effects;
}

// Adoption: the proposal is adopted once its approving agencies hold more than 2/3 of the power
// of the latest adopted set; the effects then carry the new latest set.
void adopt_if_approved(EventEffects& effects, ValidatorProposal& proposal, const ValidatorEpoch& latest) {
    const ValidatorSet& set = *latest.set;
    if (exceeds_two_thirds(agencies_power(set, proposal.approvals), set.total_power())) {
        proposal.adopted_as = latest.adoptions + 1;
        effects.adopted = ValidatorEpoch{
            latest.adoptions + 1,
            std::make_shared<const ValidatorSet>(apply_validator_change(set, proposal.change))};
    }
    effects.proposal = std::move(proposal);
}

// R28, R29: validator.propose changes the latest adopted set into another valid set.
RuleResult<EventEffects> check_validator_propose(const StateView& state, const Event& event,
                                                 const EventId& id, const ValidatorEpoch& latest,
                                                 const Genesis& genesis) {
    const Validator& change = required(event.validator, "validator.propose carries validator (R1)");
    const ValidatorSet& set = *latest.set;
    const Validator* current = set.find_name(change.name);
    if (change.power == 0 && current == nullptr) {
        return refuse(rule::validator_change, "event.validator.name",
                      "no validator named " + change.name + " is in the latest adopted set to remove");
    }
    if (current != nullptr && *current == change) {
        return refuse(rule::validator_change, "event.validator",
                      "validator " + change.name + " is already in the latest adopted set exactly so");
    }
    const ValidatorSet changed = apply_validator_change(set, change);
    if (auto problem = validator_set_problem(changed, genesis)) {
        return refuse(rule::validator_set, "event.validator", "the resulting set is not valid: " + *problem);
    }
    if (change.power > 0) {
        auto officer = state.officer_record(change.key);
        if (!officer) return state_error(officer.error());
        if (officer->has_value()) {
            return refuse(
                rule::validator_set, "event.validator.key",
                "key " + key_id(change.key) + " is an officer key of " + (*officer)->officer.agency);
        }
    }
    EventEffects effects{.id = id, .items = {}, .integrity_alert = false};
    ValidatorProposal proposal{id, event.agency, change, {event.agency}, latest.adoptions, std::nullopt, {}};
    adopt_if_approved(effects, proposal, latest);
    return effects;
}

// R30..R32: validator.approve adds its agency to an open proposal.
RuleResult<EventEffects> check_validator_approve(const StateView& state, const Event& event,
                                                 const EventId& id, const ValidatorEpoch& latest) {
    const EventId& target = required(event.proposal, "validator.approve carries proposal (R1)");
    auto found = state.validator_proposal(target);
    if (!found) return state_error(found.error());
    if (!found->has_value()) {
        return refuse(rule::proposal_known, "event.proposal",
                      "no validator.propose event " + event_id_hex(target) + " is in the ledger");
    }
    ValidatorProposal proposal = std::move(**found);
    if (proposal.adopted()) {
        return refuse(rule::proposal_open, "event.proposal",
                      "proposal " + event_id_hex(target) + " was already adopted (adoption " +
                          std::to_string(*proposal.adopted_as) + ")");
    }
    if (proposal.stale(latest.adoptions)) {
        return refuse(rule::proposal_open, "event.proposal",
                      "proposal " + event_id_hex(target) +
                          " is stale: " + std::to_string(latest.adoptions - proposal.epoch) +
                          " other proposal(s) were adopted since it was made");
    }
    if (proposal.approved_by(event.agency)) {
        return refuse(rule::one_approval, "event.agency",
                      event.agency + " already approved proposal " + event_id_hex(target));
    }
    proposal.approvals.insert(
        std::lower_bound(proposal.approvals.begin(), proposal.approvals.end(), event.agency), event.agency);
    proposal.approval_events.push_back(id);
    EventEffects effects{.id = id, .items = {}, .integrity_alert = false};
    adopt_if_approved(effects, proposal, latest);
    return effects;
}

RuleResult<EventEffects> check_validator_governance(const StateView& state, const Event& event,
                                                    const EventId& id, const Genesis& genesis) {
    auto latest = state.latest_validators();
    if (!latest) return state_error(latest.error());
    if (event.kind == EventKind::validator_propose)
        return check_validator_propose(state, event, id, *latest, genesis);
    return check_validator_approve(state, event, id, *latest);
}

// R10..R13: the event continues the item's trail.
RuleResult<void> check_trail(const ItemState& item, const Event& event) {
    if (!event.prev || *event.prev != item.head) {
        return refuse(rule::prev_is_head, "event.prev",
                      "expected " + event_id_hex(item.head) + " (the item's head), found " +
                          (event.prev ? event_id_hex(*event.prev) : std::string("none")));
    }
    if (event.case_id != item.case_id) {
        return refuse(rule::same_case, "event.case",
                      "the item belongs to case " + item.case_id + ", not " + event.case_id);
    }
    if (event.time < item.last_time) {
        return refuse(
            rule::time_order, "event.time",
            format_time(event.time) + " is before the item's last event at " + format_time(item.last_time));
    }
    if (item.disposed) {
        return refuse(rule::terminal, "event.kind",
                      "the item was disposed of (" + std::string(dispose_outcome_name(*item.disposed)) + ")");
    }
    return {};
}

// R14..R17: who may act on the item now.
RuleResult<void> check_actor(const ItemState& item, const Event& event, TimeMs ledger_time) {
    const EventKind kind = event.kind;
    const bool answers_offer = kind == EventKind::transfer_accept || kind == EventKind::transfer_reject;
    if (item.pending_offer && !answers_offer && kind != EventKind::transfer_cancel) {
        return refuse(rule::in_transit, "event.kind",
                      "the item is offered to " + item.pending_offer->recipient +
                          "; only transfer.accept, transfer.reject or transfer.cancel may follow");
    }
    const bool grantee_access = kind == EventKind::access && event.agency != item.custodian;
    if (!answers_offer && !grantee_access && event.agency != item.custodian) {
        return refuse(rule::custodian_acts, "event.agency",
                      event.agency + " is not the custodian (" + item.custodian + ")");
    }
    if (answers_offer || kind == EventKind::transfer_cancel) {
        if (!item.pending_offer) return refuse(rule::offer_answer, "event.kind", "no transfer is pending");
        if (answers_offer && event.agency != item.pending_offer->recipient) {
            return refuse(rule::offer_answer, "event.agency",
                          "the offer names " + item.pending_offer->recipient + ", not " + event.agency);
        }
    }
    if (grantee_access) {
        const AccessGrant* grant = item.find_grant(event.agency);
        if (grant == nullptr) {
            return refuse(rule::grantee_access, "event.agency",
                          event.agency + " is neither custodian nor grantee");
        }
        const AccessAction action = required(event.action, "access carries action (R1)");
        if (std::find(grant->scope.begin(), grant->scope.end(), action) == grant->scope.end()) {
            return refuse(rule::grantee_access, "event.action",
                          "the grant does not cover '" + std::string(access_action_name(action)) + "'");
        }
        if (!(event.time < grant->expires) || !(ledger_time < grant->expires)) {
            return refuse(rule::grantee_access, "event.time",
                          "the grant expired at " + format_time(grant->expires));
        }
    }
    return {};
}

// R18..R21: the terms of offers, grants, seals and derivations.
RuleResult<void> check_terms(const StateView& state, const ItemState& item, const Event& event,
                             const Genesis& genesis) {
    switch (event.kind) {
        case EventKind::transfer_offer: {
            const std::string& recipient = required(event.recipient, "offer carries recipient (R1)");
            if (genesis.find_agency(recipient) == nullptr) {
                return refuse(rule::offer_recipient, "event.recipient", "unknown agency " + recipient);
            }
            if (recipient == item.custodian) {
                return refuse(rule::offer_recipient, "event.recipient",
                              recipient + " already holds the item");
            }
            return {};
        }
        case EventKind::grant:
        case EventKind::revoke: {
            const std::string& grantee = required(event.grantee, "grant/revoke carries grantee (R1)");
            if (event.kind == EventKind::revoke) {
                if (item.find_grant(grantee) == nullptr) {
                    return refuse(rule::grant_terms, "event.grantee",
                                  grantee + " holds no grant on the item");
                }
                return {};
            }
            if (genesis.find_agency(grantee) == nullptr) {
                return refuse(rule::grant_terms, "event.grantee", "unknown agency " + grantee);
            }
            if (grantee == item.custodian) {
                return refuse(rule::grant_terms, "event.grantee", grantee + " is the custodian");
            }
            return {};
        }
        case EventKind::seal:
            if (item.seal)
                return refuse(rule::seal_state, "event.seal",
                              "the item is already sealed (" + *item.seal + ")");
            return {};
        case EventKind::unseal:
            if (!item.seal) return refuse(rule::seal_state, "event.seal", "the item is not sealed");
            if (*item.seal != *event.seal) {
                return refuse(rule::seal_state, "event.seal",
                              "the item's seal is " + *item.seal + ", not " + *event.seal);
            }
            return {};
        case EventKind::derive: {
            const std::string& new_item = required(event.new_item, "derive carries new_item (R1)");
            auto existing = state.item(new_item);
            if (!existing) return state_error(existing.error());
            if (existing->has_value())
                return refuse(rule::derive_new, "event.new_item", new_item + " already exists");
            return {};
        }
        default:
            return {};
    }
}

}  // namespace

std::string RuleError::message() const {
    std::string text = rule > 0 ? "R" + std::to_string(rule) + " " : std::string();
    return text + field + ": " + reason;
}

std::vector<Role> roles_for(EventKind kind) {
    switch (kind) {
        case EventKind::access:
            return {Role::custodian, Role::prosecutor};
        case EventKind::grant:
        case EventKind::revoke:
            return {Role::custodian, Role::admin};
        case EventKind::officer_add:
        case EventKind::officer_revoke:
        case EventKind::validator_propose:
        case EventKind::validator_approve:
            return {Role::admin};
        case EventKind::read:
            return {};  // Signed by a validator key, not an officer's (R33).
        default:
            return {Role::custodian};
    }
}

RuleResult<EventEffects> check_event(const StateView& state, const Envelope& envelope, TimeMs ledger_time,
                                     const Genesis& genesis) {
    return check_event(state, envelope, event_id(envelope.event), ledger_time, genesis);
}

namespace detail {

// R7. A refusal of its own when `id` is already in the ledger (or among the pending events a view
// adds); the state's error when it cannot tell.
RuleResult<void> check_unique(const StateView& state, const EventId& id) {
    auto seen = state.has_event(id);
    if (!seen) return state_error(seen.error());
    if (*seen)
        return refuse(rule::unique_event, "event", "event " + event_id_hex(id) + " is already in the ledger");
    return {};
}

RuleResult<void> check_not_ahead(const Event& event, TimeMs ledger_time, const Genesis& genesis) {
    if (event.time.value > ledger_time.value + static_cast<std::int64_t>(genesis.params.clock_skew_max_ms)) {
        return refuse(rule::not_ahead, "event.time",
                      format_time(event.time) + " is ahead of ledger time " + format_time(ledger_time) +
                          " by more than " + std::to_string(genesis.params.clock_skew_max_ms) + " ms");
    }
    return {};
}

}  // namespace detail

namespace {

using detail::check_not_ahead;
using detail::check_unique;

// R8 onwards for an event on an item (every kind but governance).
RuleResult<EventEffects> check_item_event(const StateView& state, const Event& event, const EventId& id,
                                          TimeMs ledger_time, const Genesis& genesis) {
    if (auto status = check_not_ahead(event, ledger_time, genesis); !status)
        return tl::unexpected(status.error());
    auto item = state.item(event.item);
    if (!item) return state_error(item.error());
    if (event.kind == EventKind::register_item) {
        if (item->has_value())
            return refuse(rule::item_exists, "event.item", event.item + " is already registered");
        return EventEffects{.id = id, .items = {registered_item(event, id)}, .integrity_alert = false};
    }
    if (!item->has_value())
        return refuse(rule::item_exists, "event.item", event.item + " was never registered");
    const ItemState& current = **item;
    if (auto status = check_trail(current, event); !status) return tl::unexpected(status.error());
    if (auto status = check_actor(current, event, ledger_time); !status)
        return tl::unexpected(status.error());
    if (auto status = check_terms(state, current, event, genesis); !status)
        return tl::unexpected(status.error());
    // The state read is ours (a copy the view returned): the new state is made from it in place.
    return apply_event(std::move(**item), event, id);
}

}  // namespace

RuleResult<EventEffects> check_event(const StateView& state, const Envelope& envelope, const EventId& id,
                                     TimeMs ledger_time, const Genesis& genesis) {
    const Event& event = envelope.event;
    if (event.kind == EventKind::read) return check_read_record(state, envelope, id, ledger_time, genesis);
    if (auto signer = check_identity(state, envelope, genesis); !signer)
        return tl::unexpected(signer.error());
    if (is_validator_governance(event.kind) || is_governance(event.kind)) {
        if (auto unique = check_unique(state, id); !unique) return tl::unexpected(unique.error());
        if (auto status = check_not_ahead(event, ledger_time, genesis); !status)
            return tl::unexpected(status.error());
        return is_validator_governance(event.kind) ? check_validator_governance(state, event, id, genesis)
                                                   : check_governance(state, event, id, genesis);
    }
    // An event on an item asks whether it is already in the ledger (R7, a point read of the store
    // that almost always misses) only when a later rule refuses it, so that R7 still comes first.
    // An event that passes every later rule cannot be in the ledger: a register names an item that
    // would exist (R9), and any other event (derive included) names the item's head as `prev`
    // (R10), which the event itself, once applied, moved on; the head never comes back, since that
    // would take applying an event with an earlier head's id twice (the same argument one step
    // back in the chain, down to the register). Tests: tests/ledger/rules_test.cpp, "R7 ...".
    auto checked = check_item_event(state, event, id, ledger_time, genesis);
    if (checked) return checked;
    if (auto unique = check_unique(state, id); !unique) return tl::unexpected(unique.error());
    return checked;
}

RuleResult<EventEffects> admit_event(const StateView& state, const Envelope& envelope, TimeMs ledger_time,
                                     const Genesis& genesis) {
    const std::string bytes = canonical_event(envelope.event);
    if (!crypto::verify(envelope.signer, as_bytes(bytes), envelope.signature)) {
        return tl::unexpected(
            RuleError{ErrorCode::verification_failed, rule::signature, "sig",
                      "the signature does not verify under signer " + key_id(envelope.signer)});
    }
    return check_event(state, envelope, EventId{crypto::sha256(bytes)}, ledger_time, genesis);
}

}  // namespace custos::ledger
