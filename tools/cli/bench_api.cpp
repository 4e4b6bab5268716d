// custos bench api: the REST layer of one node under load, from a client on the same machine:
// signed trail reads of an item with 100 events, and signed event submissions (202 = admitted to
// the mempool; consensus is not waited for).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "crypto/sha256.hpp"
#include "ledger/event.hpp"
#include "tools/cli/api_client.hpp"
#include "tools/cli/bench_load_support.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;
using namespace bench;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view api_usage =
    "usage: custos bench api --node URL --key FILE [--duration S] [--connections C]\n"
    "                        [--submissions N] [--trail-events N] [--observer-key FILE] [--chain-id ID]\n"
    "\n"
    "Measures one node's REST API with a client on this machine and prints requests/s and\n"
    "latency p50/p99 for:\n"
    "  1. GET /v1/items/ITEM/trail of an item with --trail-events events (default 100), set up\n"
    "     first by registering a new item and chaining 'verify' events on it until committed;\n"
    "  2. POST /v1/events of N pre-signed 'register' events (202 = admitted to the mempool).\n"
    "Every request carries its own RFC 9421 signature (made just before it is sent, outside the\n"
    "timed request), as the API requires. Nothing is asserted.\n"
    "\n"
    "options:\n"
    "  --node URL           the node's REST base URL, e.g. http://127.0.0.1:8081\n"
    "  --key FILE           a custodian key (localnet: DIR/keys/AGENCY/custodian.key)\n"
    "  --duration S         seconds of trail reads (default 10)\n"
    "  --connections C      keep-alive connections, one thread each (default 8)\n"
    "  --submissions N      events to submit in phase 2 (default 2000)\n"
    "  --trail-events N     events on the read item (default 100)\n"
    "  --observer-key FILE  admin or auditor key to read the chain id (default: auditor.key next to --key)\n"
    "  --chain-id ID        the chain id (instead of reading it)\n"
    "  -h, --help           show this help\n"
    "\n"
    "exit status: 0 ran, 1 could not run (e.g. the set-up was refused), 2 bad usage.\n";

struct ApiOptions {
    api::ParsedUrl node;
    std::string key_path, observer_key_path, chain_id;
    double duration_s = 10;
    std::size_t connections = 8;
    std::uint64_t submissions = 2000;
    std::uint64_t trail_events = 100;
};

int usage(const std::string& message) {
    std::cerr << "error: " << message << "\n(custos bench api --help for the options)\n";
    return exit_usage;
}

int parse_api_options(const Args& args, ApiOptions& options) {
    std::string node_text;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (i + 1 >= args.size())
            return usage(arg.starts_with("--") ? arg + " needs a value" : "unexpected '" + arg + "'");
        const std::string& value = args[++i];
        auto positive = parse_positive(value);
        if (arg == "--node") {
            node_text = value;
        } else if (arg == "--key") {
            options.key_path = value;
        } else if (arg == "--observer-key") {
            options.observer_key_path = value;
        } else if (arg == "--chain-id") {
            options.chain_id = value;
        } else if (arg == "--duration" && positive) {
            options.duration_s = *positive;
        } else if (arg == "--connections" && positive && *positive <= 256) {
            options.connections = static_cast<std::size_t>(*positive);
        } else if (arg == "--submissions" && positive) {
            options.submissions = static_cast<std::uint64_t>(*positive);
        } else if (arg == "--trail-events" && positive && *positive <= 10000) {
            options.trail_events = static_cast<std::uint64_t>(*positive);
        } else {
            return usage("bad argument '" + arg + " " + value + "'");
        }
    }
    if (node_text.empty()) return usage("--node URL is required");
    if (options.key_path.empty()) return usage("--key FILE is required");
    auto nodes = parse_node_list(node_text);
    if (!nodes || nodes->size() != 1) return usage("--node takes one base URL");
    options.node = nodes->front();
    if (options.observer_key_path.empty()) {
        options.observer_key_path =
            (std::filesystem::path(options.key_path).parent_path() / "auditor.key").string();
    }
    return exit_ok;
}

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

// One reader: signed GETs of the trail until the deadline.
void read_trail(const ApiOptions& options, const crypto::SecretKey& key, const std::string& item,
                SteadyClock::time_point end, PhaseResult& result) {
    api::HttpConnection connection(options.node.host, options.node.port);
    api::ClientRequest request{.host = options.node.host,
                               .port = options.node.port,
                               .target = "/v1/items/" + item + "/trail",
                               .timeout_ms = request_timeout_ms};
    while (SteadyClock::now() < end) {
        // A short lifetime keeps the node's replay cache small at thousands of requests/s.
        api::sign_client_request(request, key, api::unix_time_s(), 10);
        auto sent = SteadyClock::now();
        auto response = connection.request(request);
        double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - sent).count();
        if (!response || response->status != 200) {
            ++result.errors;
            continue;
        }
        result.latencies_ms.push_back(ms);
    }
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

}  // namespace

int run_bench_api(const Args& args) {
    if (wants_help(args)) {
        std::cout << api_usage;
        return exit_ok;
    }
    ApiOptions options;
    if (int code = parse_api_options(args, options); code != exit_ok) return code;
    auto key = crypto::read_secret_key_file(options.key_path);
    if (!key) return fail(key.error().message);
    std::string agency = std::filesystem::path(options.key_path).parent_path().filename().string();
    if (agency.empty()) agency = key->name.substr(0, key->name.find('.'));
    if (options.chain_id.empty()) {
        auto observer = crypto::read_secret_key_file(options.observer_key_path);
        if (!observer) return fail("observer key: " + observer.error().message + " (give --chain-id ID)");
        api::HttpConnection probe(options.node.host, options.node.port);
        auto chain = chain_id_of(probe, observer->key);
        if (!chain) return fail(chain.error().message);
        options.chain_id = *chain;
    }
    std::printf("custos bench api: node %s:%u, %zu connections, agency %s\n", options.node.host.c_str(),
                options.node.port, options.connections, agency.c_str());
    auto item = set_up_item(options, key->key, agency);
    if (!item) return fail(item.error().message);
    std::printf("set up: item %s with %llu committed events\n", item->c_str(),
                static_cast<unsigned long long>(options.trail_events));

    std::vector<PhaseResult> reads(options.connections);
    auto start = SteadyClock::now();
    auto end = start + std::chrono::milliseconds(static_cast<std::int64_t>(options.duration_s * 1000));
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < options.connections; ++c) {
        threads.emplace_back(read_trail, std::cref(options), std::cref(key->key), std::cref(*item), end,
                             std::ref(reads[c]));
    }
    for (auto& thread : threads)
        thread.join();
    report("GET /v1/items/{item}/trail", reads,
           std::chrono::duration<double>(SteadyClock::now() - start).count());

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
    threads.clear();
    start = SteadyClock::now();
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

}  // namespace custos::cli
