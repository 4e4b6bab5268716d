// A deterministic synthetic custody workload: a small genesis (two agencies, a custodian officer
// each, four validators, every key from a fixed seed) and a stream of valid events (registers,
// access, verify, transfer offers and accepts) packed into certified blocks. The store's crash
// test and `custos-dev bench ledger` use it; the same seed gives the same chain byte for byte.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/genesis.hpp"
#include "ledger/state/state.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

struct CertifiedBlock {
    Block block;
    BlockEffects effects;
    Certificate certificate;
};

class SyntheticWorkload {
public:
    static constexpr std::string_view chain_id = "custos-synthetic";

    SyntheticWorkload();
    SyntheticWorkload(const SyntheticWorkload&) = delete;
    SyntheticWorkload& operator=(const SyntheticWorkload&) = delete;

    [[nodiscard]] const Genesis& genesis() const { return genesis_; }
    [[nodiscard]] TimeMs block_time(Height height) const;
    // Items registered so far: IT-1 .. IT-item_count().
    [[nodiscard]] std::size_t item_count() const { return item_ids_.size(); }

    // The next `count` signed events, all valid in order at `time` given every event this
    // workload produced before was committed.
    [[nodiscard]] std::vector<Envelope> next_events(std::size_t count, TimeMs time);

    // Signs `event` as the custodian officer of `agency` (chain id set here), for tests that need
    // events the workload would never make.
    [[nodiscard]] Envelope sign_as(const std::string& agency, Event event) const;

    // Signs the checkpoint of `header` with every validator key: a valid commit certificate.
    [[nodiscard]] Certificate certify(const BlockHeader& header, Round round = {}) const;

    // Builds the next block from next_events(), applies it against `state` (through build_block)
    // and certifies it. Fails if any event is refused: the workload is meant to be valid.
    [[nodiscard]] Result<CertifiedBlock> next_block(const StateView& state, const ApplyContext& context,
                                                    std::size_t count);

private:
    struct Item {
        EventId head;
        std::string custodian;
        bool offered = false;
    };

    [[nodiscard]] Envelope make_register(TimeMs time);
    [[nodiscard]] Envelope make_follow_up(const std::string& item_id, Item& item, TimeMs time);
    [[nodiscard]] Envelope seal_and_track(Event event, const std::string& item_id);

    Genesis genesis_;
    std::map<std::string, crypto::SecretKey> custodians_;  // agency -> custodian officer key
    std::vector<crypto::SecretKey> validator_keys_;        // in validator (name) order
    std::vector<std::string> item_ids_;
    std::map<std::string, Item> items_;
    std::uint64_t counter_ = 0;
};

}  // namespace custos::ledger
