// Small pieces every runtime test file needs, defined once.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/runtime/read_relay.hpp"
#include "crypto/bytes.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/events/read_record.hpp"
#include "ledger/types.hpp"

namespace custos::runtime::testing {

// Ephemeral X25519 keys are made (in static initialisers, too) before any SecretKey exists, so
// libsodium is initialised here rather than left to crypto::SecretKey. One definition for the
// whole binary (an inline variable).
[[maybe_unused]] inline const bool sodium_ready = [] {
    if (sodium_init() < 0) std::abort();
    return true;
}();

inline Bytes text_bytes(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

// A key that is only a name (the first byte): for the peer tables, which never check signatures.
inline crypto::PublicKey peer_key(std::uint8_t n) {
    crypto::PublicKey key;
    key.bytes[0] = n;
    return key;
}

// Validators whose keys are peer_key(1), peer_key(2), ... with these powers.
inline ledger::ValidatorSet validator_set(const std::vector<std::uint64_t>& powers) {
    ledger::ValidatorSet set;
    for (std::size_t i = 0; i < powers.size(); ++i) {
        const auto n = static_cast<std::uint8_t>(i + 1);
        set.validators.push_back(ledger::Validator{.name = "validator-" + std::to_string(n),
                                                   .agency = "NL-POL",
                                                   .key = peer_key(n),
                                                   .power = powers[i],
                                                   .address = "127.0.0.1:1"});
    }
    return set;
}

// An officer's signed trail read of ITEM-1 as an observer relays it (read_relay.hpp, 0x07): the
// request's signature base (docs/FORMAT.md section 12, created 1700000000, expires a minute
// later) for the node at `authority`, signed by the officer, served 200.
struct RelayedTrail {
    std::string_view authority = "127.0.0.1:8085";  // The observer's, in the fixtures.
    std::string_view scheme = "http";
    std::uint64_t ticket = 7;
    std::int64_t received_ms = 1'700'000'000'000;
    std::string_view node = "observer-1";  // The name the observer gives itself.
};
inline ReadRelayRequest relayed_trail_read(const crypto::SecretKey& officer, const RelayedTrail& read = {}) {
    const std::string base =
        "\"@method\": GET\n\"@target-uri\": " + std::string(read.scheme) + "://" +
        std::string(read.authority) +
        "/v1/items/ITEM-1/trail\n"
        "\"content-digest\": sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:\n"
        "\"@signature-params\": (\"@method\" \"@target-uri\" \"content-digest\");created=1700000000;"
        "expires=1700000060;nonce=\"00112233445566778899aabbccddeeff\";keyid=\"" +
        ledger::key_id(officer.public_key()) + "\";alg=\"ed25519\"";
    return ReadRelayRequest{.ticket = read.ticket,
                            .received = ledger::TimeMs{read.received_ms},
                            .read = ledger::ReadRecord{.node = std::string(read.node),
                                                       .officer = officer.public_key(),
                                                       .action = ledger::ReadAction::trail,
                                                       .subject = "ITEM-1",
                                                       .outcome = ledger::ReadOutcome::served,
                                                       .status = 200,
                                                       .signature_base = base,
                                                       .signature = officer.sign(as_bytes(base))}};
}

}  // namespace custos::runtime::testing
