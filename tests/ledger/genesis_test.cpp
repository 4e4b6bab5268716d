// Genesis: canonical form and hash, and a clear refusal of every inconsistency.
#include <doctest/doctest.h>

#include "crypto/sha256.hpp"
#include "tests/ledger/ledger_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::LedgerWorld;

namespace {

std::string refusal(const Genesis& genesis) {
    auto status = validate_genesis(genesis);
    REQUIRE_MESSAGE(!status, "the genesis was accepted");
    return status.error().message;
}

std::string refusal(const crypto::Json& json) {
    auto genesis = genesis_from_json(json);
    REQUIRE_MESSAGE(!genesis, "the genesis was accepted");
    return genesis.error().message;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("genesis: canonical text round-trips and its SHA-256 is the genesis hash") {
    LedgerWorld world;
    const std::string text = canonical_genesis(world.genesis);
    CHECK(genesis_hash(world.genesis) == crypto::sha256(text));
    auto parsed = parse_genesis(text);
    REQUIRE(parsed.has_value());
    CHECK(canonical_genesis(*parsed) == text);
    // The same document pretty-printed (other key order, whitespace) has the same hash.
    auto pretty = parse_genesis(genesis_to_json(world.genesis).dump(2));
    REQUIRE(pretty.has_value());
    CHECK(genesis_hash(*pretty) == genesis_hash(world.genesis));
    CHECK(text.starts_with(R"({"agencies":[{"country":"BE","id":"BE-POL","name":"Police fédérale"})"));
    CHECK(contains(text, R"("type":"custos.genesis.v1")"));
    CHECK(world.genesis.find_officer(world.key("de.custodian").public_key())->agency == "DE-BKA");
    CHECK(world.genesis.find_agency("NL-POL")->country == "NL");
    CHECK(world.genesis.find_agency("FR-PN") == nullptr);
}

TEST_CASE("genesis: inconsistent documents are refused naming the field") {
    LedgerWorld world;
    Genesis genesis = world.genesis;
    genesis.agencies.push_back(genesis.agencies.back());
    CHECK(contains(refusal(genesis), "agencies[3].id"));

    genesis = world.genesis;
    genesis.officers[0].agency = "FR-PN";
    CHECK(contains(refusal(genesis), "officers[0].agency: unknown agency 'FR-PN'"));

    genesis = world.genesis;
    genesis.officers[1].key = genesis.officers[0].key;
    CHECK(contains(refusal(genesis), "officers[1].key"));

    genesis = world.genesis;
    genesis.officers[0].roles.clear();
    CHECK(contains(refusal(genesis), "officers[0].roles"));

    genesis = world.genesis;
    genesis.validators.validators[2].power = 0;
    CHECK(contains(refusal(genesis), "validators[2].power"));

    genesis = world.genesis;
    genesis.validators.validators[3].key = genesis.validators.validators[0].key;
    CHECK(contains(refusal(genesis), "validators[3].key"));

    genesis = world.genesis;
    genesis.validators.validators[1].agency = "FR-PN";
    CHECK(contains(refusal(genesis), "validators[1].agency"));

    genesis = world.genesis;
    std::swap(genesis.validators.validators[0], genesis.validators.validators[1]);
    CHECK(contains(refusal(genesis), "out of order"));

    genesis = world.genesis;
    genesis.validators.validators[0].address = "localhost";
    CHECK(contains(refusal(genesis), "validators[0].address"));

    genesis = world.genesis;
    genesis.validators.validators.clear();
    CHECK(contains(refusal(genesis), "validators"));

    genesis = world.genesis;
    genesis.params.block_events_max = 0;
    CHECK(contains(refusal(genesis), "params.block_events_max"));

    genesis = world.genesis;
    genesis.params.heartbeat_interval_ms = 0;
    CHECK(contains(refusal(genesis), "params.heartbeat_interval_ms"));
    genesis.params.heartbeat_interval_ms = 3'600'001;
    CHECK(contains(refusal(genesis), "params.heartbeat_interval_ms: must be 1..3600000"));

    genesis = world.genesis;
    genesis.chain_id = "a chain";
    CHECK(contains(refusal(genesis), "chain_id"));
}

TEST_CASE("genesis: unknown and missing fields are refused by name") {
    LedgerWorld world;
    auto json = genesis_to_json(world.genesis);
    REQUIRE(genesis_from_json(json).has_value());

    auto extra = json;
    extra["officers"][0]["email"] = "x@example.org";
    CHECK(refusal(extra) == "genesis officers[0].email: unknown field");

    auto extra_param = json;
    extra_param["params"]["gas"] = 1;
    CHECK(refusal(extra_param) == "genesis params.gas: unknown field");

    auto missing = json;
    missing["params"].erase("clock_skew_max_ms");
    CHECK(contains(refusal(missing), "params.clock_skew_max_ms: missing"));
    auto no_heartbeat = json;  // A genesis written before the heartbeat existed is refused by name.
    no_heartbeat["params"].erase("heartbeat_interval_ms");
    CHECK(contains(refusal(no_heartbeat), "params.heartbeat_interval_ms: missing"));

    auto bad_type = json;
    bad_type["type"] = "custos.genesis.v2";
    CHECK(contains(refusal(bad_type), "type"));

    auto bad_role = json;
    bad_role["officers"][0]["roles"] = crypto::Json::array({"judge"});
    CHECK(contains(refusal(bad_role), "officers[0].roles[0]"));

    auto negative = json;
    negative["validators"][0]["power"] = -1;
    CHECK(contains(refusal(negative), "validators[0].power"));

    CHECK(!parse_genesis("{\"type\": \"custos.genesis.v1\", \"type\": \"x\"}"));
}

TEST_CASE("genesis: the validator set hash covers every field of every validator") {
    LedgerWorld world;
    const Hash32 hash = world.genesis.validators.hash();
    ValidatorSet changed = world.genesis.validators;
    changed.validators[0].power = 2;
    CHECK(changed.hash() != hash);
    changed = world.genesis.validators;
    changed.validators[0].address = "127.0.0.1:9999";
    CHECK(changed.hash() != hash);
    CHECK(world.genesis.validators.total_power() == 4);
    CHECK(world.genesis.validators.find_name("validator-2")->agency == "DE-BKA");
    CHECK(world.genesis.validators.find(world.validator_keys[2].public_key())->name == "validator-3");
}

TEST_CASE("genesis: a validator name is an id of 1..256 bytes, other ids 1..128 (FORMAT.md 5.1)") {
    LedgerWorld world;
    Genesis genesis = world.genesis;
    genesis.validators.validators.back().name = std::string(256, 'v');
    CHECK(validate_genesis(genesis).has_value());
    genesis.validators.validators.back().name = std::string(257, 'v');
    CHECK(contains(refusal(genesis), ".name"));
    crypto::Json json = genesis_to_json(world.genesis);
    json["agencies"][0]["id"] = std::string(129, 'A');
    CHECK(contains(refusal(json), "agencies[0].id"));
}

}  // namespace CUSTOS_TEST_FILE
