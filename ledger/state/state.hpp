// Item state: what the custody rules need to know about an item, kept up to date by block
// application. StateView is how the rules read it: in memory here, over RocksDB in the store.
// Item states are persisted as canonical JSON (docs/FORMAT.md section 6, "Item state").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/result.hpp"
#include "crypto/canonical_json.hpp"
#include "ledger/events/event.hpp"
#include "ledger/genesis.hpp"
#include "ledger/state/officers.hpp"
#include "ledger/state/validators.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

struct AccessGrant {
    std::string grantee;              // Agency id.
    std::vector<AccessAction> scope;  // Sorted, unique.
    TimeMs expires;                   // Access at or after this time is refused.
    EventId granted_by;               // The grant event.
    friend bool operator==(const AccessGrant&, const AccessGrant&) = default;
};

struct PendingOffer {
    EventId offer;          // The transfer.offer event.
    std::string recipient;  // Agency id.
    friend bool operator==(const PendingOffer&, const PendingOffer&) = default;
};

struct ItemState {
    std::string item;
    std::string case_id;
    std::string custodian;                    // Agency holding the item.
    EventId head;                             // Id of the item's last event (the next event's prev).
    EventId origin;                           // The register or derive event that created it.
    std::optional<std::string> derived_from;  // Source item of a derive.
    TimeMs last_time;                         // Time of the last event (event times never go backwards).
    std::uint64_t event_count = 0;
    Digests digests;                  // Reference digests, from register or derive.
    std::optional<std::string> seal;  // Current seal number while sealed.
    std::optional<PendingOffer> pending_offer;
    std::vector<AccessGrant> grants;  // Sorted by grantee, one per grantee.
    std::optional<DisposeOutcome> disposed;
    // Set for ever by a recorded digest mismatch or a broken seal (rule R22).
    bool integrity_alert = false;
    std::uint64_t alert_count = 0;
    std::optional<EventId> first_alert;

    [[nodiscard]] const AccessGrant* find_grant(std::string_view agency) const;
    friend bool operator==(const ItemState&, const ItemState&) = default;
};

[[nodiscard]] crypto::Json item_state_to_json(const ItemState& state);
[[nodiscard]] Result<ItemState> item_state_from_json(const crypto::Json& json);
[[nodiscard]] std::string canonical_item_state(const ItemState& state);

// What the rule engine reads. Implementations return io_error/corruption for a broken store.
class StateView {
public:
    virtual ~StateView() = default;
    // nullopt when the item has never been registered or derived.
    [[nodiscard]] virtual Result<std::optional<ItemState>> item(std::string_view item_id) const = 0;
    [[nodiscard]] virtual Result<bool> has_event(const EventId& id) const = 0;
    // The officer record in force: a genesis officer, changed by governance events (R23..R27);
    // nullopt when the key is unknown or revoked. The rule engine's officer checks use it.
    [[nodiscard]] virtual Result<std::optional<Officer>> officer(const crypto::PublicKey& key) const = 0;
    // The full record, revoked ones included (nullopt only for a key never an officer).
    [[nodiscard]] virtual Result<std::optional<OfficerRecord>> officer_record(
        const crypto::PublicKey& key) const = 0;
    // Keys in force with the admin role in `agency` (0 for an unknown agency).
    [[nodiscard]] virtual Result<std::uint64_t> admin_keys(std::string_view agency) const = 0;

    // Validator governance (R28..R32). The defaults refuse with an internal error (the rules then
    // refuse validator.* events with rule 0): a view that admits validator events overrides both.
    // The validator.propose record of `id` (adopted and stale ones included); nullopt if none.
    [[nodiscard]] virtual Result<std::optional<ValidatorProposal>> validator_proposal(
        const EventId& id) const;
    // The latest adopted validator set and how many proposals were adopted so far.
    [[nodiscard]] virtual Result<ValidatorEpoch> latest_validators() const;

    // The consultation log (R37): whether a read record of the request whose signature base
    // hashes to `request` (read_request_hash) is in the ledger. The default refuses with an
    // internal error (the rules then refuse read records with rule 0): a view that admits read
    // records overrides it.
    [[nodiscard]] virtual Result<bool> has_read_request(const Hash32& request) const;
};

// What an admitted event does: the item states it creates or changes (one, or two for derive:
// the source item first, then the new item), or for a governance event the officer record it
// writes and its agency's admin key count after it, or for a validator event the proposal record
// it writes and, when it adopts the proposal, the new latest adopted set.
struct EventEffects {
    EventId id;
    std::vector<ItemState> items;
    bool integrity_alert = false;               // This event raised (or repeated) an integrity alert (R22).
    std::optional<OfficerRecord> officer;       // officer.add / officer.revoke
    std::optional<AdminCount> admins;           // officer.add / officer.revoke
    std::optional<ValidatorProposal> proposal;  // validator.propose / validator.approve
    std::optional<ValidatorEpoch> adopted;      // set when this event adopted the proposal
    // read: the request it records (read_request_hash), which no later record may record again.
    std::optional<Hash32> read_request;
};

// In-memory state for tests, the simulator and the in-memory ledger.
// Built from a genesis it knows the genesis officers; default-constructed it knows no officer
// (every signed event fails R4), which suits tests of item state alone.
class MemoryState final : public StateView {
public:
    MemoryState() = default;
    explicit MemoryState(const Genesis& genesis) : officers_(genesis), validators_(genesis) {}

    [[nodiscard]] Result<std::optional<ItemState>> item(std::string_view item_id) const override;
    [[nodiscard]] Result<bool> has_event(const EventId& id) const override;
    [[nodiscard]] Result<std::optional<Officer>> officer(const crypto::PublicKey& key) const override;
    [[nodiscard]] Result<std::optional<OfficerRecord>> officer_record(
        const crypto::PublicKey& key) const override;
    [[nodiscard]] Result<std::uint64_t> admin_keys(std::string_view agency) const override;
    [[nodiscard]] Result<std::optional<ValidatorProposal>> validator_proposal(
        const EventId& id) const override;
    [[nodiscard]] Result<ValidatorEpoch> latest_validators() const override;
    [[nodiscard]] Result<bool> has_read_request(const Hash32& request) const override;

    void put_item(const ItemState& state);
    void add_event(const EventId& id);
    void add_read_request(const Hash32& request) { read_requests_.insert(request); }
    void put_officer(const OfficerRecord& record) { officers_.put(record); }
    void put_admin_count(const AdminCount& count) { officers_.put(count); }
    void put_validator_proposal(const ValidatorProposal& proposal) { validators_.put(proposal); }
    void put_validator_epoch(const ValidatorEpoch& epoch) { validators_.put(epoch); }
    // Every change an admitted event makes (items, officer records, the event id), for replays
    // that apply events one at a time (the bundle verifier).
    void apply(const EventEffects& effects);
    [[nodiscard]] const OfficerTable& officers() const { return officers_; }
    [[nodiscard]] const ValidatorTable& validators() const { return validators_; }

    [[nodiscard]] const std::map<std::string, ItemState, std::less<>>& items() const { return items_; }
    [[nodiscard]] std::size_t event_count() const { return events_.size(); }
    // Canonical JSON array of every item state in item id order: equal states give equal bytes.
    [[nodiscard]] std::string canonical_json() const;

private:
    std::map<std::string, ItemState, std::less<>> items_;
    std::set<EventId> events_;
    std::set<Hash32> read_requests_;
    OfficerTable officers_;
    ValidatorTable validators_;  // Seeded with the genesis set when built from a genesis.
};

// A state seen through changes not yet committed: reads fall through to `base` (which must
// outlive it), the effects of events applied on top stay here. Block application layers a
// block's events over the committed state with it (block_apply.cpp); the mempool layers the
// pending events (consensus/runtime/mempool.hpp), and forgets them again as blocks commit.
class OverlayState final : public StateView {
public:
    explicit OverlayState(const StateView& base) : base_(&base) {}

    [[nodiscard]] Result<std::optional<ItemState>> item(std::string_view item_id) const override;
    [[nodiscard]] Result<bool> has_event(const EventId& id) const override;
    [[nodiscard]] Result<std::optional<Officer>> officer(const crypto::PublicKey& key) const override;
    [[nodiscard]] Result<std::optional<OfficerRecord>> officer_record(
        const crypto::PublicKey& key) const override;
    [[nodiscard]] Result<std::uint64_t> admin_keys(std::string_view agency) const override;
    [[nodiscard]] Result<std::optional<ValidatorProposal>> validator_proposal(
        const EventId& id) const override;
    [[nodiscard]] Result<ValidatorEpoch> latest_validators() const override;
    [[nodiscard]] Result<bool> has_read_request(const Hash32& request) const override;

    // Every change an admitted event makes (items, officer records, proposals, the event id).
    void apply(const EventEffects& effects);
    // Forget one read request, one item's state (reads fall through to the base again), one
    // event id, or everything.
    void erase_read_request(const Hash32& request);
    void erase_item(std::string_view item_id);
    void erase_event(const EventId& id);
    void clear();

    // Final records of the items, officer keys and proposals changed here, in key order; the
    // admin counts of the agencies whose keys changed, in agency order; the latest adopted set, if
    // a change was adopted here.
    [[nodiscard]] std::vector<ItemState> touched_items() const;
    [[nodiscard]] std::vector<OfficerRecord> touched_officers() const;
    [[nodiscard]] std::vector<AdminCount> touched_admin_counts() const;
    [[nodiscard]] std::vector<ValidatorProposal> touched_proposals() const;
    [[nodiscard]] const std::optional<ValidatorEpoch>& adopted() const { return validators_.latest(); }

private:
    const StateView* base_;
    std::map<std::string, ItemState, std::less<>> items_;
    std::unordered_set<EventId, EventIdHash> events_;
    std::set<Hash32> read_requests_;
    OfficerTable officers_;      // Unseeded: only what was applied here.
    ValidatorTable validators_;  // Unseeded: only what was applied here.
};

}  // namespace custos::ledger
