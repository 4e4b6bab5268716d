// custos-dev bench api: the REST layer of one node under load, from a client on the same machine:
// signed trail reads of an item with 100 events, and signed event submissions (202 = admitted to
// the mempool; consensus is not waited for).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <thread>

#include "crypto/sha256.hpp"
#include "ledger/events/event.hpp"
#include "tools/dev/bench_load_support.hpp"
#include "tools/dev/commands.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;
using namespace bench;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view api_help =
    "Measures one node's REST API with a client on this machine and prints requests/s and\n"
    "latency p50/p99 for:\n"
    "  1. GET /v1/items/ITEM/trail of an item with --trail-events events (default 100), set up\n"
    "     first by registering a new item and chaining 'verify' events on it until committed;\n"
    "  2. POST /v1/events of N pre-signed 'register' events (202 = admitted to the mempool).\n"
    "Every request carries its own RFC 9421 signature and nonce, as the API requires. So that the\n"
    "client's Ed25519 signing does not take CPU from the node during the run, the reads are\n"
    "signed before the timed phase: --presign-rate R per second of --duration, in one-second slices\n"
    "whose signatures are valid (created .. expires) only around their own second, so the node's\n"
    "replay cache holds a few seconds of nonces. A reader that uses up its slice signs the rest\n"
    "as it sends them (counted as 'signed during the run'). The submissions are signed before\n"
    "their phase too. Prints the node's CPU per request (from /proc, for the process listening\n"
    "on the --node port) and the client's. Nothing is asserted.\n"
    "\n"
    "exit status: 0 ran, 1 could not run (e.g. the set-up was refused), 2 bad usage.";

struct ApiOptions {
    std::string node_text;
    api::ParsedUrl node;  // node_text, once the command runs
    std::string key_path, observer_key_path, chain_id;
    double duration_s = 10;
    std::size_t connections = 4;
    std::uint64_t submissions = 2000;
    std::uint64_t trail_events = 100;
    std::uint64_t presign_rate = 20000;
};

ledger::TimeMs now_ms() {
    return ledger::TimeMs{std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()};
}

ledger::Event register_event(const std::string& chain_id, const std::string& agency, const std::string& item,
                             const std::string& case_id) {
    ledger::Event event;
    event.chain_id = chain_id;
    event.kind = ledger::EventKind::register_item;
    event.item = item;
    event.case_id = case_id;
    event.agency = agency;
    event.time = now_ms();
    event.location = "Bench evidence room";
    event.legal_authority = ledger::LegalAuthority{ledger::AuthorityKind::warrant, "W-BENCH-API"};
    event.digests = ledger::Digests{.sha256 = crypto::sha256(item)};
    event.description = "bench item";
    return event;
}

api::ClientRequest post_request(const ledger::Envelope& envelope) {
    return api::ClientRequest{.method = "POST",
                              .target = "/v1/events",
                              .content_type = "application/json",
                              .body = ledger::canonical_envelope(envelope),
                              .timeout_ms = request_timeout_ms};
}

// Registers an item and chains verify events on it until it has `events`, then waits until the
// last is committed. Returns the item id.
Result<std::string> set_up_item(const ApiOptions& options, const crypto::SecretKey& key,
                                const std::string& agency) {
    std::string item = "APIBENCH-" + random_suffix();
    api::HttpConnection connection(options.node.host, options.node.port);
    ledger::Event event = register_event(options.chain_id, agency, item, item + "-CASE");
    std::string last;
    for (std::uint64_t n = 0; n < options.trail_events; ++n) {
        if (n > 0) {
            event.kind = ledger::EventKind::verify;
            event.location.reset();
            event.legal_authority.reset();
            event.description.reset();
        }
        ledger::Envelope envelope = ledger::sign_event(event, key);
        api::ClientRequest request = post_request(envelope);
        request.signing_key = &key;
        auto response = connection.request(request);
        if (!response) return tl::unexpected(response.error());
        if (response->status != 202) {
            return make_error(ErrorCode::unavailable,
                              "setting up the item: event " + std::to_string(n) + " answered HTTP " +
                                  std::to_string(response->status) + ": " + response->body);
        }
        last = ledger::event_id_hex(ledger::event_id(envelope.event));
        event.prev = ledger::event_id(envelope.event);
    }
    auto deadline = SteadyClock::now() + std::chrono::seconds(120);
    while (SteadyClock::now() < deadline) {
        api::ClientRequest request{.target = "/v1/events/" + last, .signing_key = &key};
        auto response = connection.request(request);
        if (response && response->status == 200 &&
            response->body.find("\"committed\"") != std::string::npos) {
            return item;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return make_error(ErrorCode::unavailable, "the item's last event was not committed within 120 s");
}

struct PhaseResult {
    std::vector<double> latencies_ms;
    std::uint64_t errors = 0;
};

// The signature headers of one pre-signed read (Content-Digest is the same for every GET).
struct Presigned {
    std::string input, signature;
};

// One reader's pre-signed reads: slices[j] are valid around second j of the run (their created
// is the second's start, their expiry a little after its end).
struct ReaderPlan {
    std::vector<std::vector<Presigned>> slices;
};

// Seconds a pre-signed read stays valid after the end of its slice (requests in flight, clocks
// read at different moments).
constexpr std::int64_t slice_grace_s = 2;

std::string header_of(const api::ClientRequest& request, std::string_view name) {
    for (const auto& [key, value] : request.headers) {
        if (key == name) return value;
    }
    return {};
}

std::int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

api::ClientRequest trail_request(const ApiOptions& options, const std::string& item) {
    return api::ClientRequest{.host = options.node.host,
                              .port = options.node.port,
                              .target = "/v1/items/" + item + "/trail",
                              .timeout_ms = request_timeout_ms};
}

void presign_reader(const crypto::SecretKey& key, api::ClientRequest request, std::int64_t start_s,
                    std::size_t per_slice, ReaderPlan& plan) {
    for (std::size_t j = 0; j < plan.slices.size(); ++j) {
        plan.slices[j].reserve(per_slice);
        for (std::size_t k = 0; k < per_slice; ++k) {
            api::sign_client_request(request, key, start_s + static_cast<std::int64_t>(j), 1 + slice_grace_s);
            plan.slices[j].push_back(
                {header_of(request, "Signature-Input"), header_of(request, "Signature")});
        }
    }
}

struct ReadResult {
    std::vector<double> latencies_ms;
    std::uint64_t errors = 0;
    std::uint64_t signed_live = 0;  // Requests signed during the run (their slice was used up).
};

// The timed reads' client: one blocking keep-alive socket, the request written as text and the
// response read by its Content-Length into a buffer that is reused, so that the client's own CPU
// (on the same machine as the node) goes to the kernel's copies, not to a general HTTP stack.
// Every answer's status and body are checked (the body against the first read's).
class RawConnection {
public:
    RawConnection() = default;
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;
    ~RawConnection() { close(); }

    bool connect(const std::string& host, std::uint16_t port) {
        close();
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) return false;
        timeval timeout{.tv_sec = request_timeout_ms / 1000, .tv_usec = 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1 ||
            ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
            close();
            return false;
        }
        filled_ = 0;
        return true;
    }

    // Sends `request` and reads one response: its status (0 on a transport failure) and body.
    unsigned exchange(const std::string& request, std::string_view& body) {
        if (fd_ < 0) return 0;
        for (std::size_t sent = 0; sent < request.size();) {
            auto n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return fail();
            sent += static_cast<std::size_t>(n);
        }
        std::size_t header_end = std::string::npos;
        while ((header_end = std::string_view(buffer_.data(), filled_).find("\r\n\r\n")) ==
               std::string::npos) {
            if (!receive()) return fail();
        }
        const std::string_view head(buffer_.data(), header_end);
        unsigned status = 0;
        if (head.size() < 12 || !head.starts_with("HTTP/1.1 ")) return fail();
        std::from_chars(head.data() + 9, head.data() + 12, status);
        auto length_at = head.find("Content-Length: ");
        if (length_at == std::string_view::npos) return fail();
        std::size_t length = 0;
        std::from_chars(head.data() + length_at + 16, head.data() + head.size(), length);
        const std::size_t total = header_end + 4 + length;
        while (filled_ < total) {
            if (!receive()) return fail();
        }
        body = std::string_view(buffer_.data() + header_end + 4, length);
        // Keep-alive: bytes past this response (none, one request at a time) stay for the next.
        last_total_ = total;
        return status;
    }

    // Drops the last response from the buffer (after its body has been used).
    void consume() {
        std::memmove(buffer_.data(), buffer_.data() + last_total_, filled_ - last_total_);
        filled_ -= last_total_;
        last_total_ = 0;
    }

private:
    bool receive() {
        if (buffer_.size() - filled_ < 65536)
            buffer_.resize(std::max<std::size_t>(buffer_.size() * 2, 262144));
        auto n = ::recv(fd_, buffer_.data() + filled_, buffer_.size() - filled_, 0);
        if (n <= 0) return false;
        filled_ += static_cast<std::size_t>(n);
        return true;
    }
    unsigned fail() {
        close();
        return 0;
    }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        filled_ = last_total_ = 0;
    }

    int fd_ = -1;
    std::vector<char> buffer_;
    std::size_t filled_ = 0, last_total_ = 0;
};

std::string request_text(const api::ClientRequest& request, const std::string& input,
                         const std::string& signature, const std::string& digest) {
    std::string text;
    text.reserve(512);
    text.append("GET ").append(request.target).append(" HTTP/1.1\r\nHost: ").append(request.host);
    text.append(":").append(std::to_string(request.port));
    text.append("\r\nContent-Digest: ").append(digest);
    text.append("\r\nSignature-Input: ").append(input);
    text.append("\r\nSignature: ").append(signature).append("\r\n\r\n");
    return text;
}

// One reader: signed GETs of the trail until the deadline, pre-signed while the plan lasts.
void read_trail(const ApiOptions& options, const crypto::SecretKey& key, const std::string& item,
                const ReaderPlan& plan, std::int64_t start_ms, SteadyClock::time_point end,
                const std::string& expected_body, ReadResult& result) {
    RawConnection connection;
    api::ClientRequest request = trail_request(options, item);
    api::sign_client_request(request, key, api::unix_time_s(), 10);  // Sets the three headers.
    const std::string digest = header_of(request, "Content-Digest");
    std::vector<std::size_t> used(plan.slices.size(), 0);
    bool connected = false;
    while (SteadyClock::now() < end) {
        if (!connected && !(connected = connection.connect(options.node.host, options.node.port))) {
            ++result.errors;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
        }
        const std::int64_t slice = (unix_ms() - start_ms) / 1000;
        const auto index = static_cast<std::size_t>(slice);
        std::string text;
        if (slice >= 0 && index < plan.slices.size() && used[index] < plan.slices[index].size()) {
            const Presigned& next = plan.slices[index][used[index]++];
            text = request_text(request, next.input, next.signature, digest);
        } else {
            // A short lifetime keeps the node's replay cache small at thousands of requests/s.
            api::sign_client_request(request, key, api::unix_time_s(), 10);
            text = request_text(request, header_of(request, "Signature-Input"),
                                header_of(request, "Signature"), digest);
            ++result.signed_live;
        }
        auto sent = SteadyClock::now();
        std::string_view body;
        const unsigned status = connection.exchange(text, body);
        double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - sent).count();
        if (status == 0) connected = false;
        const bool good = status == 200 && body == expected_body;
        if (status != 0) connection.consume();
        if (!good) {
            ++result.errors;
            continue;
        }
        result.latencies_ms.push_back(ms);
    }
}

double cpu_seconds_self() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& value) {
        return static_cast<double>(value.tv_sec) + static_cast<double>(value.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The reads of the run, signed ahead (see the help text) by one thread per connection, and the
// time they are signed for: the run starts at start_ms, once they are all signed.
struct PresignedReads {
    std::vector<ReaderPlan> plans;  // One per connection.
    std::int64_t start_ms = 0;
};

PresignedReads presign_reads(const ApiOptions& options, const crypto::SecretKey& key,
                             const std::string& item) {
    const std::size_t slices = static_cast<std::size_t>(std::ceil(options.duration_s)) + 1;
    const std::size_t per_slice = (options.presign_rate + options.connections - 1) / options.connections;
    // How long signing takes here, to start the run when it is done.
    api::ClientRequest probe = trail_request(options, item);
    constexpr int probe_signatures = 64;
    auto probe_start = SteadyClock::now();
    for (int i = 0; i < probe_signatures; ++i)
        api::sign_client_request(probe, key, api::unix_time_s(), 10);
    const double per_signature_s =
        std::chrono::duration<double>(SteadyClock::now() - probe_start).count() / probe_signatures;
    const double workers = std::max(
        1u, std::min(std::thread::hardware_concurrency(), static_cast<unsigned>(options.connections)));
    const double estimate_s =
        per_signature_s * static_cast<double>(slices * per_slice * options.connections) / workers;
    const std::int64_t start_s = (unix_ms() + static_cast<std::int64_t>(estimate_s * 1500)) / 1000 + 2;
    std::printf("pre-signing %zu reads (%zu slices of %zu per connection, ~%.1f s)\n",
                slices * per_slice * options.connections, slices, per_slice, estimate_s);
    std::fflush(stdout);
    PresignedReads presigned{std::vector<ReaderPlan>(options.connections), start_s * 1000};
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < options.connections; ++c) {
        presigned.plans[c].slices.resize(slices);
        threads.emplace_back(presign_reader, std::cref(key), trail_request(options, item), start_s, per_slice,
                             std::ref(presigned.plans[c]));
    }
    for (auto& thread : threads)
        thread.join();
    return presigned;
}

// The answer every timed read must return byte for byte (no commit touches the item meanwhile);
// nullopt when the node does not give it.
std::optional<std::string> reference_trail(const ApiOptions& options, const crypto::SecretKey& key,
                                           const std::string& item) {
    api::HttpConnection reference(options.node.host, options.node.port);
    api::ClientRequest first = trail_request(options, item);
    first.signing_key = &key;
    auto expected = reference.request(first);
    if (!expected || expected->status != 200) return std::nullopt;
    return expected->body;
}

// What the timed reads measured: each reader's results, the node's and the client's CPU.
struct ReadRun {
    std::vector<ReadResult> reads;  // One per connection.
    double seconds = 0;
    double client_cpu_s = 0;
    std::vector<ProcessInfo> processes;  // The node's, sampled before and after.
};

ReadRun timed_reads(const ApiOptions& options, const crypto::SecretKey& key, const std::string& item,
                    const PresignedReads& presigned, const std::string& expected_body) {
    ReadRun run{std::vector<ReadResult>(options.connections), 0, 0, find_node_processes({options.node}, {})};
    sample_processes(run.processes);
    const double client_cpu_start = cpu_seconds_self();
    std::vector<std::thread> threads;
    auto start = SteadyClock::now();
    auto end = start + std::chrono::milliseconds(static_cast<std::int64_t>(options.duration_s * 1000));
    for (std::size_t c = 0; c < options.connections; ++c) {
        threads.emplace_back(read_trail, std::cref(options), std::cref(key), std::cref(item),
                             std::cref(presigned.plans[c]), presigned.start_ms, end, std::cref(expected_body),
                             std::ref(run.reads[c]));
    }
    for (auto& thread : threads)
        thread.join();
    run.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
    run.client_cpu_s = cpu_seconds_self() - client_cpu_start;
    sample_processes(run.processes);
    return run;
}

void print_reads(ReadRun& run) {
    std::vector<double> all;
    std::uint64_t errors = 0, signed_live = 0;
    for (auto& result : run.reads) {
        all.insert(all.end(), result.latencies_ms.begin(), result.latencies_ms.end());
        errors += result.errors;
        signed_live += result.signed_live;
    }
    const double served = static_cast<double>(all.size() + errors);
    std::printf(
        "GET /v1/items/{item}/trail: %.0f requests/s over %.1f s, %llu errors, %llu signed during "
        "the run\n",
        static_cast<double>(all.size()) / run.seconds, run.seconds, static_cast<unsigned long long>(errors),
        static_cast<unsigned long long>(signed_live));
    print_percentiles("  latency", all);
    if (served > 0) {
        for (const auto& process : run.processes) {
            if (process.cpu_ticks.size() < 2) continue;
            const double node_cpu =
                static_cast<double>(process.cpu_ticks.back() - process.cpu_ticks.front()) /
                static_cast<double>(::sysconf(_SC_CLK_TCK));
            std::printf("  node CPU (pid %d): %.0f us per request (%.0f%% of a core)\n", process.pid,
                        node_cpu * 1e6 / served, node_cpu * 100 / run.seconds);
        }
        std::printf("  client CPU: %.0f us per request (%.0f%% of a core)\n", run.client_cpu_s * 1e6 / served,
                    run.client_cpu_s * 100 / run.seconds);
    }
}

// Signs the reads of the run ahead, then runs the readers and prints requests/s, latency, and the
// node's and the client's CPU per request.
void run_reads(const ApiOptions& options, const crypto::SecretKey& key, const std::string& item) {
    const PresignedReads presigned = presign_reads(options, key, item);
    if (unix_ms() < presigned.start_ms)
        std::this_thread::sleep_for(std::chrono::milliseconds(presigned.start_ms - unix_ms()));
    auto expected_body = reference_trail(options, key, item);
    if (!expected_body) {
        std::printf("GET /v1/items/{item}/trail: the first read failed\n");
        return;
    }
    std::printf("trail body: %zu bytes\n", expected_body->size());
    ReadRun run = timed_reads(options, key, item, presigned, *expected_body);
    print_reads(run);
}

void submit_share(const ApiOptions& options, std::vector<api::ClientRequest>& requests, std::size_t first,
                  std::size_t step, PhaseResult& result) {
    api::HttpConnection connection(options.node.host, options.node.port);
    for (std::size_t i = first; i < requests.size(); i += step) {
        auto sent = SteadyClock::now();
        auto response = connection.request(requests[i]);
        double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - sent).count();
        if (!response || response->status != 202) {
            ++result.errors;
            continue;
        }
        result.latencies_ms.push_back(ms);
    }
}

void report(const char* what, std::vector<PhaseResult>& results, double seconds) {
    std::vector<double> all;
    std::uint64_t errors = 0;
    for (auto& result : results) {
        all.insert(all.end(), result.latencies_ms.begin(), result.latencies_ms.end());
        errors += result.errors;
    }
    std::printf("%s: %.0f requests/s over %.1f s, %llu errors\n", what,
                static_cast<double>(all.size()) / seconds, seconds, static_cast<unsigned long long>(errors));
    print_percentiles("  latency", all);
}

// --node: one base URL.
CLI::Validator one_node() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            auto nodes = parse_node_list(text);
            if (!nodes) return nodes.error().message;  // Which part, and why (parse_node_list).
            return nodes->size() == 1 ? std::string() : "takes one base URL, not a list";
        },
        "", "one_node");
}

int run_bench_api(ApiOptions& options) {
    options.node = parse_node_list(options.node_text)->front();  // Checked as an option.
    if (options.observer_key_path.empty()) {
        options.observer_key_path =
            (std::filesystem::path(options.key_path).parent_path() / "auditor.key").string();
    }
    auto key = read_key_option(options.key_path);
    if (!key) return fail(key.error().message);
    std::string agency = std::filesystem::path(options.key_path).parent_path().filename().string();
    if (agency.empty()) agency = key->name.substr(0, key->name.find('.'));
    if (options.chain_id.empty()) {
        auto observer = read_key_option(options.observer_key_path);
        if (!observer) return fail("observer key: " + observer.error().message + " (give --chain-id ID)");
        api::HttpConnection probe(options.node.host, options.node.port);
        auto chain = chain_id_of(probe, observer->key);
        if (!chain) return fail(chain.error().message);
        options.chain_id = *chain;
    }
    std::printf("custos-dev bench api: node %s:%u, %zu connections, agency %s\n", options.node.host.c_str(),
                options.node.port, options.connections, agency.c_str());
    auto item = set_up_item(options, key->key, agency);
    if (!item) return fail(item.error().message);
    std::printf("set up: item %s with %llu committed events\n", item->c_str(),
                static_cast<unsigned long long>(options.trail_events));

    run_reads(options, key->key, *item);

    std::vector<api::ClientRequest> requests;
    requests.reserve(options.submissions);
    std::string run = random_suffix();
    std::int64_t created = api::unix_time_s();
    for (std::uint64_t n = 0; n < options.submissions; ++n) {
        std::string id = "APIBENCH-" + run + "-" + std::to_string(n);
        api::ClientRequest request = post_request(
            ledger::sign_event(register_event(options.chain_id, agency, id, "APIBENCH-" + run), key->key));
        request.host = options.node.host;
        request.port = options.node.port;
        api::sign_client_request(request, key->key, created, 120);
        requests.push_back(std::move(request));
    }
    std::vector<PhaseResult> submits(options.connections);
    std::vector<std::thread> threads;
    auto start = SteadyClock::now();
    for (std::size_t c = 0; c < options.connections; ++c) {
        threads.emplace_back(submit_share, std::cref(options), std::ref(requests), c, options.connections,
                             std::ref(submits[c]));
    }
    for (auto& thread : threads)
        thread.join();
    report("POST /v1/events (202, admitted)", submits,
           std::chrono::duration<double>(SteadyClock::now() - start).count());
    return exit_ok;
}

}  // namespace

void add_bench_api(Tool& tool, CLI::App& bench) {
    auto options = std::make_shared<ApiOptions>();
    auto& command =
        tool.add(bench, "api", "REST throughput and latency of one node: trail reads and event submissions",
                 [options] { return run_bench_api(*options); });
    command.add_option("--node", options->node_text, "the node's REST base URL, e.g. http://127.0.0.1:8081")
        ->type_name("URL")
        ->required()
        ->check(one_node());
    command
        .add_option("--key", options->key_path, "a custodian key (localnet: DIR/keys/AGENCY/custodian.key)")
        ->type_name("FILE")
        ->required();
    command.add_option("--duration", options->duration_s, "seconds of trail reads (default 10)")
        ->type_name("S")
        ->check(positive_number(1e9));
    command
        .add_option("--connections", options->connections,
                    "keep-alive connections, one thread each (default 4)")
        ->type_name("C")
        ->check(whole_number(1, 256));
    command
        .add_option("--presign-rate", options->presign_rate,
                    "trail reads signed ahead per second of the run (default 20000)")
        ->type_name("R")
        ->check(whole_number(1, 1000000));
    command.add_option("--submissions", options->submissions, "events to submit in phase 2 (default 2000)")
        ->type_name("N")
        ->check(whole_number(1, std::numeric_limits<std::uint64_t>::max()));
    command.add_option("--trail-events", options->trail_events, "events on the read item (default 100)")
        ->type_name("N")
        ->check(whole_number(1, 10000));
    command
        .add_option("--observer-key", options->observer_key_path,
                    "admin or auditor key to read the chain id (default: auditor.key next to --key)")
        ->type_name("FILE");
    command.add_option("--chain-id", options->chain_id, "the chain id (instead of reading it)")
        ->type_name("ID");
    command.footer(std::string(api_help));
}

}  // namespace custos::cli
