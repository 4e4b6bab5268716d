// A RocksDB store with a real custody history for the bundle tests: the LedgerWorld genesis
// (three agencies, four validators), every block certified by exactly three of the four
// validators (the smallest quorum, so one signature line less breaks a certificate), and:
//   ITEM-1 registered by NL-POL, offered to and accepted by DE-BKA, imaged, derived into
//   ITEM-1.image, which is verified; a new NL-POL officer key added by governance (it signs a
//   later accept, and is revoked after it) and another revoked; ITEM-2 of
//   another case interleaved, so leaf indexes in the bundle are not contiguous.
#pragma once

#include <doctest/doctest.h>

#include "ledger/blocks/block.hpp"
#include "ledger/bundle/bundle.hpp"
#include "ledger/store/store.hpp"
#include "tests/ledger/ledger_fixture.hpp"
#include "tests/ledger/store_fixture.hpp"

namespace custos::test {

class BundleWorld {
public:
    BundleWorld() : store_(create_store(directory_.store(), world.genesis)) {
        Event second = world.register_event("ITEM-2", "2026-02-01T09:00:00.000Z");
        second.case_id = "CASE-2";
        commit(
            {world.sign(world.register_event("ITEM-1"), "nl.custodian"), world.sign(second, "nl.custodian")},
            "2026-02-01T10:00:01.000Z");
        commit(
            {next("nl.custodian", EventKind::transfer_offer, "ITEM-1", "NL-POL", "2026-02-02T08:00:00.000Z")},
            "2026-02-02T08:00:01.000Z");
        commit({world.sign(add_officer(), "nl.admin"), next("de.custodian", EventKind::transfer_accept,
                                                            "ITEM-1", "DE-BKA", "2026-02-03T09:00:00.000Z")},
               "2026-02-03T09:00:01.000Z");
        commit(
            {next("de.custodian", EventKind::access, "ITEM-1", "DE-BKA", "2026-02-04T11:00:00.000Z"),
             other_case(world.next_event(EventKind::unseal, "ITEM-2", "NL-POL", "2026-02-04T11:00:00.000Z"))},
            "2026-02-04T11:00:01.000Z");
        commit({next("de.custodian", EventKind::derive, "ITEM-1", "DE-BKA", "2026-02-05T12:00:00.000Z")},
               "2026-02-05T12:00:01.000Z");
        commit(
            {next("de.custodian", EventKind::verify, "ITEM-1.image", "DE-BKA", "2026-02-06T12:00:00.000Z")},
            "2026-02-06T12:00:01.000Z");
        // Offered back to NL-POL and accepted by the officer key governance added at height 3.
        Event offer =
            world.next_event(EventKind::transfer_offer, "ITEM-1", "DE-BKA", "2026-02-07T08:00:00.000Z");
        offer.recipient = "NL-POL";
        commit({world.sign(offer, "de.custodian")}, "2026-02-07T08:00:01.000Z");
        Event accept =
            world.next_event(EventKind::transfer_accept, "ITEM-1", "NL-POL", "2026-02-08T08:00:00.000Z");
        commit({sign_event(accept, new_officer_key)}, "2026-02-08T08:00:01.000Z");
        // Keys revoked by governance (more records the bundle must list): one that signed nothing,
        // and the key that signed the accept above (its record at the anchor says revoked).
        commit({world.sign(revoke_officer(world.key("nl.auditor").public_key()), "nl.admin"),
                world.sign(revoke_officer(new_officer_key.public_key()), "nl.admin")},
               "2026-02-08T09:00:01.000Z");
        // An empty block on top: the anchor is later than the item's last event.
        commit({}, "2026-02-09T08:00:01.000Z");
    }

    ledger::Store& store() { return store_; }

    crypto::Json bundle(std::string_view item = "ITEM-1") const {
        auto made = ledger::make_bundle(store_, item);
        REQUIRE_MESSAGE(made.has_value(), (made ? std::string() : made.error().to_string()));
        return *made;
    }

    // Signs the checkpoint of `header` with the validators at these indexes.
    ledger::Certificate certify(const BlockHeader& header,
                                std::vector<std::size_t> signers = {0, 1, 2}) const {
        crypto::Note note;
        note.body = checkpoint_body(header, block_hash(header), Round{0});
        for (std::size_t index : signers) {
            auto line = crypto::sign_note(note.body, world.genesis.validators.validators[index].name,
                                          world.validator_keys[index]);
            REQUIRE(line.has_value());
            note.signatures.push_back(*line);
        }
        return ledger::Certificate{crypto::format_note(note)};
    }

    // One more event on `item` after the history above (for the refresh tests): an access by
    // NL-POL, which holds ITEM-1 at the end.
    void add_access(const std::string& item, const char* event_time, const char* block_time) {
        commit({next("nl.custodian", EventKind::access, item, "NL-POL", event_time)}, block_time);
    }
    // An empty block (the log does not grow, the state does not change).
    void add_empty_block(const char* block_time) { commit({}, block_time); }
    // One more block of these events, for tests that need a state the history above lacks.
    void add_block(const std::vector<Envelope>& envelopes, const char* block_time) {
        commit(envelopes, block_time);
    }

    LedgerWorld world;
    crypto::SecretKey new_officer_key = seeded_key(60);

private:
    Envelope next(const std::string& handle, EventKind kind, const std::string& item,
                  const std::string& agency, const char* time) {
        return world.sign(world.next_event(kind, item, agency, time), handle);
    }

    Event revoke_officer(const crypto::PublicKey& key) const {
        Event event;
        event.chain_id = LedgerWorld::chain;
        event.kind = EventKind::officer_revoke;
        event.agency = "NL-POL";
        event.time = at("2026-02-08T09:00:00.000Z");
        event.officer = key;
        event.reason = "left the service";
        return event;
    }

    Envelope other_case(Event event) const {
        event.case_id = "CASE-2";
        return world.sign(event, "nl.custodian");
    }

    Event add_officer() const {
        Event event;
        event.chain_id = LedgerWorld::chain;
        event.kind = EventKind::officer_add;
        event.agency = "NL-POL";
        event.time = at("2026-02-03T08:00:00.000Z");
        event.officer = new_officer_key.public_key();
        event.roles = {Role::custodian};
        event.name = "Officer P. Bakker";
        return event;
    }

    // Commits to the world's memory ledger (which next_event reads) and to the store, with a
    // certificate of three validators.
    void commit(const std::vector<Envelope>& envelopes, const char* time) {
        world.commit(envelopes, time);
        const Block& block = world.ledger->blocks().back();
        auto effects = apply_block(store_, block, store_.next_block_context());
        REQUIRE_MESSAGE(effects.has_value(), (effects ? std::string() : effects.error().to_string()));
        auto appended = store_.append_block(block, certify(block.header), *effects);
        REQUIRE_MESSAGE(appended.has_value(), (appended ? std::string() : appended.error().to_string()));
    }

    TempDir directory_;
    ledger::Store store_;
};

}  // namespace custos::test
