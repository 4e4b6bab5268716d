#include "netns.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <sstream>

#include <doctest/doctest.h>

#include "link_proxy.hpp"

extern char** environ;

namespace custos::node_test {

namespace {

// iproute2 lives in /usr/sbin or /sbin, which a CI's PATH may lack.
std::string locate(const std::string& program) {
    if (program.find('/') != std::string::npos) return program;
    for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
        const std::string path = dir + program;
        if (::access(path.c_str(), X_OK) == 0) return path;
    }
    return program;
}

std::string joined(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& arg : argv)
        text += (text.empty() ? "" : " ") + arg;
    return text;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::stringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
    return lines;
}

// The pid in a name this class gives ("custos" + pid + letter + "br" | "vK" | "nK"), or nullopt
// for any other name.
std::optional<pid_t> owner_of(const std::string& name) {
    const std::string prefix = "custos";
    if (name.rfind(prefix, 0) != 0) return std::nullopt;
    std::size_t at = prefix.size();
    long pid = 0;
    while (at < name.size() && std::isdigit(static_cast<unsigned char>(name[at])) != 0 && pid < 100'000'000)
        pid = pid * 10 + (name[at++] - '0');
    if (at == prefix.size() || at >= name.size() || name[at] < 'a' || name[at] > 'z') return std::nullopt;
    const std::string rest = name.substr(at + 1);
    const bool digits_after = rest.size() > 1 && rest.find_first_not_of("0123456789", 1) == std::string::npos;
    if (rest != "br" && !((rest[0] == 'v' || rest[0] == 'n') && digits_after)) return std::nullopt;
    return static_cast<pid_t>(pid);
}

bool gone(pid_t pid) {
    return ::kill(pid, 0) == -1 && errno == ESRCH;
}

// Removes what an instance of a test process no longer running left behind: its namespaces, its
// links (a veth whose namespace is gone goes with it; a bridge does not) and its guard route.
// `own`: this process has made none yet, so any of its own pid's are an earlier process's too.
void remove_stale(bool own) {
    auto stale = [&](pid_t pid) { return gone(pid) || (own && pid == ::getpid()); };
    for (const auto& line : lines_of(run_command({"ip", "netns", "list"}).output)) {
        const auto name = line.substr(0, line.find(' '));
        if (auto pid = owner_of(name); pid && stale(*pid)) (void)run_command({"ip", "netns", "del", name});
    }
    for (const auto& line : lines_of(run_command({"ip", "-o", "link", "show"}).output)) {
        // "7: custos123av0@if2: <...": the name between the first ": " and the next ':' or '@'.
        const auto start = line.find(": ");
        if (start == std::string::npos) continue;
        const auto name = line.substr(start + 2, line.find_first_of(":@", start + 2) - start - 2);
        if (auto pid = owner_of(name); pid && stale(*pid)) (void)run_command({"ip", "link", "del", name});
    }
    for (const auto& line :
         lines_of(run_command({"ip", "-4", "route", "show", "type", "unreachable"}).output)) {
        // "unreachable 10.70.3.0/24 metric 12345"
        std::stringstream words(line);
        std::string type, prefix, word;
        words >> type >> prefix;
        long metric = -1;
        while (words >> word)
            if (word == "metric") words >> metric;
        unsigned a = 0, b = 0;
        if (std::sscanf(prefix.c_str(), "10.%u.%u.0/24", &a, &b) != 2 || a < 64 || a > 127 || metric <= 0)
            continue;
        if (stale(static_cast<pid_t>(metric)))
            (void)run_command(
                {"ip", "route", "del", "unreachable", prefix, "metric", std::to_string(metric)});
    }
}

int instances = 0;  // Made by this process so far.

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return {127, std::string("pipe: ") + std::strerror(errno)};
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    const std::string program = locate(argv.at(0));
    std::vector<char*> args;
    for (const auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = ::posix_spawnp(&pid, program.c_str(), &actions, nullptr, args.data(), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (spawned != 0) {
        ::close(fds[0]);
        return {127, "cannot run " + argv[0] + ": " + std::strerror(spawned)};
    }
    CommandResult result;
    char buffer[4096];
    for (ssize_t got; (got = ::read(fds[0], buffer, sizeof buffer)) != 0;) {
        if (got < 0) {
            if (errno == EINTR) continue;
            break;
        }
        result.output.append(buffer, static_cast<std::size_t>(got));
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (result.exit_code == 127 && result.output.empty())
        result.output =
            "cannot run " + argv[0] + " (not installed? scripts/install-deps.sh installs iproute2)";
    return result;
}

NetnsNetwork::NetnsNetwork(std::size_t hosts) : hosts_(hosts) {
    REQUIRE_MESSAGE(::geteuid() == 0,
                    "a namespaced localnet (each node in a network namespace of its own) needs root to "
                    "create namespaces, veth pairs and a bridge (CI runs as root); this process runs as uid "
                        << ::geteuid());
    REQUIRE(hosts_ >= 1);
    REQUIRE(hosts_ <= 9);  // Link names end in one digit.
    const int instance = instances++;
    remove_stale(instance == 0);
    stem_ = "custos" + std::to_string(::getpid()) + static_cast<char>('a' + instance % 26);
    bridge_ = stem_ + "br";
    try {
        // A /24 of 10.64.0.0/10 that nothing here routes yet; taken by adding its guard route (metric:
        // our pid) and checking that no other process added one at the same time.
        const auto pid = static_cast<unsigned>(::getpid());
        for (unsigned attempt = 0; attempt < 256 && subnet_.empty(); ++attempt) {
            const unsigned v = (pid * 26 + static_cast<unsigned>(instance) + attempt * 97) % 16384;
            const std::string subnet = "10." + std::to_string(64 + v / 256) + "." + std::to_string(v % 256);
            const std::string prefix = subnet + ".0/24";
            auto used = run_command({"ip", "-4", "route", "show", "root", prefix});
            for (const auto& line :
                 lines_of(run_command({"ip", "-4", "route", "show", "match", prefix}).output))
                if (line.rfind("default", 0) != 0) used.output += line;
            used.output += run_command({"ip", "-4", "-o", "addr", "show", "to", prefix}).output;
            if (used.exit_code != 0) run({"ip", "-4", "route", "show", "root", prefix});  // Fails, naming it.
            if (!lines_of(used.output).empty()) continue;
            run({"ip", "route", "add", "unreachable", prefix, "metric", std::to_string(pid)});
            guard_route_ = true;
            subnet_ = subnet;
            if (lines_of(run_command({"ip", "-4", "route", "show", "root", prefix}).output).size() > 1) {
                (void)run_command(
                    {"ip", "route", "del", "unreachable", prefix, "metric", std::to_string(pid)});
                guard_route_ = false;
                subnet_.clear();
            }
        }
        REQUIRE_MESSAGE(!subnet_.empty(), "no free /24 in 10.64.0.0/10 for a namespaced localnet");
        run({"ip", "link", "add", bridge_, "type", "bridge"});
        run({"ip", "link", "set", bridge_, "up"});
        run({"ip", "addr", "add", bridge_address() + "/24", "dev", bridge_});
        for (std::size_t host = 0; host < hosts_; ++host) {
            namespaces_.push_back(stem_ + "n" + std::to_string(host));
            run({"ip", "netns", "add", namespaces_.back()});
            veths_.push_back(stem_ + "v" + std::to_string(host));
            run({"ip", "link", "add", veths_.back(), "type", "veth", "peer", "name", "eth0", "netns",
                 namespaces_.back()});
            run({"ip", "link", "set", veths_.back(), "master", bridge_});
            run({"ip", "link", "set", veths_.back(), "up"});
            run({"ip", "-n", namespaces_.back(), "link", "set", "lo", "up"});
            run({"ip", "-n", namespaces_.back(), "addr", "add", address(host) + "/24", "dev", "eth0"});
            run({"ip", "-n", namespaces_.back(), "link", "set", "eth0", "up"});
        }
        const auto probe =
            run_command({"tc", "qdisc", "add", "dev", veths_[0], "root", "netem", "delay", "1ms"});
        netem_ = probe.exit_code == 0;
        if (netem_) run({"tc", "qdisc", "del", "dev", veths_[0], "root"});
    } catch (...) {
        teardown();
        throw;
    }
}

NetnsNetwork::~NetnsNetwork() {
    teardown();
}

void NetnsNetwork::teardown() noexcept {
    // The namespaces (their veths go with them), then the bridge, then the guard route last.
    for (const auto& name : namespaces_)
        (void)run_command({"ip", "netns", "del", name});
    for (const auto& veth : veths_)  // Only there if a process still holds its namespace.
        if (run_command({"ip", "link", "show", veth}).exit_code == 0)
            (void)run_command({"ip", "link", "del", veth});
    if (!bridge_.empty()) (void)run_command({"ip", "link", "del", bridge_});
    if (guard_route_) {
        (void)run_command(
            {"ip", "route", "del", "unreachable", subnet_ + ".0/24", "metric", std::to_string(::getpid())});
    }
    namespaces_.clear();
    veths_.clear();
    bridge_.clear();
    guard_route_ = false;
}

void NetnsNetwork::run(const std::vector<std::string>& argv) {
    const auto result = run_command(argv);
    REQUIRE_MESSAGE(result.exit_code == 0,
                    "`" << joined(argv) << "` failed (exit " << result.exit_code << "): " << result.output);
}

std::string NetnsNetwork::address(std::size_t host) const {
    return subnet_ + "." + std::to_string(host + 1);
}

std::string NetnsNetwork::bridge_address() const {
    return subnet_ + ".254";
}

std::string NetnsNetwork::add_bridge_address(std::size_t n) {
    REQUIRE(n < 100);
    const std::string address = subnet_ + "." + std::to_string(100 + n);
    run({"ip", "addr", "add", address + "/24", "dev", bridge_});
    return address;
}

std::string NetnsNetwork::namespace_path(std::size_t host) const {
    return "/run/netns/" + namespaces_.at(host);
}

void NetnsNetwork::isolate(std::size_t host, bool isolated) {
    if (isolated == (isolated_.count(host) > 0)) return;
    run({"ip", "link", "set", veths_.at(host), isolated ? "down" : "up"});
    if (isolated) {
        isolated_.insert(host);
    } else {
        isolated_.erase(host);
    }
}

void NetnsNetwork::block(std::size_t host, const std::string& address, bool blocked) {
    const std::pair<std::size_t, std::string> key{host, address};
    if (blocked == (blocked_.count(key) > 0)) return;
    run({"ip", "-n", namespaces_.at(host), "route", blocked ? "add" : "del", "prohibit", address + "/32"});
    if (blocked) {
        blocked_.insert(key);
    } else {
        blocked_.erase(key);
    }
}

void NetnsNetwork::heal() {
    while (!blocked_.empty()) {
        const auto [host, address] = *blocked_.begin();
        block(host, address, false);
    }
    while (!isolated_.empty())
        isolate(*isolated_.begin(), false);
}

void NetnsNetwork::set_netem(const LinkImpairment& impairment) {
    REQUIRE_MESSAGE(netem_, "this kernel has no netem qdisc");
    const bool clean = impairment.delay_ms == 0 && impairment.jitter_ms == 0 &&
                       impairment.stall_probability == 0 && impairment.duplicate_probability == 0 &&
                       impairment.swap_probability == 0;
    auto percent = [](double probability) { return std::to_string(probability * 100) + "%"; };
    for (const auto& veth : veths_) {
        if (clean) {
            if (netem_set_) run({"tc", "qdisc", "del", "dev", veth, "root"});
            continue;
        }
        // Reordering needs a delay to jump; loss stands for the proxy's stall (a packet lost).
        const auto delay =
            std::max<std::uint32_t>(impairment.delay_ms, impairment.swap_probability > 0 ? 1 : 0);
        std::vector<std::string> argv{"tc", "qdisc", "replace", "dev", veth, "root", "netem"};
        if (delay > 0 || impairment.jitter_ms > 0) {
            argv.insert(argv.end(), {"delay", std::to_string(delay) + "ms"});
            if (impairment.jitter_ms > 0) argv.push_back(std::to_string(impairment.jitter_ms) + "ms");
        }
        if (impairment.stall_probability > 0)
            argv.insert(argv.end(), {"loss", percent(impairment.stall_probability)});
        if (impairment.duplicate_probability > 0)
            argv.insert(argv.end(), {"duplicate", percent(impairment.duplicate_probability)});
        if (impairment.swap_probability > 0)
            argv.insert(argv.end(), {"reorder", percent(impairment.swap_probability)});
        run(argv);
    }
    netem_set_ = !clean;
}

}  // namespace custos::node_test
