// In-process tests of the node runtime's parts: config, signing-state file, mempool, and the
// follower's re-check of a proposal (a Byzantine proposer's bad event gets an invalid verdict).
#include <fstream>

#include <doctest/doctest.h>

#include "consensus/runtime/config.hpp"
#include "consensus/runtime/node_impl.hpp"
#include "consensus/runtime/wal.hpp"
#include "ledger/block.hpp"
#include "localnet.hpp"

using namespace custos;

namespace {

const std::string key_hex(64, 'a');

std::string config_text(const std::string& extra) {
    return R"({"data_dir":"d","genesis_file":"g.json","validator_key_file":"k","peer_listen":"127.0.0.1:26657",)"
           R"("rest_listen":"127.0.0.1:8081")" +
           extra + "}";
}

}  // namespace

TEST_CASE("config: strict parse, relative paths, clear errors") {
    auto ok =
        runtime::parse_node_config(config_text(R"(,"peers":[{"address":"127.0.0.1:26658","public_key":")" +
                                               key_hex + R"("}],"log_level":"warn")"),
                                   "/base");
    REQUIRE(ok.has_value());
    CHECK(ok->data_dir == "/base/d");
    CHECK(ok->genesis_file == "/base/g.json");
    CHECK(ok->peers.size() == 1);
    CHECK(ok->log_level == runtime::LogLevel::warn);

    auto unknown = runtime::parse_node_config(config_text(R"(,"colour":"red")"), "");
    REQUIRE_FALSE(unknown.has_value());
    CHECK(unknown.error().message.find("unknown field \"colour\"") != std::string::npos);

    auto missing = runtime::parse_node_config(R"({"data_dir":"d"})", "");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message.find("missing required field") != std::string::npos);

    CHECK_FALSE(
        runtime::parse_node_config(config_text(R"(,"peers":[{"address":"x:1","public_key":"zz"}])"), ""));
    CHECK_FALSE(runtime::parse_node_config(config_text(R"(,"log_level":"loud")"), ""));
    CHECK_FALSE(runtime::parse_node_config(
        config_text(R"(,"peers":[{"address":"nocolon","public_key":")" + key_hex + R"("}])"), ""));
    CHECK_FALSE(runtime::parse_node_config(R"({"data_dir":"d","data_dir":"e"})", ""));

    // What node_config_to_json writes parses back to the same config.
    auto again = runtime::parse_node_config(runtime::node_config_to_json(*ok), "");
    REQUIRE(again.has_value());
    CHECK(again->data_dir == ok->data_dir);
    CHECK(again->peers[0].public_key == ok->peers[0].public_key);
    CHECK(again->rest_listen == ok->rest_listen);
}

TEST_CASE("signing state file: round trip, checksum refuses a damaged file") {
    node_test::Localnet net;  // For a directory.
    runtime::SigningStateFile file(net.dir());
    auto none = file.load();
    REQUIRE(none.has_value());
    CHECK_FALSE(none->has_value());

    auto key = crypto::SecretKey::generate();
    consensus::KeySigner signer("validator-1", std::move(key));
    consensus::PersistentState state;
    state.height = ledger::Height{7};
    state.round = ledger::Round{2};
    state.locked_round = ledger::Round{1};
    state.last_prevote = consensus::sign_vote(
        signer, "chain", consensus::make_prevote(state.height, state.round, ledger::BlockHash{}));
    REQUIRE(file.save(state).has_value());
    auto loaded = file.load();
    REQUIRE(loaded.has_value());
    REQUIRE(loaded->has_value());
    CHECK((*loaded)->height == state.height);
    CHECK((*loaded)->round == state.round);
    CHECK((*loaded)->locked_round == state.locked_round);
    REQUIRE((*loaded)->last_prevote.has_value());
    CHECK(consensus::encode(*(*loaded)->last_prevote) == consensus::encode(*state.last_prevote));
    CHECK_FALSE((*loaded)->last_precommit.has_value());

    {  // Flip one byte of the body.
        std::fstream damaged(file.path(), std::ios::in | std::ios::out | std::ios::binary);
        damaged.seekp(-3, std::ios::end);
        damaged.put('9');
    }
    auto refused = file.load();
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::corruption);
}

TEST_CASE("mempool and proposal checks over a real node's store") {
    node_test::Localnet net;
    auto config = runtime::load_node_config(net.dir() / "node0.json");
    REQUIRE(config.has_value());
    runtime::NodeImpl node;
    node.config = *config;
    auto opened = node.open();
    REQUIRE_MESSAGE(opened.has_value(), (opened ? std::string() : opened.error().to_string()));

    auto first = ledger::parse_envelope(net.next_register_envelope());
    auto second = ledger::parse_envelope(net.next_register_envelope());
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());

    SUBCASE("admission: duplicates, bad signature, full pool") {
        REQUIRE(node.admit(*first, true).has_value());
        auto duplicate = node.admit(*first, true);
        REQUIRE_FALSE(duplicate.has_value());
        CHECK(duplicate.error().code == ErrorCode::already_exists);

        auto forged = *second;
        forged.signature.bytes[0] ^= 1;
        auto refused = node.admit(forged, true);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::verification_failed);
        CHECK(node.mempool->size() == 1);

        runtime::Mempool small(*node.store, node.genesis, runtime::MempoolLimits{1, 1 << 20});
        auto bytes = ledger::event_bytes(*first);
        REQUIRE(small.admit(runtime::PendingEvent{*first, bytes.id, 100}, ledger::TimeMs{node.now_ms()})
                    .has_value());
        auto other = ledger::event_bytes(*second);
        auto full = small.admit(runtime::PendingEvent{*second, other.id, 100}, ledger::TimeMs{node.now_ms()});
        REQUIRE_FALSE(full.has_value());
        CHECK(full.error().code == ErrorCode::resource_exhausted);
        small.remove_and_recheck({bytes.id}, ledger::TimeMs{node.now_ms()});
        CHECK(small.empty());
    }

    SUBCASE("a follower refuses a proposal carrying a forged or invalid event") {
        auto context = node.store->next_block_context();
        auto built = ledger::build_block(
            *node.store,
            ledger::BlockProposal{
                {*first, *second}, ledger::TimeMs{node.now_ms()}, node.genesis.validators.validators[1].name},
            context);
        REQUIRE(built.has_value());
        REQUIRE(built->block.events.size() == 2);
        const auto id = ledger::block_hash(built->block.header);
        CHECK(node.validate_block(built->block, id));

        // Same header (the id covers events, not signatures), one signature forged.
        node.cached_effects.reset();
        node.verified_ids.clear();
        auto forged = built->block;
        forged.events[1].signature.bytes[5] ^= 1;
        CHECK_FALSE(node.validate_block(forged, id));

        // An event the rules refuse (a second register of the same item).
        auto doubled = built->block;
        doubled.events[1] = doubled.events[0];
        doubled.header.events_hash = ledger::events_hash(doubled.events);
        CHECK_FALSE(node.validate_block(doubled, ledger::block_hash(doubled.header)));
    }
}
