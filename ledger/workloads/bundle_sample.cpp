// The sample store of bundle_sample.hpp.
#include "ledger/workloads/bundle_sample.hpp"

#include <array>

#include "common/assert.hpp"
#include "crypto/sha256.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {
namespace {

constexpr std::size_t sample_validators = 4;
constexpr std::int64_t sample_block_interval_ms = 1000;

crypto::SecretKey seeded(std::uint8_t seed) {
    std::array<std::uint8_t, crypto::seed_bytes> bytes{};
    bytes.fill(seed);
    auto key = crypto::SecretKey::from_seed(ByteView(bytes.data(), bytes.size()));
    CUSTOS_ASSERT(key.has_value(), "a 32-byte seed always makes a key");
    return std::move(*key);
}

struct SampleWorld {
    Genesis genesis;
    crypto::SecretKey officer = seeded(7);
    std::vector<crypto::SecretKey> validators;

    SampleWorld() {
        genesis.chain_id = "custos-sample";
        genesis.genesis_time = TimeMs{1767225600000};  // 2026-01-01T00:00:00.000Z
        genesis.agencies = {{"NL-POL", "Politie Nederland", "NL"}};
        genesis.officers = {Officer{officer.public_key(), "NL-POL", {Role::custodian}, "Sample officer"}};
        for (std::size_t i = 0; i < sample_validators; ++i) {
            validators.push_back(seeded(static_cast<std::uint8_t>(100 + i)));
            genesis.validators.validators.push_back(Validator{"validator-" + std::to_string(i + 1), "NL-POL",
                                                              validators.back().public_key(), 1,
                                                              "127.0.0.1:" + std::to_string(7001 + i)});
        }
    }

    Envelope event(std::size_t index, const std::optional<EventId>& prev, TimeMs time) const {
        Event event;
        event.chain_id = genesis.chain_id;
        event.item = std::string(sample_item);
        event.case_id = "SAMPLE-CASE";
        event.agency = "NL-POL";
        event.time = time;
        event.legal_authority = LegalAuthority{AuthorityKind::warrant, "W-SAMPLE-1"};
        if (index == 0) {
            event.kind = EventKind::register_item;
            event.location = "Sample evidence room";
            event.digests =
                Digests{crypto::sha256(std::string_view("sample content")), std::nullopt, std::nullopt};
            event.description = "Sample exhibit";
        } else {
            event.kind = EventKind::access;
            event.prev = prev;
            event.action = AccessAction::view;
            event.purpose = "review " + std::to_string(index);
        }
        return sign_event(event, officer);
    }

    Certificate certify(const BlockHeader& header) const {
        crypto::Note note;
        note.body = checkpoint_body(header, block_hash(header), Round{0});
        for (std::size_t i = 0; i < validators.size(); ++i) {
            auto line = crypto::sign_note(note.body, genesis.validators.validators[i].name, validators[i]);
            CUSTOS_ASSERT(line.has_value(), "validator names are valid note key names");
            note.signatures.push_back(*line);
        }
        return Certificate{crypto::format_note(note)};
    }
};

}  // namespace

Result<Store> make_sample_trail_store(const std::filesystem::path& directory,
                                      const SampleTrailOptions& options) {
    if (options.events == 0 || options.events_per_block == 0)
        return make_error(ErrorCode::invalid_argument, "a sample trail needs at least one event per block");
    const SampleWorld world;
    auto store =
        Store::open(directory, StoreOpenOptions{.genesis = &world.genesis, .create_if_missing = true});
    if (!store) return store;
    std::optional<EventId> head;
    TimeMs time{world.genesis.genesis_time.value};
    for (std::size_t made = 0; made < options.events;) {
        time.value += sample_block_interval_ms;
        std::vector<Envelope> events;
        for (std::size_t i = 0; i < options.events_per_block && made < options.events; ++i, ++made) {
            events.push_back(world.event(made, head, time));
            head = event_id(events.back().event);
        }
        auto built =
            build_block(*store, BlockProposal{events, time, "validator-1"}, store->next_block_context());
        if (!built) return tl::unexpected(built.error());
        if (built->block.events.size() != events.size())
            return make_error(ErrorCode::internal, "the sample block dropped an event");
        auto appended = store->append_block(built->block, world.certify(built->block.header), built->effects);
        if (!appended) return tl::unexpected(appended.error());
    }
    return store;
}

}  // namespace custos::ledger
