// Configuration of one validator node: `custos-node --config FILE`.
//
// FILE is one JSON object, parsed strictly (crypto::parse_json: no duplicate keys, valid UTF-8);
// an unknown field, a missing required field or a value of the wrong type is refused with a
// message naming the field, and custos-node exits with status 2.
//
//   {
//     "data_dir":           "localnet/node0",              required; created if missing. Holds
//                                                           the RocksDB store and signing state.
//     "genesis_file":       "localnet/genesis.json",       required
//     "validator_key_file": "localnet/node0/validator.key",required; secret key file (mode 0600)
//     "peer_listen":        "127.0.0.1:26657",             required; host:port for validators
//     "rest_listen":        "127.0.0.1:8081",              required; host:port of the REST API
//     "rest_public_names":  ["node1.police.example:8081"], optional; default [rest_listen], and
//                                                           required if rest_listen is a wildcard.
//                                                           The authorities (host:port, or host
//                                                           alone for port 80) clients use in this
//                                                           node's URL: a signed request whose
//                                                           @target-uri names another is refused
//                                                           (1 to 16, compared without case)
//     "validator_key_passphrase_file": "/run/secrets/pass", optional; the passphrase of a sealed
//                                                           validator key file (first line, mode
//                                                           0600); without it custos-node asks on
//                                                           its terminal
//     "rest_tls_certificate_file": "tls/node.crt",         optional, with rest_tls_key_file: the
//     "rest_tls_key_file":         "tls/node.key",         REST API speaks HTTPS (TLS 1.2+) with
//                                                           this PEM certificate chain (leaf first)
//                                                           and private key
//     "rest_plain_http_allowed": false,                     optional; plain HTTP on a rest_listen
//                                                           that is not loopback (127.0.0.0/8, ::1,
//                                                           localhost) is refused unless true
//     "peers": [                                            optional; default []
//       {"address": "127.0.0.1:26658", "public_key": "<64 hex chars, Ed25519>"}
//     ],
//     "observers": [                                        optional; default []
//       {"public_key": "<64 hex chars, Ed25519>", "name": "auditor-copy",
//        "rest_public_names": ["copy.auditor.example:8443"]}
//     ],
//     "log_level":          "info"                         optional; debug|info|warn|error
//     "test_byzantine":     "equivocate"                   TEST ONLY, see below
//     "test_without_state_map": true                       TEST ONLY, see below
//   }
//
// "test_byzantine" makes this validator misbehave on purpose, for the multi-process tests of
// the honest validators: "equivocate_proposals" (as proposer it sends two different blocks for
// one height and round, each to a different half of its peers first), "equivocate_votes" (each
// prevote and precommit goes out together with a conflicting one for another value),
// "equivocate" (both), or "forge_signatures" (as proposer, the first event of each block goes
// under a forged signature, in a header made for it). The field parses, but Node::create refuses it unless
// the environment also holds CUSTOS_TEST_BYZANTINE=1 (check_test_only_settings): a production config that
// carries it, by mistake or by tampering, exits with status 2 and a message naming the field,
// because an equivocating validator is exactly what the other validators record as evidence.
//
// "test_without_state_map": true makes this validator keep no certified state map: every block
// it builds carries a state_root of 32 zero bytes and it refuses any other (ledger::ApplyContext).
// It exists for one benchmark, the same load with and without the map side by side (custos
// localnet init --test-state-map off, docs/OPERATIONS.md); every validator of such a network must
// set it, its bundles prove nothing about completeness and custos audit reports its roots. Like
// test_byzantine it parses, but Node::create refuses it unless the environment holds
// CUSTOS_TEST_WITHOUT_STATE_MAP=1, and a store made with it opens only with it (and vice versa).
//
// "observers" lists non-voting nodes (docs/OPERATIONS.md "Observer nodes") that this node lets
// connect besides the validators of its next two heights: their handshakes are accepted inbound,
// they are never dialed and never count for the voting gate, quorum or block sync requests. An
// observer's own config lists the validators it follows in "peers" (it dials the addresses of the
// set anyway); its key is any Ed25519 key that is not a validator's. Names (1 to 64 printable
// ASCII bytes) are for logs only; keys must be distinct. "rest_public_names" (required, 1 to 16,
// as the node's own field) is the observer's own "rest_public_names": the authorities its clients
// sign for. This node records a read the observer relays (read_relay.hpp) only when the officer's
// signed @target-uri names one of them (compared without case), so an observer cannot have a
// request recorded that was signed for another node.
//
// Relative paths are taken relative to the directory holding FILE, so a localnet directory can
// be moved as a whole.
//
// Port convention for a localnet of N validators (node i = 0..N-1):
//   REST  127.0.0.1:(8081 + i)    -> 8081..8084 for four validators
//   peer  127.0.0.1:(26657 + i)   -> 26657..26660 for four validators
// Each node lists the other N-1 validators in "peers" (its own entry may be listed too; the
// node skips its own key).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "consensus/runtime/log.hpp"
#include "crypto/ed25519.hpp"

namespace custos::runtime {

inline constexpr std::uint16_t localnet_rest_port_base = 8081;
inline constexpr std::uint16_t localnet_peer_port_base = 26657;
inline constexpr std::size_t config_peers_max = 256;
inline constexpr std::size_t rest_public_names_max = 16;
inline constexpr std::size_t config_bytes_max = 1024 * 1024;

struct PeerConfig {
    std::string address;  // "host:port"
    crypto::PublicKey public_key;
};

inline constexpr std::size_t config_observers_max = 256;
inline constexpr std::size_t observer_name_bytes_max = 64;

struct ObserverConfig {
    crypto::PublicKey public_key;
    std::string name;
    // The observer's own rest_public_names: the authorities a read it relays may be signed for.
    std::vector<std::string> rest_public_names;
};

// Accepted ranges of the mempool bounds.
inline constexpr std::uint64_t mempool_events_max_low = 1;
inline constexpr std::uint64_t mempool_events_max_high = 10'000'000;
inline constexpr std::uint64_t mempool_bytes_max_low = std::uint64_t{1} << 20;    // 1 MiB
inline constexpr std::uint64_t mempool_bytes_max_high = std::uint64_t{64} << 30;  // 64 GiB

struct NodeConfig {
    std::filesystem::path data_dir;
    std::filesystem::path genesis_file;
    std::filesystem::path validator_key_file;
    std::filesystem::path validator_key_passphrase_file;  // Empty: ask on the terminal if sealed.
    // HTTPS for the REST API: both set, or both empty (plain HTTP, loopback only unless
    // rest_plain_http_allowed).
    std::filesystem::path rest_tls_certificate_file;
    std::filesystem::path rest_tls_key_file;
    bool rest_plain_http_allowed = false;
    std::string peer_listen;
    std::string rest_listen;
    // Authorities a signed request may name (api/auth.hpp); parse_node_config fills the default.
    std::vector<std::string> rest_public_names;
    std::vector<PeerConfig> peers;
    std::vector<ObserverConfig> observers;  // Non-voting nodes allowed to connect inbound.
    LogLevel log_level = LogLevel::info;
    // Bounds of the mempool (events and canonical bytes); unset: the defaults in mempool.hpp.
    std::optional<std::uint64_t> mempool_events_max;
    std::optional<std::uint64_t> mempool_bytes_max;
    std::string test_byzantine;           // Empty: honest (always, in production).
    bool test_without_state_map = false;  // False always in production.
};

inline constexpr std::string_view test_byzantine_env = "CUSTOS_TEST_BYZANTINE";
inline constexpr std::string_view test_without_state_map_env = "CUSTOS_TEST_WITHOUT_STATE_MAP";

// Parses the JSON text of a config; relative paths are resolved against `base_dir`.
[[nodiscard]] Result<NodeConfig> parse_node_config(std::string_view text,
                                                   const std::filesystem::path& base_dir);
// Reads and parses FILE.
[[nodiscard]] Result<NodeConfig> load_node_config(const std::filesystem::path& file);
// The JSON text of a config (paths written as given), for generators and tests.
[[nodiscard]] std::string node_config_to_json(const NodeConfig& config);
[[nodiscard]] Result<LogLevel> parse_log_level(std::string_view name);
// Refuses test-only settings ("test_byzantine" unless CUSTOS_TEST_BYZANTINE=1 is set,
// "test_without_state_map" unless CUSTOS_TEST_WITHOUT_STATE_MAP=1 is).
[[nodiscard]] Status check_test_only_settings(const NodeConfig& config);

}  // namespace custos::runtime
