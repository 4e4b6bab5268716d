#include "localnet.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>
#include <sodium.h>

#include "api/http_client.hpp"
#include "consensus/runtime/config.hpp"
#include "register_event.hpp"

namespace custos::node_test {
namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    REQUIRE(out.good());
}

}  // namespace

void sleep_ms(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

Localnet::Localnet(LocalnetOptions options)
    : pids_(validator_count + options.spare_nodes + options.twins.size() + options.observers.size(), 0) {
    REQUIRE(sodium_init() >= 0);
    char pattern[] = "/tmp/custos-node-test-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    dir_ = pattern;
    // Ports from the process id, so parallel test runs (and a running localnet on 8081) do not collide:
    // a 16-port slot in 24000..32639, REST at base + index and peers at base + 8 + index (at most six
    // nodes). Above tests/localnet's 20000..23999 (ctest runs it beside this binary) and below
    // Linux's ephemeral range (32768..60999), so an outgoing connection's local port cannot take a
    // node's listening port before it binds.
    const auto base = static_cast<std::uint16_t>(24000 + (::getpid() % 540) * 16);
    REQUIRE((options.observers.empty() ||
             (options.spare_nodes == 0 && options.twins.empty() && !options.proxied_links)));
    REQUIRE_MESSAGE((!options.namespaces || options.twins.empty()), "twins need a localnet on 127.0.0.1");
    if (options.namespaces) network_ = std::make_unique<NetnsNetwork>(pids_.size());
    for (std::size_t index = 0; index < pids_.size(); ++index)
        hosts_.push_back(network_ ? network_->address(index) : "127.0.0.1");
    // Namespaced with impairable links: netem on the veths where the kernel has it, else proxies.
    netem_links_ = network_ && options.proxied_links && network_->netem_available();
    genesis_.chain_id = "custos-node-test";
    genesis_.genesis_time = ledger::TimeMs{now_ms() - 3'600'000};
    genesis_.agencies = {{"DE-BKA", "Bundeskriminalamt", "DE"}, {"NL-POL", "Politie Nederland", "NL"}};
    const bool governance = options.spare_nodes > 0;
    for (std::size_t index = 0; index < pids_.size(); ++index)
        agencies_.push_back(index % 2 == 0 ? "NL-POL" : "DE-BKA");
    if (governance) {
        REQUIRE(options.spare_nodes <= 2);
        agencies_ = {"NL-POL", "DE-BKA", "FR-PN", "BE-POL", "ES-PN", "IT-PS"};
        agencies_.resize(pids_.size());
        genesis_.agencies.clear();
        for (const auto& agency : agencies_)
            genesis_.agencies.push_back({agency, agency + " (test)", agency.substr(0, 2)});
        std::sort(genesis_.agencies.begin(), genesis_.agencies.end(),
                  [](const auto& a, const auto& b) { return a.id < b.id; });
        for (const auto& agency : agencies_) {
            if (agency == "NL-POL") continue;  // NL-POL's admin is the auditor key below.
            auto key = crypto::SecretKey::generate();
            genesis_.officers.push_back(
                ledger::Officer{key.public_key(), agency, {ledger::Role::admin}, agency + ".admin"});
            admins_.emplace(agency, std::move(key));
        }
    }
    officer_.emplace(crypto::SecretKey::generate());
    genesis_.officers.push_back(
        ledger::Officer{officer_->public_key(), "NL-POL", {ledger::Role::custodian}, "nl.custodian"});
    // Reads (status, blocks) are signed by an auditor: the API checks roles per route.
    auditor_.emplace(crypto::SecretKey::generate());
    genesis_.officers.push_back(ledger::Officer{
        auditor_->public_key(), "NL-POL", {ledger::Role::auditor, ledger::Role::admin}, "nl.auditor"});
    std::sort(genesis_.officers.begin(), genesis_.officers.end(),
              [](const auto& a, const auto& b) { return a.key < b.key; });
    REQUIRE((options.twins.empty() || (options.proxied_links && options.spare_nodes == 0)));
    REQUIRE(std::is_sorted(options.twins.begin(), options.twins.end()));
    const std::size_t keyed = validator_count + options.spare_nodes;  // Nodes with a key of their own.
    std::vector<crypto::SecretKey> keys;
    for (std::size_t index = 0; index < keyed; ++index)
        keys.push_back(crypto::SecretKey::generate());
    if (!options.twins.empty()) {
        // The lowest keys to the twinned validators (see LocalnetOptions::twins).
        std::sort(keys.begin(), keys.end(),
                  [](const auto& a, const auto& b) { return a.public_key() < b.public_key(); });
        std::vector<crypto::SecretKey> sorted;
        std::vector<crypto::SecretKey> lowest;
        for (std::size_t k = 0; k < keys.size(); ++k)
            (k < options.twins.size() ? lowest : sorted).push_back(std::move(keys[k]));
        keys = std::move(sorted);
        for (std::size_t k = 0; k < options.twins.size(); ++k)
            keys.insert(keys.begin() + static_cast<std::ptrdiff_t>(options.twins[k]), std::move(lowest[k]));
    }
    std::vector<ledger::Validator> entries;  // Every keyed node's entry, by index.
    for (std::size_t index = 0; index < keyed; ++index) {
        entries.push_back(ledger::Validator{"validator-" + std::to_string(index + 1), agencies_[index],
                                            keys[index].public_key(), 1,
                                            hosts_[index] + ":" + std::to_string(base + 8 + index)});
    }
    genesis_.validators.validators.assign(entries.begin(), entries.begin() + validator_count);
    spares_.assign(entries.begin() + validator_count, entries.end());
    // Which validator's key each node holds: its own, or the twinned one's.
    std::vector<std::size_t> key_of(keyed);
    for (std::size_t index = 0; index < keyed; ++index)
        key_of[index] = index;
    for (auto twinned : options.twins) {
        REQUIRE(twinned < validator_count);
        key_of.push_back(twinned);
    }
    // Small timeouts: the tests run in seconds.
    auto& params = genesis_.params;
    params.timeout_propose_ms = 600;
    params.timeout_propose_delta_ms = 200;
    params.timeout_prevote_ms = 300;
    params.timeout_prevote_delta_ms = 100;
    params.timeout_precommit_ms = 300;
    params.timeout_precommit_delta_ms = 100;
    params.timeout_commit_ms = 100;
    // Quiet when idle, with a short heartbeat: tests that wait for heights without events (a
    // validator-set change is in force two blocks later) still see blocks every few hundred ms.
    params.heartbeat_interval_ms = options.heartbeat_ms;
    auto valid = ledger::validate_genesis(genesis_);
    REQUIRE_MESSAGE(valid.has_value(), (valid ? std::string() : valid.error().message));
    write_text(dir_ / "genesis.json", ledger::canonical_genesis(genesis_));
    for (std::size_t index = 0; index < pids_.size(); ++index)
        peer_ports_.push_back(static_cast<std::uint16_t>(base + 8 + index));
    const std::size_t first_observer = keyed + options.twins.size();
    std::vector<runtime::ObserverConfig> listed;  // Observers the validators let connect.
    for (std::size_t k = 0; k < options.observers.size(); ++k) {
        keys.push_back(crypto::SecretKey::generate());
        key_of.push_back(keys.size() - 1);
        const std::string name = "observer-" + std::to_string(first_observer + k);
        entries.push_back(ledger::Validator{
            name, agencies_[first_observer + k], keys.back().public_key(), 1,
            hosts_[first_observer + k] + ":" + std::to_string(base + 8 + first_observer + k)});
        // Its REST authority (its rest_listen, the default rest_public_names): what the
        // validators accept a read it relays to be signed for.
        const std::string authority =
            hosts_[first_observer + k] + ":" + std::to_string(base + first_observer + k);
        if (options.observers[k])
            listed.push_back(runtime::ObserverConfig{keys.back().public_key(), name, {authority}});
    }
    for (std::size_t index = 0; index < pids_.size(); ++index) {
        auto node_dir = dir_ / ("node" + std::to_string(index));
        std::filesystem::create_directories(node_dir);
        const auto& entry = entries[key_of[index]];
        REQUIRE(crypto::write_secret_key_file(node_dir / "validator.key", entry.name, keys[key_of[index]])
                    .has_value());
        runtime::NodeConfig config;
        config.data_dir = "node" + std::to_string(index) + "/data";
        config.genesis_file = "genesis.json";
        config.validator_key_file = "node" + std::to_string(index) + "/validator.key";
        config.peer_listen = peer_address(index);
        rest_ports_.push_back(static_cast<std::uint16_t>(base + index));
        config.rest_listen = hosts_[index] + ":" + std::to_string(rest_ports_.back());
        // Namespaced: off loopback, on the test's private bridge, which only this process reaches.
        config.rest_plain_http_allowed = network_ != nullptr;
        config.mempool_events_max = options.mempool_events_max;
        if (index < validator_count) config.observers = listed;
        const bool spare = index >= validator_count && index < keyed;
        for (std::size_t peer = 0; peer < validator_count; ++peer) {
            if (peer == key_of[index]) continue;
            std::string address = genesis_.validators.validators[peer].address;
            if (network_ && options.proxied_links && !netem_links_ && !spare) {
                // Node `index` dials `peer` through a proxy on the test's bridge, at an address
                // of the link's own (same port); the proxy dials the peer from that address.
                const auto port = peer_ports_[peer];
                auto proxy = std::make_unique<LinkProxy>(network_->add_bridge_address(10 * index + peer),
                                                         port, port, hosts_[peer]);
                address = proxy->address();
                links_.emplace(std::pair{index, peer}, std::move(proxy));
                reaches_[{index, peer}] = peer;
            } else if (options.proxied_links && !network_ && !spare) {
                // Node `index` dials `peer` at a loopback address of its own, same port.
                const auto port = peer_ports_[peer];
                auto proxy = std::make_unique<LinkProxy>("127.0.0." + std::to_string(10 + index), port, port);
                address = proxy->address();
                links_.emplace(std::pair{index, peer}, std::move(proxy));
                reaches_[{index, peer}] = peer;
            }
            dials_[{index, peer}] = address.substr(0, address.rfind(':'));
            config.peers.push_back(runtime::PeerConfig{address, genesis_.validators.validators[peer].key});
        }
        write_text(dir_ / ("node" + std::to_string(index) + ".json"), runtime::node_config_to_json(config));
    }
}

Localnet::~Localnet() {
    for (std::size_t index = 0; index < pids_.size(); ++index) {
        if (pids_[index] > 0) kill_node(index, SIGKILL);
    }
    links_.clear();    // The proxies first: they dial addresses on the bridge.
    network_.reset();  // Then the namespaces, veths, bridge and guard route.
    if (std::getenv("CUSTOS_KEEP_TEST_DIR") == nullptr) {
        std::error_code error;
        std::filesystem::remove_all(dir_, error);
    }
}

void Localnet::launch(std::size_t index) {
    REQUIRE(pids_[index] == 0);
    auto config = (dir_ / ("node" + std::to_string(index) + ".json")).string();
    auto log = (dir_ / ("node" + std::to_string(index) + ".log")).string();
    std::vector<std::string> environment;  // Made before fork: the child only calls putenv.
    for (const auto& [name, value] : environment_[index])
        environment.push_back(name + "=" + value);
    // Namespaced: the child joins the node's namespace (made by the harness, so it outlives this
    // process and keeps the node's address and cuts across restarts) before exec.
    int netns = -1;
    const std::string netns_path = network_ ? network_->namespace_path(index) : std::string();
    if (network_) {
        netns = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
        REQUIRE_MESSAGE(netns >= 0, "cannot open " << netns_path << ": " << std::strerror(errno));
    }
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        FILE* out = std::freopen(log.c_str(), "a", stderr);
        (void)out;
        if (netns >= 0 && ::setns(netns, CLONE_NEWNET) != 0) {
            std::fprintf(stderr, "setns(%s) failed: %s\n", netns_path.c_str(), std::strerror(errno));
            ::_exit(126);
        }
        for (auto& entry : environment)
            ::putenv(entry.data());
        ::execl(CUSTOS_NODE_BINARY, "custos-node", "--config", config.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    if (netns >= 0) ::close(netns);
    pids_[index] = pid;
}

std::optional<int> Localnet::wait_exit(std::size_t index, int seconds) {
    REQUIRE(pids_[index] > 0);
    for (int tick = 0; tick <= seconds * 10; ++tick) {
        int wstatus = 0;
        const pid_t done = ::waitpid(pids_[index], &wstatus, WNOHANG);
        if (done == pids_[index]) {
            pids_[index] = 0;
            return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
        }
        sleep_ms(100);
    }
    return std::nullopt;
}

void Localnet::set_environment(std::size_t index, const std::string& name, const std::string& value) {
    if (value.empty()) {
        environment_[index].erase(name);
    } else {
        environment_[index][name] = value;
    }
}

void Localnet::set_config(std::size_t index, const std::string& field, const crypto::Json& value) {
    const auto path = dir_ / ("node" + std::to_string(index) + ".json");
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    auto config = crypto::parse_json(text.str());
    REQUIRE(config.has_value());
    (*config)[field] = value;
    write_text(path, config->dump(2));
}

void Localnet::start(std::size_t index) {
    launch(index);
    // Wait for the REST API to answer.
    bool up = wait_for([&] { return status(index).has_value(); }, 20);
    REQUIRE_MESSAGE(up, "node " << index << " did not start: " << log_tail(index));
}

void Localnet::partition(const std::vector<std::size_t>& side, const std::vector<std::size_t>& other,
                         bool cut) {
    if (network_) {
        // In the network: each end of a crossing pair refuses to send to the addresses either
        // end dials the other at (the peer itself, or the two proxies of the link, which dial
        // from their own address): both legs of both directions.
        for (const auto a : side) {
            for (const auto b : other) {
                for (const auto end : {a, b}) {
                    for (const auto& link : {std::pair{a, b}, std::pair{b, a}}) {
                        const auto dialed = dials_.find(link);
                        if (dialed != dials_.end() && dialed->second != hosts_[end])
                            network_->block(end, dialed->second, cut);
                    }
                }
            }
        }
        return;
    }
    REQUIRE_MESSAGE(!links_.empty(), "partition needs LocalnetOptions::proxied_links");
    auto in = [](const std::vector<std::size_t>& group, std::size_t node) {
        return std::find(group.begin(), group.end(), node) != group.end();
    };
    for (auto& [link, proxy] : links_) {
        const auto from = link.first;
        const auto to = reaches_.at(link);
        if ((in(side, from) && in(other, to)) || (in(other, from) && in(side, to))) proxy->set_cut(cut);
    }
}

void Localnet::retarget(std::size_t from, std::size_t validator, std::size_t node) {
    REQUIRE(!network_);
    links_.at({from, validator})->retarget(peer_ports_.at(node));
    reaches_[{from, validator}] = node;
}

void Localnet::impair_links(const LinkImpairment& impairment) {
    if (netem_links_) {
        network_->set_netem(impairment);
        return;
    }
    REQUIRE_MESSAGE(!links_.empty(), "impair_links needs LocalnetOptions::proxied_links");
    for (auto& [link, proxy] : links_)
        proxy->set_impairment(impairment);
}

LinkFaultCounts Localnet::link_faults() const {
    LinkFaultCounts sum;
    for (const auto& [link, proxy] : links_) {
        const auto counts = proxy->faults();
        sum.chunks += counts.chunks;
        sum.delayed += counts.delayed;
        sum.stalled += counts.stalled;
        sum.duplicated += counts.duplicated;
        sum.swapped += counts.swapped;
    }
    return sum;
}

std::string Localnet::impairments() const {
    if (netem_links_) return "netem";
    return links_.empty() ? "none" : "proxy";
}

void Localnet::isolate(std::size_t index, bool isolated) {
    if (network_) {
        network_->isolate(index, isolated);
        return;
    }
    std::vector<std::size_t> others;
    for (std::size_t node = 0; node < pids_.size(); ++node)
        if (node != index) others.push_back(node);
    partition({index}, others, isolated);
}

void Localnet::heal_all() {
    if (network_) network_->heal();
    for (auto& [link, proxy] : links_)
        proxy->set_cut(false);
}

void Localnet::kill_node(std::size_t index, int signal) {
    if (pids_[index] <= 0) return;
    ::kill(pids_[index], signal);
    int wstatus = 0;
    ::waitpid(pids_[index], &wstatus, 0);
    pids_[index] = 0;
}

std::pair<std::string, std::string> Localnet::next_register_item(std::int64_t ago_ms) {
    auto envelope = next_register_envelope(ago_ms);
    return {std::move(envelope), "ITEM-" + std::to_string(items_)};
}

std::pair<unsigned, std::string> Localnet::auditor_get(std::size_t index, const std::string& target) {
    api::ClientRequest request;
    request.host = hosts_[index];
    request.port = rest_ports_[index];
    request.target = target;
    request.signing_key = &*auditor_;
    auto response = api::http_request(request);
    if (!response) return {0, ""};
    return {response->status, response->body};
}

std::string Localnet::next_register_envelope(std::int64_t ago_ms) {
    return test::register_envelope_json(genesis_.chain_id, ++items_, ledger::TimeMs{now_ms() - ago_ms},
                                        *officer_);
}

unsigned Localnet::submit(std::size_t index, const std::string& envelope_json) {
    api::ClientRequest request;
    request.host = hosts_[index];
    request.port = rest_ports_[index];
    request.method = "POST";
    request.target = "/v1/events";
    request.content_type = "application/json";
    request.body = envelope_json;
    request.signing_key = &*officer_;  // The REST API needs an RFC 9421 signature.
    auto response = api::http_request(request);
    return response ? response->status : 0;
}

unsigned Localnet::submit_and_wait(std::size_t index, const std::string& envelope_json) {
    api::ClientRequest request;
    request.host = hosts_[index];
    request.port = rest_ports_[index];
    request.method = "POST";
    request.target = "/v1/events?wait=commit";
    request.content_type = "application/json";
    request.body = envelope_json;
    request.signing_key = &*officer_;
    request.timeout_ms = 20000;
    auto response = api::http_request(request);
    return response ? response->status : 0;
}

std::pair<unsigned, std::string> Localnet::submit_commit(std::size_t index, const std::string& envelope_json,
                                                         std::uint32_t timeout_ms) {
    api::ClientRequest request;
    request.host = hosts_[index];
    request.port = rest_ports_[index];
    request.method = "POST";
    request.target = "/v1/events?wait=commit";
    request.content_type = "application/json";
    request.body = envelope_json;
    request.signing_key = &*officer_;
    request.timeout_ms = timeout_ms;
    auto response = api::http_request(request);
    if (!response) return {0, ""};
    return {response->status, response->body};
}

std::optional<std::pair<std::string, std::vector<std::string>>> Localnet::block_events(std::size_t index,
                                                                                       std::uint64_t at) {
    api::ClientRequest request;
    request.host = hosts_[index];
    request.port = rest_ports_[index];
    request.target = "/v1/blocks/" + std::to_string(at);
    request.signing_key = &*auditor_;
    auto response = api::http_request(request);
    if (!response || response->status != 200) return std::nullopt;
    auto json = crypto::parse_json(response->body);
    if (!json || !json->contains("hash") || !json->contains("events")) return std::nullopt;
    std::vector<std::string> ids;
    for (const auto& id : (*json)["events"])
        ids.push_back(id.get<std::string>());
    return std::pair{(*json)["hash"].get<std::string>(), std::move(ids)};
}

unsigned Localnet::healthz(std::size_t index) {
    api::ClientRequest request;
    request.host = hosts_[index];
    request.port = rest_ports_[index];
    request.target = "/healthz";
    auto response = api::http_request(request);
    return response ? response->status : 0;
}

unsigned Localnet::submit_admin(std::size_t index, const std::string& agency,
                                const std::string& envelope_json) {
    api::ClientRequest request;
    request.host = hosts_[index];
    request.port = rest_ports_[index];
    request.method = "POST";
    request.target = "/v1/events";
    request.content_type = "application/json";
    request.body = envelope_json;
    request.signing_key = agency == "NL-POL" ? &*auditor_ : &admins_.at(agency);
    auto response = api::http_request(request);
    return response ? response->status : 0;
}

std::optional<crypto::Json> Localnet::status(std::size_t index) {
    api::ClientRequest request;
    request.host = hosts_[index];
    request.port = rest_ports_[index];
    request.target = "/v1/status";
    request.timeout_ms = 2000;
    request.signing_key = &*auditor_;  // The REST API needs an RFC 9421 signature.
    auto response = api::http_request(request);
    if (!response || response->status != 200) return std::nullopt;
    auto json = crypto::parse_json(response->body);
    if (!json) return std::nullopt;
    return *json;
}

std::string Localnet::admin_envelope(ledger::Event& event) {
    event.chain_id = genesis_.chain_id;
    if (event.time.value == 0) event.time = ledger::TimeMs{now_ms() - 1'000};
    const crypto::SecretKey& key = event.agency == "NL-POL" ? *auditor_ : admins_.at(event.agency);
    return ledger::envelope_to_json(ledger::sign_event(event, key)).dump();
}

ledger::Validator Localnet::spare_validator(std::size_t index, std::uint64_t power) const {
    auto entry = spares_.at(index - validator_count);
    entry.power = power;
    return entry;
}

std::optional<std::uint64_t> Localnet::log_size(std::size_t index) {
    auto json = status(index);
    if (!json) return std::nullopt;
    return json->at("log_size").get<std::uint64_t>();
}

std::optional<std::uint64_t> Localnet::height(std::size_t index) {
    auto json = status(index);
    if (!json) return std::nullopt;
    return json->at("height").get<std::uint64_t>();
}

std::optional<std::string> Localnet::block_hash(std::size_t index, std::uint64_t at) {
    auto json = block(index, at);
    if (!json) return std::nullopt;
    return json->at("hash").get<std::string>();
}

std::optional<crypto::Json> Localnet::block(std::size_t index, std::uint64_t at) {
    api::ClientRequest request;
    request.host = hosts_[index];
    request.port = rest_ports_[index];
    request.target = "/v1/blocks/" + std::to_string(at);
    request.signing_key = &*auditor_;  // The REST API needs an RFC 9421 signature.
    auto response = api::http_request(request);
    if (!response || response->status != 200) return std::nullopt;
    auto json = crypto::parse_json(response->body);
    if (!json) return std::nullopt;
    return std::move(*json);
}

std::optional<double> Localnet::metric(std::size_t index, const std::string& name) {
    api::ClientRequest request;
    request.host = hosts_[index];
    request.port = rest_ports_[index];
    request.target = "/metrics";
    auto response = api::http_request(request);
    if (!response || response->status != 200) return std::nullopt;
    std::stringstream lines(response->body);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
    }
    return std::nullopt;
}

std::filesystem::path Localnet::store_dir(std::size_t index) const {
    return dir_ / ("node" + std::to_string(index)) / "data" / "store";
}

std::string Localnet::log_tail(std::size_t index) const {
    std::ifstream in(dir_ / ("node" + std::to_string(index) + ".log"));
    std::stringstream text;
    text << in.rdbuf();
    auto all = text.str();
    return all.size() > 3000 ? all.substr(all.size() - 3000) : all;
}

}  // namespace custos::node_test

namespace custos::node_test {

bool Localnet::log_contains(std::size_t index, std::string_view text) const {
    return log_text(index).find(text) != std::string::npos;
}

std::string Localnet::log_text(std::size_t index) const {
    std::ifstream in(dir_ / ("node" + std::to_string(index) + ".log"));
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
}

}  // namespace custos::node_test
