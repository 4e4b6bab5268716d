// Each simulator invariant check must fail when its property is broken on purpose.
#include <doctest/doctest.h>

#include "cluster.hpp"
#include "crypto/signed_note.hpp"
#include "sim/invariants.hpp"
#include "sim/simulation.hpp"

using namespace custos::test;
using custos::sim::Invariant;
using custos::sim::InvariantChecker;

namespace {

// A decision for `height` whose certificate carries precommits of `signers`.
Decision decision(const std::vector<std::unique_ptr<KeySigner>>& keys, std::uint64_t height,
                  std::uint8_t salt, std::vector<std::size_t> signers) {
    Block block = test_block(Height{height}, TimeMs{test_genesis_time_ms + static_cast<std::int64_t>(height)},
                             BlockHash{}, test_name(0), salt);
    const auto checkpoint = checkpoint_ref(block.header);
    custos::crypto::Note note;
    note.body = custos::ledger::checkpoint_body(block.header, checkpoint.block, Round{0});
    for (auto index : signers) {
        auto message =
            sign_vote(*keys[index], test_chain_id, make_precommit(Height{height}, Round{0}, checkpoint));
        const auto& bytes = message.signature.bytes;
        note.signatures.push_back({test_name(index),
                                   custos::crypto::note_key_hash(test_name(index), keys[index]->public_key()),
                                   custos::Bytes(bytes.begin(), bytes.end())});
    }
    return Decision{block, checkpoint.block, Round{0},
                    custos::ledger::Certificate{custos::crypto::format_note(note)}};
}

struct Fixture {
    std::vector<std::unique_ptr<KeySigner>> keys;
    InvariantChecker checker{std::string(test_chain_id), test_validators(4), {true, true, true, false}};
    Fixture() {
        for (std::size_t index = 0; index < 4; ++index)
            keys.push_back(std::make_unique<KeySigner>(test_name(index), test_key(index)));
    }
    Decision good(std::uint64_t height, std::uint8_t salt = 1) {
        return decision(keys, height, salt, {0, 1, 2});
    }
};

const custos::Status ok{};

}  // namespace

TEST_CASE("invariants: an honest history passes every check") {
    Fixture fixture;
    fixture.checker.on_height(0, Height{1});
    fixture.checker.on_decision(0, fixture.good(1), ok);
    fixture.checker.on_decision(1, fixture.good(1), ok);
    fixture.checker.on_height(0, Height{2});
    fixture.checker.on_signed(
        0, sign_vote(*fixture.keys[0], test_chain_id, make_prevote(Height{2}, Round{0}, std::nullopt)));
    fixture.checker.on_signed(
        0, sign_vote(*fixture.keys[0], test_chain_id, make_prevote(Height{2}, Round{0}, std::nullopt)));
    CHECK_FALSE(fixture.checker.violation().has_value());
}

TEST_CASE("invariants: agreement fails when two honest nodes decide different blocks") {
    Fixture fixture;
    fixture.checker.on_decision(0, fixture.good(1, 1), ok);
    fixture.checker.on_decision(1, fixture.good(1, 2), ok);
    REQUIRE(fixture.checker.violation().has_value());
    CHECK(fixture.checker.violation()->invariant == Invariant::agreement);
}

TEST_CASE("invariants: validity fails when the ledger refuses a decided block") {
    Fixture fixture;
    fixture.checker.on_decision(0, fixture.good(1),
                                custos::Status{custos::make_error(custos::ErrorCode::rule_violation, "R7")});
    REQUIRE(fixture.checker.violation().has_value());
    CHECK(fixture.checker.violation()->invariant == Invariant::validity);
}

TEST_CASE("invariants: certificate fails without more than 2/3 of the power") {
    Fixture fixture;
    fixture.checker.on_decision(0, decision(fixture.keys, 1, 1, {0, 1}), ok);
    REQUIRE(fixture.checker.violation().has_value());
    CHECK(fixture.checker.violation()->invariant == Invariant::certificate);
}

TEST_CASE("invariants: no-honest-double-sign fails when an honest validator signs two prevotes") {
    Fixture fixture;
    BlockHash other;
    other.hash.bytes[0] = 1;
    fixture.checker.on_signed(
        0, sign_vote(*fixture.keys[0], test_chain_id, make_prevote(Height{1}, Round{0}, std::nullopt)));
    fixture.checker.on_signed(
        0, sign_vote(*fixture.keys[0], test_chain_id, make_prevote(Height{1}, Round{0}, other)));
    REQUIRE(fixture.checker.violation().has_value());
    CHECK(fixture.checker.violation()->invariant == Invariant::double_sign);

    // The Byzantine validator 3 may do it (that is evidence, not a broken invariant).
    Fixture byzantine;
    byzantine.checker.on_signed(
        0, sign_vote(*byzantine.keys[3], test_chain_id, make_prevote(Height{1}, Round{0}, std::nullopt)));
    byzantine.checker.on_signed(
        0, sign_vote(*byzantine.keys[3], test_chain_id, make_prevote(Height{1}, Round{0}, other)));
    CHECK_FALSE(byzantine.checker.violation().has_value());
}

TEST_CASE("invariants: heights-only-grow fails when a node goes back") {
    Fixture fixture;
    fixture.checker.on_height(2, Height{5});
    fixture.checker.on_height(2, Height{4});
    REQUIRE(fixture.checker.violation().has_value());
    CHECK(fixture.checker.violation()->invariant == Invariant::heights_grow);
}

TEST_CASE("invariants: restart-consistent fails when a node decides otherwise after a restart") {
    Fixture fixture;
    fixture.checker.on_decision(1, fixture.good(1, 1), ok);
    fixture.checker.on_decision(1, fixture.good(1, 2), ok);  // Same node, same height, other block.
    REQUIRE(fixture.checker.violation().has_value());
    CHECK(fixture.checker.violation()->invariant == Invariant::restart_consistent);
}

TEST_CASE("simulator: a node made to double-sign is caught, with its seed") {
    custos::sim::SimConfig config;
    config.seed = 7;
    config.sabotage_double_sign = true;
    const auto result = custos::sim::run_simulation(config);
    REQUIRE(result.violation.has_value());
    CHECK(result.violation->invariant == Invariant::double_sign);
}

TEST_CASE("simulator: liveness fails when the bound cannot be met") {
    custos::sim::SimConfig config;
    config.seed = 7;
    config.liveness_heights = 1000;
    config.liveness_ms = 5000;
    const auto result = custos::sim::run_simulation(config);
    REQUIRE(result.violation.has_value());
    CHECK(result.violation->invariant == Invariant::liveness);
}

TEST_CASE("simulator: the same seed replays the same run; a few seeds hold every invariant") {
    custos::sim::SimConfig config;
    config.byzantine = 1;
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        config.seed = seed;
        const auto first = custos::sim::run_simulation(config);
        const auto again = custos::sim::run_simulation(config);
        CHECK_FALSE(first.violation.has_value());
        CHECK(first.stats.steps == again.stats.steps);
        CHECK(first.stats.simulated_ms == again.stats.simulated_ms);
        CHECK(first.stats.heights_decided >= config.liveness_heights);
    }
}

TEST_CASE("invariants: certificate fails against the set in force when that set changed") {
    // Signed by validators 0..2 of the genesis set; in force at this height is a set without
    // validator 2 and with two others: 0 and 1 hold 20 of 40, not more than 2/3.
    Fixture fixture;
    auto changed = test_validators(5);
    changed.validators.erase(changed.validators.begin() + 2);
    auto in_force_decision = fixture.good(1);
    in_force_decision.block.header.validators_hash = changed.hash();
    fixture.checker.on_decision(0, in_force_decision, ok, &changed);
    REQUIRE(fixture.checker.violation().has_value());
    CHECK(fixture.checker.violation()->invariant == Invariant::certificate);

    // The same certificate with the genesis set given as the set in force passes, unless the
    // header names another set.
    Fixture second;
    const auto genesis_set = test_validators(4);
    auto named = second.good(1);
    named.block.header.validators_hash = genesis_set.hash();
    second.checker.on_decision(0, named, ok, &genesis_set);
    CHECK_FALSE(second.checker.violation().has_value());
    Fixture third;
    third.checker.on_decision(0, second.good(2), ok, &genesis_set);  // validators_hash not the set's
    REQUIRE(third.checker.violation().has_value());
    CHECK(third.checker.violation()->invariant == Invariant::certificate);
}

TEST_CASE("simulator: validator-set changes by governance switch sets twice and hold every invariant") {
    custos::sim::SimConfig config;
    config.set_change = true;
    config.byzantine = 1;
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
        config.seed = seed;
        const auto result = custos::sim::run_simulation(config);
        CHECK_MESSAGE(!result.violation.has_value(),
                      (result.violation ? result.violation->detail : std::string()));
        CHECK(result.stats.set_changes == 2);
    }
}

TEST_CASE(
    "invariants: quiet-when-idle fails for an empty block before the heartbeat, not after it or with "
    "events") {
    Fixture fixture;
    fixture.checker.set_heartbeat(1000, TimeMs{test_genesis_time_ms - 1000});
    fixture.checker.on_decision(0, fixture.good(1), ok);  // 1,001 ms after: a heartbeat.
    CHECK_FALSE(fixture.checker.violation().has_value());
    auto with_events = fixture.good(2);  // 1 ms after, but not empty.
    with_events.block.events.push_back(test_envelope(1));
    fixture.checker.on_decision(0, with_events, ok);
    CHECK_FALSE(fixture.checker.violation().has_value());
    fixture.checker.on_decision(0, fixture.good(3), ok);  // Empty, 1 ms after.
    REQUIRE(fixture.checker.violation().has_value());
    CHECK(fixture.checker.violation()->invariant == Invariant::quiet);
    CHECK(fixture.checker.empty_blocks() == 2);
}

TEST_CASE("simulator: long idle gaps then events hold every invariant; heartbeats only while idle") {
    custos::sim::SimConfig config;
    config.byzantine = 1;
    config.heartbeat_ms = 20'000;
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        config.seed = seed;
        const auto result = custos::sim::run_simulation(config);
        CHECK_MESSAGE(!result.violation.has_value(),
                      (result.violation ? result.violation->detail : std::string()));
        CHECK(result.stats.events_submitted > 0);
        CHECK(result.stats.empty_blocks > 0);  // The idle gap after healing had heartbeats.
        // An empty block per height would be one per ~2 s of simulated time; heartbeats are
        // at least 20 s apart.
        CHECK(result.stats.empty_blocks <=
              static_cast<std::uint64_t>(result.stats.simulated_ms / 20'000) + 1);
    }
}

TEST_CASE("simulator: cores without the heartbeat are caught by quiet-when-idle") {
    custos::sim::SimConfig config;
    config.seed = 3;
    config.heartbeat_ms = 20'000;
    config.sabotage_eager_empty = true;
    const auto result = custos::sim::run_simulation(config);
    REQUIRE(result.violation.has_value());
    CHECK(result.violation->invariant == Invariant::quiet);
}

TEST_CASE("simulator: cores that never hear of events miss the probe's bound") {
    custos::sim::SimConfig config;
    config.seed = 3;
    config.heartbeat_ms = 20'000;
    config.sabotage_ignore_events = true;
    const auto result = custos::sim::run_simulation(config);
    REQUIRE(result.violation.has_value());
    CHECK(result.violation->invariant == Invariant::liveness);
    CHECK(result.violation->detail.find("probe") != std::string::npos);
}
