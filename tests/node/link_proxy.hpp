// TEST ONLY: a TCP forwarder for one direction of one validator-to-validator link of a Localnet
// (LocalnetOptions::proxied_links), so a test can cut the link (a partition) and heal it. Node i
// reaches node j's peer port through the proxy of (i, j), which listens on a loopback address of
// node i's own (127.0.0.(10+i), same port as j's), so the nodes dial peers by address as on
// separate hosts. The handshake is end to end: the proxy only moves bytes. A twin test retargets
// a link to another process holding the same key (the dialer cannot tell).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace custos::node_test {

// What a bad network does to one link, applied to each chunk of bytes the proxy reads (one recv,
// up to 64 KiB), in each direction. Loss, duplication and reordering of packets reach the nodes
// through TCP only as delay (a retransmission), so they are modelled as `stall`. Sending a chunk
// twice, or after the next one, is what TCP cannot hide: a middlebox damaging the stream, which
// the transport's authenticated frames must refuse (the connection drops and is dialed again).
struct LinkImpairment {
    std::uint32_t delay_ms = 0;    // Every chunk waits this long,
    std::uint32_t jitter_ms = 0;   // plus up to this much more at random (order kept).
    double stall_probability = 0;  // A chunk waits stall_ms more (a lost packet sent again).
    std::uint32_t stall_ms = 200;
    double duplicate_probability = 0;  // A chunk is sent twice.
    double swap_probability = 0;       // A chunk is sent after the next one.
};

// How many chunks each impairment touched (over all connections of the proxy).
struct LinkFaultCounts {
    std::uint64_t chunks = 0, delayed = 0, stalled = 0, duplicated = 0, swapped = 0;
};

class LinkProxy {
public:
    // Listens on listen_host:port, forwards to target_host:target_port. Other than to 127.0.0.1
    // (a namespaced localnet: the proxy sits on the test's bridge between the nodes' namespaces)
    // its outgoing connections leave from listen_host, so a node that blocks that address cuts
    // both legs of the links through this proxy (netns.hpp).
    LinkProxy(std::string listen_host, std::uint16_t port, std::uint16_t target_port,
              std::string target_host = "127.0.0.1");
    ~LinkProxy();
    LinkProxy(const LinkProxy&) = delete;
    LinkProxy& operator=(const LinkProxy&) = delete;

    // Cut: open connections are closed and new ones refused (closed on accept) until healed.
    void set_cut(bool cut) { cut_.store(cut); }
    [[nodiscard]] bool cut() const { return cut_.load(); }
    // Forwards new connections to target_host:target_port from now on; open ones are closed.
    void retarget(std::uint16_t target_port);
    [[nodiscard]] const std::string& address() const { return address_; }
    // From the next chunk on (open connections included).
    void set_impairment(const LinkImpairment& impairment);
    [[nodiscard]] LinkFaultCounts faults() const;

private:
    void accept_loop();
    void pump(int client, int server, unsigned generation);

    std::string address_;
    std::string listen_host_;
    std::string target_host_;
    std::atomic<std::uint16_t> target_port_;
    std::atomic<unsigned> generation_{0};  // Bumped by retarget: pumps of an older one close.
    int listener_ = -1;
    std::atomic<bool> cut_{false};
    std::atomic<bool> stopping_{false};
    std::mutex threads_mutex_;
    std::vector<std::thread> pumps_;
    std::thread acceptor_;
    mutable std::mutex impairment_mutex_;
    LinkImpairment impairment_;
    LinkFaultCounts faults_;  // Under impairment_mutex_.
};

}  // namespace custos::node_test
