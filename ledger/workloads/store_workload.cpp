#include "ledger/workloads/store_workload.hpp"

#include <algorithm>
#include <array>

#include <sodium.h>

#include "common/assert.hpp"
#include "crypto/sha256.hpp"
#include "crypto/signed_note.hpp"
#include "ledger/events/event.hpp"

namespace custos::ledger {

namespace {

constexpr std::int64_t genesis_time_ms = 1767225600000;  // 2026-01-01T00:00:00.000Z
constexpr std::int64_t workload_block_interval_ms = 1000;
// Follow-up events go round the most recent items so trails grow while new items keep coming.
constexpr std::size_t live_items_max = 256;

crypto::SecretKey seeded_key(std::uint8_t seed) {
    std::array<std::uint8_t, crypto::seed_bytes> bytes{};
    bytes.fill(seed);
    auto key = crypto::SecretKey::from_seed(ByteView(bytes.data(), bytes.size()));
    CUSTOS_ASSERT(key.has_value(), "a 32-byte seed always makes a key");
    return std::move(*key);
}

Digests digests_of(const std::string& item_id) {
    return Digests{crypto::sha256("content of " + item_id), std::nullopt, std::nullopt};
}

}  // namespace

SyntheticWorkload::SyntheticWorkload() {
    // Key derivation needs libsodium initialised; sodium_init() is idempotent.
    CUSTOS_ASSERT(sodium_init() >= 0, "libsodium failed to initialise");
    genesis_.chain_id = std::string(chain_id);
    genesis_.genesis_time = TimeMs{genesis_time_ms};
    genesis_.agencies = {{"DE-BKA", "Bundeskriminalamt", "DE"}, {"NL-POL", "Politie Nederland", "NL"}};
    std::uint8_t seed = 1;
    for (const auto& agency : genesis_.agencies) {
        auto key = seeded_key(seed++);
        genesis_.officers.push_back(
            Officer{key.public_key(), agency.id, {Role::custodian}, agency.id + ".custodian"});
        custodians_.emplace(agency.id, std::move(key));
    }
    std::sort(genesis_.officers.begin(), genesis_.officers.end(),
              [](const Officer& a, const Officer& b) { return a.key < b.key; });
    const std::array<const char*, 4> agencies = {"NL-POL", "DE-BKA", "NL-POL", "DE-BKA"};
    for (std::size_t i = 0; i < agencies.size(); ++i) {
        validator_keys_.push_back(seeded_key(static_cast<std::uint8_t>(100 + i)));
        genesis_.validators.validators.push_back(Validator{"validator-" + std::to_string(i + 1), agencies[i],
                                                           validator_keys_.back().public_key(), 1,
                                                           "127.0.0.1:" + std::to_string(7001 + i)});
    }
    CUSTOS_ASSERT(validate_genesis(genesis_).has_value(), "the synthetic genesis is valid");
}

TimeMs SyntheticWorkload::block_time(Height height) const {
    return TimeMs{genesis_time_ms + static_cast<std::int64_t>(height.value) * workload_block_interval_ms};
}

Envelope SyntheticWorkload::seal_and_track(Event event, const std::string& item_id) {
    event.chain_id = std::string(chain_id);
    const auto& key = custodians_.at(event.agency);
    Envelope envelope = sign_event(event, key);
    items_.at(item_id).head = event_id(envelope.event);
    return envelope;
}

Envelope SyntheticWorkload::sign_as(const std::string& agency, Event event) const {
    event.chain_id = std::string(chain_id);
    return sign_event(event, custodians_.at(agency));
}

Envelope SyntheticWorkload::make_register(TimeMs time) {
    std::string item_id = "IT-" + std::to_string(item_ids_.size() + 1);
    Event event;
    event.kind = EventKind::register_item;
    event.item = item_id;
    event.case_id = "CASE-" + std::to_string(item_ids_.size() / 16 + 1);
    event.agency = "NL-POL";
    event.time = time;
    event.location = "Amsterdam, evidence room 3";
    event.legal_authority = LegalAuthority{AuthorityKind::warrant, "W-2026-001"};
    event.digests = digests_of(item_id);
    event.description = "Mobile phone, exhibit " + item_id;
    event.seal = "SEAL-" + item_id;
    items_.emplace(item_id, Item{EventId{}, "NL-POL", false});
    item_ids_.push_back(item_id);
    return seal_and_track(std::move(event), item_id);
}

Envelope SyntheticWorkload::make_follow_up(const std::string& item_id, Item& item, TimeMs time) {
    Event event;
    event.item = item_id;
    event.time = time;
    event.prev = item.head;
    const std::string other = item.custodian == "NL-POL" ? "DE-BKA" : "NL-POL";
    // Items are registered 16 to a case (see make_register).
    const std::uint64_t number = std::stoull(item_id.substr(3)) - 1;
    event.case_id = "CASE-" + std::to_string(number / 16 + 1);
    if (item.offered) {
        event.kind = EventKind::transfer_accept;
        event.agency = other;
        event.location = "Evidence store " + other;
        event.received_by = "Receiving officer of " + other;
        event.seal_intact = true;
        event.digests = digests_of(item_id);
        item.offered = false;
        item.custodian = other;
        return seal_and_track(std::move(event), item_id);
    }
    event.agency = item.custodian;
    switch (counter_ % 5) {
        case 0:
            event.kind = EventKind::transfer_offer;
            event.legal_authority = LegalAuthority{AuthorityKind::eio, "EIO-2026-17"};
            event.recipient = other;
            event.released_by = "Releasing officer of " + item.custodian;
            item.offered = true;
            break;
        case 1:
        case 2:
            event.kind = EventKind::access;
            event.legal_authority = LegalAuthority{AuthorityKind::warrant, "W-2026-001"};
            event.action = AccessAction::view;
            event.purpose = "examination";
            event.tool = "viewer";
            break;
        default:
            event.kind = EventKind::verify;
            event.digests = digests_of(item_id);
            event.tool = "sha256sum";
            break;
    }
    return seal_and_track(std::move(event), item_id);
}

std::vector<Envelope> SyntheticWorkload::next_events(std::size_t count, TimeMs time) {
    std::vector<Envelope> events;
    events.reserve(count);
    for (std::size_t i = 0; i < count; ++i, ++counter_) {
        if (item_ids_.size() < 4 || counter_ % 3 == 0) {
            events.push_back(make_register(time));
            continue;
        }
        const std::size_t live = std::min(item_ids_.size(), live_items_max);
        const std::string& item_id = item_ids_[item_ids_.size() - 1 - (counter_ * 7919) % live];
        events.push_back(make_follow_up(item_id, items_.at(item_id), time));
    }
    return events;
}

Certificate SyntheticWorkload::certify(const BlockHeader& header, Round round) const {
    crypto::Note note;
    note.body = checkpoint_body(header, block_hash(header), round);
    for (std::size_t i = 0; i < validator_keys_.size(); ++i) {
        auto signature =
            crypto::sign_note(note.body, genesis_.validators.validators[i].name, validator_keys_[i]);
        CUSTOS_ASSERT(signature.has_value(), "a checkpoint body is a valid note body");
        note.signatures.push_back(std::move(*signature));
    }
    return Certificate{crypto::format_note(note)};
}

Result<CertifiedBlock> SyntheticWorkload::next_block(const StateView& state, const ApplyContext& context,
                                                     std::size_t count) {
    const Height height{context.previous ? context.previous->height.value + 1 : 1};
    const TimeMs time = block_time(height);
    BlockProposal proposal{next_events(count, time), time, genesis_.validators.validators.front().name};
    auto built = build_block(state, proposal, context);
    if (!built) return tl::unexpected(built.error());
    if (!built->dropped.empty()) {
        return make_error(ErrorCode::internal,
                          "synthetic event refused: " + built->dropped.front().error.message());
    }
    Certificate certificate = certify(built->block.header);
    return CertifiedBlock{std::move(built->block), std::move(built->effects), std::move(certificate)};
}

}  // namespace custos::ledger
