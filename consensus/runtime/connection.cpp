#include "consensus/runtime/connection.hpp"

#include <algorithm>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "common/assert.hpp"

namespace custos::runtime {
namespace {

void raise_peak(std::atomic<std::uint64_t>& peak, std::uint64_t value) {
    std::uint64_t seen = peak.load(std::memory_order_relaxed);
    while (value > seen && !peak.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
    }
}

}  // namespace

TransportStats TransportCounters::snapshot() const {
    TransportStats stats;
    stats.peers_connected = peers_connected.load();
    stats.pending_handshakes = pending_handshakes.load();
    stats.handshakes_completed = handshakes_completed.load();
    stats.dials_started = dials_started.load();
    stats.messages_sent = messages_sent.load();
    stats.messages_received = messages_received.load();
    stats.queued_messages = queued_messages.load();
    stats.queued_bytes = queued_bytes.load();
    stats.queue_bytes_peak = queue_bytes_peak.load();
    stats.queue_messages_peak = queue_messages_peak.load();
    stats.queue_dropped_messages = queue_dropped_messages.load();
    stats.not_connected_dropped = not_connected_dropped.load();
    for (std::size_t i = 0; i < drop_reason_count; ++i)
        stats.drops[i] = drops[i].load();
    return stats;
}

Connection::Connection(std::shared_ptr<TransportContext> context, std::weak_ptr<ConnectionOwner> owner,
                       tcp::socket socket, Direction direction, std::optional<crypto::PublicKey> expected_key)
    : context_(std::move(context)),
      owner_(std::move(owner)),
      socket_(std::move(socket)),
      resolver_(context_->strand),
      deadline_(context_->strand),
      keepalive_(context_->strand),
      direction_(direction),
      expected_key_(expected_key) {
    if (expected_key_) peer_key_ = *expected_key_;
}

Connection::~Connection() {
    drop_queue();
}

void Connection::start_inbound() {
    CUSTOS_ASSERT(direction_ == Direction::inbound, "inbound start on an outbound connection");
    on_connected();
    deadline_.expires_after(std::chrono::milliseconds(context_->options.handshake_timeout_ms));
    deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
        if (!error && !self->authenticated_) self->close(DropReason::handshake_timeout);
    });
    start_handshake();
}

void Connection::start_outbound(const std::string& host, const std::string& port) {
    CUSTOS_ASSERT(direction_ == Direction::outbound, "outbound start on an inbound connection");
    remote_address_ = host + ":" + port;
    deadline_.expires_after(std::chrono::milliseconds(context_->options.handshake_timeout_ms));
    deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
        if (!error && !self->authenticated_) self->close(DropReason::handshake_timeout);
    });
    resolver_.async_resolve(
        host, port,
        [self = shared_from_this()](const boost::system::error_code& error,
                                    tcp::resolver::results_type results) {
            if (self->closed_) return;
            if (error) return self->close(DropReason::connect_failed);
            asio::async_connect(self->socket_, results,
                                [self](const boost::system::error_code& connect_error, const tcp::endpoint&) {
                                    if (self->closed_) return;
                                    if (connect_error) return self->close(DropReason::connect_failed);
                                    self->on_connected();
                                    self->start_handshake();
                                });
        });
}

void Connection::on_connected() {
    boost::system::error_code error;
    // Frames are sealed into batches before they are written (pump_writes), so Nagle's algorithm
    // has nothing left to coalesce; left on, it could hold the tail of a proposal back until the
    // peer's delayed ACK. (A failure leaves the default: slower, not wrong.)
    socket_.set_option(tcp::no_delay(true), error);
    error.clear();
    const tcp::endpoint endpoint = socket_.remote_endpoint(error);
    if (!error) remote_address_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

bool Connection::io_failed(const boost::system::error_code& error) {
    if (closed_) return true;
    if (!error) return false;
    const bool by_peer = error == asio::error::eof || error == asio::error::connection_reset;
    close(by_peer ? DropReason::closed_by_peer : DropReason::io_error);
    return true;
}

// Both sides write their Hello first and only then read, so neither waits on the other, and the
// writer is idle again by the time the auth frame is sealed.
void Connection::start_handshake() {
    ephemeral_.emplace(EphemeralKeyPair::generate());
    own_hello_ = ephemeral_->make_hello();
    hello_out_ = encode_hello(own_hello_);
    asio::async_write(socket_, asio::buffer(hello_out_),
                      [self = shared_from_this()](const boost::system::error_code& error, std::size_t) {
                          if (self->io_failed(error)) return;
                          asio::async_read(self->socket_, asio::buffer(self->hello_in_),
                                           [self](const boost::system::error_code& read_error, std::size_t) {
                                               if (self->io_failed(read_error)) return;
                                               self->on_hello_read();
                                           });
                      });
}

void Connection::on_hello_read() {
    CUSTOS_ASSERT(ephemeral_.has_value() && !sealer_ && !opener_ && !authenticated_,
                  "the peer's hello is read once, before any session key exists");
    const Result<Hello> peer_hello = decode_hello(hello_in_);
    if (!peer_hello) return close(DropReason::bad_hello);
    Result<SessionKeys> keys = derive_session_keys(*ephemeral_, peer_hello->ephemeral_key);
    ephemeral_.reset();  // Forward secrecy: the ephemeral secret is not needed any more.
    if (!keys) return close(DropReason::bad_hello);
    transcript_ = transcript_hash(context_->options.chain_id, own_hello_, *peer_hello);
    sealer_.emplace(keys->send);
    opener_.emplace(keys->receive);

    // The auth frame is the first frame sealed (counter 0); it goes ahead of anything queued.
    CUSTOS_ASSERT(!writing_ && sealer_->frames_sealed() == 0, "auth must be the first frame");
    const AuthMessage auth = make_auth(context_->identity, transcript_);
    write_buffer_.clear();
    sealer_->seal_append(FrameType::auth, encode_auth(auth), write_buffer_);
    start_write(0);
    read_frame_header();
}

void Connection::read_frame_header() {
    CUSTOS_ASSERT(opener_.has_value(), "frames are read only once the session keys exist");
    asio::async_read(socket_, asio::buffer(header_),
                     [self = shared_from_this()](const boost::system::error_code& error, std::size_t) {
                         if (self->io_failed(error)) return;
                         self->on_frame_header();
                     });
}

void Connection::on_frame_header() {
    const std::uint32_t length = decode_frame_length(header_);
    // Until the peer is authenticated only the exact auth frame is acceptable, so a stranger
    // cannot make us buffer a large body.
    const std::size_t length_max = authenticated_ ? frame_bytes_max : auth_frame_bytes;
    if (length > frame_bytes_max) return close(DropReason::frame_too_large);
    if (length > length_max) return close(DropReason::handshake_failed);
    if (length < frame_overhead_bytes) return close(DropReason::frame_too_small);
    CUSTOS_ASSERT(length <= length_max && length_max <= frame_bytes_max,
                  "a frame body is buffered within its limit");
    body_.resize(length);
    asio::async_read(socket_, asio::buffer(body_),
                     [self = shared_from_this()](const boost::system::error_code& error, std::size_t) {
                         if (self->io_failed(error)) return;
                         self->on_frame_body();
                     });
}

void Connection::on_frame_body() {
    Result<Frame> frame = opener_->open(body_);
    if (!frame) {
        if (!authenticated_) return close(DropReason::handshake_failed);
        const bool forged = frame.error().code == ErrorCode::verification_failed;
        return close(forged ? DropReason::decrypt_failed : DropReason::protocol_violation);
    }
    last_received_ = SteadyClock::now();
    if (!authenticated_) {
        on_auth_frame(*frame);
        if (closed_ || !authenticated_) return;
        return read_frame_header();
    }
    switch (frame->type) {
        case FrameType::auth:
            return close(DropReason::protocol_violation);
        case FrameType::ping:
            break;
        case FrameType::message:
            if (auto owner = owner_.lock()) owner->on_message(shared_from_this(), std::move(frame->payload));
            if (closed_) return;
            break;
    }
    read_frame_header();
}

void Connection::on_auth_frame(const Frame& frame) {
    CUSTOS_ASSERT(!authenticated_ && opener_->frames_opened() == 1,
                  "only the first frame opened is the auth frame");
    if (frame.type != FrameType::auth) return close(DropReason::handshake_failed);
    const Result<AuthMessage> auth = decode_auth(frame.payload);
    if (!auth || !verify_auth(*auth, transcript_)) return close(DropReason::handshake_failed);
    if (auth->key == context_->identity.public_key()) return close(DropReason::self_connection);
    if (expected_key_ && auth->key != *expected_key_) {
        peer_key_ = auth->key;  // Logged, so the operator sees who answered instead.
        return close(DropReason::unexpected_key);
    }
    accept_peer(auth->key);
}

void Connection::accept_peer(const crypto::PublicKey& key) {
    CUSTOS_ASSERT(!authenticated_ && !closed_, "a peer is accepted once, on an open connection");
    peer_key_ = key;
    authenticated_ = true;  // Before the owner runs: its peer_up handler may already send.
    const auto owner = owner_.lock();
    if (!owner) return close(DropReason::stopped);
    if (const std::optional<DropReason> refusal = owner->on_authenticated(shared_from_this())) {
        return close(*refusal);
    }
    if (closed_) return;
    deadline_.cancel();
    last_received_ = SteadyClock::now();
    last_sent_ = last_received_;
    arm_keepalive();
    pump_writes();
}

void Connection::start_write(std::uint64_t messages) {
    CUSTOS_ASSERT(!writing_ && !write_buffer_.empty(), "one write at a time, with something to write");
    writing_ = true;
    write_started_ = SteadyClock::now();
    last_sent_ = write_started_;
    asio::async_write(
        socket_, asio::buffer(write_buffer_),
        [self = shared_from_this(), messages](const boost::system::error_code& error, std::size_t) {
            self->writing_ = false;
            if (self->io_failed(error)) return;
            self->context_->counters.messages_sent.fetch_add(messages, std::memory_order_relaxed);
            self->pump_writes();
        });
}

// Seals queued frames into one buffer of up to write_batch_bytes_max (a larger frame goes alone),
// so a burst of small messages costs one system call rather than one each.
void Connection::pump_writes() {
    if (writing_ || closed_ || !authenticated_ || queue_.empty()) return;
    auto& counters = context_->counters;
    CUSTOS_ASSERT(sealer_->frames_sealed() >= 1, "the auth frame is sealed ahead of every queued frame");
    write_buffer_.clear();
    std::uint64_t messages = 0;
    while (!queue_.empty()) {
        const QueuedFrame& next = queue_.front();
        const std::size_t size = next.payload ? next.payload->size() : 0;
        const std::size_t sealed_size = frame_length_prefix_bytes + frame_overhead_bytes + size;
        if (!write_buffer_.empty() && write_buffer_.size() + sealed_size > write_batch_bytes_max) break;
        sealer_->seal_append(next.type, next.payload ? ByteView(*next.payload) : ByteView(), write_buffer_);
        if (next.type == FrameType::message) ++messages;
        CUSTOS_ASSERT(size <= queue_bytes_, "the queue's byte count covers each queued frame");
        queue_bytes_ -= size;
        counters.queued_messages.fetch_sub(1, std::memory_order_relaxed);
        counters.queued_bytes.fetch_sub(size, std::memory_order_relaxed);
        queue_.pop_front();  // The plaintext is released; only the sealed copy stays until written.
    }
    start_write(messages);
}

void Connection::enqueue(std::shared_ptr<const Bytes> message) {
    CUSTOS_ASSERT(message != nullptr, "a message has bytes");
    if (closed_) return;
    CUSTOS_ASSERT(authenticated_, "messages are queued only to authenticated peers");
    push_frame(QueuedFrame{.type = FrameType::message, .payload = std::move(message)});
    pump_writes();
}

// Drops the oldest queued frames until the new one fits both limits. The transport refuses
// messages larger than the byte limit, so an empty queue always has room.
void Connection::push_frame(QueuedFrame frame) {
    const auto& options = context_->options;
    auto& counters = context_->counters;
    const std::size_t size = frame.payload ? frame.payload->size() : 0;
    CUSTOS_ASSERT(size <= options.send_queue_bytes_max, "oversized messages are refused by send()");
    while (!queue_.empty() && (queue_.size() + 1 > options.send_queue_messages_max ||
                               queue_bytes_ + size > options.send_queue_bytes_max)) {
        const std::size_t dropped = queue_.front().payload ? queue_.front().payload->size() : 0;
        if (queue_.front().type == FrameType::message) {
            counters.queue_dropped_messages.fetch_add(1, std::memory_order_relaxed);
        }
        queue_.pop_front();
        CUSTOS_ASSERT(dropped <= queue_bytes_, "the queue's byte count covers each queued frame");
        queue_bytes_ -= dropped;
        counters.queued_messages.fetch_sub(1, std::memory_order_relaxed);
        counters.queued_bytes.fetch_sub(dropped, std::memory_order_relaxed);
    }
    queue_.push_back(std::move(frame));
    queue_bytes_ += size;
    CUSTOS_ASSERT(
        queue_.size() <= options.send_queue_messages_max && queue_bytes_ <= options.send_queue_bytes_max,
        "send queue within its limits");
    counters.queued_messages.fetch_add(1, std::memory_order_relaxed);
    counters.queued_bytes.fetch_add(size, std::memory_order_relaxed);
    raise_peak(counters.queue_bytes_peak, queue_bytes_);
    raise_peak(counters.queue_messages_peak, queue_.size());
}

void Connection::adopt_queue(Connection& other) {
    CUSTOS_ASSERT(&other != this, "a connection cannot adopt its own queue");
    std::deque<QueuedFrame> frames = std::move(other.queue_);
    other.drop_queue();  // Resets the other's accounting; its frames now move here.
    for (QueuedFrame& frame : frames) {
        if (frame.type == FrameType::message) push_frame(std::move(frame));
    }
    pump_writes();
}

void Connection::drop_queue() {
    auto& counters = context_->counters;
    counters.queued_messages.fetch_sub(queue_.size(), std::memory_order_relaxed);
    counters.queued_bytes.fetch_sub(queue_bytes_, std::memory_order_relaxed);
    queue_.clear();
    queue_bytes_ = 0;
}

void Connection::arm_keepalive() {
    keepalive_.expires_after(std::chrono::milliseconds(context_->options.keepalive_interval_ms));
    keepalive_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
        if (error || self->closed_) return;
        self->on_keepalive_tick();
    });
}

void Connection::on_keepalive_tick() {
    const auto now = SteadyClock::now();
    const auto idle_timeout = std::chrono::milliseconds(context_->options.idle_timeout_ms);
    if (now - last_received_ > idle_timeout) return close(DropReason::idle_timeout);
    if (writing_ && now - write_started_ > idle_timeout) return close(DropReason::write_stalled);
    const auto interval = std::chrono::milliseconds(context_->options.keepalive_interval_ms);
    if (!writing_ && queue_.empty() && now - last_sent_ >= interval) {
        push_frame(QueuedFrame{.type = FrameType::ping, .payload = nullptr});
        pump_writes();
    }
    arm_keepalive();
}

void Connection::close(DropReason reason) {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    resolver_.cancel();
    deadline_.cancel();
    keepalive_.cancel();
    drop_queue();
    context_->counters.drops[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
    if (auto owner = owner_.lock()) owner->on_closed(shared_from_this(), reason);
}

}  // namespace custos::runtime
