// The node's config file (consensus/runtime/config.hpp): strict parse, field-named errors, bounds,
// the test-only switches, and a node opened with a config's mempool bound.
#include <cstdlib>

#include <doctest/doctest.h>

#include "consensus/runtime/config.hpp"
#include "crypto/encoding.hpp"
#include "tests/runtime/node_directory.hpp"

using namespace custos;
using namespace custos::runtime_test;

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
    const std::string names = R"(,"rest_public_names":["obs.example:8443"])";
    auto ok = runtime::parse_node_config(
        config_text(R"(,"observers":[{"public_key":")" + key_hex + R"(","name":"auditor-copy")" + names +
                    R"(},{"public_key":")" + other +
                    R"(","name":"obs 2","rest_public_names":["10.0.0.9:8081","Copy.Example"]}])"),
        "");
    REQUIRE(ok.has_value());
    REQUIRE(ok->observers.size() == 2);
    CHECK(ok->observers[0].name == "auditor-copy");
    CHECK(ok->observers[0].rest_public_names == std::vector<std::string>{"obs.example:8443"});
    CHECK(crypto::hex_encode(ok->observers[1].public_key.view()) == other);
    auto again = runtime::parse_node_config(runtime::node_config_to_json(*ok), "");
    REQUIRE(again.has_value());
    REQUIRE(again->observers.size() == 2);
    CHECK(again->observers[0].public_key == ok->observers[0].public_key);
    CHECK(again->observers[1].name == "obs 2");
    CHECK(again->observers[1].rest_public_names == std::vector<std::string>{"10.0.0.9:8081", "Copy.Example"});
    CHECK(runtime::parse_node_config(config_text(""), "")->observers.empty());
    const std::pair<std::string, std::string> bad[] = {
        {R"(,"observers":{})", "\"observers\" must be an array"},
        {R"(,"observers":[1])", "observers[0] must be an object"},
        {R"(,"observers":[{"public_key":"zz","name":"x")" + names + "}]", "observers[0].public_key"},
        {R"(,"observers":[{"name":"x")" + names + "}]", "observers[0].public_key"},
        {R"(,"observers":[{"public_key":")" + key_hex + R"(")" + names + "}]", "observers[0].name"},
        {R"(,"observers":[{"public_key":")" + key_hex + R"(","name":"")" + names + "}]", "observers[0].name"},
        {R"(,"observers":[{"public_key":")" + key_hex + R"(","name":")" + std::string(65, 'n') + R"(")" +
             names + "}]",
         "observers[0].name"},
        {R"(,"observers":[{"public_key":")" + key_hex + R"(","name":"x","address":"a:1")" + names + "}]",
         "unknown field \"address\" in observers[0]"},
        {R"(,"observers":[{"public_key":")" + key_hex + R"(","name":"x")" + names + R"(},{"public_key":")" +
             key_hex + R"(","name":"y")" + names + "}]",
         "observers[1].public_key is listed twice"},
        // Its public names: required (a read it relays must be signed for one), as strict as the
        // node's own rest_public_names.
        {R"(,"observers":[{"public_key":")" + key_hex + R"(","name":"x"}])",
         "observers[0].rest_public_names is required"},
        {R"(,"observers":[{"public_key":")" + key_hex + R"(","name":"x","rest_public_names":[]}])",
         "observers[0].rest_public_names must be an array of 1 to 16"},
        {R"(,"observers":[{"public_key":")" + key_hex + R"(","name":"x","rest_public_names":"a:1"}])",
         "observers[0].rest_public_names must be an array"},
        {R"(,"observers":[{"public_key":")" + key_hex + R"(","name":"x","rest_public_names":["a/b"]}])",
         "observers[0].rest_public_names entries must be host or host:port"},
        {R"(,"observers":[{"public_key":")" + key_hex + R"(","name":"x","rest_public_names":[7]}])",
         "observers[0].rest_public_names must hold strings"},
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

TEST_CASE("config: a node's mempool takes its bounds from mempool_events_max") {
    NodeDirectory net;
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
