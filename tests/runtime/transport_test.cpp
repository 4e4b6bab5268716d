// The peer transport over real sockets on 127.0.0.1: who may connect, what reaches whom, what
// gets a peer dropped, reconnection, and that a peer that never reads cannot grow the sender's
// memory past its queue limits.
#include <doctest/doctest.h>
#include <sodium.h>

#include <cstdlib>

#include "test_network.hpp"

namespace {

using namespace custos;
using namespace custos::runtime;
using namespace custos::runtime::testing;

bool received_from(const Recorder& recorder, const PublicKey& from, const Bytes& message) {
    for (const Recorder::Received& received : recorder.received_copy()) {
        if (received.from == from && received.message == message) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("two transports connect and exchange messages both ways") {
    IoThread io_thread;
    const SecretKey a_key = SecretKey::generate();
    const SecretKey b_key = SecretKey::generate();
    const std::vector<PublicKey> validators{a_key.public_key(), b_key.public_key()};
    TransportNode a(io_thread.io, a_key, fast_options(validators));
    TransportNode b(io_thread.io, b_key, fast_options(validators));

    // Only b dials, so exactly one connection exists and nothing is lost to duplicate resolution.
    REQUIRE(b.transport->connect_to({a.address()}).has_value());
    REQUIRE(wait_until(
        [&] { return a.recorder->connected_to(b.key) == 1 && b.recorder->connected_to(a.key) == 1; }));

    Bytes large(1024 * 1024);
    randombytes_buf(large.data(), large.size());
    REQUIRE(a.transport->send(b.key, text_bytes("from a")).has_value());
    REQUIRE(a.transport->send(b.key, large).has_value());
    REQUIRE(b.transport->send(a.key, text_bytes("from b")).has_value());
    REQUIRE(
        wait_until([&] { return b.recorder->received_count() == 2 && a.recorder->received_count() == 1; }));

    const auto at_b = b.recorder->received_copy();
    CHECK(at_b[0].from == a.key);
    CHECK(at_b[0].message == text_bytes("from a"));
    CHECK(at_b[1].message == large);  // Order within a peer is kept, and large bodies arrive whole.
    CHECK(received_from(*a.recorder, b.key, text_bytes("from b")));
    CHECK(a.stats().peers_connected == 1);
    // The write's completion may run just after the peer has the bytes.
    CHECK(wait_until([&] { return b.stats().messages_sent == 1; }));

    // A message over the limit is refused at the edge, not queued.
    CHECK_FALSE(a.transport->send(b.key, Bytes(message_bytes_max + 1)).has_value());
}

TEST_CASE("when both sides dial, one connection survives and stays up") {
    IoThread io_thread;
    const SecretKey a_key = SecretKey::generate();
    const SecretKey b_key = SecretKey::generate();
    const std::vector<PublicKey> validators{a_key.public_key(), b_key.public_key()};
    TransportNode a(io_thread.io, a_key, fast_options(validators));
    TransportNode b(io_thread.io, b_key, fast_options(validators));
    REQUIRE(a.transport->connect_to({b.address(), a.address()}).has_value());  // Own entry is skipped.
    REQUIRE(b.transport->connect_to({a.address()}).has_value());

    // Messages sent while a duplicate is being resolved may be lost; keep sending until one lands.
    int sent = 0;
    REQUIRE(wait_until([&] {
        REQUIRE(a.transport->send(b.key, text_bytes("hello " + std::to_string(sent++))).has_value());
        return b.recorder->received_count() > 0 && a.stats().peers_connected == 1 &&
               b.stats().peers_connected == 1;
    }));
    // Settled once neither side has a handshake in flight: both then hold the same connection.
    REQUIRE(
        wait_until([&] { return a.stats().pending_handshakes == 0 && b.stats().pending_handshakes == 0; }));
    const std::size_t a_downs = a.recorder->downs_count();
    const std::size_t b_downs = b.recorder->downs_count();
    // Several keepalive intervals later the pair has not flapped: no new peer_down on either side.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(a.recorder->downs_count() == a_downs);
    CHECK(b.recorder->downs_count() == b_downs);
    CHECK(a.recorder->connected_to(b.key) == 1);
    CHECK(b.recorder->connected_to(a.key) == 1);
    const std::size_t before = b.recorder->received_count();
    REQUIRE(a.transport->send(b.key, text_bytes("after settling")).has_value());
    REQUIRE(wait_until([&] { return b.recorder->received_count() == before + 1; }));
    CHECK(received_from(*b.recorder, a.key, text_bytes("after settling")));
    CHECK(a.stats().drops_for(DropReason::idle_timeout) == 0);
}

TEST_CASE("three transports in a mesh deliver broadcasts to every other validator") {
    IoThread io_thread;
    std::vector<SecretKey> keys;
    for (int i = 0; i < 3; ++i)
        keys.push_back(SecretKey::generate());
    const std::vector<PublicKey> validators{keys[0].public_key(), keys[1].public_key(), keys[2].public_key()};
    std::vector<std::unique_ptr<TransportNode>> nodes;
    for (const SecretKey& key : keys)
        nodes.push_back(std::make_unique<TransportNode>(io_thread.io, key, fast_options(validators)));
    std::vector<PeerAddress> addresses;
    for (const auto& node : nodes)
        addresses.push_back(node->address());
    for (const auto& node : nodes)
        REQUIRE(node->transport->connect_to(addresses).has_value());
    REQUIRE(wait_until([&] {
        for (const auto& node : nodes) {
            if (node->stats().peers_connected != 2) return false;
        }
        return true;
    }));

    // Broadcast until every node has heard from both others (a duplicate resolved late may eat
    // an early copy), then check the senders are who they claim.
    REQUIRE(wait_until([&] {
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            REQUIRE(nodes[i]->transport->broadcast(text_bytes("from " + std::to_string(i))).has_value());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            for (std::size_t j = 0; j < nodes.size(); ++j) {
                if (i != j && !received_from(*nodes[i]->recorder, nodes[j]->key,
                                             text_bytes("from " + std::to_string(j)))) {
                    return false;
                }
            }
        }
        return true;
    }));
    for (const auto& node : nodes) {
        for (const Recorder::Received& received : node->recorder->received_copy()) {
            CHECK(received.from != node->key);  // Nothing loops back to its sender.
        }
    }
}

TEST_CASE("a validator outside the allow-list is refused") {
    IoThread io_thread;
    LogCapture logs;
    const SecretKey a_key = SecretKey::generate();
    const SecretKey b_key = SecretKey::generate();
    const SecretKey stranger_key = SecretKey::generate();
    TransportNode a(io_thread.io, a_key, fast_options({a_key.public_key(), b_key.public_key()}));
    // The stranger thinks a is a validator it may talk to.
    TransportNode stranger(io_thread.io, stranger_key,
                           fast_options({a_key.public_key(), stranger_key.public_key()}));
    REQUIRE(stranger.transport->connect_to({a.address()}).has_value());

    // It keeps redialing with backoff and is refused every time.
    REQUIRE(wait_until([&] { return a.stats().drops_for(DropReason::not_allowed) >= 2; }));
    CHECK_FALSE(a.recorder->ever_up(stranger.key));
    CHECK(a.stats().peers_connected == 0);
    CHECK(a.stats().handshakes_completed == 0);
    CHECK(stranger.stats().dials_started >= 2);
    CHECK(logs.contains_line_with({"level=warn", "event=peer_dropped", "reason=not_allowed"}));
}

TEST_CASE("a dialed address that proves another key is refused") {
    IoThread io_thread;
    const SecretKey a_key = SecretKey::generate();
    const SecretKey b_key = SecretKey::generate();
    const SecretKey c_key = SecretKey::generate();
    const std::vector<PublicKey> validators{a_key.public_key(), b_key.public_key(), c_key.public_key()};
    TransportNode a(io_thread.io, a_key, fast_options(validators));
    TransportNode b(io_thread.io, b_key, fast_options(validators));
    // a believes c listens at b's address.
    REQUIRE(a.transport->connect_to({PeerAddress{b.address().address, c_key.public_key()}}).has_value());

    // a keeps redialing that address (with backoff) and refuses the answer every time.
    REQUIRE(wait_until([&] { return a.stats().drops_for(DropReason::unexpected_key) >= 3; }));
    CHECK_FALSE(a.recorder->ever_up(b.key));
    CHECK_FALSE(a.recorder->ever_up(c_key.public_key()));
    CHECK(a.stats().handshakes_completed == 0);
}

TEST_CASE("a frame announcing more than frame_bytes_max drops the peer before its body is read") {
    IoThread io_thread;
    LogCapture logs;
    const SecretKey server_key = SecretKey::generate();
    const SecretKey raw_key = SecretKey::generate();
    TransportNode server(io_thread.io, server_key,
                         fast_options({server_key.public_key(), raw_key.public_key()}));
    RawPeer raw(server.port);
    CHECK(raw.handshake(raw_key) == server.key);
    REQUIRE(wait_until([&] { return server.recorder->connected_to(raw_key.public_key()) == 1; }));

    const std::uint32_t length = frame_bytes_max + 1;
    const std::array<std::uint8_t, 4> prefix{
        static_cast<std::uint8_t>(length >> 24), static_cast<std::uint8_t>(length >> 16),
        static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
    raw.write(prefix);  // No body follows: the server must not wait for one.
    REQUIRE(wait_until([&] { return server.stats().drops_for(DropReason::frame_too_large) == 1; }));
    CHECK(server.recorder->connected_to(raw_key.public_key()) == 0);
    CHECK(raw.closed_by_server());
    CHECK(logs.contains_line_with({"event=peer_dropped", "reason=frame_too_large"}));
}

TEST_CASE("a tampered ciphertext byte drops the peer and delivers nothing") {
    IoThread io_thread;
    LogCapture logs;
    const SecretKey server_key = SecretKey::generate();
    const SecretKey raw_key = SecretKey::generate();
    TransportNode server(io_thread.io, server_key,
                         fast_options({server_key.public_key(), raw_key.public_key()}));
    RawPeer raw(server.port);
    CHECK(raw.handshake(raw_key) == server.key);

    raw.write(raw.seal(FrameType::message, text_bytes("genuine")));
    REQUIRE(wait_until([&] { return server.recorder->received_count() == 1; }));
    Bytes frame = raw.seal(FrameType::message, text_bytes("tampered"));
    frame[frame_length_prefix_bytes + 3] ^= 0x40;
    raw.write(frame);

    REQUIRE(wait_until([&] { return server.stats().drops_for(DropReason::decrypt_failed) == 1; }));
    CHECK(raw.closed_by_server());
    CHECK(server.recorder->received_count() == 1);
    CHECK(received_from(*server.recorder, raw_key.public_key(), text_bytes("genuine")));
    CHECK(logs.contains_line_with({"level=warn", "event=peer_dropped", "reason=decrypt_failed"}));
}

TEST_CASE("clients sending garbage or nothing are dropped and the server keeps serving") {
    IoThread io_thread;
    const SecretKey server_key = SecretKey::generate();
    const SecretKey good_key = SecretKey::generate();
    const std::vector<PublicKey> validators{server_key.public_key(), good_key.public_key()};
    TransportOptions options = fast_options(validators);
    options.handshake_timeout_ms = 300;
    TransportNode server(io_thread.io, server_key, options);

    std::string http = "GET / HTTP/1.1\r\nHost: validator\r\n\r\n";
    http.resize(hello_bytes, ' ');
    RawPeer http_client(server.port);
    http_client.write(as_bytes(http));

    HelloBytes low_order{};  // Version 1, all-zero ephemeral key.
    low_order[0] = handshake_version;
    RawPeer low_order_client(server.port);
    low_order_client.write(low_order);

    // A well-formed Hello followed by an auth frame of the wrong size.
    const EphemeralKeyPair ephemeral = EphemeralKeyPair::generate();
    RawPeer wrong_auth_client(server.port);
    wrong_auth_client.write(encode_hello(ephemeral.make_hello()));
    wrong_auth_client.write(std::array<std::uint8_t, 4>{0, 0, 1, 0});

    RawPeer silent_client(server.port);  // Sends nothing: only the deadline ends it.

    CHECK(http_client.closed_by_server());
    CHECK(low_order_client.closed_by_server());
    CHECK(wrong_auth_client.closed_by_server());
    CHECK(silent_client.closed_by_server());
    // The socket closes just before the drop is counted; wait for the count.
    REQUIRE(wait_until([&] { return server.stats().drops_for(DropReason::handshake_timeout) == 1; }));
    const TransportStats stats = server.stats();
    CHECK(stats.drops_for(DropReason::bad_hello) == 2);
    CHECK(stats.drops_for(DropReason::handshake_failed) == 1);
    CHECK(stats.drops_for(DropReason::handshake_timeout) == 1);
    CHECK(stats.handshakes_completed == 0);

    TransportNode good(io_thread.io, good_key, fast_options(validators));
    REQUIRE(good.transport->connect_to({server.address()}).has_value());
    REQUIRE(wait_until([&] { return good.recorder->connected_to(server.key) == 1; }));
    REQUIRE(good.transport->send(server.key, text_bytes("still here")).has_value());
    REQUIRE(wait_until([&] { return server.recorder->received_count() == 1; }));
    CHECK(received_from(*server.recorder, good.key, text_bytes("still here")));
}

TEST_CASE("an auth frame after the handshake, an unknown frame type or a tiny frame drops the peer") {
    IoThread io_thread;
    const SecretKey server_key = SecretKey::generate();
    const SecretKey raw_key = SecretKey::generate();
    TransportNode server(io_thread.io, server_key,
                         fast_options({server_key.public_key(), raw_key.public_key()}));

    RawPeer second_auth(server.port);
    CHECK(second_auth.handshake(raw_key) == server.key);
    second_auth.write(second_auth.seal(FrameType::auth, Bytes(auth_message_bytes)));
    CHECK(second_auth.closed_by_server());

    RawPeer unknown_type(server.port);
    CHECK(unknown_type.handshake(raw_key) == server.key);
    unknown_type.write(unknown_type.seal(static_cast<FrameType>(9), text_bytes("what is this")));
    CHECK(unknown_type.closed_by_server());

    RawPeer tiny(server.port);
    CHECK(tiny.handshake(raw_key) == server.key);
    tiny.write(std::array<std::uint8_t, 5>{0, 0, 0, 1, 0x02});
    CHECK(tiny.closed_by_server());

    REQUIRE(wait_until([&] { return server.stats().drops_for(DropReason::frame_too_small) == 1; }));
    CHECK(server.stats().drops_for(DropReason::protocol_violation) == 2);
    CHECK(server.recorder->received_count() == 0);
}

TEST_CASE("connections beyond pending_handshakes_max are closed on accept") {
    IoThread io_thread;
    const SecretKey server_key = SecretKey::generate();
    TransportOptions options = fast_options({server_key.public_key()});
    options.pending_handshakes_max = 2;
    options.handshake_timeout_ms = 10'000;  // The first two stay pending for the whole test.
    TransportNode server(io_thread.io, server_key, options);

    RawPeer first(server.port);
    RawPeer second(server.port);
    REQUIRE(wait_until([&] { return server.stats().pending_handshakes == 2; }));
    RawPeer third(server.port);
    CHECK(third.closed_by_server());
    REQUIRE(wait_until([&] { return server.stats().drops_for(DropReason::too_many_pending) == 1; }));
    CHECK(server.stats().pending_handshakes == 2);
}
