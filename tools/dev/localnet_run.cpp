// custos-dev localnet run: start one custos-node per validator as child processes, wait until they
// answer /healthz, run the demo, and stop them cleanly on SIGINT/SIGTERM. See localnet.hpp.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "api/http_client.hpp"
#include "common/pid_lock.hpp"
#include "crypto/encoding.hpp"
#include "ledger/genesis.hpp"
#include "tools/dev/localnet.hpp"

namespace custos::cli::localnet {

namespace {

namespace fs = std::filesystem;

constexpr std::chrono::seconds healthy_wait_max{60};
constexpr std::chrono::seconds stop_wait_max{10};
constexpr std::chrono::milliseconds child_poll_interval{100};

constexpr std::string_view run_help =
    "Starts one custos-node per validator (and per observer, init --observers) of a localnet made\n"
    "by 'custos-dev localnet init' (the custos-node found next to this custos-dev binary), each as\n"
    "a child process writing its log to DIR/node<i>/node.log. Prints the nodes' REST URLs, the\n"
    "genesis hash and where the officer keys are, waits until every node answers /healthz, then\n"
    "(unless --no-demo) registers a sample item with the first agency's custodian key, offers it to\n"
    "the second agency, which accepts, and prints the item's trail URL. Runs until Ctrl-C or\n"
    "SIGTERM, then stops the nodes: SIGTERM, and SIGKILL to any still running 10 s later. Running\n"
    "it again resumes the same ledger.\n"
    "\n"
    "exit status: 0 stopped on request, 1 a node failed to start or the demo failed, 2 bad usage.";

volatile std::sig_atomic_t stop_signal = 0;

void on_stop_signal(int signal_number) {
    stop_signal = signal_number;
}

bool stop_requested() {
    return stop_signal != 0;
}

struct Child {
    std::string name;
    pid_t pid = -1;
    bool running = false;
};

fs::path node_binary() {
    std::error_code error;
    fs::path self = fs::read_symlink("/proc/self/exe", error);
    return error ? fs::path("custos-node") : self.parent_path() / "custos-node";
}

// fork + exec custos-node --config CONFIG with its output appended to LOG. The child gets its own
// process group so a terminal's Ctrl-C reaches only us and we stop the nodes in order.
Result<pid_t> spawn_node(const fs::path& binary, const fs::path& config, const fs::path& log) {
    int log_fd = ::open(log.c_str(), O_CREAT | O_APPEND | O_WRONLY | O_CLOEXEC, 0644);
    if (log_fd < 0)
        return make_error(ErrorCode::io_error, "cannot open " + log.string() + ": " + std::strerror(errno));
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(log_fd);
        return make_error(ErrorCode::io_error, std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
        ::setpgid(0, 0);
        ::dup2(log_fd, STDOUT_FILENO);
        ::dup2(log_fd, STDERR_FILENO);
        int null_fd = ::open("/dev/null", O_RDONLY);
        if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        std::string binary_text = binary.string(), config_text = config.string();
        char* argv[] = {binary_text.data(), const_cast<char*>("--config"), config_text.data(), nullptr};
        ::execv(binary_text.c_str(), argv);
        std::fprintf(stderr, "cannot exec %s: %s\n", binary_text.c_str(), std::strerror(errno));
        ::_exit(127);
    }
    ::close(log_fd);
    return pid;
}

// Reaps children that have exited; reports each (an unexpected exit is worth a line).
void reap(std::vector<Child>& children, bool expected) {
    for (auto& child : children) {
        if (!child.running) continue;
        int status = 0;
        if (::waitpid(child.pid, &status, WNOHANG) != child.pid) continue;
        child.running = false;
        if (expected) continue;
        std::cerr << "warning: " << child.name << " (pid " << child.pid << ") exited";
        if (WIFEXITED(status)) std::cerr << " with status " << WEXITSTATUS(status);
        if (WIFSIGNALED(status)) std::cerr << " on signal " << WTERMSIG(status);
        std::cerr << "; see its node.log\n";
    }
}

std::size_t running_count(const std::vector<Child>& children) {
    std::size_t count = 0;
    for (const auto& child : children)
        count += child.running ? 1 : 0;
    return count;
}

// SIGTERM, wait up to stop_wait_max, then SIGKILL what is left; every child is reaped.
void stop_children(std::vector<Child>& children) {
    for (const auto& child : children) {
        if (child.running) ::kill(child.pid, SIGTERM);
    }
    auto deadline = std::chrono::steady_clock::now() + stop_wait_max;
    while (running_count(children) > 0 && std::chrono::steady_clock::now() < deadline) {
        reap(children, true);
        std::this_thread::sleep_for(child_poll_interval);
    }
    for (auto& child : children) {
        if (!child.running) continue;
        std::cerr << "warning: " << child.name << " did not stop in " << stop_wait_max.count()
                  << " s; killing it\n";
        ::kill(child.pid, SIGKILL);
        ::waitpid(child.pid, nullptr, 0);
        child.running = false;
    }
}

std::string rest_url(const NodeEntry& node) {
    return "http://" + node.rest_host + ":" + std::to_string(node.rest_port);
}

bool node_healthy(const NodeEntry& node) {
    auto response = api::http_request(api::ClientRequest{
        .host = node.rest_host, .port = node.rest_port, .target = "/healthz", .timeout_ms = 1000});
    return response && response->status == 200;
}

// Waits until every node answers /healthz with 200, a child dies, or the user stops us.
bool wait_healthy(const std::vector<NodeEntry>& nodes, std::vector<Child>& children) {
    auto deadline = std::chrono::steady_clock::now() + healthy_wait_max;
    std::vector<bool> healthy(nodes.size(), false);
    while (std::chrono::steady_clock::now() < deadline && !stop_requested()) {
        reap(children, false);
        if (running_count(children) < children.size()) return false;
        bool all = true;
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            if (!healthy[i]) healthy[i] = node_healthy(nodes[i]);
            all = all && healthy[i];
        }
        if (all) return true;
        std::this_thread::sleep_for(child_poll_interval * 5);
    }
    return false;
}

void print_summary(const fs::path& dir, const Layout& layout) {
    std::cout << "Custos localnet " << layout.chain_id << " (" << layout.nodes.size() << " validators)\n";
    auto genesis_text = [&]() -> Result<ledger::Genesis> {
        std::ifstream in(dir / genesis_file, std::ios::binary);
        std::ostringstream content;
        content << in.rdbuf();
        return ledger::parse_genesis(content.str());
    }();
    if (genesis_text) {
        Hash32 hash = ledger::genesis_hash(*genesis_text);
        std::cout << "  genesis hash: " << crypto::hex_encode(hash.view()) << "\n";
    }
    for (const auto& node : layout.nodes)
        std::cout << "  " << node.name << "  " << rest_url(node) << "\n";
    for (const auto& node : layout.observers)
        std::cout << "  " << node.name << "  " << rest_url(node)
                  << "  (observer: non-voting, serves no evidence reads)\n";
    std::cout << "  officer keys: " << (dir / "keys").string()
              << "/<AGENCY>/{custodian,prosecutor,auditor,admin}.key\n"
              << "  node logs:    " << (dir / "node<i>" / "node.log").string() << "\n";
    // Every /v1 route but checkpoints and proofs needs a signed request: the CLI signs.
    if (!layout.agencies.empty())
        std::cout << "  try: " << custos_command() << " status --node " << rest_url(layout.nodes.front())
                  << " --key " << officer_key_path(dir, layout.agencies.front(), "admin").string() << "\n";
}

void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
}

// Starts one custos-node per entry, each with its log beside its config; stops at the first that
// cannot be started (those already started are in `children`).
Status start_nodes(const fs::path& binary, const fs::path& dir, const std::vector<NodeEntry>& nodes,
                   std::vector<Child>& children) {
    for (const auto& node : nodes) {
        fs::path config = dir / node.config;
        auto pid = spawn_node(binary, config, config.parent_path() / "node.log");
        if (!pid) return tl::unexpected(pid.error());
        children.push_back(Child{.name = node.name, .pid = *pid, .running = true});
    }
    return {};
}

// Why the network did not come up: a node exited, or not every one answered in time.
void report_not_up(const std::vector<Child>& children) {
    if (running_count(children) < children.size()) {
        std::cerr << "error: a node exited before the network was up; see the node.log files\n";
    } else {
        std::cerr << "error: not every node became healthy within " << healthy_wait_max.count()
                  << " s; see the node.log files\n";
    }
}

// Once every node is healthy: the demo unless --no-demo. A failed demo leaves the network up (it
// may still be useful) but is reported: false then, and the final exit status is 1.
bool play_demo(const fs::path& dir, const Layout& layout, bool demo, std::size_t nodes) {
    std::cout << "all " << nodes << " nodes are healthy" << std::endl;
    bool ok = true;
    if (demo) {
        if (auto shown =
                run_demo(DemoOptions{.dir = dir, .layout = layout, .stop_requested = stop_requested});
            !shown && !stop_requested()) {
            std::cerr << "error: demo failed: " << shown.error().message << "\n";
            ok = false;
        }
    }
    std::cout << "running; press Ctrl-C to stop" << std::endl;
    return ok;
}

// Watches the nodes until the user stops us (true) or every node has exited (false).
bool watch_nodes(std::vector<Child>& children) {
    while (!stop_requested()) {
        reap(children, false);
        if (running_count(children) == 0) {
            std::cerr << "error: every node has exited\n";
            return false;
        }
        std::this_thread::sleep_for(child_poll_interval);
    }
    return true;
}

int run(const fs::path& dir, bool demo) {
    auto layout = read_layout(dir);
    if (!layout) {
        std::cerr << "error: " << layout.error().message << " (run 'custos-dev localnet init --dir "
                  << dir.string() << "' first)\n";
        return exit_failure;
    }
    // One `localnet run` per directory: a second one is refused before it starts any node.
    auto locked = PidLock::acquire(dir / "localnet.pid");
    if (!locked) {
        std::cerr << "error: custos-dev localnet run: " << locked.error().message << "\n";
        return exit_failure;
    }
    fs::path binary = node_binary();
    if (!fs::exists(binary)) {
        std::cerr << "error: " << binary.string() << " not found (build the custos-node target)\n";
        return exit_failure;
    }
    install_signal_handlers();
    std::vector<Child> children;
    std::vector<NodeEntry> all = layout->nodes;  // The validators, then the observers.
    all.insert(all.end(), layout->observers.begin(), layout->observers.end());
    if (auto started = start_nodes(binary, dir, all, children); !started) {
        std::cerr << "error: " << started.error().message << "\n";
        stop_children(children);
        return exit_failure;
    }
    print_summary(dir, *layout);
    int exit_code = exit_ok;
    bool serving = wait_healthy(all, children);
    if (!serving && !stop_requested()) {
        report_not_up(children);
        exit_code = exit_failure;
    }
    if (serving) {
        if (!play_demo(dir, *layout, demo, all.size())) exit_code = exit_failure;
        if (!watch_nodes(children)) exit_code = exit_failure;
    }
    std::cout << "stopping " << running_count(children) << " nodes..." << std::endl;
    stop_children(children);
    std::cout << "stopped" << std::endl;
    return exit_code;
}

}  // namespace

void add_run(Tool& tool, CLI::App& localnet) {
    struct RunOptions {
        fs::path dir;
        bool no_demo = false;
    };
    auto options = std::make_shared<RunOptions>();
    auto& command = tool.add(localnet, "run", "start the validators of a localnet (and play the demo)",
                             [options] { return run(options->dir, !options->no_demo); });
    command.add_option("--dir", options->dir, "the localnet directory")->type_name("DIR")->required();
    command.add_flag("--no-demo", options->no_demo, "start the nodes only");
    command.footer(std::string(run_help));
}

}  // namespace custos::cli::localnet
