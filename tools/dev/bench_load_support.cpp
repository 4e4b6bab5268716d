// Shared benchmark pieces. See bench_load_support.hpp.
#include "tools/dev/bench_load_support.hpp"

#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "tools/dev/thread_cpu.hpp"

namespace custos::cli::bench {

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::stringstream stream(text);
    std::string part;
    while (std::getline(stream, part, separator))
        parts.push_back(part);
    return parts;
}

Result<crypto::Json> get_json(api::HttpConnection& connection, const crypto::SecretKey* key,
                              std::string target) {
    api::ClientRequest request{.target = std::move(target), .signature_lifetime_s = 30};
    request.signing_key = key;
    auto response = connection.request(request);
    if (!response) return tl::unexpected(response.error());
    if (response->status != 200) {
        return make_error(ErrorCode::unavailable, "GET " + request.target + " answered HTTP " +
                                                      std::to_string(response->status) + ": " +
                                                      response->body);
    }
    auto json = crypto::parse_json(response->body,
                                   crypto::JsonParseOptions{.bytes_max = api::client_response_bytes_max});
    if (!json) return tl::unexpected(json.error());
    return std::move(*json);
}

// Inodes of the sockets listening on `port` (IPv4 and IPv6).
std::vector<std::string> listening_inodes(std::uint16_t port) {
    std::vector<std::string> inodes;
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream in(table);
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::vector<std::string> parts;
            std::string field;
            while (fields >> field)
                parts.push_back(field);
            if (parts.size() < 10 || parts[3] != "0A") continue;
            auto colon = parts[1].rfind(':');
            if (colon == std::string::npos) continue;
            unsigned local_port = 0;
            std::string hex = parts[1].substr(colon + 1);
            std::from_chars(hex.data(), hex.data() + hex.size(), local_port, 16);
            if (local_port == port) inodes.push_back(parts[9]);
        }
    }
    return inodes;
}

int owner_of(const std::vector<std::string>& inodes) {
    namespace fs = std::filesystem;
    std::error_code error;
    for (const auto& process : fs::directory_iterator("/proc", error)) {
        std::string name = process.path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
        std::error_code fd_error;
        for (const auto& fd : fs::directory_iterator(process.path() / "fd", fd_error)) {
            std::error_code link_error;
            std::string target = fs::read_symlink(fd.path(), link_error).string();
            if (link_error || !target.starts_with("socket:[")) continue;
            std::string inode = target.substr(8, target.size() - 9);
            if (std::find(inodes.begin(), inodes.end(), inode) != inodes.end()) return std::stoi(name);
        }
    }
    return 0;
}

std::optional<std::uint64_t> cpu_ticks_of(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto paren = content.rfind(')');
    if (paren == std::string::npos) return std::nullopt;
    std::istringstream fields(content.substr(paren + 2));
    std::vector<std::string> parts;
    std::string field;
    while (fields >> field)
        parts.push_back(field);
    // Fields after the command start at field 3 (state); utime and stime are fields 14 and 15.
    if (parts.size() < 13) return std::nullopt;
    return std::stoull(parts[11]) + std::stoull(parts[12]);
}

std::optional<std::uint64_t> rss_kb_of(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6));
    }
    return std::nullopt;
}

}  // namespace

Result<std::vector<api::ParsedUrl>> parse_node_list(const std::string& text) {
    std::vector<api::ParsedUrl> nodes;
    for (const auto& part : split(text, ',')) {
        auto url = api::parse_url(part);
        if (!url) return make_error(ErrorCode::invalid_argument, part + ": " + url.error().message);
        if (url->target != "/") return make_error(ErrorCode::invalid_argument, part + " has a path");
        if (url->tls) {
            return make_error(
                ErrorCode::invalid_argument,
                part + ": the benchmarks speak plain HTTP (a localnet on loopback), not https://");
        }
        nodes.push_back(*url);
    }
    if (nodes.empty()) return make_error(ErrorCode::invalid_argument, "needs at least one URL");
    return nodes;
}

Result<std::vector<int>> parse_pid_list(const std::string& text) {
    std::vector<int> pids;
    if (text.empty()) return pids;
    for (const auto& part : split(text, ',')) {
        int pid = 0;
        auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), pid);
        if (error != std::errc() || end != part.data() + part.size() || pid <= 0) {
            return make_error(ErrorCode::invalid_argument, "'" + part + "' is not a process id");
        }
        pids.push_back(pid);
    }
    return pids;
}

std::string random_suffix() {
    std::uint8_t bytes[4];
    randombytes_buf(bytes, sizeof bytes);
    return crypto::hex_encode(ByteView(bytes, sizeof bytes));
}

Result<std::string> chain_id_of(api::HttpConnection& connection, const crypto::SecretKey& key) {
    auto status = get_json(connection, &key, "/v1/status");
    if (!status) return make_error(status.error().code, "reading the chain id: " + status.error().message);
    if (!status->contains("chain_id") || !(*status)["chain_id"].is_string()) {
        return make_error(ErrorCode::invalid_argument, "GET /v1/status has no chain_id");
    }
    return (*status)["chain_id"].get<std::string>();
}

Result<std::uint64_t> latest_height(api::HttpConnection& connection) {
    auto response = connection.request(api::ClientRequest{.target = "/v1/checkpoints/latest"});
    if (!response) return tl::unexpected(response.error());
    if (response->status == 404) return 0;  // no block yet
    if (response->status != 200) {
        return make_error(ErrorCode::unavailable,
                          "GET /v1/checkpoints/latest answered HTTP " + std::to_string(response->status));
    }
    auto json = crypto::parse_json(response->body);
    if (!json || !json->is_object() || !json->contains("height") || !(*json)["height"].is_number_unsigned()) {
        return make_error(ErrorCode::invalid_argument, "GET /v1/checkpoints/latest: no height");
    }
    return (*json)["height"].get<std::uint64_t>();
}

Result<std::vector<std::string>> block_event_ids(api::HttpConnection& connection,
                                                 const crypto::SecretKey& key, std::uint64_t height) {
    auto block = get_json(connection, &key, "/v1/blocks/" + std::to_string(height));
    if (!block) return tl::unexpected(block.error());
    std::vector<std::string> ids;
    if (!block->contains("events") || !(*block)["events"].is_array()) return ids;
    for (const auto& id : (*block)["events"]) {
        if (id.is_string()) ids.push_back(id.get<std::string>());
    }
    return ids;
}

void print_percentiles(const char* what, std::vector<double>& values_ms) {
    if (values_ms.empty()) {
        std::printf("%s: no samples\n", what);
        return;
    }
    std::sort(values_ms.begin(), values_ms.end());
    auto at = [&](double fraction) {
        auto index = static_cast<std::size_t>(fraction * static_cast<double>(values_ms.size() - 1) + 0.5);
        return values_ms[std::min(index, values_ms.size() - 1)];
    };
    std::printf("%s: n %zu, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n", what, values_ms.size(),
                at(0.50), at(0.90), at(0.99), values_ms.back());
}

std::vector<ProcessInfo> find_node_processes(const std::vector<api::ParsedUrl>& nodes,
                                             const std::vector<int>& pids) {
    std::vector<ProcessInfo> processes;
    if (!pids.empty()) {
        for (int pid : pids)
            processes.push_back(ProcessInfo{.label = "pid " + std::to_string(pid), .pid = pid});
        return processes;
    }
    for (const auto& node : nodes) {
        std::string label = node.host + ":" + std::to_string(node.port);
        int pid = owner_of(listening_inodes(node.port));
        if (pid == 0) {
            std::fprintf(stderr,
                         "note: no process of ours listens on %s; give --pids to see its CPU and memory\n",
                         label.c_str());
            continue;
        }
        processes.push_back(ProcessInfo{.label = label, .pid = pid});
    }
    return processes;
}

void sample_processes(std::vector<ProcessInfo>& processes) {
    for (auto& process : processes) {
        process.cpu_ticks.push_back(cpu_ticks_of(process.pid).value_or(0));
        process.rss_kb.push_back(rss_kb_of(process.pid).value_or(0));
    }
}

void print_processes(const std::vector<ProcessInfo>& processes, double seconds) {
    const double ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
    for (const auto& process : processes) {
        if (process.cpu_ticks.size() < 2) continue;
        double cpu = static_cast<double>(process.cpu_ticks[1] - process.cpu_ticks[0]) / ticks_per_second;
        std::printf("node %s (pid %d): CPU %.0f%% of a core, RSS %.0f MiB -> %.0f MiB\n",
                    process.label.c_str(), process.pid, 100.0 * cpu / seconds,
                    static_cast<double>(process.rss_kb.front()) / 1024.0,
                    static_cast<double>(process.rss_kb.back()) / 1024.0);
    }
}

double libsodium_verify_cpu_us() {
    std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> public_key{};
    std::array<unsigned char, crypto_sign_SECRETKEYBYTES> secret_key{};
    std::array<unsigned char, crypto_sign_BYTES> signature{};
    std::array<unsigned char, 600> message{};  // About an event's canonical envelope.
    crypto_sign_keypair(public_key.data(), secret_key.data());
    crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(), secret_key.data());
    constexpr int rounds = 3;
    constexpr int checks = 2000;
    double best = 0;
    for (int round = 0; round < rounds; ++round) {
        const double start = thread_cpu_seconds();
        int accepted = 0;
        for (int i = 0; i < checks; ++i) {
            accepted += crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                                    public_key.data()) == 0;
        }
        const double per_check = 1e6 * (thread_cpu_seconds() - start) / checks;
        if (accepted != checks) return 0;  // Not a timing of what it says: not printed.
        if (round == 0 || per_check < best) best = per_check;
    }
    return best;
}

void print_cpu_per_event(const std::vector<ProcessInfo>& processes, std::uint64_t committed, unsigned cores,
                         double check_us_before) {
    const double ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
    double cpu = 0;
    std::size_t measured = 0;
    for (const auto& process : processes) {
        if (process.cpu_ticks.size() < 2) continue;
        cpu += static_cast<double>(process.cpu_ticks.back() - process.cpu_ticks.front()) / ticks_per_second;
        ++measured;
    }
    if (measured == 0 || committed == 0 || cpu <= 0) {
        std::printf(
            "node CPU per committed event: not measured (no node process seen, or nothing committed)\n");
        return;
    }
    const double per_event_s = cpu / static_cast<double>(committed);
    std::printf(
        "node CPU per committed event: %.0f us (%zu nodes, %.1f CPU-s for %llu events, from the start "
        "of sending to the last commit)\n",
        per_event_s * 1e6, measured, cpu, static_cast<unsigned long long>(committed));
    std::printf(
        "ceiling on this machine's %u cores: %.0f committed events/s (every core on the nodes alone, "
        "none on load generation)\n",
        cores, static_cast<double>(cores) / per_event_s);
    const double check_us_after = libsodium_verify_cpu_us();
    if (check_us_before <= 0 || check_us_after <= 0) return;
    const double check_us = std::min(check_us_before, check_us_after);
    std::printf(
        "in Ed25519 checks: one libsodium check (crypto_sign_verify_detached, 600 bytes) takes %.1f us of "
        "CPU here (best of 3 x 2,000 before sending and after: %.1f and %.1f us), so a committed event "
        "costs the nodes %.1f checks' worth (the ratio to compare with another machine's)\n",
        check_us, check_us_before, check_us_after, per_event_s * 1e6 / check_us);
}

}  // namespace custos::cli::bench
