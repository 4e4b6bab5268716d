// Boost.Beast sessions, deadlines and connection caps. See server.hpp.
#include "api/server.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "api/http_exchange.hpp"
#include "api/routes.hpp"
#include "api/stream.hpp"
#include "api/tls.hpp"
#include "common/assert.hpp"

namespace custos::api {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Session;

}  // namespace

struct Server::Impl {
    Impl(NodeService& service_in, ServerOptions options_in)
        : service(service_in),
          options(std::move(options_in)),
          auth(options.clock, AuthOptions{.replay_entries_max = options.replay_entries_max,
                                          .replay_entries_per_key_max = options.replay_entries_per_key_max,
                                          .public_names = options.public_names}) {}

    NodeService& service;
    ServerOptions options;
    Authenticator auth;
    // Declared before the io_context: sessions still owned by its handlers release their counts
    // here when the io_context is destroyed. The counts, the session list and every session's
    // "awaiting a header" state are shared by the server threads: guarded by `mutex`.
    std::mutex mutex;
    std::size_t connections = 0;
    std::map<asio::ip::address, std::size_t> connections_by_address;
    std::list<std::weak_ptr<Session>> sessions;
    // Bytes reserved by requests being read whose route allows more than request_body_bytes_max
    // (POST /v1/batches): at most large_bodies_bytes_max at once, so many large bodies (the
    // signature is checked only once a body is in) cannot exhaust memory.
    std::size_t large_body_bytes = 0;
    // Streams open (GET /v1/stream), in total and by officer key.
    std::size_t streams = 0;
    std::map<crypto::PublicKey, std::size_t> streams_by_key;
    asio::io_context io;
    // Each session runs on its own strand (its handlers never run at once); the acceptor on one.
    tcp::acceptor acceptor{asio::make_strand(io)};
    std::vector<std::thread> threads;
    bool stopped = false;

    void accept();
    void on_accept(const beast::error_code& error, tcp::socket socket);
    // Under `mutex`: whether a new connection from `address` fits under the caps, evicting the
    // connections waiting longest for a request header to make room (added to `evicted`, to be
    // closed once the lock is released); counts it when it fits.
    bool make_room(const asio::ip::address& address, std::vector<std::shared_ptr<Session>>& evicted,
                   std::vector<std::shared_ptr<Session>>& seen);
    // Under `mutex`: evicts the connection that has waited longest for a request header, among
    // those from `address` (or all when null). False when there is none.
    bool evict_idle(const asio::ip::address* address, std::vector<std::shared_ptr<Session>>& evicted,
                    std::vector<std::shared_ptr<Session>>& seen);
    [[nodiscard]] std::size_t count_for(const asio::ip::address& address) const {
        auto found = connections_by_address.find(address);
        return found == connections_by_address.end() ? 0 : found->second;
    }
};

namespace {

// Bounds of the lingering close after a final response (see Session::linger_close).
constexpr std::chrono::milliseconds linger_timeout{1000};
constexpr std::size_t linger_bytes_max = 256 * 1024;

std::chrono::milliseconds ms(std::uint32_t value) {
    return std::chrono::milliseconds(value);
}

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(Server::Impl& server, tcp::socket socket, asio::ip::address address)
        : server_(server), stream_(std::move(socket)), address_(std::move(address)) {
        if (server_.options.tls) tls_.emplace(stream_, server_.options.tls->context);
    }

    ~Session() {
        std::lock_guard lock(server_.mutex);
        release();
        release_body();
        release_stream();
    }

    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // With TLS the handshake comes first, under the header's deadline and counted as waiting for
    // a header (a connection that never finishes it can be evicted to make room).
    void start() {
        if (!tls_) return read_header(server_.options.header_timeout_ms);
        set_awaiting_header(true);
        stream_.expires_after(ms(server_.options.header_timeout_ms));
        tls_->async_handshake(
            asio::ssl::stream_base::server, [self = shared_from_this()](beast::error_code error) {
                if (error) return self->close();  // Not TLS 1.2+, no common cipher, or gone: no answer.
                self->read_header(self->server_.options.header_timeout_ms);
            });
    }

    void close() {
        beast::error_code ignored;
        timer_.cancel();
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.socket().close(ignored);
    }

    // Closed to make room under a connection cap (under the server mutex): it stops counting at
    // once; close_later() then closes it on its own strand (its handlers only find it closed).
    void evict() { release(); }
    void close_later() {
        asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
    }

    // Under the server mutex.
    [[nodiscard]] bool awaiting_header() const { return counted_ && awaiting_header_; }
    [[nodiscard]] std::chrono::steady_clock::time_point waiting_since() const { return waiting_since_; }
    [[nodiscard]] const asio::ip::address& address() const { return address_; }

private:
    // Calls `operation` with the stream HTTP goes over: the TLS stream, or the TCP one.
    template <typename Operation>
    void with_stream(Operation&& operation) {
        if (tls_) {
            operation(*tls_);
        } else {
            operation(stream_);
        }
    }

    // Under the server mutex.
    void set_awaiting_header(bool awaiting) {
        std::lock_guard lock(server_.mutex);
        awaiting_header_ = awaiting;
        if (awaiting) waiting_since_ = std::chrono::steady_clock::now();
    }

    // Under the server mutex: returns this request's share of the large-body budget.
    void release_body() {
        server_.large_body_bytes -= body_reserved_;
        body_reserved_ = 0;
    }

    // Reserves `bytes` of the large-body budget for the request being read; false when full.
    bool reserve_body(std::size_t bytes) {
        std::lock_guard lock(server_.mutex);
        if (server_.large_body_bytes + bytes > large_bodies_bytes_max) return false;
        server_.large_body_bytes += bytes;
        body_reserved_ += bytes;
        return true;
    }

    // Under the server mutex.
    void release() {
        if (!counted_) return;
        counted_ = false;
        --server_.connections;
        auto found = server_.connections_by_address.find(address_);
        CUSTOS_ASSERT(found != server_.connections_by_address.end() && found->second > 0,
                      "a session ends that was never counted");
        if (--found->second == 0) server_.connections_by_address.erase(found);
    }

    // Closing a socket that still holds unread request bytes makes the kernel send a reset, which
    // can destroy the response (a 413) before the client reads it. So after a final response we
    // half-close, then read and discard what the client still sends, for a short bounded time.
    void linger_close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after(linger_timeout);
        drain(0);
    }

    void drain(std::size_t discarded) {
        if (discarded > linger_bytes_max) return close();
        stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this(), discarded](
                                                            beast::error_code error, std::size_t bytes) {
            if (error) return self->close();
            self->drain(discarded + bytes);
        });
    }

    void read_header(std::uint32_t timeout_ms) {
        set_awaiting_header(true);
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(request_header_bytes_max));
        // The route is not known yet: a declared length over every route's limit is refused while
        // the header is parsed; on_header() then holds the body to its route's limit.
        body_limit_ = request_body_bytes_max_any_route;
        parser_->body_limit(body_limit_);
        stream_.expires_after(ms(timeout_ms));
        with_stream([this](auto& stream) {
            http::async_read_header(stream, buffer_, *parser_,
                                    [self = shared_from_this()](beast::error_code error, std::size_t) {
                                        self->on_header(error);
                                    });
        });
    }

    void on_header(const beast::error_code& error) {
        set_awaiting_header(false);
        if (error && error != http::error::body_limit) return refuse(error);
        // body_limit: the declared length is over every route's limit. The parser reports it once
        // the whole header is in, so the head is complete and names the route (and its limit).
        ApiRequest head = request_from_message(parser_->get());
        head.tls = tls_.has_value();
        // The route's body limit comes first, as the single limit did before routes had their own:
        // 413 from the declared length, whatever else is wrong with the request.
        body_limit_ = request_body_limit(head);
        if (error) return refuse(error);
        if (auto length = parser_->content_length(); length && *length > body_limit_) {
            return refuse(http::error::body_limit);
        }
        // No body byte has been parsed yet (async_read_header stops at the header's end), so the
        // limit may still be lowered: a chunked body is cut off at the route's limit.
        parser_->body_limit(body_limit_);
        if (auto refused = check_head(head)) {
            // The body (if any) is not read, so the connection cannot be reused.
            return send(std::move(*refused), false);
        }
        if (body_limit_ > request_body_bytes_max) {
            const auto declared = parser_->content_length();
            if (!reserve_body(declared ? static_cast<std::size_t>(*declared) : body_limit_)) {
                ApiResponse busy = problem_response(
                    Problem{.status = 503,
                            .title = "Too many large requests",
                            .detail = "the node is reading " + std::to_string(large_bodies_bytes_max) +
                                      " bytes of large request bodies already; retry"});
                busy.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
                return send(std::move(busy), false);
            }
        }
        stream_.expires_after(ms(server_.options.body_timeout_ms));
        with_stream([this](auto& stream) {
            http::async_read(stream, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code body_error, std::size_t) {
                                 self->on_body(body_error);
                             });
        });
    }

    void on_body(const beast::error_code& error) {
        if (error) return refuse(error);
        auto& message = parser_->get();
        ApiRequest request = request_from_message(message);
        request.tls = tls_.has_value();  // The signed @target-uri is https:// over TLS.
        request.body = std::move(message.body());
        bool keep_alive = message.keep_alive();
        ApiResponse answer = handle_request(server_.service, server_.auth, request);
        if (body_reserved_ != 0) {
            std::lock_guard lock(server_.mutex);
            release_body();
        }
        if (answer.await_commit) {
            auto deadline = std::chrono::steady_clock::now() + ms(server_.options.commit_wait_ms);
            return wait_commit(*answer.await_commit, deadline, keep_alive);
        }
        if (answer.stream) return start_stream(*answer.stream);
        if (answer.await_record) return await_record(std::move(answer), keep_alive);
        send(std::move(answer), keep_alive);
    }

    // ---- An evidence read: sent once a validator has recorded it (NodeService::record_read),
    // else 503. The thread serves others meanwhile: the node calls back from its own thread, the
    // callback hops to this session's strand, and a timer bounds the wait.

    void await_record(ApiResponse answer, bool keep_alive) {
        PendingRead pending = std::move(*answer.await_record);
        answer.await_record.reset();
        held_ = std::move(answer);
        timer_.expires_after(ms(server_.options.read_record_wait_ms));
        timer_.async_wait([self = shared_from_this(), keep_alive](beast::error_code error) {
            if (error || !self->held_) return;  // Cancelled: the node answered first.
            self->held_.reset();
            self->send(
                read_not_recorded_response("no validator recorded it within " +
                                           std::to_string(self->server_.options.read_record_wait_ms) + " ms"),
                keep_alive);
        });
        // Weak: the node holds the callback until it answers, and must never keep a session (and
        // its socket) alive past the server; the timer's handler keeps it alive meanwhile.
        std::weak_ptr<Session> weak = shared_from_this();
        server_.service.record_read(std::move(pending.read), pending.received,
                                    [weak, keep_alive](Result<std::string> recorded_by) {
                                        auto self = weak.lock();
                                        if (!self) return;
                                        asio::post(self->stream_.get_executor(),
                                                   [self, keep_alive, recorded_by = std::move(recorded_by)] {
                                                       self->on_recorded(recorded_by, keep_alive);
                                                   });
                                    });
    }

    void on_recorded(const Result<std::string>& recorded_by, bool keep_alive) {
        if (!held_) return;  // Answered 503 already (the wait passed).
        timer_.cancel();
        ApiResponse answer = std::move(*held_);
        held_.reset();
        if (!recorded_by) return send(read_not_recorded_response(recorded_by.error().message), keep_alive);
        answer.headers.emplace_back("Custos-Read-Recorded-By", *recorded_by);
        send(std::move(answer), keep_alive);
    }

    // ---- GET /v1/stream: the caps, then the look timer and the write loop (server.hpp).

    // Counts the stream under the caps; false (nothing counted) when one is reached.
    bool count_stream(const crypto::PublicKey& key) {
        std::lock_guard lock(server_.mutex);
        if (server_.streams >= server_.options.streams_max) return false;
        if (server_.streams_by_key[key] >= server_.options.streams_per_key_max) {
            if (server_.streams_by_key[key] == 0) server_.streams_by_key.erase(key);
            return false;
        }
        ++server_.streams;
        ++server_.streams_by_key[key];
        stream_key_ = key;
        return true;
    }

    // Under the server mutex.
    void release_stream() {
        if (!stream_key_) return;
        --server_.streams;
        auto found = server_.streams_by_key.find(*stream_key_);
        CUSTOS_ASSERT(found != server_.streams_by_key.end() && found->second > 0, "a stream never counted");
        if (--found->second == 0) server_.streams_by_key.erase(found);
        stream_key_.reset();
    }

    void start_stream(const StreamStart& start) {
        if (!count_stream(start.officer.key)) {
            ApiResponse busy = problem_response(
                Problem{.status = 503,
                        .title = "Too many streams",
                        .detail = "at most " + std::to_string(server_.options.streams_per_key_max) +
                                  " streams per key and " + std::to_string(server_.options.streams_max) +
                                  " per node are open; retry later"});
            busy.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
            return send(std::move(busy), false);
        }
        // The request is whole and nothing more is read: the connection now only writes.
        feed_.emplace(server_.service, start);
        pending_ = stream_head();
        last_write_ = std::chrono::steady_clock::now();
        stream_write();
        stream_look();
    }

    void stream_look() {
        if (stream_ending_) return;
        const auto now = std::chrono::steady_clock::now();
        // What may wait to be written: the bound less what waits already (when nothing waits, one
        // event of any size goes).
        const std::size_t budget = server_.options.stream_buffer_bytes_max;
        const std::size_t waiting = pending_.size() + (writing_ ? written_.size() : 0);
        StreamFeed::Look look =
            waiting < budget ? feed_->look(budget - waiting, waiting == 0) : StreamFeed::Look{.more = true};
        if (look.end) return end_stream(std::move(*look.end));
        pending_ += look.text;
        const bool full = look.more && look.text.empty();
        if (!full) {
            full_since_.reset();
        } else if (!full_since_) {
            full_since_ = now;  // Committed events wait for room: the client is behind.
        } else if (now - *full_since_ >= ms(server_.options.stream_slow_ms)) {
            return end_stream(
                feed_->end_event("slow_reader", "the client read too slowly: " + std::to_string(budget) +
                                                    " bytes waited to be sent for " +
                                                    std::to_string(server_.options.stream_slow_ms) +
                                                    " ms; reconnect with Last-Event-ID to resume"));
        }
        if (pending_.empty() && !writing_ && now - last_write_ >= ms(server_.options.stream_heartbeat_ms))
            pending_ = ": heartbeat\n\n";
        stream_write();
        timer_.expires_after(look.more && !full ? std::chrono::milliseconds(0)
                                                : ms(server_.options.stream_poll_ms));
        timer_.async_wait([self = shared_from_this()](beast::error_code error) {
            if (error) return;  // Cancelled: the stream ends.
            self->stream_look();
        });
    }

    // The final event goes after what waits (its `next_leaf` is the leaf after the last event
    // queued); then the connection closes.
    void end_stream(std::string final_event) {
        stream_ending_ = true;
        timer_.cancel();
        pending_ += final_event;
        stream_write();
    }

    void stream_write() {
        if (writing_) return;
        if (pending_.empty()) {
            if (stream_ending_) linger_close();
            return;
        }
        written_ = std::move(pending_);
        pending_.clear();
        writing_ = true;
        stream_.expires_after(ms(server_.options.stream_write_timeout_ms));
        with_stream([this](auto& stream) {
            asio::async_write(stream, asio::buffer(written_),
                              [self = shared_from_this()](beast::error_code error, std::size_t) {
                                  self->writing_ = false;
                                  self->last_write_ = std::chrono::steady_clock::now();
                                  if (error) {
                                      self->stream_ending_ = true;
                                      self->timer_.cancel();
                                      return self->close();
                                  }
                                  self->stream_write();
                              });
        });
    }

    // Polls the service on a timer (the thread serves others meanwhile) until the event is
    // committed (201) or the deadline passes (504).
    void wait_commit(const ledger::EventId& id, std::chrono::steady_clock::time_point deadline,
                     bool keep_alive) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return send(commit_timeout_response(id, server_.options.commit_wait_ms), keep_alive);
        }
        timer_.expires_after(ms(server_.options.commit_poll_ms));
        timer_.async_wait([self = shared_from_this(), id, deadline, keep_alive](beast::error_code error) {
            if (error) return self->close();
            if (auto committed = committed_response(self->server_.service, id)) {
                return self->send(std::move(*committed), keep_alive);
            }
            self->wait_commit(id, deadline, keep_alive);
        });
    }

    void refuse(const beast::error_code& error) {
        auto status = status_for_parse_error(error);
        if (!status) return close();
        send(parse_error_response(*status, body_limit_), false);
    }

    void send(ApiResponse answer, bool keep_alive) {
        fill_response(response_, std::move(answer), keep_alive);
        stream_.expires_after(ms(server_.options.body_timeout_ms));
        with_stream([this, keep_alive](auto& stream) {
            http::async_write(stream, response_,
                              [self = shared_from_this(), keep_alive](beast::error_code error, std::size_t) {
                                  if (error) return self->close();
                                  if (!keep_alive) return self->linger_close();
                                  self->read_header(self->server_.options.idle_timeout_ms);
                              });
        });
    }

    Server::Impl& server_;
    beast::tcp_stream stream_;
    // TLS over stream_ when the server has a certificate (declared after it: destroyed first).
    std::optional<beast::ssl_stream<beast::tcp_stream&>> tls_;
    beast::flat_buffer buffer_{request_header_bytes_max + request_body_bytes_max};
    std::optional<http::request_parser<http::string_body>> parser_;
    std::size_t body_limit_ = request_body_bytes_max;  // Of the request being read.
    std::size_t body_reserved_ = 0;                    // Of the large-body budget (under mutex).
    http::response<http::string_body> response_;
    asio::ip::address address_;
    asio::steady_timer timer_{stream_.get_executor()};
    bool counted_ = true;
    bool awaiting_header_ = false;
    std::chrono::steady_clock::time_point waiting_since_;
    std::array<char, 4096> discard_{};
    // A stream's state (GET /v1/stream), on the session's strand.
    std::optional<StreamFeed> feed_;
    std::optional<crypto::PublicKey> stream_key_;  // Counted under the caps (under mutex).
    std::string pending_;                          // SSE bytes waiting to be written
    std::string written_;                          // the bytes of the write in flight
    bool writing_ = false;
    bool stream_ending_ = false;
    // An evidence read's answer waiting for its read record (await_record), on the session's strand.
    std::optional<ApiResponse> held_;
    std::chrono::steady_clock::time_point last_write_;
    std::optional<std::chrono::steady_clock::time_point> full_since_;  // since when no event fits
};

}  // namespace

void Server::Impl::accept() {
    // Each accepted socket gets a strand of its own.
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code error, tcp::socket socket) {
        on_accept(error, std::move(socket));
    });
}

void Server::Impl::on_accept(const beast::error_code& error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || stopped) return;
    if (!error) {
        beast::error_code endpoint_error;
        auto remote = socket.remote_endpoint(endpoint_error);
        const auto address = remote.address();
        // `seen` holds the sessions looked at under the lock; it is destroyed after the lock is
        // released (a session's destructor takes the lock).
        std::vector<std::shared_ptr<Session>> seen, evicted;
        bool room = false;
        if (!endpoint_error) {
            std::lock_guard lock(mutex);
            room = make_room(address, evicted, seen);
        }
        for (auto& session : evicted)
            session->close_later();
        if (!room) {
            // Over a cap with every connection under it busy: close at once, spending nothing.
            beast::error_code ignored;
            socket.close(ignored);
        } else {
            // A response is written whole (one gather write): Nagle's algorithm could only hold
            // its tail back until the client's delayed ACK.
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            auto session = std::make_shared<Session>(*this, std::move(socket), remote.address());
            {
                std::lock_guard lock(mutex);
                sessions.remove_if([](const std::weak_ptr<Session>& weak) { return weak.expired(); });
                sessions.push_back(session);
            }
            session->start();
        }
    }
    accept();
}

bool Server::Impl::make_room(const asio::ip::address& address, std::vector<std::shared_ptr<Session>>& evicted,
                             std::vector<std::shared_ptr<Session>>& seen) {
    bool room = true;
    if (count_for(address) >= options.connections_per_address_max) room = evict_idle(&address, evicted, seen);
    if (room && connections >= options.connections_max) room = evict_idle(nullptr, evicted, seen);
    if (room) {
        ++connections;
        ++connections_by_address[address];
    }
    return room;
}

bool Server::Impl::evict_idle(const asio::ip::address* address,
                              std::vector<std::shared_ptr<Session>>& evicted,
                              std::vector<std::shared_ptr<Session>>& seen) {
    std::shared_ptr<Session> oldest;
    for (const auto& weak : sessions) {
        auto session = weak.lock();
        if (!session) continue;
        seen.push_back(session);
        if (!session->awaiting_header()) continue;
        if (address != nullptr && session->address() != *address) continue;
        if (!oldest || session->waiting_since() < oldest->waiting_since()) oldest = session;
    }
    if (!oldest) return false;
    oldest->evict();
    evicted.push_back(std::move(oldest));
    return true;
}

Result<std::unique_ptr<Server>> Server::start(NodeService& service, ServerOptions options) {
    auto impl = std::make_unique<Impl>(service, std::move(options));
    beast::error_code error;
    auto address = asio::ip::make_address(impl->options.host, error);
    if (error) return make_error(ErrorCode::invalid_argument, "bad REST host '" + impl->options.host + "'");
    tcp::endpoint endpoint(address, impl->options.port);
    impl->acceptor.open(endpoint.protocol(), error);
    if (!error) impl->acceptor.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) impl->acceptor.bind(endpoint, error);
    if (!error) impl->acceptor.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
        return make_error(ErrorCode::io_error, "cannot listen on " + impl->options.host + ":" +
                                                   std::to_string(impl->options.port) + ": " +
                                                   error.message());
    }
    impl->accept();
    Impl* raw = impl.get();
    const std::size_t threads = std::max<std::size_t>(1, impl->options.threads);
    for (std::size_t index = 0; index < threads; ++index)
        impl->threads.emplace_back([raw] { raw->io.run(); });
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
    stop();
}

std::uint16_t Server::port() const {
    return impl_->acceptor.local_endpoint().port();
}

void Server::stop() {
    if (impl_->stopped) return;
    impl_->io.stop();
    for (auto& thread : impl_->threads) {
        if (thread.joinable()) thread.join();
    }
    // The server threads have ended: what follows runs alone.
    impl_->stopped = true;
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    for (auto& weak : impl_->sessions) {
        if (auto session = weak.lock()) session->close();
    }
}

Result<ServerOptions> server_options_from_address(std::string_view address) {
    auto colon = address.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        return make_error(ErrorCode::invalid_argument, "address must be host:port");
    }
    std::string_view port_text = address.substr(colon + 1);
    unsigned port = 0;
    auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
        return make_error(ErrorCode::invalid_argument, "bad port in '" + std::string(address) + "'");
    }
    ServerOptions options;
    options.host = std::string(address.substr(0, colon));
    options.port = static_cast<std::uint16_t>(port);
    return options;
}

}  // namespace custos::api
