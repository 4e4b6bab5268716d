#include "link_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include <doctest/doctest.h>

namespace custos::node_test {

namespace {

constexpr int poll_ms = 50;  // How often loops look at the cut and stop flags.

sockaddr_in address_of(const std::string& host, std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    REQUIRE(::inet_pton(AF_INET, host.c_str(), &address.sin_addr) == 1);
    return address;
}

// Writes all of `bytes`; false when the peer is gone.
bool write_all(int fd, const char* bytes, std::size_t size) {
    while (size > 0) {
        const auto written = ::send(fd, bytes, size, MSG_NOSIGNAL);
        if (written <= 0) return false;
        bytes += written;
        size -= static_cast<std::size_t>(written);
    }
    return true;
}

// connect() within `timeout_ms`: a host whose link is down answers nothing, and a blocking connect
// would hold the accept loop (and the destructor) for minutes of SYN retries.
bool connect_within(int fd, const sockaddr_in& target, int timeout_ms) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) return false;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0) {
        if (errno != EINPROGRESS) return false;
        pollfd writable{fd, POLLOUT, 0};
        if (::poll(&writable, 1, timeout_ms) != 1) return false;
        int error = 0;
        socklen_t size = sizeof error;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0 || error != 0) return false;
    }
    return ::fcntl(fd, F_SETFL, flags) == 0;
}

}  // namespace

LinkProxy::LinkProxy(std::string listen_host, std::uint16_t port, std::uint16_t target_port,
                     std::string target_host)
    : address_(listen_host + ":" + std::to_string(port)),
      listen_host_(std::move(listen_host)),
      target_host_(std::move(target_host)),
      target_port_(target_port) {
    // Close-on-exec everywhere: the nodes are forked from this process, and a socket a node
    // inherited would stay open in it after the proxy closed its own (no FIN: a cut not seen).
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener_ >= 0);
    const int on = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    const auto address = address_of(listen_host_, port);
    REQUIRE_MESSAGE(::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0,
                    "link proxy cannot bind " << address_);
    REQUIRE(::listen(listener_, 16) == 0);
    acceptor_ = std::thread([this] { accept_loop(); });
}

LinkProxy::~LinkProxy() {
    stopping_.store(true);
    acceptor_.join();
    std::lock_guard lock(threads_mutex_);
    for (auto& pump : pumps_)
        pump.join();
    ::close(listener_);
}

void LinkProxy::retarget(std::uint16_t target_port) {
    target_port_.store(target_port);
    generation_.fetch_add(1);
}

void LinkProxy::accept_loop() {
    while (!stopping_.load()) {
        pollfd ready{listener_, POLLIN, 0};
        if (::poll(&ready, 1, poll_ms) <= 0) continue;
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        if (cut_.load()) {
            ::close(client);
            continue;
        }
        const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const unsigned generation = generation_.load();  // Before the target: a retarget closes it.
        const auto target = address_of(target_host_, target_port_.load());
        const auto source = address_of(listen_host_, 0);
        const bool bound =
            target_host_ == "127.0.0.1" ||
            (server >= 0 && ::bind(server, reinterpret_cast<const sockaddr*>(&source), sizeof source) == 0);
        if (server < 0 || !bound || !connect_within(server, target, 1000)) {
            if (server >= 0) ::close(server);
            ::close(client);
            continue;
        }
        std::lock_guard lock(threads_mutex_);
        pumps_.emplace_back([this, client, server, generation] { pump(client, server, generation); });
    }
}

void LinkProxy::set_impairment(const LinkImpairment& impairment) {
    std::lock_guard lock(impairment_mutex_);
    impairment_ = impairment;
}

LinkFaultCounts LinkProxy::faults() const {
    std::lock_guard lock(impairment_mutex_);
    return faults_;
}

void LinkProxy::pump(int client, int server, unsigned generation) {
    using Clock = std::chrono::steady_clock;
    struct Chunk {
        Clock::time_point due;
        std::string bytes;
    };
    // Per direction (0: client to server, 1: back): chunks waiting for their time, in order, and
    // a chunk held back to be sent after the next one (a swap).
    struct Direction {
        std::deque<Chunk> queue;
        Clock::time_point last_due{};
        std::optional<Chunk> held;
    };
    std::array<Direction, 2> directions;
    std::mt19937_64 random(std::hash<std::string>{}(address_) ^ (std::uint64_t{generation} << 32) ^
                           static_cast<std::uint64_t>(client));
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    constexpr auto held_max = std::chrono::milliseconds(100);  // A swap waits this long for a next chunk.

    std::array<char, 64 * 1024> buffer{};
    std::array<pollfd, 2> fds{{{client, POLLIN, 0}, {server, POLLIN, 0}}};
    bool open = true;
    while (open && !stopping_.load() && !cut_.load() && generation_.load() == generation) {
        // Wait for bytes, or until the next chunk is due.
        auto now = Clock::now();
        auto wake = now + std::chrono::milliseconds(poll_ms);
        for (const auto& direction : directions) {
            if (!direction.queue.empty()) wake = std::min(wake, direction.queue.front().due);
            if (direction.held) wake = std::min(wake, direction.held->due + held_max);
        }
        const auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
        if (::poll(fds.data(), fds.size(), static_cast<int>(std::max<std::int64_t>(wait_ms, 0))) > 0) {
            for (std::size_t side = 0; side < 2 && open; ++side) {
                if ((fds[side].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
                const auto got = ::recv(fds[side].fd, buffer.data(), buffer.size(), 0);
                if (got <= 0) {
                    open = false;
                    break;
                }
                LinkImpairment impairment;
                {
                    std::lock_guard lock(impairment_mutex_);
                    impairment = impairment_;
                }
                Direction& direction = directions[side];
                std::uint64_t wait = impairment.delay_ms;
                if (impairment.jitter_ms > 0)
                    wait += static_cast<std::uint64_t>(unit(random) * impairment.jitter_ms);
                const bool stall = unit(random) < impairment.stall_probability;
                if (stall) wait += impairment.stall_ms;
                const bool duplicate = unit(random) < impairment.duplicate_probability;
                const bool swap = !duplicate && unit(random) < impairment.swap_probability;
                Chunk chunk{std::max(direction.last_due, Clock::now() + std::chrono::milliseconds(wait)),
                            std::string(buffer.data(), static_cast<std::size_t>(got))};
                direction.last_due = chunk.due;
                bool swapped = false;
                if (direction.held) {
                    // The held chunk goes after this one.
                    Chunk held = std::move(*direction.held);
                    direction.held.reset();
                    held.due = chunk.due;
                    direction.queue.push_back(std::move(chunk));
                    direction.queue.push_back(std::move(held));
                    swapped = true;
                } else if (swap) {
                    direction.held = std::move(chunk);
                } else {
                    if (duplicate) direction.queue.push_back(chunk);
                    direction.queue.push_back(std::move(chunk));
                }
                std::lock_guard lock(impairment_mutex_);
                ++faults_.chunks;
                if (wait > 0) ++faults_.delayed;
                if (stall) ++faults_.stalled;
                if (duplicate) ++faults_.duplicated;
                if (swapped) ++faults_.swapped;
            }
        }
        // Send what is due; a chunk held for a swap that no next chunk followed goes alone.
        now = Clock::now();
        for (std::size_t side = 0; side < 2 && open; ++side) {
            Direction& direction = directions[side];
            if (direction.held && now >= direction.held->due + held_max) {
                direction.queue.push_back(std::move(*direction.held));
                direction.held.reset();
            }
            while (open && !direction.queue.empty() && direction.queue.front().due <= now) {
                const std::string& bytes = direction.queue.front().bytes;
                open = write_all(fds[1 - side].fd, bytes.data(), bytes.size());
                direction.queue.pop_front();
            }
        }
    }
    ::close(client);
    ::close(server);
}

}  // namespace custos::node_test
