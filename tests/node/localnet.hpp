// A four-validator network of real custos-node processes on 127.0.0.1, for the node tests.
// Keys, genesis and configs are generated in a temporary directory; nodes are started with
// fork/exec and stopped with signals; requests go through the REST API.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/event.hpp"
#include "ledger/genesis.hpp"

namespace custos::node_test {

inline constexpr std::size_t validator_count = 4;

class Localnet {
public:
    Localnet();
    ~Localnet();
    Localnet(const Localnet&) = delete;
    Localnet& operator=(const Localnet&) = delete;

    void start(std::size_t index);
    void kill_node(std::size_t index, int signal);  // Sends the signal and reaps the process.
    [[nodiscard]] bool running(std::size_t index) const { return pids_[index] > 0; }

    // A fresh, valid register event for a new item, signed by the custodian officer.
    [[nodiscard]] std::string next_register_envelope();
    // HTTP status of POST /v1/events on node `index` (0 when the node cannot be reached).
    [[nodiscard]] unsigned submit(std::size_t index, const std::string& envelope_json);
    // GET /v1/status; nullopt when unreachable.
    [[nodiscard]] std::optional<crypto::Json> status(std::size_t index);
    [[nodiscard]] std::optional<std::uint64_t> log_size(std::size_t index);
    [[nodiscard]] std::optional<std::uint64_t> height(std::size_t index);
    [[nodiscard]] std::optional<std::string> block_hash(std::size_t index, std::uint64_t height);
    // A counter or gauge from GET /metrics (open route); nullopt when unreachable or absent.
    [[nodiscard]] std::optional<double> metric(std::size_t index, const std::string& name);
    // Polls until `predicate` holds or `seconds` pass; returns whether it held.
    template <typename Predicate>
    bool wait_for(Predicate predicate, int seconds);

    [[nodiscard]] std::filesystem::path store_dir(std::size_t index) const;
    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
    [[nodiscard]] std::string log_tail(std::size_t index) const;
    [[nodiscard]] bool log_contains(std::size_t index, std::string_view text) const;
    [[nodiscard]] std::string log_text(std::size_t index) const;  // The whole log.

private:
    std::filesystem::path dir_;
    std::vector<pid_t> pids_;
    std::vector<std::uint16_t> rest_ports_;
    ledger::Genesis genesis_;
    std::optional<crypto::SecretKey> officer_;
    std::optional<crypto::SecretKey> auditor_;
    std::uint64_t items_ = 0;
};

void sleep_ms(int ms);

template <typename Predicate>
bool Localnet::wait_for(Predicate predicate, int seconds) {
    for (int tick = 0; tick < seconds * 10; ++tick) {
        if (predicate()) return true;
        sleep_ms(100);
    }
    return predicate();
}

}  // namespace custos::node_test
