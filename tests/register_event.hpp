// The registration event the multi-process and runtime fixtures submit (tests/node/localnet.hpp,
// tests/runtime/node_directory.hpp): ITEM-<number> of CASE-1, registered by NL-POL at `time`.
#pragma once

#include <cstdint>
#include <string>

#include "crypto/ed25519.hpp"
#include "crypto/sha256.hpp"
#include "ledger/events/event.hpp"

namespace custos::test {

// The envelope's JSON text, signed with `officer` (NL-POL's custodian in both fixtures).
inline std::string register_envelope_json(const std::string& chain_id, std::uint64_t item_number,
                                          ledger::TimeMs time, const crypto::SecretKey& officer) {
    ledger::Event event;
    event.chain_id = chain_id;
    event.kind = ledger::EventKind::register_item;
    event.item = "ITEM-" + std::to_string(item_number);
    event.case_id = "CASE-1";
    event.agency = "NL-POL";
    event.time = time;
    event.location = "Amsterdam, evidence room 3";
    event.legal_authority = ledger::LegalAuthority{ledger::AuthorityKind::warrant, "W-2026-001"};
    event.digests = ledger::Digests{crypto::sha256("content of " + event.item), std::nullopt, std::nullopt};
    event.description = "Laptop, black";
    return ledger::envelope_to_json(ledger::sign_event(event, officer)).dump();
}

}  // namespace custos::test
