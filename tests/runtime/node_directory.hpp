// A validator's files for in-process runtime tests (the signing-state log, the mempool, compact
// proposals, config bounds): a genesis of four validators with a custodian and an auditor of
// NL-POL, each node's key and config, in a temporary directory removed at the end. Node 0 can be
// opened in the test's own process (open_node0); nothing listens and no process is started (the
// multi-process tests have tests/node/localnet.hpp for that).
#pragma once

#include <doctest/doctest.h>
#include <sodium.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "consensus/runtime/config.hpp"
#include "consensus/runtime/node_impl.hpp"
#include "consensus/runtime/wal.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/merkle.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/events/event.hpp"
#include "ledger/genesis.hpp"
#include "register_event.hpp"

namespace custos::runtime_test {

inline std::string read_all(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void write_all(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    REQUIRE(out.good());
}

class NodeDirectory {
public:
    static constexpr std::size_t validator_count = 4;

    NodeDirectory() {
        REQUIRE(sodium_init() >= 0);
        char pattern[] = "/tmp/custos-runtime-test-XXXXXX";
        REQUIRE(::mkdtemp(pattern) != nullptr);
        dir_ = pattern;
        genesis_.chain_id = "custos-runtime-test";
        genesis_.genesis_time = ledger::TimeMs{now_ms() - 3'600'000};
        genesis_.agencies = {{"DE-BKA", "Bundeskriminalamt", "DE"}, {"NL-POL", "Politie Nederland", "NL"}};
        genesis_.officers.push_back(
            ledger::Officer{officer_.public_key(), "NL-POL", {ledger::Role::custodian}, "nl.custodian"});
        genesis_.officers.push_back(ledger::Officer{
            auditor_.public_key(), "NL-POL", {ledger::Role::auditor, ledger::Role::admin}, "nl.auditor"});
        std::sort(genesis_.officers.begin(), genesis_.officers.end(),
                  [](const auto& a, const auto& b) { return a.key < b.key; });
        std::vector<crypto::SecretKey> keys;
        for (std::size_t index = 0; index < validator_count; ++index) {
            keys.push_back(crypto::SecretKey::generate());
            genesis_.validators.validators.push_back(ledger::Validator{
                "validator-" + std::to_string(index + 1), index % 2 == 0 ? "NL-POL" : "DE-BKA",
                keys.back().public_key(), 1, "127.0.0.1:" + std::to_string(peer_port(index))});
        }
        auto valid = ledger::validate_genesis(genesis_);
        REQUIRE_MESSAGE(valid.has_value(), (valid ? std::string() : valid.error().message));
        write_all(dir_ / "genesis.json", ledger::canonical_genesis(genesis_));
        for (std::size_t index = 0; index < validator_count; ++index) {
            const std::string node = "node" + std::to_string(index);
            std::filesystem::create_directories(dir_ / node);
            const auto& entry = genesis_.validators.validators[index];
            REQUIRE(crypto::write_secret_key_file(dir_ / node / "validator.key", entry.name, keys[index])
                        .has_value());
            runtime::NodeConfig config;
            config.data_dir = node + "/data";
            config.genesis_file = "genesis.json";
            config.validator_key_file = node + "/validator.key";
            config.peer_listen = entry.address;
            config.rest_listen = "127.0.0.1:" + std::to_string(peer_port(index) - 8);
            for (std::size_t peer = 0; peer < validator_count; ++peer) {
                if (peer == index) continue;
                const auto& other = genesis_.validators.validators[peer];
                config.peers.push_back(runtime::PeerConfig{other.address, other.key});
            }
            write_all(dir_ / (node + ".json"), runtime::node_config_to_json(config));
        }
    }
    ~NodeDirectory() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    NodeDirectory(const NodeDirectory&) = delete;
    NodeDirectory& operator=(const NodeDirectory&) = delete;

    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

    // A register of a new item (ITEM-1, ITEM-2, ...) by NL-POL's custodian, `ago_ms` ago.
    [[nodiscard]] std::string next_register_envelope(std::int64_t ago_ms = 10'000) {
        return test::register_envelope_json(genesis_.chain_id, ++items_, ledger::TimeMs{now_ms() - ago_ms},
                                            officer_);
    }

    // `event` signed by NL-POL's auditor (an admin too), on this chain, a second ago unless timed.
    [[nodiscard]] std::string admin_envelope(ledger::Event& event) const {
        event.chain_id = genesis_.chain_id;
        if (event.time.value == 0) event.time = ledger::TimeMs{now_ms() - 1'000};
        return ledger::envelope_to_json(ledger::sign_event(event, auditor_)).dump();
    }

private:
    static std::int64_t now_ms() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
    // Never listened on: the node is only opened, not run.
    static std::uint16_t peer_port(std::size_t index) { return static_cast<std::uint16_t>(23990 + index); }

    std::filesystem::path dir_;
    ledger::Genesis genesis_;
    crypto::SecretKey officer_ = crypto::SecretKey::generate();
    crypto::SecretKey auditor_ = crypto::SecretKey::generate();
    std::uint64_t items_ = 0;
};

// Node 0 of `net` opened in this process (store, signing state, pool), not running.
inline void open_node0(const NodeDirectory& net, runtime::NodeImpl& node,
                       std::optional<std::uint64_t> mempool_events_max = std::nullopt) {
    auto config = runtime::load_node_config(net.dir() / "node0.json");
    REQUIRE(config.has_value());
    node.config = *config;
    if (mempool_events_max) node.config.mempool_events_max = mempool_events_max;
    auto opened = node.open();
    REQUIRE_MESSAGE(opened.has_value(), (opened ? std::string() : opened.error().to_string()));
}

// Two fresh register envelopes of `net`'s custodian.
inline std::pair<ledger::Envelope, ledger::Envelope> two_registers(NodeDirectory& net) {
    auto first = ledger::parse_envelope(net.next_register_envelope());
    auto second = ledger::parse_envelope(net.next_register_envelope());
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    return {std::move(*first), std::move(*second)};
}

// The RFC 9162 leaf hash of an envelope: how the node remembers the envelopes it verified.
inline Hash32 leaf_of(const ledger::Envelope& envelope) {
    return crypto::merkle_leaf_hash(as_bytes(ledger::event_bytes(envelope).canonical_envelope));
}

// The whole state as text (the v1 encoding includes the blocks): equal text, equal state.
inline std::string state_text(const consensus::PersistentState& state) {
    return runtime::encode_persistent_state(state);
}

}  // namespace custos::runtime_test
