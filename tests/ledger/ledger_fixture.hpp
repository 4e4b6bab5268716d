// A small world for ledger tests: three agencies, officers with each role, four validators,
// all keys derived from fixed seeds, and helpers that build, sign and commit custody events.
// Other ledger tests (the store's included) may use it.
#pragma once

#include <doctest/doctest.h>
#include <sodium.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/ed25519.hpp"
#include "crypto/sha256.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/blocks/memory_ledger.hpp"
#include "ledger/events/event.hpp"
#include "ledger/events/read_record.hpp"
#include "ledger/genesis.hpp"
#include "ledger/rules/rules.hpp"
#include "ledger/time.hpp"

namespace custos::test {

using namespace custos::ledger;

inline crypto::SecretKey seeded_key(std::uint8_t seed) {
    // The test main does not initialise libsodium; sodium_init() is idempotent.
    REQUIRE(sodium_init() >= 0);
    std::array<std::uint8_t, crypto::seed_bytes> bytes{};
    bytes.fill(seed);
    auto key = crypto::SecretKey::from_seed(ByteView(bytes.data(), bytes.size()));
    REQUIRE(key.has_value());
    return std::move(*key);
}

inline TimeMs at(const char* text) {
    auto time = parse_time(text);
    REQUIRE_MESSAGE(time.has_value(), text);
    return *time;
}

inline Digests digests_of(std::string_view content) {
    return Digests{crypto::sha256(content), std::nullopt, std::nullopt};
}

struct OfficerSpec {
    std::string handle;  // e.g. "nl.custodian"
    std::string agency;
    std::vector<Role> roles;
};

class LedgerWorld {
public:
    static constexpr const char* chain = "custos-test";

    LedgerWorld() {
        genesis.chain_id = chain;
        genesis.genesis_time = at("2026-01-01T00:00:00.000Z");
        genesis.agencies = {{"BE-POL", "Police fédérale", "BE"},
                            {"DE-BKA", "Bundeskriminalamt", "DE"},
                            {"NL-POL", "Politie Nederland", "NL"}};
        const std::vector<OfficerSpec> specs = {
            {"nl.custodian", "NL-POL", {Role::custodian}}, {"nl.prosecutor", "NL-POL", {Role::prosecutor}},
            {"nl.auditor", "NL-POL", {Role::auditor}},     {"nl.admin", "NL-POL", {Role::admin}},
            {"de.custodian", "DE-BKA", {Role::custodian}}, {"de.prosecutor", "DE-BKA", {Role::prosecutor}},
            {"be.custodian", "BE-POL", {Role::custodian}},
        };
        std::uint8_t seed = 1;
        for (const auto& spec : specs) {
            keys.emplace(spec.handle, seeded_key(seed++));
            genesis.officers.push_back(
                Officer{keys.at(spec.handle).public_key(), spec.agency, spec.roles, spec.handle});
        }
        std::sort(genesis.officers.begin(), genesis.officers.end(),
                  [](const Officer& a, const Officer& b) { return a.key < b.key; });
        const char* agencies[] = {"NL-POL", "DE-BKA", "BE-POL", "NL-POL"};
        for (int i = 0; i < 4; ++i) {
            std::string name = "validator-" + std::to_string(i + 1);
            validator_keys.push_back(seeded_key(static_cast<std::uint8_t>(100 + i)));
            genesis.validators.validators.push_back(Validator{name, agencies[i],
                                                              validator_keys.back().public_key(), 1,
                                                              "127.0.0.1:" + std::to_string(7001 + i)});
        }
        auto valid = validate_genesis(genesis);
        REQUIRE_MESSAGE(valid.has_value(), (valid ? std::string() : valid.error().message));
        ledger = std::make_unique<MemoryLedger>(genesis);
    }

    const crypto::SecretKey& key(const std::string& handle) const { return keys.at(handle); }

    // A register event for `item` in case "CASE-1" by NL-POL, with every required field.
    Event register_event(const std::string& item, const char* time = "2026-02-01T10:00:00.000Z",
                         const std::string& agency = "NL-POL") const {
        Event event;
        event.chain_id = chain;
        event.kind = EventKind::register_item;
        event.item = item;
        event.case_id = "CASE-1";
        event.agency = agency;
        event.time = at(time);
        event.location = "Amsterdam, evidence room 3";
        event.legal_authority = LegalAuthority{AuthorityKind::warrant, "W-2026-001"};
        event.digests = digests_of("content of " + item);
        event.description = "Laptop, black, serial ABC123";
        event.seal = "SEAL-0001";
        return event;
    }

    // An event of `kind` continuing `item` from its current head, with the kind's required fields.
    Event next_event(EventKind kind, const std::string& item, const std::string& agency,
                     const char* time) const {
        Event event;
        event.chain_id = chain;
        event.kind = kind;
        event.item = item;
        event.case_id = "CASE-1";
        event.agency = agency;
        event.time = at(time);
        if (is_validator_governance(kind)) return validator_event(kind, agency, time);
        if (kind == EventKind::read)
            return read_event(signed_read("nl.prosecutor", ReadAction::trail, item, time), time);
        if (is_governance(kind)) {
            event.item.clear();
            event.case_id.clear();
            // A key no genesis officer or validator holds, added to (or revoked from) the agency.
            return officer_event(kind, seeded_key(60).public_key(), agency, time);
        }
        auto state = ledger->state().item(item);
        REQUIRE(state.has_value());
        if (state->has_value()) event.prev = (*state)->head;
        switch (kind) {
            case EventKind::transfer_offer:
                event.legal_authority = LegalAuthority{AuthorityKind::eio, "EIO-2026-17"};
                event.recipient = "DE-BKA";
                event.released_by = "Officer J. de Vries";
                break;
            case EventKind::transfer_accept:
                event.location = "Wiesbaden, BKA evidence store";
                event.received_by = "KHK M. Weber";
                event.seal_intact = true;
                event.digests = digests_of("content of " + item);
                break;
            case EventKind::transfer_reject:
                event.received_by = "KHK M. Weber";
                event.reason = "wrong exhibit";
                break;
            case EventKind::access:
                event.legal_authority = LegalAuthority{AuthorityKind::warrant, "W-2026-001"};
                event.action = AccessAction::image;
                event.purpose = "forensic imaging";
                event.tool = "FTK Imager 4.7";
                break;
            case EventKind::grant:
                event.legal_authority = LegalAuthority{AuthorityKind::mlat, "MLAT-2026-3"};
                event.grantee = "BE-POL";
                event.scope = {AccessAction::view, AccessAction::analyse};
                event.expires = at("2026-06-01T00:00:00.000Z");
                break;
            case EventKind::revoke:
                event.grantee = "BE-POL";
                break;
            case EventKind::verify:
                event.digests = digests_of("content of " + item);
                break;
            case EventKind::seal:
                event.seal = "SEAL-0002";
                break;
            case EventKind::unseal:
                event.seal = "SEAL-0001";
                break;
            case EventKind::derive:
                event.legal_authority = LegalAuthority{AuthorityKind::warrant, "W-2026-001"};
                event.new_item = item + ".image";
                event.digests = digests_of("image of " + item);
                event.description = "E01 image";
                break;
            case EventKind::dispose:
                event.outcome = DisposeOutcome::returned;
                break;
            default:
                break;
        }
        return event;
    }

    // officer.add (a custodian named after the key) or officer.revoke of `key` for `agency`.
    Event officer_event(EventKind kind, const crypto::PublicKey& key, const std::string& agency,
                        const char* time, std::vector<Role> roles = {Role::custodian}) const {
        Event event;
        event.chain_id = chain;
        event.kind = kind;
        event.agency = agency;
        event.time = at(time);
        event.officer = key;
        if (kind == EventKind::officer_add) {
            event.roles = std::move(roles);
            event.name = "Officer " + key_id(key).substr(0, 8);
        } else {
            event.reason = "left the unit";
        }
        return event;
    }

    // validator.propose of a new NL-POL validator "validator-5" (power 1), or validator.approve
    // of `proposal` (by default an id no event has).
    Event validator_event(EventKind kind, const std::string& agency, const char* time,
                          std::optional<EventId> proposal = std::nullopt) const {
        Event event;
        event.chain_id = chain;
        event.kind = kind;
        event.agency = agency;
        event.time = at(time);
        if (kind == EventKind::validator_propose) {
            event.validator =
                Validator{"validator-5", "NL-POL", seeded_key(110).public_key(), 1, "127.0.0.1:7005"};
            event.reason = "a fifth validator for NL-POL";
        } else {
            event.proposal = proposal.value_or(EventId{crypto::sha256("no such proposal")});
        }
        return event;
    }

    // The signature base (FORMAT.md section 12) of a GET of `target` on node 127.0.0.1:8081,
    // signed at `created_s` for 60 s with a fresh nonce by `key_hex`'s officer.
    std::string signature_base(const std::string& target, std::int64_t created_s,
                               const std::string& key_hex) const {
        const std::string nonce = "nonce-" + std::to_string(++nonces_);
        return "\"@method\": GET\n\"@target-uri\": http://127.0.0.1:8081" + target +
               "\n\"content-digest\": sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:\n"
               "\"@signature-params\": (\"@method\" \"@target-uri\" \"content-digest\");created=" +
               std::to_string(created_s) + ";expires=" + std::to_string(created_s + 60) + ";nonce=\"" +
               nonce + "\";keyid=\"" + key_hex + "\";alg=\"ed25519\"";
    }

    // `handle`'s signed read of `subject` (the action's own path unless `target` is given),
    // signed a second before `received` and recorded as served by validator-1.
    ReadRecord signed_read(const std::string& handle, ReadAction action, const std::string& subject,
                           const char* received, std::string target = {}) const {
        ReadRecord read;
        read.node = "validator-1";
        read.officer = key(handle).public_key();
        read.action = action;
        read.subject = subject;
        if (target.empty())
            target = read_path(action, subject) + (action == ReadAction::search ? "?sha256=" + subject : "");
        read.signature_base = signature_base(target, at(received).value / 1000 - 1, key_id(read.officer));
        read.signature = key(handle).sign(as_bytes(read.signature_base));
        return read;
    }

    // The read record event of `read`, received at `time` by an NL-POL node.
    Event read_event(ReadRecord read, const char* time, const std::string& agency = "NL-POL") const {
        Event event;
        event.chain_id = chain;
        event.kind = EventKind::read;
        event.agency = agency;
        event.time = at(time);
        event.read = std::move(read);
        return event;
    }

    // Signed by validator `index` (0: validator-1, of NL-POL).
    Envelope sign_read(const Event& event, std::size_t index = 0) const {
        return sign_event(event, validator_keys.at(index));
    }

    Envelope sign(const Event& event, const std::string& handle) const {
        return sign_event(event, key(handle));
    }

    // Commits one block holding exactly these envelopes at `time`; fails the test otherwise.
    BlockEffects commit(const std::vector<Envelope>& envelopes, const char* time) {
        auto built = ledger->build(BlockProposal{envelopes, at(time), "validator-1"});
        REQUIRE_MESSAGE(built.has_value(), (built ? std::string() : built.error().message));
        for (const auto& dropped : built->dropped)
            FAIL("dropped: " << dropped.error.message());
        REQUIRE(built->block.events.size() == envelopes.size());
        auto effects = ledger->apply(built->block);
        REQUIRE_MESSAGE(effects.has_value(), (effects ? std::string() : effects.error().message));
        return *effects;
    }

    ItemState item(const std::string& id) const {
        auto state = ledger->state().item(id);
        REQUIRE(state.has_value());
        REQUIRE(state->has_value());
        return **state;
    }

    Genesis genesis;
    std::map<std::string, crypto::SecretKey> keys;
    std::vector<crypto::SecretKey> validator_keys;
    std::unique_ptr<MemoryLedger> ledger;

private:
    mutable int nonces_ = 0;
};

}  // namespace custos::test
