// In-process tests of the read relay's messages and the validator's checks before it signs an
// observer's read (consensus/runtime/read_relay.hpp, docs/FORMAT.md 8.4). The node's side (only
// from a listed observer's link; recorded and committed otherwise) runs in
// tests/node/observer_test.cpp against real nodes.
#include <doctest/doctest.h>

#include "consensus/runtime/read_relay.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/encoding.hpp"
#include "ledger/events/read_record.hpp"
#include "ledger/genesis.hpp"
#include "test_support.hpp"

using namespace custos;

namespace {

constexpr std::int64_t relay_now_ms = 1'700'000'000'000;

// A read as an observer builds it (test_support.hpp): the officer's signed trail request,
// received now, signed for the node at `authority` (by default the observer's).
runtime::ReadRelayRequest relayed_trail(const crypto::SecretKey& officer,
                                        std::string_view authority = "127.0.0.1:8085",
                                        std::string_view scheme = "http") {
    return runtime::testing::relayed_trail_read(officer, {.authority = authority,
                                                          .scheme = scheme,
                                                          .ticket = 7,
                                                          .received_ms = relay_now_ms,
                                                          .node = "observer-1"});
}

}  // namespace

TEST_CASE("read relay: the messages round-trip, and anything else is refused naming the member") {
    const auto officer = crypto::SecretKey::generate();
    const auto request = relayed_trail(officer);
    const std::string text = runtime::encode_read_relay(request);
    auto decoded = runtime::decode_read_relay(text);
    REQUIRE(decoded.has_value());
    CHECK(decoded->ticket == 7);
    CHECK(decoded->received.value == relay_now_ms);
    CHECK(decoded->read == request.read);

    auto json = crypto::parse_json(text);
    REQUIRE(json.has_value());
    auto refused = [&](auto change, std::string_view named) {
        crypto::Json copy = *json;
        change(copy);
        auto result = runtime::decode_read_relay(copy.dump());
        REQUIRE_FALSE(result.has_value());
        CHECK_MESSAGE(result.error().message.find(named) != std::string::npos, result.error().message);
    };
    refused([](crypto::Json& j) { j["extra"] = 1; }, "read relay extra: unknown field");
    refused([](crypto::Json& j) { j.erase("ticket"); }, "read relay ticket: missing");
    refused([](crypto::Json& j) { j["ticket"] = -1; }, "ticket");
    refused([](crypto::Json& j) { j["type"] = "custos.read_relay.v2"; }, "type");
    refused([](crypto::Json& j) { j["received"] = "now"; }, "received");
    refused([](crypto::Json& j) { j["read"]["status"] = 404; }, "read.status");
    refused([](crypto::Json& j) { j["read"]["outcome"] = "maybe"; }, "read.outcome");
    refused([](crypto::Json& j) { j["read"].erase("signature"); }, "read.signature");
    CHECK_FALSE(runtime::decode_read_relay("[1,2]").has_value());
    CHECK_FALSE(runtime::decode_read_relay(std::string(runtime::read_relay_bytes_max + 1, ' ')).has_value());

    const auto id = ledger::event_id_from_hex(std::string(64, 'a'));
    REQUIRE(id.has_value());
    auto recorded = runtime::decode_read_relay_answer(
        runtime::encode_read_relay_answer({.ticket = 9, .id = *id, .refused = {}}));
    REQUIRE(recorded.has_value());
    CHECK(recorded->ticket == 9);
    CHECK(recorded->id == *id);
    auto no = runtime::decode_read_relay_answer(runtime::encode_read_relay_answer(
        {.ticket = 9, .id = std::nullopt, .refused = std::string(600, 'x')}));
    REQUIRE(no.has_value());
    CHECK_FALSE(no->id.has_value());
    CHECK(no->refused.size() == runtime::read_relay_reason_bytes_max);  // Cut, not refused.
    CHECK_FALSE(
        runtime::decode_read_relay_answer(R"({"type":"custos.read_relay_answer.v1","ticket":1,"id":")" +
                                          std::string(64, 'a') + R"(","refused":"x"})")
            .has_value());  // Both.
    CHECK_FALSE(runtime::decode_read_relay_answer(R"({"type":"custos.read_relay_answer.v1","ticket":1})")
                    .has_value());  // Neither.
}

TEST_CASE("read relay: a validator signs only a read whose officer signature verifies, received now") {
    const auto officer = crypto::SecretKey::generate();
    const std::int64_t skew_ms = 5000;
    const std::vector<std::string> names{"127.0.0.1:8085"};  // The relaying observer's.
    auto at = [&](std::int64_t now) {
        return runtime::RelayedReadCheck{.now_ms = now, .skew_ms = skew_ms, .observer_names = names};
    };
    auto request = relayed_trail(officer);
    CHECK(runtime::check_relayed_read(request, at(relay_now_ms)).has_value());
    CHECK(runtime::check_relayed_read(request, at(relay_now_ms + skew_ms)).has_value());

    // The officer's signature over another base (a changed target): refused, R35.
    auto forged = request;
    forged.read.signature_base.replace(forged.read.signature_base.find("ITEM-1"), 6, "ITEM-2");
    auto refused = runtime::check_relayed_read(forged, at(relay_now_ms));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find("R35") != std::string::npos);
    // Another key's signature.
    auto other = request;
    other.read.signature = crypto::SecretKey::generate().sign(as_bytes(request.read.signature_base));
    CHECK_FALSE(runtime::check_relayed_read(other, at(relay_now_ms)).has_value());
    // A receipt time outside this validator's clock tolerance, either way.
    auto late = runtime::check_relayed_read(request, at(relay_now_ms + skew_ms + 1));
    REQUIRE_FALSE(late.has_value());
    CHECK(late.error().message.find("received") != std::string::npos);
    CHECK_FALSE(runtime::check_relayed_read(request, at(relay_now_ms - skew_ms - 1)).has_value());
}

TEST_CASE("read relay: a validator records only a read signed for the relaying observer's own names") {
    const auto officer = crypto::SecretKey::generate();
    // The same officer's request, validly signed, but for another node (a validator's API, say):
    // a listed observer relaying it would have the validator record a read it did not serve.
    const auto foreign = relayed_trail(officer, "127.0.0.1:8081");
    const std::vector<std::string> observer_names{"127.0.0.1:8085", "localhost:8085"};
    const runtime::RelayedReadCheck check{
        .now_ms = relay_now_ms, .skew_ms = 5000, .observer_names = observer_names};
    auto refused = runtime::check_relayed_read(foreign, check);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::permission_denied);
    CHECK_MESSAGE(refused.error().message.find("'127.0.0.1:8081'") != std::string::npos,
                  refused.error().message);
    CHECK_MESSAGE(refused.error().message.find("rest_public_names") != std::string::npos,
                  refused.error().message);
    // A near miss is no match: another port, a name with the right host only.
    CHECK_FALSE(runtime::check_relayed_read(relayed_trail(officer, "127.0.0.1:80850"), check).has_value());
    CHECK_FALSE(runtime::check_relayed_read(relayed_trail(officer, "127.0.0.1"), check).has_value());
    // No names at all: nothing is recorded for that observer.
    CHECK_FALSE(runtime::check_relayed_read(relayed_trail(officer), {.now_ms = relay_now_ms, .skew_ms = 5000})
                    .has_value());

    // Negative control: the observer's own authorities, either of them, in any case, over https too.
    CHECK(runtime::check_relayed_read(relayed_trail(officer), check).has_value());
    CHECK(runtime::check_relayed_read(relayed_trail(officer, "LocalHost:8085"), check).has_value());
    CHECK(runtime::check_relayed_read(relayed_trail(officer, "localhost:8085", "https"), check).has_value());
    // The foreign request is refused for its authority alone: with that name listed it passes.
    const std::vector<std::string> validator_names{"127.0.0.1:8081"};
    CHECK(runtime::check_relayed_read(
              foreign, {.now_ms = relay_now_ms, .skew_ms = 5000, .observer_names = validator_names})
              .has_value());
}
