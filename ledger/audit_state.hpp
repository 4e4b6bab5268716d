// The audit's replay state: a StateView like MemoryState, built only from the replayed events,
// but with hash tables so a replay of millions of events does not pay a tree walk (and its
// cache misses) per lookup. The hash is keyed SipHash with a random key per audit: event ids
// and item ids come from the store being audited, and a store must not be able to choose ids
// that collide and slow the audit down.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "ledger/state.hpp"

namespace custos::ledger {

class AuditState final : public StateView {
public:
    explicit AuditState(const Genesis& genesis);

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

    void put_item(ItemState state);
    void add_event(const EventId& id);
    void add_read_request(const Hash32& request) { read_requests_.insert(EventId{request}); }
    void put_officer(const OfficerRecord& record) { officers_.put(record); }
    void put_admin_count(const AdminCount& count) { officers_.put(count); }
    [[nodiscard]] const OfficerTable& officers() const { return officers_; }
    void put_validator_proposal(const ValidatorProposal& proposal) { validators_.put(proposal); }
    void put_validator_epoch(const ValidatorEpoch& epoch) { validators_.put(epoch); }
    [[nodiscard]] const ValidatorTable& validators() const { return validators_; }

    [[nodiscard]] const ItemState* find(std::string_view item_id) const;
    // Calls visit(const ItemState&) for every item, in no particular order.
    template <class Visit>
    void for_each_item(Visit&& visit) const {
        for (const auto& entry : items_)
            visit(entry.second);
    }
    [[nodiscard]] std::size_t item_count() const { return items_.size(); }
    [[nodiscard]] std::size_t event_count() const { return events_.size(); }

private:
    struct KeyedHash {
        using is_transparent = void;
        std::array<std::uint8_t, 16> key{};
        std::size_t operator()(std::string_view text) const;
        std::size_t operator()(const std::string& text) const { return (*this)(std::string_view(text)); }
        std::size_t operator()(const EventId& id) const;
    };

    static KeyedHash random_hash();
    AuditState(const KeyedHash& hash, const Genesis& genesis);

    std::unordered_map<std::string, ItemState, KeyedHash, std::equal_to<>> items_;
    std::unordered_set<EventId, KeyedHash> events_;
    std::unordered_set<EventId, KeyedHash> read_requests_;  // read_request_hash() of each read record
    OfficerTable officers_;      // Seeded from the genesis, changed by replayed governance events.
    ValidatorTable validators_;  // Likewise for validator governance.
};

}  // namespace custos::ledger
