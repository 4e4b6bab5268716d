// What `custos-dev bench load` and `custos-dev bench api` share: argument lists, the chain's progress as
// seen through the API, percentiles, and the nodes' CPU and memory read from /proc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/http_client.hpp"
#include "common/result.hpp"
#include "crypto/ed25519.hpp"

namespace custos::cli::bench {

// "http://h:p,http://h:p" -> base URLs (no path); the error names the URL at fault, not the option.
[[nodiscard]] Result<std::vector<api::ParsedUrl>> parse_node_list(const std::string& text);
// "123,456" -> pids; "" -> none.
[[nodiscard]] Result<std::vector<int>> parse_pid_list(const std::string& text);
// 8 random hex digits, to keep ids of one run apart from another's.
[[nodiscard]] std::string random_suffix();

// The chain id from GET /v1/status (needs an admin or auditor key).
[[nodiscard]] Result<std::string> chain_id_of(api::HttpConnection& connection, const crypto::SecretKey& key);
// The height of the latest certified checkpoint (GET /v1/checkpoints/latest); 0 before any block.
[[nodiscard]] Result<std::uint64_t> latest_height(api::HttpConnection& connection);
// The event ids (hex) of the block at `height` (GET /v1/blocks/{height}, an admin or auditor key).
[[nodiscard]] Result<std::vector<std::string>> block_event_ids(api::HttpConnection& connection,
                                                               const crypto::SecretKey& key,
                                                               std::uint64_t height);

// Prints "<what>: n N, p50 .. p90 .. p99 .. max .. ms" (values in ms; sorts them).
void print_percentiles(const char* what, std::vector<double>& values_ms);

struct ProcessInfo {
    std::string label;  // e.g. "127.0.0.1:8081"
    int pid = 0;
    // Samples of utime+stime (clock ticks) and resident set size (kB): at the start of sending,
    // at its end, and after the drain (the last commit seen).
    std::vector<std::uint64_t> cpu_ticks, rss_kb;
};
// The processes to watch: the given pids, or the owners of the nodes' REST listening sockets.
[[nodiscard]] std::vector<ProcessInfo> find_node_processes(const std::vector<api::ParsedUrl>& nodes,
                                                           const std::vector<int>& pids);
void sample_processes(std::vector<ProcessInfo>& processes);
// CPU (% of one core over `seconds`, between the first two samples: the sending) and RSS first -> last.
void print_processes(const std::vector<ProcessInfo>& processes, double seconds);
// The nodes' CPU per committed event (all of them, from the start of sending to the last commit
// seen) and the committed rate it implies when the machine's `cores` do nothing else: a ratio
// that carries over to another machine, unlike the rate measured on this one.
// Then the same CPU in units of one libsodium Ed25519 check timed on this machine (the faster of
// `check_us_before`, timed before sending, and a timing at the end; a busy VM's neighbours slow
// both the nodes and the check): a figure to compare across machines whose cores differ in speed.
void print_cpu_per_event(const std::vector<ProcessInfo>& processes, std::uint64_t committed, unsigned cores,
                         double check_us_before);
// This thread's CPU time of one crypto_sign_verify_detached of a 600-byte message, in
// microseconds (best of three rounds of 2,000); 0 if a check refused the valid signature.
[[nodiscard]] double libsodium_verify_cpu_us();

}  // namespace custos::cli::bench
