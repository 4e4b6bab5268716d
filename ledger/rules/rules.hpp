// The custody rule engine: ONE pure function, check_event(), used both for admission (mempool)
// and for block application and audit replay. Rules are numbered as in docs/CUSTODY_RULES.md
// and checked in number order; the first failing rule is reported.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "common/result.hpp"
#include "ledger/events/event.hpp"
#include "ledger/genesis.hpp"
#include "ledger/state/officers.hpp"
#include "ledger/state/state.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

// Rule numbers (docs/CUSTODY_RULES.md). Keep in step with the document.
namespace rule {
inline constexpr int well_formed = 1;
inline constexpr int signature = 2;
inline constexpr int chain = 3;
inline constexpr int known_officer = 4;
inline constexpr int officer_agency = 5;
inline constexpr int role = 6;
inline constexpr int unique_event = 7;
inline constexpr int not_ahead = 8;
inline constexpr int item_exists = 9;
inline constexpr int prev_is_head = 10;
inline constexpr int same_case = 11;
inline constexpr int time_order = 12;
inline constexpr int terminal = 13;
inline constexpr int in_transit = 14;
inline constexpr int custodian_acts = 15;
inline constexpr int offer_answer = 16;
inline constexpr int grantee_access = 17;
inline constexpr int offer_recipient = 18;
inline constexpr int grant_terms = 19;
inline constexpr int seal_state = 20;
inline constexpr int derive_new = 21;
inline constexpr int integrity = 22;
// Officer key governance. R23 is checked right after R4 (it is about the signer's key); R24..R27
// apply to officer.add and officer.revoke only, after R8.
inline constexpr int revoked_key = 23;
inline constexpr int new_officer = 24;
inline constexpr int never_readded = 25;
inline constexpr int revoke_target = 26;
inline constexpr int last_admin = 27;
// Validator-set governance: validator.propose (R28, R29) and validator.approve (R30..R32), after R8.
inline constexpr int validator_change = 28;
inline constexpr int validator_set = 29;
inline constexpr int proposal_known = 30;
inline constexpr int proposal_open = 31;
inline constexpr int one_approval = 32;
// The consultation log: read records (kind "read"), checked after R3 instead of R4..R6.
inline constexpr int read_node = 33;
inline constexpr int read_officer = 34;
inline constexpr int read_signature = 35;
inline constexpr int read_fields = 36;
inline constexpr int read_once = 37;
inline constexpr int count = 37;
}  // namespace rule

// A refusal: the rule broken, the field it concerns and why. rule == 0 means no custody rule
// was broken but the state could not be read (code io_error/corruption).
struct RuleError {
    ErrorCode code = ErrorCode::rule_violation;
    int rule = 0;
    std::string field;
    std::string reason;

    // Message form: "R10 prev: expected <hex> (the item's head), found <hex>".
    [[nodiscard]] std::string message() const;
    [[nodiscard]] Error to_error() const { return Error{code, message()}; }
};

template <typename T>
using RuleResult = tl::expected<T, RuleError>;

// Rules R3..R37 against `state`. The envelope must already have passed R1 (it parsed) and R2
// (verify_envelope_signature); this function does not check the signature, so callers that
// batch or cache signature checks are free to. `ledger_time` is the block time (or the node's
// clock at admission).
[[nodiscard]] RuleResult<EventEffects> check_event(const StateView& state, const Envelope& envelope,
                                                   TimeMs ledger_time, const Genesis& genesis);

// The same with the event id already computed (event_id(envelope.event)), so that hot paths
// hash each event once. The id is trusted: passing another is a bug the rules cannot see.
[[nodiscard]] RuleResult<EventEffects> check_event(const StateView& state, const Envelope& envelope,
                                                   const EventId& id, TimeMs ledger_time,
                                                   const Genesis& genesis);

// The rules of a read record (kind "read"), which check_event() applies to one: R3 (chain), R33
// (the signer is the validator the record names, in the latest adopted set, of the record's
// agency), R7, R8 (the receipt time), R34 (the reader is an officer key the ledger knows, in
// force or revoked), R35 (the reader's signature over the signature base verifies), R36 (the
// base states GET, the record's path, the reader's key id, and times within the window around
// the receipt time), R37 (no earlier record of the same request). Read records change no item,
// officer, validator or governance state.
[[nodiscard]] RuleResult<EventEffects> check_read_record(const StateView& state, const Envelope& envelope,
                                                         const EventId& id, TimeMs ledger_time,
                                                         const Genesis& genesis);

// R2 then check_event(): the admission check of a single event.
[[nodiscard]] RuleResult<EventEffects> admit_event(const StateView& state, const Envelope& envelope,
                                                   TimeMs ledger_time, const Genesis& genesis);

// The role(s) a kind requires (any one suffices); see CUSTODY_RULES.md R6.
[[nodiscard]] std::vector<Role> roles_for(EventKind kind);

}  // namespace custos::ledger
