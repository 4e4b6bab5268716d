// The signing-state log (consensus/runtime/wal.hpp) on a node opened in this process: blocks
// written once, small records, recovery, a torn tail, corruption, migration; and the canonical
// envelopes computed once serving both apply_block and the block file.
#include <doctest/doctest.h>

#include "consensus/runtime/node_impl.hpp"
#include "consensus/runtime/wal.hpp"
#include "crypto/encoding.hpp"
#include "ledger/blocks/block.hpp"
#include "tests/runtime/node_directory.hpp"

using namespace custos;
using namespace custos::runtime_test;

TEST_CASE("signing state log: blocks once, small records, recovery, torn tail, corruption, migration") {
    NodeDirectory net;
    runtime::NodeImpl node;
    open_node0(net, node);
    auto envelope = ledger::parse_envelope(net.next_register_envelope());
    REQUIRE(envelope.has_value());
    auto context = node.store->next_block_context();
    auto built = ledger::build_block(
        *node.store,
        ledger::BlockProposal{
            {*envelope}, ledger::TimeMs{node.now_ms()}, node.genesis.validators.validators[0].name},
        context);
    REQUIRE(built.has_value());
    const auto& block = built->block;
    const auto block_id = ledger::block_hash(block.header);

    const auto dir = net.dir() / "signing";
    std::filesystem::create_directories(dir);
    const auto& chain = node.genesis.chain_id;
    consensus::PersistentState state;
    state.height = ledger::Height{1};
    state.round = ledger::Round{0};
    state.last_proposal = consensus::sign_proposal(
        *node.signer, chain, consensus::Proposal{state.height, state.round, std::nullopt, block, {}});
    state.last_prevote = consensus::sign_vote(*node.signer, chain,
                                              consensus::make_prevote(state.height, state.round, block_id));
    {
        runtime::SigningStateFile file(dir);
        auto none = file.load();
        REQUIRE(none.has_value());
        CHECK_FALSE(none->has_value());
        REQUIRE(file.save(state).has_value());
        // Locked on the same block, one step later: the block is not written again, and the
        // record stays small however large the block is.
        state.locked_round = ledger::Round{0};
        state.locked_block = block;
        state.valid_round = ledger::Round{0};
        state.valid_block = block;
        state.last_precommit = consensus::sign_vote(
            *node.signer, chain,
            consensus::make_precommit(state.height, state.round, consensus::checkpoint_ref(block.header)));
        REQUIRE(file.save(state).has_value());
        CHECK(file.stats().saves == 2);
        CHECK(file.stats().blocks_written == 1);
        CHECK(file.stats().record_bytes < 4096);
        CHECK(std::filesystem::exists(file.block_path(block_id)));
    }
    const auto saved_text = state_text(state);
    const auto log_path = dir / runtime::consensus_wal_file_name;

    SUBCASE("a restart reads back the whole state, blocks included") {
        runtime::SigningStateFile file(dir);
        auto loaded = file.load();
        REQUIRE(loaded.has_value());
        REQUIRE(loaded->has_value());
        CHECK(state_text(**loaded) == saved_text);
        CHECK_FALSE(file.stats().torn_tail_dropped);
        // A later height that names no block: the block file goes.
        consensus::PersistentState next;
        next.height = ledger::Height{2};
        next.last_prevote = state.last_prevote;
        REQUIRE(file.save(next).has_value());
        CHECK_FALSE(std::filesystem::exists(file.block_path(block_id)));
    }

    SUBCASE("a record cut short by a crash is dropped: the state before it is the state") {
        auto later = state;
        later.round = ledger::Round{1};
        const auto record = runtime::frame_wal_record(R"({"height":1})");
        write_all(log_path, read_all(log_path) + record.substr(0, record.size() / 2));
        runtime::SigningStateFile file(dir);
        auto loaded = file.load();
        REQUIRE(loaded.has_value());
        REQUIRE(loaded->has_value());
        CHECK(file.stats().torn_tail_dropped);
        CHECK(state_text(**loaded) == saved_text);
        // The log was rewritten without the torn tail; appends continue after the good record.
        REQUIRE(file.save(later).has_value());
        runtime::SigningStateFile again(dir);
        auto reloaded = again.load();
        REQUIRE(reloaded.has_value());
        CHECK((*reloaded)->round == ledger::Round{1});
        CHECK_FALSE(again.stats().torn_tail_dropped);
    }

    SUBCASE("a complete record that fails its checksum is corruption, never accepted") {
        auto text = read_all(log_path);
        text[text.size() - 10] ^= 0x20;
        write_all(log_path, text);
        runtime::SigningStateFile file(dir);
        auto refused = file.load();
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::corruption);
        CHECK(refused.error().message.find("checksum") != std::string::npos);
    }

    SUBCASE("a record whose checksum matches but does not decode is corruption") {
        write_all(log_path,
                  std::string(runtime::consensus_wal_magic) + runtime::frame_wal_record("{\"height\":1}"));
        runtime::SigningStateFile file(dir);
        auto refused = file.load();
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::corruption);
    }

    SUBCASE("a height or round that is no whole number in range is corruption, never converted") {
        // Found by fuzzing: a height of 1e41 was converted to an integer unchecked (undefined
        // behaviour), and a round past 2^32 or a negative height would wrap silently.
        const std::string rest =
            ",\"locked_round\":null,\"locked_block\":null,\"valid_round\":null,\"valid_block\":null,"
            "\"valid_proof\":[],\"last_proposal\":null,\"last_prevote\":null,\"last_precommit\":null}";
        for (const auto& [fields_entry, named] : std::vector<std::pair<std::string, std::string>>{
                 {"\"height\":99999999999999999999999999999999999666666.02,\"round\":0",
                  "height: must be an integer"},
                 {"\"height\":-1,\"round\":0", "height: must not be negative"},
                 {"\"height\":1.5,\"round\":0", "height: must be an integer"},
                 {"\"height\":1,\"round\":4294967301", "round: is above the limit of 4294967295"}}) {
            const auto& fields = fields_entry;  // clang 14 cannot capture a structured binding
            CAPTURE(fields);
            write_all(log_path, std::string(runtime::consensus_wal_magic) +
                                    runtime::frame_wal_record("{" + fields + rest));
            runtime::SigningStateFile file(dir);
            auto refused = file.load();
            REQUIRE_FALSE(refused.has_value());
            CHECK(refused.error().code == ErrorCode::corruption);
            CHECK(refused.error().message == "signing state: a log record's " + named);
        }
        // The same record with a valid height and round loads (the fields above are all it lacks).
        write_all(log_path, std::string(runtime::consensus_wal_magic) +
                                runtime::frame_wal_record("{\"height\":1,\"round\":0" + rest));
        runtime::SigningStateFile file(dir);
        CHECK(file.load().has_value());
    }

    SUBCASE("a last vote of the wrong kind, or a last proposal without its block, is corruption") {
        // The node takes a last_precommit's body as a precommit and a last_proposal's block hash
        // as given: each is checked where it is read, never assumed.
        const consensus::KeySigner signer("validator-1", crypto::SecretKey::generate());
        const auto prevote = consensus::encode(
            consensus::sign_vote(signer, "custos-runtime-test",
                                 consensus::make_prevote(ledger::Height{1}, ledger::Round{0}, std::nullopt)));
        const std::string head =
            "{\"height\":1,\"round\":0,\"locked_round\":null,\"locked_block\":null,\"valid_round\":null,"
            "\"valid_block\":null,\"valid_proof\":[],\"last_prevote\":null,";
        for (const auto& [tail_entry, named] : std::vector<std::pair<std::string, std::string>>{
                 {"\"last_proposal\":null,\"last_precommit\":" + crypto::Json(prevote).dump() + "}",
                  "last_precommit: holds another kind of message"},
                 {"\"last_proposal\":{\"height\":1,\"round\":0,\"pol_round\":null,\"block\":null,"
                  "\"validator\":\"validator-1\",\"sig\":\"\"},\"last_precommit\":null}",
                  "last_proposal.block: must be a string"}}) {
            const auto& tail = tail_entry;  // clang 14 cannot capture a structured binding
            CAPTURE(tail);
            write_all(log_path,
                      std::string(runtime::consensus_wal_magic) + runtime::frame_wal_record(head + tail));
            runtime::SigningStateFile file(dir);
            auto refused = file.load();
            REQUIRE_FALSE(refused.has_value());
            CHECK(refused.error().code == ErrorCode::corruption);
            CHECK(refused.error().message == "signing state: a log record's " + named);
        }
    }

    SUBCASE("a missing or damaged block file is corruption") {
        runtime::SigningStateFile probe(dir);
        const auto block_file = probe.block_path(block_id);
        SUBCASE("missing") {
            std::filesystem::remove(block_file);
        }
        SUBCASE("damaged") {
            auto text = read_all(block_file);
            text[text.size() - 5] ^= 0x01;
            write_all(block_file, text);
        }
        runtime::SigningStateFile file(dir);
        auto refused = file.load();
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::corruption);
    }

    SUBCASE("a v1 consensus_state file is migrated once") {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        const auto body = runtime::encode_persistent_state(state);
        write_all(
            dir / runtime::consensus_state_file_name,
            "custos.consensus_state.v1\n" + crypto::hex_encode(crypto::sha256(body).view()) + "\n" + body);
        runtime::SigningStateFile file(dir);
        auto loaded = file.load();
        REQUIRE(loaded.has_value());
        REQUIRE(loaded->has_value());
        CHECK(state_text(**loaded) == saved_text);
        CHECK_FALSE(std::filesystem::exists(dir / runtime::consensus_state_file_name));
        runtime::SigningStateFile again(dir);
        auto reloaded = again.load();
        REQUIRE(reloaded.has_value());
        REQUIRE(reloaded->has_value());
        CHECK(state_text(**reloaded) == saved_text);
    }
}

TEST_CASE("a block's canonical envelopes, once computed, serve apply_block and the block file") {
    NodeDirectory net;
    runtime::NodeImpl node;
    open_node0(net, node);
    std::vector<ledger::Envelope> events;
    for (int i = 0; i < 3; ++i) {
        auto envelope = ledger::parse_envelope(net.next_register_envelope());
        REQUIRE(envelope.has_value());
        events.push_back(*envelope);
    }
    auto built = ledger::build_block(*node.store,
                                     ledger::BlockProposal{events, ledger::TimeMs{node.now_ms()},
                                                           node.genesis.validators.validators[0].name},
                                     node.store->next_block_context());
    REQUIRE(built.has_value());
    const auto& block = built->block;
    REQUIRE(block.events.size() == 3);
    const auto block_id = ledger::block_hash(block.header);

    SUBCASE("apply_block with the caller's event_bytes() gives the effects it computes itself") {
        std::vector<ledger::EventBytes> bytes;
        for (const auto& envelope : block.events)
            bytes.push_back(ledger::event_bytes(envelope));
        auto given = ledger::apply_block(*node.store, block, node.store->next_block_context(), bytes);
        REQUIRE(given.has_value());
        CHECK(given->log_root == built->effects.log_root);
        REQUIRE(given->events.size() == 3);
        for (std::size_t i = 0; i < 3; ++i) {
            CHECK(given->events[i].id == built->effects.events[i].id);
            CHECK(given->events[i].leaf_data == built->effects.events[i].leaf_data);
        }
        // Bytes of other events (out of order here) do not pass for the block's own.
        std::swap(bytes[0], bytes[1]);
        auto swapped = ledger::apply_block(*node.store, block, node.store->next_block_context(), bytes);
        REQUIRE_FALSE(swapped.has_value());
        CHECK(swapped.error().message.find("events_hash") != std::string::npos);
    }

    SUBCASE("the signing-state block file is written from the text source, byte for byte as without") {
        consensus::PersistentState state;
        state.height = ledger::Height{1};
        state.round = ledger::Round{0};
        state.locked_round = ledger::Round{0};
        state.locked_block = block;
        auto block_file_of = [&](const std::filesystem::path& dir, bool with_source, int& calls) {
            std::filesystem::create_directories(dir);
            runtime::SigningStateFile file(dir);
            if (with_source) {
                file.set_block_text_source([&](const ledger::Block& asked, const ledger::BlockHash& id) {
                    ++calls;
                    CHECK(id == block_id);
                    return std::optional<std::string>(ledger::canonical_block(asked.header, built->effects));
                });
            }
            REQUIRE(file.load().has_value());
            REQUIRE(file.save(state).has_value());
            return read_all(file.block_path(block_id));
        };
        int calls = 0;
        const auto sourced = block_file_of(net.dir() / "sourced", true, calls);
        CHECK(calls == 1);
        int unused = 0;
        CHECK(sourced == block_file_of(net.dir() / "serialized", false, unused));
        runtime::SigningStateFile reread(net.dir() / "sourced");
        auto loaded = reread.load();
        REQUIRE(loaded.has_value());
        REQUIRE(loaded->has_value());
        REQUIRE((*loaded)->locked_block.has_value());
        CHECK(*(*loaded)->locked_block == block);
    }
}
