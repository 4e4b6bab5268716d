// Event gossip batches (consensus/runtime/gossip_batch.hpp): the JSON array they send, when they
// are full, and when a flush timer is wanted.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "consensus/runtime/gossip_batch.hpp"

using namespace custos::runtime;

namespace {

struct Sent {
    std::vector<std::string> batches;
    auto sender() {
        return [this](std::string_view batch) { batches.emplace_back(batch); };
    }
};

}  // namespace

TEST_CASE("a gossip batch sends the envelopes it was given as one JSON array, then starts over") {
    GossipBatch batch;
    Sent sent;
    batch.flush(sent.sender());
    CHECK(sent.batches.empty());  // Nothing to send: nothing sent.
    CHECK_FALSE(batch.add(R"({"a":1})"));
    CHECK_FALSE(batch.add(R"({"b":2})"));
    CHECK(batch.count() == 2);
    batch.flush(sent.sender());
    REQUIRE(sent.batches.size() == 1);
    CHECK(sent.batches[0] == R"([{"a":1},{"b":2}])");
    CHECK(batch.empty());
    CHECK_FALSE(batch.add(R"({"c":3})"));
    batch.flush(sent.sender());
    REQUIRE(sent.batches.size() == 2);
    CHECK(sent.batches[1] == R"([{"c":3}])");
}

TEST_CASE("a gossip batch is full at gossip_batch_max envelopes or gossip_batch_bytes_max bytes") {
    GossipBatch by_count;
    for (std::size_t i = 1; i < gossip_batch_max; ++i)
        REQUIRE_FALSE(by_count.add("{}"));
    CHECK(by_count.add("{}"));

    GossipBatch by_bytes;
    const std::string half(gossip_batch_bytes_max / 2, 'x');
    CHECK_FALSE(by_bytes.add(half));  // "[" and half.
    CHECK(by_bytes.add(half));        // "," and half: past the limit.
    CHECK(by_bytes.count() == 2);
}

TEST_CASE("a gossip batch wants one flush timer until it is flushed") {
    GossipBatch batch;
    CHECK(batch.schedule_flush());
    CHECK_FALSE(batch.schedule_flush());  // One is armed already.
    Sent sent;
    batch.flush(sent.sender());  // Even an empty flush ends the scheduled one.
    CHECK(batch.schedule_flush());
}
