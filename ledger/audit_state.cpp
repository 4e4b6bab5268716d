#include "ledger/audit_state.hpp"

#include <sodium.h>

#include <cstring>

#include "common/assert.hpp"

namespace custos::ledger {

namespace {

std::size_t siphash(const std::array<std::uint8_t, 16>& key, const std::uint8_t* data, std::size_t size) {
    static_assert(crypto_shorthash_BYTES == 8 && crypto_shorthash_KEYBYTES == 16);
    std::array<std::uint8_t, crypto_shorthash_BYTES> out{};
    crypto_shorthash(out.data(), data, size, key.data());
    std::uint64_t value = 0;
    std::memcpy(&value, out.data(), out.size());
    return static_cast<std::size_t>(value);
}

}  // namespace

std::size_t AuditState::KeyedHash::operator()(std::string_view text) const {
    return siphash(key, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

std::size_t AuditState::KeyedHash::operator()(const EventId& id) const {
    return siphash(key, id.hash.bytes.data(), id.hash.bytes.size());
}

AuditState::KeyedHash AuditState::random_hash() {
    CUSTOS_ASSERT(sodium_init() >= 0, "libsodium failed to initialise");
    KeyedHash hash;
    randombytes_buf(hash.key.data(), hash.key.size());
    return hash;
}

AuditState::AuditState(const Genesis& genesis) : AuditState(random_hash(), genesis) {}

AuditState::AuditState(const KeyedHash& hash, const Genesis& genesis)
    : items_(0, hash), events_(0, hash), read_requests_(0, hash), officers_(genesis), validators_(genesis) {}

Result<bool> AuditState::has_read_request(const Hash32& request) const {
    return read_requests_.contains(EventId{request});
}

Result<std::optional<ValidatorProposal>> AuditState::validator_proposal(const EventId& id) const {
    const ValidatorProposal* proposal = validators_.find(id);
    if (proposal == nullptr) return std::optional<ValidatorProposal>();
    return std::optional<ValidatorProposal>(*proposal);
}

Result<ValidatorEpoch> AuditState::latest_validators() const {
    return *validators_.latest();
}

Result<std::optional<Officer>> AuditState::officer(const crypto::PublicKey& key) const {
    const OfficerRecord* record = officers_.find(key);
    if (record == nullptr || record->revoked()) return std::optional<Officer>();
    return std::optional<Officer>(record->officer);
}

Result<std::optional<OfficerRecord>> AuditState::officer_record(const crypto::PublicKey& key) const {
    const OfficerRecord* record = officers_.find(key);
    if (record == nullptr) return std::optional<OfficerRecord>();
    return std::optional<OfficerRecord>(*record);
}

Result<std::uint64_t> AuditState::admin_keys(std::string_view agency) const {
    return officers_.admin_keys(agency).value_or(0);
}

Result<std::optional<ItemState>> AuditState::item(std::string_view item_id) const {
    const ItemState* state = find(item_id);
    if (state == nullptr) return std::optional<ItemState>();
    return std::optional<ItemState>(*state);
}

Result<bool> AuditState::has_event(const EventId& id) const {
    return events_.contains(id);
}

void AuditState::put_item(ItemState state) {
    auto found = items_.find(std::string_view(state.item));
    if (found != items_.end()) {
        found->second = std::move(state);
        return;
    }
    std::string key = state.item;
    items_.emplace(std::move(key), std::move(state));
}

void AuditState::add_event(const EventId& id) {
    events_.insert(id);
}

const ItemState* AuditState::find(std::string_view item_id) const {
    auto found = items_.find(item_id);
    return found == items_.end() ? nullptr : &found->second;
}

}  // namespace custos::ledger
