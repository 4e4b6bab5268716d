// Helpers for the transport tests: an io_context on its own thread, transports that record what
// their handlers saw, and a raw blocking client that speaks the handshake byte by byte so a test
// can misbehave in exact ways.
#pragma once

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "consensus/runtime/frame.hpp"
#include "consensus/runtime/handshake.hpp"
#include "consensus/runtime/log.hpp"
#include "consensus/runtime/transport.hpp"
#include "crypto/ed25519.hpp"
#include "test_support.hpp"

namespace custos::runtime::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using crypto::PublicKey;
using crypto::SecretKey;

inline constexpr std::string_view test_chain_id = "custos-test";
// Upper bound for any wait in these tests; they normally finish in milliseconds.
inline constexpr std::chrono::milliseconds wait_max{15'000};

// Polls `condition` until it holds or wait_max passes; returns whether it held.
inline bool wait_until(const std::function<bool()>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + wait_max;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

// One io_context run by one background thread for the whole test.
class IoThread {
public:
    IoThread() : guard_(asio::make_work_guard(io)), thread_([this] { io.run(); }) {}
    IoThread(const IoThread&) = delete;
    IoThread& operator=(const IoThread&) = delete;
    ~IoThread() {
        guard_.reset();
        io.stop();
        thread_.join();
    }

    asio::io_context io;

private:
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::thread thread_;
};

// What a transport's handlers saw. Shared with the handlers so it outlives them.
struct Recorder {
    struct Received {
        PublicKey from;
        Bytes message;
    };

    mutable std::mutex mutex;
    std::vector<Received> received;
    std::vector<PublicKey> ups;
    std::vector<PublicKey> downs;
    std::map<PublicKey, int> connected;  // +1 per up, -1 per down.

    [[nodiscard]] std::size_t received_count() const {
        const std::lock_guard lock(mutex);
        return received.size();
    }
    [[nodiscard]] std::vector<Received> received_copy() const {
        const std::lock_guard lock(mutex);
        return received;
    }
    [[nodiscard]] int connected_to(const PublicKey& key) const {
        const std::lock_guard lock(mutex);
        const auto it = connected.find(key);
        return it == connected.end() ? 0 : it->second;
    }
    [[nodiscard]] std::size_t ups_count() const {
        const std::lock_guard lock(mutex);
        return ups.size();
    }
    [[nodiscard]] std::size_t downs_count() const {
        const std::lock_guard lock(mutex);
        return downs.size();
    }
    [[nodiscard]] bool ever_up(const PublicKey& key) const {
        const std::lock_guard lock(mutex);
        for (const PublicKey& up : ups) {
            if (up == key) return true;
        }
        return false;
    }
};

inline TransportOptions fast_options(std::vector<PublicKey> allowed) {
    TransportOptions options;
    options.chain_id = std::string(test_chain_id);
    options.allowed_peers = std::move(allowed);
    options.handshake_timeout_ms = 2'000;
    options.keepalive_interval_ms = 100;
    options.idle_timeout_ms = 5'000;
    options.reconnect_backoff_initial_ms = 20;
    options.reconnect_backoff_max_ms = 200;
    return options;
}

// A transport with a recorder, listening on an ephemeral port of 127.0.0.1.
struct TransportNode {
    TransportNode(asio::io_context& io, const SecretKey& key_in, TransportOptions options,
                  std::uint16_t listen_port = 0)
        : key(key_in.public_key()), recorder(std::make_shared<Recorder>()) {
        auto created = Transport::create(io, key_in, std::move(options));
        REQUIRE(created.has_value());
        transport = std::move(*created);
        transport->on_message([recorder = recorder](const PublicKey& from, Bytes message) {
            const std::lock_guard lock(recorder->mutex);
            recorder->received.push_back({from, std::move(message)});
        });
        transport->on_peer_up([recorder = recorder](const PublicKey& peer) {
            const std::lock_guard lock(recorder->mutex);
            recorder->ups.push_back(peer);
            ++recorder->connected[peer];
        });
        transport->on_peer_down([recorder = recorder](const PublicKey& peer) {
            const std::lock_guard lock(recorder->mutex);
            recorder->downs.push_back(peer);
            --recorder->connected[peer];
        });
        // Binding can race a previous listener's close on the strand when a test restarts a node
        // on the same port; retry briefly.
        Result<std::uint16_t> bound = transport->listen("127.0.0.1:" + std::to_string(listen_port));
        for (int attempt = 0; !bound && attempt < 200; ++attempt) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            bound = transport->listen("127.0.0.1:" + std::to_string(listen_port));
        }
        REQUIRE(bound.has_value());
        this->port = *bound;
    }

    [[nodiscard]] PeerAddress address() const { return {"127.0.0.1:" + std::to_string(port), key}; }
    [[nodiscard]] TransportStats stats() const { return transport->stats(); }

    PublicKey key;
    std::shared_ptr<Recorder> recorder;
    std::unique_ptr<Transport> transport;
    std::uint16_t port = 0;
};

// Captures log lines for the life of the object.
class LogCapture {
public:
    LogCapture() {
        set_log_sink([lines = lines_](std::string_view line) {
            const std::lock_guard lock(lines->mutex);
            lines->text.emplace_back(line);
        });
    }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;
    ~LogCapture() { set_log_sink({}); }

    [[nodiscard]] bool contains_line_with(const std::vector<std::string>& parts) const {
        const std::lock_guard lock(lines_->mutex);
        for (const std::string& line : lines_->text) {
            bool all = true;
            for (const std::string& part : parts)
                all = all && line.find(part) != std::string::npos;
            if (all) return true;
        }
        return false;
    }

private:
    struct Lines {
        std::mutex mutex;
        std::vector<std::string> text;
    };
    std::shared_ptr<Lines> lines_ = std::make_shared<Lines>();
};

// A blocking client that performs the handshake step by step. Reads time out after wait_max so
// a wrong server cannot hang the test.
class RawPeer {
public:
    explicit RawPeer(std::uint16_t port) : socket_(io_) {
        boost::system::error_code error;
        socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), error);
        REQUIRE_FALSE(error);
        timeval timeout{};
        timeout.tv_sec = static_cast<time_t>(wait_max.count() / 1000);
        REQUIRE(::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) ==
                0);
    }

    // Runs the whole handshake as `identity`; returns the key the server proved.
    PublicKey handshake(const SecretKey& identity) {
        const EphemeralKeyPair ephemeral = EphemeralKeyPair::generate();
        const Hello own = ephemeral.make_hello();
        write(encode_hello(own));
        HelloBytes peer_bytes{};
        REQUIRE(read_exact(peer_bytes.data(), peer_bytes.size()));
        const Result<Hello> peer = decode_hello(peer_bytes);
        REQUIRE(peer.has_value());
        Result<SessionKeys> keys = derive_session_keys(ephemeral, peer->ephemeral_key);
        REQUIRE(keys.has_value());
        sealer_.emplace(keys->send);
        opener_.emplace(keys->receive);
        const Hash32 transcript = transcript_hash(test_chain_id, own, *peer);
        write(sealer_->seal(FrameType::auth, encode_auth(make_auth(identity, transcript))));
        const std::optional<Frame> auth = read_frame();
        REQUIRE(auth.has_value());
        REQUIRE(auth->type == FrameType::auth);
        const Result<AuthMessage> server = decode_auth(auth->payload);
        REQUIRE(server.has_value());
        REQUIRE(verify_auth(*server, transcript).has_value());
        return server->key;
    }

    [[nodiscard]] Bytes seal(FrameType type, ByteView payload) { return sealer_->seal(type, payload); }

    void write(ByteView bytes) {
        boost::system::error_code error;
        asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), error);
        REQUIRE_FALSE(error);
    }

    // Returns false on EOF, reset or timeout.
    [[nodiscard]] bool read_exact(std::uint8_t* data, std::size_t size) {
        boost::system::error_code error;
        asio::read(socket_, asio::buffer(data, size), error);
        return !error;
    }

    // The next frame, or nothing if the connection ended or the frame did not open.
    [[nodiscard]] std::optional<Frame> read_frame() {
        std::array<std::uint8_t, frame_length_prefix_bytes> prefix{};
        if (!read_exact(prefix.data(), prefix.size())) return std::nullopt;
        const std::uint32_t length = decode_frame_length(prefix);
        if (length > frame_bytes_max) return std::nullopt;
        Bytes body(length);
        if (!read_exact(body.data(), body.size())) return std::nullopt;
        Result<Frame> frame = opener_->open(body);
        if (!frame) return std::nullopt;
        return std::move(*frame);
    }

    // True once the server has closed the connection (reads see EOF or a reset).
    [[nodiscard]] bool closed_by_server() {
        std::array<std::uint8_t, 4096> sink{};
        boost::system::error_code error;
        for (;;) {
            socket_.read_some(asio::buffer(sink), error);
            if (error == asio::error::eof || error == asio::error::connection_reset) return true;
            if (error) return false;  // Timed out: the server kept the connection open.
        }
    }

private:
    asio::io_context io_;
    tcp::socket socket_;
    std::optional<FrameSealer> sealer_;
    std::optional<FrameOpener> opener_;
};

}  // namespace custos::runtime::testing
