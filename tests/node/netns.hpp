// TEST ONLY: separate hosts on one machine for a Localnet (LocalnetOptions::namespaces, issue 20).
// Each host is a network namespace of its own (`ip netns add`, so it outlives the node processes
// that join it: a node stopped and started again finds its address, and a cut made while it was
// down), with one veth pair: one end, named eth0, inside the namespace with the host's address,
// the other on a bridge in the test's namespace, which has the bridge's address and so reaches
// every host. A /24 of 10.64.0.0/10 of its own per instance (one not routed here already).
//
// Faults, all on the network itself: isolate() takes a host's veth down (no packet in or out,
// silently, as an unplugged cable); block() adds a `prohibit` route inside one namespace, so that
// host cannot send to one address (a link cut, both directions when both ends block the other);
// set_netem() puts a netem qdisc (delay, jitter, loss, duplication, reordering) on every host's
// veth where the kernel has netem (netem_available()).
//
// Names are "custos" + the test process's pid + a letter per instance (+ "br", "vK" or "nK"), so
// concurrent test processes never clash; the destructor removes everything it made. Things left
// by a crashed run (a pid no longer running) are removed by the next instance. An `unreachable`
// route for the subnet (metric: the pid) stays in the test's namespace until the very end, so a
// request of the test can never leave the machine by the default route while the bridge goes.
// Needs root (CI runs as root) and iproute2's `ip` (and `tc` for netem): without them the
// constructor fails the test with a message naming what is missing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace custos::node_test {

struct LinkImpairment;

// A command's exit status (127: it could not be run) and what it printed (stdout and stderr).
struct CommandResult {
    int exit_code = 0;
    std::string output;
};
[[nodiscard]] CommandResult run_command(const std::vector<std::string>& argv);

class NetnsNetwork {
public:
    explicit NetnsNetwork(std::size_t hosts);
    ~NetnsNetwork();
    NetnsNetwork(const NetnsNetwork&) = delete;
    NetnsNetwork& operator=(const NetnsNetwork&) = delete;

    [[nodiscard]] std::size_t hosts() const { return hosts_; }
    [[nodiscard]] std::string address(std::size_t host) const;  // "10.a.b.(host + 1)"
    [[nodiscard]] std::string bridge_address() const;           // "10.a.b.254", the test's own
    [[nodiscard]] const std::string& bridge() const { return bridge_; }
    // One more address of the test's namespace on the bridge (10.a.b.(100 + n), n < 100), for
    // something of the test the hosts dial (a link proxy).
    [[nodiscard]] std::string add_bridge_address(std::size_t n);
    // /run/netns/<name>: what a child process opens and setns(2)es into before exec.
    [[nodiscard]] std::string namespace_path(std::size_t host) const;
    [[nodiscard]] const std::string& namespace_name(std::size_t host) const { return namespaces_[host]; }

    // Takes the host's veth down (isolated: it reaches nobody and nobody reaches it, the test
    // included) or up again.
    void isolate(std::size_t host, bool isolated);
    // Inside `host`'s namespace, traffic to `address` is refused (a prohibit route) or let through.
    void block(std::size_t host, const std::string& address, bool blocked);
    // Every veth up, every block removed (netem stays as set_netem left it).
    void heal();
    // Whether this kernel takes a netem qdisc (probed once per instance on a veth of its own).
    [[nodiscard]] bool netem_available() const { return netem_; }
    // Every host's veth (both directions of every link through the bridge, each packet once) as
    // `impairment` says: delay, jitter, loss (stall_probability), duplication, reordering
    // (swap_probability). A default LinkImpairment removes the qdiscs. Needs netem_available().
    void set_netem(const LinkImpairment& impairment);

private:
    void run(const std::vector<std::string>& argv);  // Fails the test naming the command.
    void teardown() noexcept;

    std::size_t hosts_;
    std::string stem_;
    std::string bridge_;
    std::string subnet_;  // "10.a.b"
    std::vector<std::string> namespaces_;
    std::vector<std::string> veths_;  // Host ends, on the bridge.
    std::set<std::pair<std::size_t, std::string>> blocked_;
    std::set<std::size_t> isolated_;
    bool guard_route_ = false;
    bool netem_ = false;
    bool netem_set_ = false;
};

}  // namespace custos::node_test
