// The transport over time: reconnecting after a peer restarts, dropping silent peers and peers
// leaving the validator set, and bounded memory towards a peer that never reads.
#include <doctest/doctest.h>
#include <sodium.h>

#include <cstdlib>

#include "consensus/runtime/connection.hpp"
#include "test_network.hpp"

namespace {

using namespace custos;
using namespace custos::runtime;
using namespace custos::runtime::testing;

// A message carrying its index in its first 4 bytes, padded to `size`.
Bytes indexed_message(std::uint32_t index, std::size_t size) {
    Bytes message(size, 0x77);
    for (std::size_t i = 0; i < 4; ++i)
        message[i] = static_cast<std::uint8_t>(index >> (8 * (3 - i)));
    return message;
}

std::uint32_t index_of(const Bytes& message) {
    return (std::uint32_t{message[0]} << 24) | (std::uint32_t{message[1]} << 16) |
           (std::uint32_t{message[2]} << 8) | std::uint32_t{message[3]};
}

}  // namespace

TEST_CASE("a dialer reconnects after the other side restarts on the same address") {
    IoThread io_thread;
    const SecretKey a_key = SecretKey::generate();
    const SecretKey b_key = SecretKey::generate();
    const std::vector<PublicKey> validators{a_key.public_key(), b_key.public_key()};
    TransportNode a(io_thread.io, a_key, fast_options(validators));
    auto b = std::make_unique<TransportNode>(io_thread.io, b_key, fast_options(validators));
    const std::uint16_t b_port = b->port;
    REQUIRE(a.transport->connect_to({b->address()}).has_value());
    REQUIRE(wait_until([&] { return a.recorder->connected_to(b_key.public_key()) == 1; }));

    b.reset();  // Stops b: its listener and connection close.
    REQUIRE(wait_until([&] { return a.recorder->downs_count() == 1; }));
    CHECK(a.recorder->connected_to(b_key.public_key()) == 0);
    // While b is away a keeps trying, backing off between attempts.
    const std::uint64_t dials_when_down = a.stats().dials_started;
    REQUIRE(wait_until([&] { return a.stats().dials_started >= dials_when_down + 2; }));

    TransportNode b_again(io_thread.io, b_key, fast_options(validators), b_port);
    REQUIRE(wait_until([&] { return a.recorder->connected_to(b_again.key) == 1; }));
    CHECK(a.recorder->ups_count() == 2);
    REQUIRE(a.transport->send(b_again.key, text_bytes("welcome back")).has_value());
    REQUIRE(wait_until([&] { return b_again.recorder->received_count() == 1; }));
    CHECK(b_again.recorder->received_copy()[0].message == text_bytes("welcome back"));
}

TEST_CASE("a peer that goes silent is dropped after the idle timeout") {
    IoThread io_thread;
    const SecretKey server_key = SecretKey::generate();
    const SecretKey raw_key = SecretKey::generate();
    TransportOptions options = fast_options({server_key.public_key(), raw_key.public_key()});
    options.idle_timeout_ms = 300;
    TransportNode server(io_thread.io, server_key, options);
    RawPeer raw(server.port);
    CHECK(raw.handshake(raw_key) == server.key);
    // The raw peer never sends a ping; the server drops it, and meanwhile pinged it.
    std::optional<Frame> first = raw.read_frame();
    REQUIRE(first.has_value());
    CHECK(first->type == FrameType::ping);
    CHECK(raw.closed_by_server());
    REQUIRE(wait_until([&] { return server.recorder->downs_count() == 1; }));
    CHECK(server.stats().drops_for(DropReason::idle_timeout) == 1);
}

TEST_CASE("set_validators drops a connected peer that left the set") {
    IoThread io_thread;
    const SecretKey a_key = SecretKey::generate();
    const SecretKey b_key = SecretKey::generate();
    const std::vector<PublicKey> validators{a_key.public_key(), b_key.public_key()};
    TransportNode a(io_thread.io, a_key, fast_options(validators));
    TransportNode b(io_thread.io, b_key, fast_options(validators));
    REQUIRE(b.transport->connect_to({a.address()}).has_value());
    REQUIRE(wait_until([&] { return a.recorder->connected_to(b.key) == 1; }));

    a.transport->set_validators({a_key.public_key()});
    REQUIRE(wait_until([&] { return a.stats().drops_for(DropReason::removed_from_set) == 1; }));
    CHECK(a.recorder->connected_to(b.key) == 0);
    // b redials and is now refused.
    REQUIRE(wait_until([&] { return a.stats().drops_for(DropReason::not_allowed) >= 1; }));
    CHECK(a.recorder->ups_count() == 1);
}

TEST_CASE("a peer that never reads cannot grow the sender's queue past its limits") {
    IoThread io_thread;
    const SecretKey server_key = SecretKey::generate();
    const SecretKey raw_key = SecretKey::generate();
    TransportOptions options = fast_options({server_key.public_key(), raw_key.public_key()});
    options.send_queue_messages_max = 16;
    options.send_queue_bytes_max = 1024 * 1024;
    options.idle_timeout_ms = 60'000;  // Only the queue limits are under test here.
    TransportNode server(io_thread.io, server_key, options);
    RawPeer raw(server.port);
    CHECK(raw.handshake(raw_key) == server.key);
    REQUIRE(wait_until([&] { return server.recorder->connected_to(raw_key.public_key()) == 1; }));

    // 400 x 64 KiB = 25 MiB, far more than loopback socket buffers absorb, while nobody reads.
    constexpr std::uint32_t message_count = 400;
    constexpr std::size_t message_size = 64 * 1024;
    for (std::uint32_t i = 0; i < message_count; ++i) {
        REQUIRE(server.transport->send(raw_key.public_key(), indexed_message(i, message_size)).has_value());
    }
    // Every message is accounted for: written to the socket, queued, dropped, or in the one
    // batch being written (at most write_batch_bytes_max / message_size messages).
    constexpr std::uint64_t in_flight_max = write_batch_bytes_max / message_size;
    REQUIRE(wait_until([&] {
        const TransportStats stats = server.stats();
        return stats.messages_sent + stats.queued_messages + stats.queue_dropped_messages + in_flight_max >=
               message_count;
    }));
    const TransportStats stats = server.stats();
    CHECK(stats.queue_bytes_peak <= options.send_queue_bytes_max);
    CHECK(stats.queue_messages_peak <= options.send_queue_messages_max);
    CHECK(stats.queued_bytes <= options.send_queue_bytes_max);
    CHECK(stats.queue_dropped_messages > 0);
    CHECK(stats.messages_sent < message_count);
    CHECK(server.stats().peers_connected == 1);

    // Now read: frames arrive in order, with gaps where the oldest were dropped, and the newest
    // message is among them (drop-oldest, not drop-newest).
    std::uint32_t last_index = 0;
    std::uint32_t delivered = 0;
    bool first = true;
    while (last_index != message_count - 1) {
        std::optional<Frame> frame = raw.read_frame();
        REQUIRE(frame.has_value());
        if (frame->type != FrameType::message) continue;
        const std::uint32_t index = index_of(frame->payload);
        CHECK((first || index > last_index));
        first = false;
        last_index = index;
        ++delivered;
    }
    CHECK(delivered < message_count);
    CHECK(delivered + server.stats().queue_dropped_messages == message_count);
}
