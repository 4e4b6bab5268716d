#include "link_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>

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

}  // namespace

LinkProxy::LinkProxy(std::string listen_host, std::uint16_t port, std::uint16_t target_port)
    : address_(listen_host + ":" + std::to_string(port)), target_port_(target_port) {
    // Close-on-exec everywhere: the nodes are forked from this process, and a socket a node
    // inherited would stay open in it after the proxy closed its own (no FIN: a cut not seen).
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener_ >= 0);
    const int on = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    const auto address = address_of(listen_host, port);
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
        const auto target = address_of("127.0.0.1", target_port_.load());
        if (server < 0 || ::connect(server, reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0) {
            if (server >= 0) ::close(server);
            ::close(client);
            continue;
        }
        std::lock_guard lock(threads_mutex_);
        pumps_.emplace_back([this, client, server, generation] { pump(client, server, generation); });
    }
}

void LinkProxy::pump(int client, int server, unsigned generation) {
    std::array<char, 64 * 1024> buffer{};
    std::array<pollfd, 2> fds{{{client, POLLIN, 0}, {server, POLLIN, 0}}};
    while (!stopping_.load() && !cut_.load() && generation_.load() == generation) {
        if (::poll(fds.data(), fds.size(), poll_ms) <= 0) continue;
        bool open = true;
        for (std::size_t side = 0; side < 2 && open; ++side) {
            if ((fds[side].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            const auto got = ::recv(fds[side].fd, buffer.data(), buffer.size(), 0);
            open = got > 0 && write_all(fds[1 - side].fd, buffer.data(), static_cast<std::size_t>(got));
        }
        if (!open) break;
    }
    ::close(client);
    ::close(server);
}

}  // namespace custos::node_test
