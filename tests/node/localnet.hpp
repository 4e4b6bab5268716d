// A four-validator network of real custos-node processes on 127.0.0.1 (or each in a network
// namespace of its own, at its own address: LocalnetOptions::namespaces), for the node tests.
// Keys, genesis and configs are generated in a temporary directory; nodes are started with
// fork/exec and stopped with signals; requests go through the REST API.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/events/event.hpp"
#include "ledger/genesis.hpp"
#include "link_proxy.hpp"
#include "netns.hpp"

namespace custos::node_test {

inline constexpr std::size_t validator_count = 4;

struct LocalnetOptions {
    // Nodes after the validators (indices validator_count...) whose keys are not in the genesis
    // set, each with an agency of its own; with any, the four validators belong to four distinct
    // agencies and every agency has an admin officer (validator-set governance tests).
    std::size_t spare_nodes = 0;
    // Genesis heartbeat_interval_ms: an idle network commits one empty block per interval.
    std::uint64_t heartbeat_ms = 300;
    // Every node's mempool_events_max (unset: the node's default).
    std::optional<std::uint64_t> mempool_events_max;
    // Each validator reaches each other one through a LinkProxy of the test (link_proxy.hpp), on a
    // loopback address of its own, so links can be cut (partitions) and healed. No spare nodes.
    bool proxied_links = false;
    // Twins (proxied links only): for each validator listed, one more node after the validators
    // holding that validator's key, with its own data directory and loopback address (node
    // validator_count + k for twins[k]). It dials the other validators; a validator reaches it
    // only where a test retargets a link to it (retarget). The twinned validators get the lowest
    // keys of the set: the transport keeps, of two connections with one key, the one dialed by
    // the lower key of the pair (consensus/runtime/transport_core.cpp), so only with the twinned
    // key lowest does every honest node accept both copies' connections, in turn, and hear both.
    std::vector<std::size_t> twins;
    // Observers: one node per entry after the validators (node validator_count + k), with a key
    // of its own outside the set and the validators in its "peers"; the validators' configs list
    // it under "observers" when the entry is true (false: a negative control the validators do
    // not know). No spare nodes, twins or proxied links with them.
    std::vector<bool> observers;
    // Each node in a network namespace of its own, as on a host of its own (netns.hpp: a veth
    // pair to a bridge in the test's namespace, an address 10.a.b.(index + 1) of a /24 of this
    // instance's): nodes listen on and peer by those addresses, the test reaches their REST APIs
    // over the bridge. partition() then cuts links in the network (prohibit routes inside the
    // namespaces), isolate() takes a node's veth down. With proxied_links as well, links can be
    // impaired: by netem on the veths where the kernel has it (the nodes then peer directly),
    // otherwise through a LinkProxy per link on the test's bridge between the namespaces, on an
    // address of its own (impairments() says which). Needs root; no twins.
    bool namespaces = false;
};

class Localnet {
public:
    explicit Localnet(LocalnetOptions options = {});
    ~Localnet();
    Localnet(const Localnet&) = delete;
    Localnet& operator=(const Localnet&) = delete;

    void start(std::size_t index);
    // Starts the process without waiting for its REST API (a node expected to refuse to start).
    void launch(std::size_t index);
    // Waits up to `seconds` for node `index` to exit and reaps it: its exit status (128 + signal
    // when killed), or nullopt while it still runs.
    [[nodiscard]] std::optional<int> wait_exit(std::size_t index, int seconds);
    // Sets one field of node `index`'s config file (custos-node --config) for its later starts.
    void set_config(std::size_t index, const std::string& field, const crypto::Json& value);
    // An environment variable for node `index`'s later starts (e.g. LD_PRELOAD); an empty value
    // removes it.
    void set_environment(std::size_t index, const std::string& name, const std::string& value);
    void kill_node(std::size_t index, int signal);  // Sends the signal and reaps the process.
    // Proxied localnets: cuts (or heals) both directions of every link between two groups of
    // validators; heal_all() heals every link.
    void partition(const std::vector<std::size_t>& side, const std::vector<std::size_t>& other,
                   bool cut = true);
    void heal_all();
    // Node `index` cut off from every other node (namespaced: its veth down, so the test cannot
    // reach it either; otherwise its proxied links cut), or back.
    void isolate(std::size_t index, bool isolated = true);
    // Proxied localnets: node `from`'s link to validator `validator` reaches node `node` from now
    // on (a twin holding that validator's key, or the validator itself again); open connections
    // on it are closed. partition() cuts links by the node they reach.
    void retarget(std::size_t from, std::size_t validator, std::size_t node);
    // Proxied localnets: every link (both directions) behaves as `impairment` says from now on
    // (link_proxy.hpp; a default LinkImpairment restores a clean network); and what the links'
    // impairments have done so far, summed.
    void impair_links(const LinkImpairment& impairment);
    // What impair_links() uses: "netem" (namespaced, a kernel with netem; link_faults() then
    // counts nothing), "proxy" (LinkProxy, link_faults() counts) or "none" (links not impairable).
    [[nodiscard]] std::string impairments() const;
    [[nodiscard]] LinkFaultCounts link_faults() const;
    // Namespaced localnets: the network (names, addresses); null otherwise.
    [[nodiscard]] const NetnsNetwork* network() const { return network_.get(); }
    [[nodiscard]] bool running(std::size_t index) const { return pids_[index] > 0; }
    [[nodiscard]] pid_t pid(std::size_t index) const { return pids_[index]; }

    // A fresh, valid register event for a new item, signed by the custodian officer, its time
    // `ago_ms` before the clock now.
    [[nodiscard]] std::string next_register_envelope(std::int64_t ago_ms = 10'000);
    // A signed envelope of `event` by the admin of `event.agency` (spare-node localnets; NL-POL's
    // admin is the auditor). Sets the chain id and, when zero, the time (so the caller can take
    // the event id afterwards).
    [[nodiscard]] std::string admin_envelope(ledger::Event& event);
    // The custodian's signed register envelope of a new item, and that item's id.
    [[nodiscard]] std::pair<std::string, std::string> next_register_item(std::int64_t ago_ms = 10'000);
    // A signed GET by the auditor (status and body; {0, ""} when unreachable).
    [[nodiscard]] std::pair<unsigned, std::string> auditor_get(std::size_t index, const std::string& target);
    // The key auditor_get signs with (NL-POL's auditor and admin).
    [[nodiscard]] const crypto::SecretKey& auditor_key() const { return *auditor_; }
    // The address node `index` listens on (127.0.0.1, or its own in a namespaced localnet).
    [[nodiscard]] const std::string& host(std::size_t index) const { return hosts_.at(index); }
    // The peer address node `index` listens on ("host:port").
    [[nodiscard]] std::string peer_address(std::size_t index) const {
        return hosts_.at(index) + ":" + std::to_string(peer_ports_[index]);
    }
    // The spare node's validator entry: name, agency, key and peer address (power as given).
    [[nodiscard]] ledger::Validator spare_validator(std::size_t index, std::uint64_t power) const;
    [[nodiscard]] const std::vector<std::string>& agencies() const { return agencies_; }
    [[nodiscard]] const ledger::Genesis& genesis() const { return genesis_; }
    [[nodiscard]] std::size_t node_count() const { return pids_.size(); }
    // HTTP status of POST /v1/events on node `index` (0 when the node cannot be reached).
    [[nodiscard]] unsigned submit(std::size_t index, const std::string& envelope_json);
    // POST /v1/events?wait=commit: 201 once this node committed it (0 when unreachable).
    [[nodiscard]] unsigned submit_and_wait(std::size_t index, const std::string& envelope_json);
    // POST /v1/events?wait=commit with the answer's status and body ({0, ""} when unreachable).
    [[nodiscard]] std::pair<unsigned, std::string> submit_commit(std::size_t index,
                                                                 const std::string& envelope_json,
                                                                 std::uint32_t timeout_ms = 20000);
    // GET /v1/blocks/{height}: the block hash and its event ids; nullopt when not there.
    [[nodiscard]] std::optional<std::pair<std::string, std::vector<std::string>>> block_events(
        std::size_t index, std::uint64_t height);
    // GET /healthz status (0 when unreachable).
    [[nodiscard]] unsigned healthz(std::size_t index);
    // The same, the request signed by the admin of `agency` (governance events need it).
    [[nodiscard]] unsigned submit_admin(std::size_t index, const std::string& agency,
                                        const std::string& envelope_json);
    // GET /v1/status; nullopt when unreachable.
    [[nodiscard]] std::optional<crypto::Json> status(std::size_t index);
    [[nodiscard]] std::optional<std::uint64_t> log_size(std::size_t index);
    [[nodiscard]] std::optional<std::uint64_t> height(std::size_t index);
    [[nodiscard]] std::optional<std::string> block_hash(std::size_t index, std::uint64_t height);
    // GET /v1/blocks/{height}: {"header": {...}, "hash", "events": [ids], "certificate"}.
    [[nodiscard]] std::optional<crypto::Json> block(std::size_t index, std::uint64_t height);
    // A counter or gauge from GET /metrics (open route); nullopt when unreachable or absent.
    [[nodiscard]] std::optional<double> metric(std::size_t index, const std::string& name);
    // Polls until `predicate` holds or `seconds` pass; returns whether it held.
    template <typename Predicate>
    bool wait_for(Predicate predicate, int seconds);

    [[nodiscard]] std::filesystem::path store_dir(std::size_t index) const;
    [[nodiscard]] std::uint16_t rest_port(std::size_t index) const { return rest_ports_[index]; }
    [[nodiscard]] std::string rest_url(std::size_t index) const {
        return "http://" + hosts_.at(index) + ":" + std::to_string(rest_ports_[index]);
    }
    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
    [[nodiscard]] std::string log_tail(std::size_t index) const;
    [[nodiscard]] bool log_contains(std::size_t index, std::string_view text) const;
    [[nodiscard]] std::string log_text(std::size_t index) const;  // The whole log.

private:
    std::unique_ptr<NetnsNetwork> network_;  // Namespaced localnets only; outlives the proxies.
    std::vector<std::string> hosts_;         // Each node's address, by index.
    bool netem_links_ = false;               // Impairments by netem (namespaced, proxied_links).
    std::filesystem::path dir_;
    std::vector<pid_t> pids_;
    std::map<std::size_t, std::map<std::string, std::string>> environment_;
    std::vector<std::uint16_t> rest_ports_;
    ledger::Genesis genesis_;
    std::optional<crypto::SecretKey> officer_;
    std::optional<crypto::SecretKey> auditor_;
    std::uint64_t items_ = 0;
    std::vector<std::string> agencies_;                // Agency of each node, by index.
    std::map<std::string, crypto::SecretKey> admins_;  // Spare-node localnets: admin by agency.
    std::vector<ledger::Validator> spares_;            // Spare nodes' entries (power 1).
    std::map<std::pair<std::size_t, std::size_t>, std::unique_ptr<LinkProxy>> links_;  // (from, to).
    std::map<std::pair<std::size_t, std::size_t>, std::size_t> reaches_;  // (from, to) -> node reached.
    std::vector<std::uint16_t> peer_ports_;                               // By node index.
    std::map<std::pair<std::size_t, std::size_t>, std::string> dials_;    // (from, to) -> host dialed.
};

void sleep_ms(int ms);

template <typename Predicate>
bool Localnet::wait_for(Predicate predicate, int seconds) {
    for (int tick = 0; tick < seconds * 10; ++tick) {
        if (predicate()) return true;
        sleep_ms(100);
    }
    return predicate();
}

}  // namespace custos::node_test
