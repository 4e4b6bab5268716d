// In-process tests of the node runtime's parts: config, signing-state log, mempool, and the
// follower's re-check of a proposal (a Byzantine proposer's bad event gets an invalid verdict).
#include <cstdlib>
#include <fstream>
#include <iterator>

#include <doctest/doctest.h>

#include "consensus/runtime/config.hpp"
#include "consensus/runtime/node_impl.hpp"
#include "consensus/runtime/wal.hpp"
#include "crypto/encoding.hpp"
#include "crypto/merkle.hpp"
#include "crypto/sha256.hpp"
#include "ledger/block.hpp"
#include "localnet.hpp"
#include "tests/ledger/ledger_fixture.hpp"

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
    CHECK(again->test_byzantine.empty());
    CHECK_FALSE(again->mempool_events_max.has_value());
}

TEST_CASE("config: observers lists non-voting keys a validator lets connect; strict, field-named errors") {
    const std::string other(64, 'b');
    auto ok = runtime::parse_node_config(config_text(R"(,"observers":[{"public_key":")" + key_hex +
                                                     R"(","name":"auditor-copy"},)"
                                                     R"({"public_key":")" +
                                                     other + R"(","name":"obs 2"}])"),
                                         "");
    REQUIRE(ok.has_value());
    REQUIRE(ok->observers.size() == 2);
    CHECK(ok->observers[0].name == "auditor-copy");
    CHECK(crypto::hex_encode(ok->observers[1].public_key.view()) == other);
    auto again = runtime::parse_node_config(runtime::node_config_to_json(*ok), "");
    REQUIRE(again.has_value());
    REQUIRE(again->observers.size() == 2);
    CHECK(again->observers[0].public_key == ok->observers[0].public_key);
    CHECK(again->observers[1].name == "obs 2");
    CHECK(runtime::parse_node_config(config_text(""), "")->observers.empty());
    const std::pair<std::string, std::string> bad[] = {
        {R"(,"observers":{})", "\"observers\" must be an array"},
        {R"(,"observers":[1])", "observers[0] must be an object"},
        {R"(,"observers":[{"public_key":"zz","name":"x"}])", "observers[0].public_key"},
        {R"(,"observers":[{"name":"x"}])", "observers[0].public_key"},
        {R"(,"observers":[{"public_key":")" + key_hex + R"("}])", "observers[0].name"},
        {R"(,"observers":[{"public_key":")" + key_hex + R"(","name":""}])", "observers[0].name"},
        {R"(,"observers":[{"public_key":")" + key_hex + R"(","name":")" + std::string(65, 'n') + R"("}])",
         "observers[0].name"},
        {R"(,"observers":[{"public_key":")" + key_hex + R"(","name":"x","address":"a:1"}])",
         "unknown field \"address\" in observers[0]"},
        {R"(,"observers":[{"public_key":")" + key_hex + R"(","name":"x"},{"public_key":")" + key_hex +
             R"(","name":"y"}])",
         "observers[1].public_key is listed twice"},
    };
    for (const auto& [extra, expected] : bad) {
        auto refused = runtime::parse_node_config(config_text(extra), "");
        REQUIRE_FALSE(refused.has_value());
        CHECK_MESSAGE(refused.error().message.find(expected) != std::string::npos, refused.error().message);
    }
}

TEST_CASE("config: rest_public_names binds signed requests to this node's names; default rest_listen") {
    auto implicit = runtime::parse_node_config(config_text(""), "");
    REQUIRE(implicit.has_value());
    CHECK(implicit->rest_public_names == std::vector<std::string>{"127.0.0.1:8081"});
    auto set = runtime::parse_node_config(
        config_text(R"(,"rest_public_names":["node1.police.example:8081","127.0.0.1:8081"])"), "");
    REQUIRE(set.has_value());
    CHECK(set->rest_public_names == std::vector<std::string>{"node1.police.example:8081", "127.0.0.1:8081"});
    auto again = runtime::parse_node_config(runtime::node_config_to_json(*set), "");
    REQUIRE(again.has_value());
    CHECK(again->rest_public_names == set->rest_public_names);
    for (const char* bad :
         {R"(,"rest_public_names":[])", R"(,"rest_public_names":"x:1")", R"(,"rest_public_names":["a b:1"])",
          R"(,"rest_public_names":["u@h:1"])", R"(,"rest_public_names":[1])"}) {
        INFO(bad);
        auto refused = runtime::parse_node_config(config_text(bad), "");
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().message.find("rest_public_names") != std::string::npos);
    }
    // A wildcard listen address names no node: the field is then required.
    const std::string wildcard =
        R"({"data_dir":"d","genesis_file":"g.json","validator_key_file":"k","peer_listen":"127.0.0.1:26657",)"
        R"("rest_listen":"0.0.0.0:8081"})";
    auto missing = runtime::parse_node_config(wildcard, "");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message.find("rest_public_names") != std::string::npos);
}

TEST_CASE("config: plain HTTP only on loopback unless rest_plain_http_allowed; TLS files go together") {
    auto with_listen = [](const std::string& listen, const std::string& extra) {
        return R"({"data_dir":"d","genesis_file":"g.json","validator_key_file":"k","peer_listen":"127.0.0.1:26657",)"
               R"("rest_listen":")" +
               listen + R"(","rest_public_names":["node.example:8081"])" + extra + "}";
    };
    // Loopback listeners speak plain HTTP as before (the localnet).
    for (const char* loopback : {"127.0.0.1:8081", "127.3.2.1:8081", "[::1]:8081", "localhost:8081"}) {
        INFO(loopback);
        CHECK(runtime::parse_node_config(with_listen(loopback, ""), "").has_value());
    }
    // Any other address without TLS is refused, naming the fields that would fix it.
    for (const char* open : {"0.0.0.0:8081", "10.1.2.3:8081", "[::]:8081", "node.example:8081"}) {
        INFO(open);
        auto refused = runtime::parse_node_config(with_listen(open, ""), "");
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().message.find("not a loopback address") != std::string::npos);
        CHECK(refused.error().message.find("rest_tls_certificate_file") != std::string::npos);
        CHECK(refused.error().message.find("rest_plain_http_allowed") != std::string::npos);
        // With TLS, or when the config says plain HTTP is wanted, it parses.
        auto tls = runtime::parse_node_config(
            with_listen(open, R"(,"rest_tls_certificate_file":"tls/n.crt","rest_tls_key_file":"tls/n.key")"),
            "/b");
        REQUIRE(tls.has_value());
        CHECK(tls->rest_tls_certificate_file == "/b/tls/n.crt");
        CHECK(tls->rest_tls_key_file == "/b/tls/n.key");
        auto again = runtime::parse_node_config(runtime::node_config_to_json(*tls), "");
        REQUIRE(again.has_value());
        CHECK(again->rest_tls_key_file == tls->rest_tls_key_file);
        auto plain = runtime::parse_node_config(with_listen(open, R"(,"rest_plain_http_allowed":true)"), "");
        REQUIRE(plain.has_value());
        CHECK(plain->rest_plain_http_allowed);
        CHECK(runtime::parse_node_config(runtime::node_config_to_json(*plain), "").has_value());
        CHECK_FALSE(runtime::parse_node_config(with_listen(open, R"(,"rest_plain_http_allowed":false)"), ""));
    }
    auto half =
        runtime::parse_node_config(with_listen("127.0.0.1:8081", R"(,"rest_tls_certificate_file":"c")"), "");
    REQUIRE_FALSE(half.has_value());
    CHECK(half.error().message.find("go together") != std::string::npos);
    auto not_bool =
        runtime::parse_node_config(with_listen("127.0.0.1:8081", R"(,"rest_plain_http_allowed":1)"), "");
    REQUIRE_FALSE(not_bool.has_value());
    CHECK(not_bool.error().message.find("rest_plain_http_allowed") != std::string::npos);
}

TEST_CASE("config: mempool bounds are optional integers in range, named when wrong") {
    auto set = runtime::parse_node_config(
        config_text(R"(,"mempool_events_max":20000,"mempool_bytes_max":67108864)"), "");
    REQUIRE(set.has_value());
    CHECK(set->mempool_events_max == 20000u);
    CHECK(set->mempool_bytes_max == 67108864u);
    auto again = runtime::parse_node_config(runtime::node_config_to_json(*set), "");
    REQUIRE(again.has_value());
    CHECK(again->mempool_events_max == 20000u);
    CHECK(again->mempool_bytes_max == 67108864u);

    for (const char* bad : {R"(,"mempool_events_max":0)", R"(,"mempool_events_max":-5)",
                            R"(,"mempool_events_max":1.5)", R"(,"mempool_events_max":"100")",
                            R"(,"mempool_events_max":10000001)", R"(,"mempool_bytes_max":1000)"}) {
        CAPTURE(bad);
        auto refused = runtime::parse_node_config(config_text(bad), "");
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().message.find("must be an integer from") != std::string::npos);
        CHECK(refused.error().message.find(std::string(bad).substr(2, 10)) != std::string::npos);
    }
}

TEST_CASE("config: test_byzantine parses but is refused without CUSTOS_TEST_BYZANTINE=1") {
    auto byzantine = runtime::parse_node_config(config_text(R"(,"test_byzantine":"equivocate")"), "");
    REQUIRE(byzantine.has_value());
    CHECK(byzantine->test_byzantine == "equivocate");
    CHECK_FALSE(runtime::parse_node_config(config_text(R"(,"test_byzantine":"lie")"), ""));
    CHECK(runtime::parse_node_config(config_text(R"(,"test_byzantine":"forge_signatures")"), "")
              ->test_byzantine == "forge_signatures");
    CHECK(runtime::parse_node_config(runtime::node_config_to_json(*byzantine), "")->test_byzantine ==
          "equivocate");

    ::unsetenv("CUSTOS_TEST_BYZANTINE");
    auto refused = runtime::check_test_only_settings(*byzantine);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find("test-only") != std::string::npos);
    ::setenv("CUSTOS_TEST_BYZANTINE", "yes", 1);
    CHECK_FALSE(runtime::check_test_only_settings(*byzantine).has_value());
    ::setenv("CUSTOS_TEST_BYZANTINE", "1", 1);
    CHECK(runtime::check_test_only_settings(*byzantine).has_value());
    ::unsetenv("CUSTOS_TEST_BYZANTINE");
    byzantine->test_byzantine.clear();
    CHECK(runtime::check_test_only_settings(*byzantine).has_value());
}

TEST_CASE("config: test_without_state_map parses but is refused without CUSTOS_TEST_WITHOUT_STATE_MAP=1") {
    auto config = runtime::parse_node_config(config_text(R"(,"test_without_state_map":true)"), "");
    REQUIRE(config.has_value());
    CHECK(config->test_without_state_map);
    auto wrong_type = runtime::parse_node_config(config_text(R"(,"test_without_state_map":"yes")"), "");
    REQUIRE_FALSE(wrong_type.has_value());
    CHECK(wrong_type.error().message.find("test_without_state_map") != std::string::npos);
    CHECK_FALSE(runtime::parse_node_config(config_text(""), "")->test_without_state_map);
    CHECK(runtime::parse_node_config(runtime::node_config_to_json(*config), "")->test_without_state_map);

    ::unsetenv("CUSTOS_TEST_WITHOUT_STATE_MAP");
    ::setenv("CUSTOS_TEST_BYZANTINE", "1", 1);  // The other test-only switch does not admit this one.
    auto refused = runtime::check_test_only_settings(*config);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find("test_without_state_map") != std::string::npos);
    CHECK(refused.error().message.find("test-only") != std::string::npos);
    ::unsetenv("CUSTOS_TEST_BYZANTINE");
    ::setenv("CUSTOS_TEST_WITHOUT_STATE_MAP", "true", 1);
    CHECK_FALSE(runtime::check_test_only_settings(*config).has_value());
    ::setenv("CUSTOS_TEST_WITHOUT_STATE_MAP", "1", 1);
    CHECK(runtime::check_test_only_settings(*config).has_value());
    ::unsetenv("CUSTOS_TEST_WITHOUT_STATE_MAP");
    config->test_without_state_map = false;
    CHECK(runtime::check_test_only_settings(*config).has_value());
}

namespace {

std::string read_all(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_all(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    REQUIRE(out.good());
}

// Node 0 of `net` opened in this process (store, signing state, pool), not running.
void open_node0(const node_test::Localnet& net, runtime::NodeImpl& node,
                std::optional<std::uint64_t> mempool_events_max = std::nullopt) {
    auto config = runtime::load_node_config(net.dir() / "node0.json");
    REQUIRE(config.has_value());
    node.config = *config;
    if (mempool_events_max) node.config.mempool_events_max = mempool_events_max;
    auto opened = node.open();
    REQUIRE_MESSAGE(opened.has_value(), (opened ? std::string() : opened.error().to_string()));
}

// Two fresh register envelopes of `net`'s custodian.
std::pair<ledger::Envelope, ledger::Envelope> two_registers(node_test::Localnet& net) {
    auto first = ledger::parse_envelope(net.next_register_envelope());
    auto second = ledger::parse_envelope(net.next_register_envelope());
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    return {std::move(*first), std::move(*second)};
}

// The RFC 9162 leaf hash of an envelope: how the node remembers the envelopes it verified.
Hash32 leaf_of(const ledger::Envelope& envelope) {
    return crypto::merkle_leaf_hash(as_bytes(ledger::event_bytes(envelope).canonical_envelope));
}

// The whole state as text (the v1 encoding includes the blocks): equal text, equal state.
std::string state_text(const consensus::PersistentState& state) {
    return runtime::encode_persistent_state(state);
}

}  // namespace

TEST_CASE("signing state log: blocks once, small records, recovery, torn tail, corruption, migration") {
    node_test::Localnet net;
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
        for (const std::string fields :
             {"\"height\":99999999999999999999999999999999999666666.02,\"round\":0",
              "\"height\":-1,\"round\":0", "\"height\":1.5,\"round\":0",
              "\"height\":1,\"round\":4294967301"}) {
            CAPTURE(fields);
            write_all(log_path, std::string(runtime::consensus_wal_magic) +
                                    runtime::frame_wal_record("{" + fields + rest));
            runtime::SigningStateFile file(dir);
            auto refused = file.load();
            REQUIRE_FALSE(refused.has_value());
            CHECK(refused.error().code == ErrorCode::corruption);
            CHECK(refused.error().message.find("not a whole number in range") != std::string::npos);
        }
        // The same record with a valid height and round loads (the fields above are all it lacks).
        write_all(log_path, std::string(runtime::consensus_wal_magic) +
                                runtime::frame_wal_record("{\"height\":1,\"round\":0" + rest));
        runtime::SigningStateFile file(dir);
        CHECK(file.load().has_value());
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
    node_test::Localnet net;
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

TEST_CASE("mempool and proposal checks over a real node's store") {
    node_test::Localnet net;
    runtime::NodeImpl node;
    open_node0(net, node);

    const auto [first, second] = two_registers(net);

    SUBCASE("admission: duplicates, bad signature, full pool") {
        REQUIRE(node.admit(first, true).has_value());
        auto duplicate = node.admit(first, true);
        REQUIRE_FALSE(duplicate.has_value());
        CHECK(duplicate.error().code == ErrorCode::already_exists);

        auto forged = second;
        forged.signature.bytes[0] ^= 1;
        auto refused = node.admit(forged, true);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::verification_failed);
        CHECK(node.mempool->size() == 1);

        runtime::Mempool small(*node.store, node.genesis, runtime::MempoolLimits{1, 1 << 20});
        auto bytes = ledger::event_bytes(first);
        REQUIRE(small.admit(runtime::PendingEvent{first, bytes.id, 100}, ledger::TimeMs{node.now_ms()})
                    .has_value());
        auto other = ledger::event_bytes(second);
        auto full = small.admit(runtime::PendingEvent{second, other.id, 100}, ledger::TimeMs{node.now_ms()});
        REQUIRE_FALSE(full.has_value());
        CHECK(full.error().code == ErrorCode::resource_exhausted);
        small.remove_and_recheck({bytes.id}, ledger::TimeMs{node.now_ms()});
        CHECK(small.empty());
    }

    SUBCASE("a full pool refuses before the signature check") {
        node.mempool =
            std::make_unique<runtime::Mempool>(*node.store, node.genesis, runtime::MempoolLimits{1, 1 << 20});
        REQUIRE(node.admit(first, true).has_value());
        // A forged event is refused as "full", not as forged: its signature was never checked.
        auto forged = second;
        forged.signature.bytes[0] ^= 1;
        auto refused = node.admit(forged, true);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::resource_exhausted);
        // A valid one is refused alike, and it is not remembered as verified.
        refused = node.admit(second, true);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::resource_exhausted);
        CHECK(node.verified_leaves.count(leaf_of(second)) == 0);
    }

    SUBCASE("a follower refuses a proposal carrying a forged or invalid event") {
        auto context = node.store->next_block_context();
        auto built = ledger::build_block(
            *node.store,
            ledger::BlockProposal{
                {first, second}, ledger::TimeMs{node.now_ms()}, node.genesis.validators.validators[1].name},
            context);
        REQUIRE(built.has_value());
        REQUIRE(built->block.events.size() == 2);
        const auto id = ledger::block_hash(built->block.header);
        CHECK(node.validate_block(built->block, id));

        // A Byzantine proposer's block: an event this node has just verified (that very id)
        // under a forged signature, in a header made for it (log root included). The envelope is
        // checked on its own: verified envelopes are remembered by leaf hash (the whole
        // envelope), not by event id, which leaves the signature and the signer out.
        node.cached_effects.reset();
        auto tampered = second;
        tampered.signature.bytes[5] ^= 1;
        auto unchecked = node.store->next_block_context();
        unchecked.verify_signatures = false;
        auto forged = ledger::build_block(
            *node.store,
            ledger::BlockProposal{
                {first, tampered}, built->block.header.time, node.genesis.validators.validators[1].name},
            unchecked);
        REQUIRE(forged.has_value());
        REQUIRE(forged->block.events.size() == 2);
        CHECK(forged->block.header.events_hash == built->block.header.events_hash);
        CHECK_FALSE(node.validate_block(forged->block, ledger::block_hash(forged->block.header)));

        // An event the rules refuse (a second register of the same item).
        auto doubled = built->block;
        doubled.events.mutable_events()[1] = doubled.events[0];
        doubled.header.events_hash = ledger::events_hash(doubled.events);
        CHECK_FALSE(node.validate_block(doubled, ledger::block_hash(doubled.header)));
    }
}

TEST_CASE("compact proposals: rebuilt from the pool exactly or not at all; the full one on request") {
    node_test::Localnet net;
    runtime::NodeImpl node;
    open_node0(net, node);
    const auto [first, second] = two_registers(net);
    REQUIRE(node.admit(first, false).has_value());
    REQUIRE(node.admit(second, false).has_value());

    auto context = node.store->next_block_context();
    auto built = ledger::build_block(
        *node.store,
        ledger::BlockProposal{{first, second}, ledger::TimeMs{node.now_ms()}, node.signer->name()}, context);
    REQUIRE(built.has_value());
    REQUIRE(built->block.events.size() == 2);
    const auto message = consensus::sign_proposal(
        *node.signer, node.genesis.chain_id,
        consensus::Proposal{ledger::Height{1}, ledger::Round{0}, std::nullopt, built->block, {}});
    std::vector<Hash32> leaves;
    for (const auto& event : built->effects.events)
        leaves.push_back(event.leaf_hash);
    auto compact_of = [&](const std::vector<Hash32>& hashes) {
        auto compact = consensus::decode_compact(consensus::encode_compact(message, hashes));
        REQUIRE(compact.has_value());
        return std::move(*compact);
    };

    // Every envelope pending here: the proposal, byte for byte.
    auto rebuilt = node.rebuild_compact(compact_of(leaves));
    REQUIRE(rebuilt.has_value());
    CHECK(consensus::encode(*rebuilt) == consensus::encode(message));
    // Its envelopes' canonical bytes are those admission computed, kept for validate_block,
    // which takes them only for that very list of envelopes.
    const auto& rebuilt_block = std::get<consensus::Proposal>(rebuilt->body).block;
    const auto block_id = ledger::block_hash(rebuilt_block.header);
    REQUIRE(node.rebuilt_proposal.has_value());
    REQUIRE(node.rebuilt_proposal->bytes.size() == 2);
    for (std::size_t index = 0; index < 2; ++index) {
        const auto expected = ledger::event_bytes(rebuilt_block.events[index]);
        const auto& kept = node.rebuilt_proposal->bytes[index];
        CHECK(kept.canonical_event == expected.canonical_event);
        CHECK(kept.id == expected.id);
        CHECK(kept.canonical_envelope == expected.canonical_envelope);
    }
    auto tampered = rebuilt_block;  // Its own list (copied on write): not the kept one.
    tampered.events.mutable_events()[1].signature.bytes[3] ^= 1;
    CHECK_FALSE(node.validate_block(tampered, block_id));
    CHECK(node.rebuilt_proposal.has_value());
    CHECK(node.validate_block(rebuilt_block, block_id));
    CHECK_FALSE(node.rebuilt_proposal.has_value());
    REQUIRE(node.cached_effects.has_value());
    CHECK(node.cached_effects->first == block_id);
    CHECK(node.cached_effects->second.events[1].leaf_hash == leaves[1]);
    node.cached_effects.reset();

    // A leaf this pool does not hold: nothing (the caller asks for the full proposal).
    auto unknown = leaves;
    unknown[1].bytes[0] ^= 1;
    CHECK_FALSE(node.rebuild_compact(compact_of(unknown)).has_value());
    // The same event with another signature is another envelope, so another leaf: the pool's
    // envelope is never put in its place.
    auto resigned = second;
    resigned.signature.bytes[7] ^= 1;
    auto other_leaf = leaves;
    other_leaf[1] = leaf_of(resigned);
    CHECK_FALSE(node.rebuild_compact(compact_of(other_leaf)).has_value());
    // Pending envelopes in another order than the header's events_hash: nothing either.
    CHECK_FALSE(node.rebuild_compact(compact_of({leaves[1], leaves[0]})).has_value());
    // Once committed (or dropped), an event is no longer there to rebuild from.
    node.mempool->remove_and_recheck({ledger::event_bytes(first).id}, ledger::TimeMs{node.now_ms()});
    CHECK_FALSE(node.rebuild_compact(compact_of(leaves)).has_value());

    // Compact proposals are taken for the heights the core takes messages for: the next one and
    // the one after it (a node a block behind must not drop the proposal the others vote on).
    // Here with a leaf no pool holds, so each one taken counts a miss (and asks for the full one).
    auto at_height = [&](std::uint64_t height) {
        auto moved = message;
        std::get<consensus::Proposal>(moved.body).height = ledger::Height{height};
        return consensus::encode_compact(moved, unknown);
    };
    const auto& sender = node.genesis.validators.validators[1].key;
    const auto missed = node.counters.compact_missed;
    node.on_compact_proposal(sender, at_height(0));
    node.on_compact_proposal(sender, at_height(3));
    CHECK(node.counters.compact_missed == missed);
    node.on_compact_proposal(sender, at_height(1));
    node.on_compact_proposal(sender, at_height(2));
    CHECK(node.counters.compact_missed == missed + 2);

    // Sent compact only when this node holds the block's leaf hashes (it built or validated it).
    node.cached_effects.reset();
    CHECK_FALSE(node.broadcast_compact(message));
    node.cached_effects.emplace(std::get<consensus::Proposal>(message.body).block_id, built->effects);
    REQUIRE(node.broadcast_compact(message));
    CHECK(node.counters.compact_sent == 1);
    // A peer that could not rebuild it gets the full proposal once; malformed requests are refused.
    const auto& peer = node.genesis.validators.validators[1].key;
    std::string request(8, '\0');
    request[7] = 1;                   // height 1
    request += std::string(4, '\0');  // round 0
    node.answer_proposal_request(peer, request);
    node.answer_proposal_request(peer, request);
    CHECK(node.counters.full_proposals_sent == 1);
    node.answer_proposal_request(node.genesis.validators.validators[2].key, request);
    CHECK(node.counters.full_proposals_sent == 2);
    std::string other_round = request;
    other_round[11] = 1;
    node.answer_proposal_request(peer, other_round);
    CHECK(node.counters.full_proposals_sent == 2);
    const auto refused = node.counters.messages_refused;
    node.answer_proposal_request(peer, request.substr(0, 5));
    CHECK(node.counters.messages_refused == refused + 1);
}

TEST_CASE("compact proposals: gossip a full pool refused is kept aside, rebuilt from, then verified") {
    node_test::Localnet net;
    runtime::NodeImpl node;
    open_node0(net, node, 1);  // Room for one pending event.
    auto first = ledger::parse_envelope(net.next_register_envelope());
    auto second = ledger::parse_envelope(net.next_register_envelope());
    auto third = ledger::parse_envelope(net.next_register_envelope());
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    REQUIRE(third.has_value());
    // Gossip the rules refuse here (an auditor's register: not its role) is kept aside too: a
    // pool that refused an event's predecessor refuses the event, which others may propose.
    ledger::Event by_auditor = first->event;
    by_auditor.item += "-AUDITOR";
    by_auditor.time = ledger::TimeMs{0};
    auto refused_by_rules = ledger::parse_envelope(net.admin_envelope(by_auditor));
    REQUIRE(refused_by_rules.has_value());
    auto refusal = node.admit(*refused_by_rules, false);
    REQUIRE_FALSE(refusal.has_value());
    CHECK(refusal.error().code != ErrorCode::resource_exhausted);
    CHECK(node.overflow.count(leaf_of(*refused_by_rules)) == 1);
    REQUIRE(node.admit(*first, false).has_value());
    // Gossip refused by the full pool is kept aside, unverified; a local submission is not (its
    // client gets the 503 and sends it again; no other node has it).
    CHECK(node.admit(*second, false).error().code == ErrorCode::resource_exhausted);
    CHECK(node.admit(*third, true).error().code == ErrorCode::resource_exhausted);
    CHECK(node.overflow.count(leaf_of(*second)) == 1);
    CHECK(node.overflow.count(leaf_of(*third)) == 0);
    CHECK(node.verified_leaves.count(leaf_of(*second)) == 0);

    auto propose = [&](std::vector<ledger::Envelope> events) {
        auto context = node.store->next_block_context();
        context.verify_signatures = false;  // A Byzantine proposer's block may hold anything.
        auto built = ledger::build_block(
            *node.store,
            ledger::BlockProposal{std::move(events), ledger::TimeMs{node.now_ms()}, node.signer->name()},
            context);
        REQUIRE(built.has_value());
        REQUIRE(built->block.events.size() == 2);
        auto message = consensus::sign_proposal(
            *node.signer, node.genesis.chain_id,
            consensus::Proposal{ledger::Height{1}, ledger::Round{0}, std::nullopt, built->block, {}});
        std::vector<Hash32> leaves;
        for (const auto& event : built->effects.events)
            leaves.push_back(event.leaf_hash);
        auto compact = consensus::decode_compact(consensus::encode_compact(message, leaves));
        REQUIRE(compact.has_value());
        return std::pair{message, std::move(*compact)};
    };
    // One event from the pool, one from the side table: rebuilt exactly, and since one was
    // never verified, validate_block does not take kept bytes but checks every signature.
    auto [message, compact] = propose({*first, *second});
    auto rebuilt = node.rebuild_compact(compact);
    REQUIRE(rebuilt.has_value());
    CHECK(consensus::encode(*rebuilt) == consensus::encode(message));
    CHECK_FALSE(node.rebuilt_proposal.has_value());
    const auto& block = std::get<consensus::Proposal>(rebuilt->body).block;
    CHECK(node.validate_block(block, ledger::block_hash(block.header)));
    CHECK(node.verified_leaves.count(leaf_of(*second)) == 1);

    // A forged envelope a Byzantine peer gossiped while the pool was full is kept aside too
    // (nothing was checked), rebuilt from, and refused by the block's validation.
    node.cached_effects.reset();
    auto forged = *third;
    forged.signature.bytes[9] ^= 1;
    CHECK(node.admit(forged, false).error().code == ErrorCode::resource_exhausted);
    auto [bad_message, bad_compact] = propose({*first, forged});
    auto bad = node.rebuild_compact(bad_compact);
    REQUIRE(bad.has_value());
    const auto& bad_block = std::get<consensus::Proposal>(bad->body).block;
    CHECK_FALSE(node.validate_block(bad_block, ledger::block_hash(bad_block.header)));
}

namespace {

// A mempool over a LedgerWorld's committed state, at a fixed clock: what the mempool test cases
// below share.
struct PoolWorld {
    custos::test::LedgerWorld world;
    runtime::Mempool pool{world.ledger->state(), world.genesis};
    const ledger::TimeMs now = custos::test::at("2026-02-01T10:00:05.000Z");

    // Admits `envelope` (it must pass) and returns its id.
    ledger::EventId pend(const ledger::Envelope& envelope) {
        const auto id = ledger::event_bytes(envelope).id;
        REQUIRE(pool.admit(runtime::PendingEvent{envelope, id, 600}, now).has_value());
        return id;
    }
    // A verify of `item` by NL-POL chained on `prev`, signed by its custodian.
    ledger::Envelope verify_after(const char* item, const ledger::EventId& prev, const char* time) {
        ledger::Event event = world.next_event(ledger::EventKind::verify, item, "NL-POL", time);
        event.prev = prev;
        return world.sign(event, "nl.custodian");
    }
};

}  // namespace

TEST_CASE_FIXTURE(
    PoolWorld,
    "mempool: committing the pool's own oldest events re-checks nothing; a foreign event re-checks its "
    "item") {
    // ITEM-1: a register and two verifies chained on it, all pending; ITEM-2: a register.
    const auto register1 = world.sign(world.register_event("ITEM-1"), "nl.custodian");
    const auto register1_id = pend(register1);
    const auto verify1_id = pend(verify_after("ITEM-1", register1_id, "2026-02-01T10:00:01.000Z"));
    const auto verify2_id = pend(verify_after("ITEM-1", verify1_id, "2026-02-01T10:00:02.000Z"));
    pend(world.sign(world.register_event("ITEM-2"), "nl.custodian"));
    REQUIRE(pool.size() == 4);

    // The block holds the oldest pending event of ITEM-1: the verifies were admitted against
    // exactly the state it leaves, so nothing is checked again.
    auto effects = world.commit({register1}, "2026-02-01T10:00:03.000Z");
    CHECK(pool.remove_and_recheck({register1_id}, now, &effects) == 0);
    CHECK(pool.last_rechecked() == 0);
    CHECK(pool.size() == 3);
    // The pending state of ITEM-1 is still the one after the second verify: a verify chained on
    // it is admitted, one chained on the first verify is not.
    const auto stale = verify_after("ITEM-1", verify1_id, "2026-02-01T10:00:02.500Z");
    CHECK_FALSE(
        pool.admit(runtime::PendingEvent{stale, ledger::event_bytes(stale).id, 600}, now).has_value());
    const auto verify3 = verify_after("ITEM-1", verify2_id, "2026-02-01T10:00:02.600Z");
    const auto verify3_id = pend(verify3);
    CHECK(pool.size() == 4);

    // Another node's verify on ITEM-1 (not in this pool) moves its head: both pending verifies
    // are checked again and refused (their prev is no longer the head); ITEM-2 is not touched.
    const auto foreign = verify_after("ITEM-1", register1_id, "2026-02-01T10:00:01.500Z");
    effects = world.commit({foreign}, "2026-02-01T10:00:04.000Z");
    CHECK(pool.remove_and_recheck({ledger::event_bytes(foreign).id}, now, &effects) == 3);
    CHECK(pool.last_rechecked() == 3);
    CHECK(pool.size() == 1);
    CHECK_FALSE(pool.contains(verify3_id));
    // ITEM-1 reads the committed state again: a verify chained on the foreign event is admitted.
    pend(verify_after("ITEM-1", ledger::event_bytes(foreign).id, "2026-02-01T10:00:04.500Z"));
    CHECK(pool.size() == 2);
}

TEST_CASE_FIXTURE(PoolWorld,
                  "mempool: a foreign event in a block re-checks only the pending events on its own items") {
    // ITEM-1 and ITEM-2: a register and a verify chained on it each, all pending.
    const auto register1 = world.sign(world.register_event("ITEM-1"), "nl.custodian");
    const auto register1_id = pend(register1);
    const auto verify1_id = pend(verify_after("ITEM-1", register1_id, "2026-02-01T10:00:01.000Z"));
    const auto register2 = world.sign(world.register_event("ITEM-2"), "nl.custodian");
    const auto register2_id = pend(register2);
    pend(verify_after("ITEM-2", register2_id, "2026-02-01T10:00:01.100Z"));
    REQUIRE(pool.size() == 4);

    // The block holds this pool's register of ITEM-1 and another node's register of ITEM-3,
    // which this pool never saw: the verify pending on ITEM-1 was admitted against exactly the
    // state the block leaves, so nothing is checked again.
    const auto register3 = world.sign(world.register_event("ITEM-3"), "nl.custodian");
    auto effects = world.commit({register1, register3}, "2026-02-01T10:00:03.000Z");
    CHECK(pool.remove_and_recheck({register1_id, ledger::event_bytes(register3).id}, now, &effects) == 0);
    CHECK(pool.last_rechecked() == 0);
    CHECK(pool.size() == 3);
    CHECK(pool.contains(verify1_id));

    // The block holds this pool's register of ITEM-2 and, after it, another node's verify on
    // ITEM-2: that item moved in a way this pool did not expect, so its pending verify (chained
    // on the register, no longer the head) is checked again and dropped; ITEM-1's is not touched.
    const auto foreign = verify_after("ITEM-2", register2_id, "2026-02-01T10:00:01.200Z");
    effects = world.commit({register2, foreign}, "2026-02-01T10:00:04.000Z");
    CHECK(pool.remove_and_recheck({register2_id, ledger::event_bytes(foreign).id}, now, &effects) == 1);
    CHECK(pool.last_rechecked() == 1);
    CHECK(pool.size() == 1);
    CHECK(pool.contains(verify1_id));
}

TEST_CASE_FIXTURE(PoolWorld,
                  "mempool: a commit re-checks the events on items tied to its items by a pending derive") {
    world.commit({world.sign(world.register_event("ITEM-1"), "nl.custodian")}, "2026-02-01T10:00:00.500Z");
    // Pending: a derive of ITEM-1 into ITEM-1.image (it touches both), a verify of the image
    // chained on it, and an unrelated register.
    const auto derive_id = pend(world.sign(
        world.next_event(ledger::EventKind::derive, "ITEM-1", "NL-POL", "2026-02-01T10:00:01.000Z"),
        "nl.custodian"));
    ledger::Event verify_image =
        world.next_event(ledger::EventKind::verify, "ITEM-1.image", "NL-POL", "2026-02-01T10:00:02.000Z");
    verify_image.prev = derive_id;
    const auto verify_image_id = pend(world.sign(verify_image, "nl.custodian"));
    const auto register2_id = pend(world.sign(world.register_event("ITEM-2"), "nl.custodian"));
    REQUIRE(pool.size() == 3);

    // Another node's verify of ITEM-1 commits: the derive is refused (its prev is no longer the
    // head), and so is the verify of the image it would have made, although the block never named
    // ITEM-1.image; the register of ITEM-2 is not checked again.
    const auto foreign = world.sign(
        world.next_event(ledger::EventKind::verify, "ITEM-1", "NL-POL", "2026-02-01T10:00:01.500Z"),
        "nl.custodian");
    auto effects = world.commit({foreign}, "2026-02-01T10:00:03.000Z");
    CHECK(pool.remove_and_recheck({ledger::event_bytes(foreign).id}, now, &effects) == 2);
    CHECK(pool.last_rechecked() == 2);
    CHECK_FALSE(pool.contains(derive_id));
    CHECK_FALSE(pool.contains(verify_image_id));
    CHECK(pool.contains(register2_id));
    // The overlay forgot the image: a derive from the new head may create it again.
    pend(world.sign(
        world.next_event(ledger::EventKind::derive, "ITEM-1", "NL-POL", "2026-02-01T10:00:04.000Z"),
        "nl.custodian"));
    CHECK(pool.size() == 2);
}

TEST_CASE("config: a node's mempool takes its bounds from mempool_events_max") {
    node_test::Localnet net;
    runtime::NodeImpl node;
    open_node0(net, node, 1);
    auto first = ledger::parse_envelope(net.next_register_envelope());
    auto second = ledger::parse_envelope(net.next_register_envelope());
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    REQUIRE(node.admit(*first, true).has_value());
    auto refused = node.admit(*second, true);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::resource_exhausted);
}
