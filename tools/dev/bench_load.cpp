// custos-dev bench load: signed custody events against running validators, one request per event
// (POST /v1/events) or per batch of a connection's consecutive events (POST /v1/batches, --batch).
// The events (and, when the run is short enough, the HTTP request signatures) are made before the
// timed phase, so the timed phase costs the generator little more than socket writes. Commits are
// observed by fetching each new certified block (GET /v1/blocks/{height}) as the latest checkpoint
// moves.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <thread>
#include <unordered_map>

#include "api/routes.hpp"
#include "common/assert.hpp"
#include "crypto/canonical_json.hpp"
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

// A node remembers each nonce until its signature expires and holds at most 100,000
// (api/auth.hpp): pre-signed requests must stay well under that per node.
constexpr std::uint64_t presigned_per_node_max = 80000;
// Lifetime of signatures made while sending: short, so the nodes' replay caches stay small.
constexpr std::int64_t send_time_lifetime_s = 20;
// A node keeps at most 10,000 live nonces of one key (api/auth.hpp replay_entries_per_key_max):
// the requests are spread over enough custodian keys that no key sends a node more than this.
constexpr std::uint64_t requests_per_key_per_node_max = 8000;
constexpr std::size_t keys_max = 64;

constexpr std::string_view load_help =
    "Submits signed custody events to the nodes and prints committed events/s (over the run,\n"
    "and the lowest and highest of its whole 10 s windows), commit latency p50/p90/p99/max\n"
    "(from sending the event's request to the event's block being certified),\n"
    "the submissions refused, each node's CPU and resident memory, and the nodes' CPU per\n"
    "committed event (all nodes, from the start of sending to the last commit) with the committed\n"
    "rate it implies for this machine's cores if they ran only the nodes, and that CPU in units\n"
    "of one libsodium Ed25519 check timed here: ratios that hold on another machine. Nothing is\n"
    "asserted.\n"
    "After sending, it waits up to --drain seconds until every admitted event is seen committed.\n"
    "The admitted events still not seen then are looked up on every node (GET /v1/events/{id},\n"
    "the first 1,000) and counted by reason: committed after the drain ended, committed in a\n"
    "block the observer read (a bench accounting error), still pending (on which nodes),\n"
    "dropped by a pool (by which nodes, and the rule their 404 names), or unknown to every node;\n"
    "the first 10 ids of each reason are listed. Events without an answer in time that a node\n"
    "admitted after all and committed are counted apart.\n"
    "\n"
    "Workload: K new items are registered, then each gets 'verify' events chained on its last one\n"
    "(round after round), all by the agency of --key (a custodian key). Each item always goes to\n"
    "the same node over the same connection, so its events arrive in order; an item's next event\n"
    "is sent about K/rate seconds after its previous one. Every event is signed before the timed\n"
    "phase; so are the HTTP request signatures when the whole run fits in their 300 s lifetime.\n"
    "With --batch N each connection sends its events N at a time, in order, as one signed\n"
    "POST /v1/batches; the batch leaves when its first event is due, and each of its events'\n"
    "latencies is measured from that send. The connections' schedules are staggered, so that\n"
    "requests leave evenly spread in time rather than all connections at once.\n"
    "A node keeps at most 10,000 live request nonces of one key, so the requests are signed in\n"
    "turn by --keys custodian keys of the agency: --key and new ones, added before the timed\n"
    "phase by officer.add events signed with --admin-key (committed one by one). Their secret keys\n"
    "live only in this process: they stay on the ledger as officers nobody can use.\n"
    "A submission refused with 503 (the node's mempool is full) is sent again, as a client\n"
    "should, after 100 ms, then 200, 400, 800 ms and 1 s at most between tries (the connection's\n"
    "next requests wait for it), up to --retries times; its latency still counts from its first\n"
    "send, and the retries are reported.\n"
    "\n"
    "exit status: 0 ran (whatever the figures), 1 could not run, 2 bad usage.";

struct LoadOptions {
    std::string nodes_text, pids_text;  // As given; checked as options, read into nodes and pids.
    std::vector<api::ParsedUrl> nodes;
    std::string key_path, observer_key_path, admin_key_path, agency, chain_id;
    double rate = 2500;
    bool max = false;
    double duration_s = 60;
    std::uint64_t events = 0;
    std::size_t connections_per_node = 4;
    std::uint64_t items = 0;
    std::vector<int> pids;
    double drain_s = 20;
    std::size_t batch = 1;       // Events per request.
    std::uint64_t retries = 10;  // Further tries of a submission refused with 503.
    std::size_t keys = 0;        // Custodian keys signing in turn; 0 = enough for the nodes' quotas.
};

// --nodes: a comma-separated list of plain-HTTP base URLs.
CLI::Validator node_list() {
    return parsed_by(parse_node_list, "node_list");
}

// --pids: a comma-separated list of process ids.
CLI::Validator pid_list() {
    return parsed_by(parse_pid_list, "pid_list");
}

// The options whose defaults follow from others (and the lists, checked when parsed), once the
// command line is parsed.
void complete_load_options(LoadOptions& options) {
    auto nodes = parse_node_list(options.nodes_text);
    CUSTOS_ASSERT(nodes.has_value(), "--nodes is checked as it is parsed");
    options.nodes = std::move(*nodes);
    auto pids = parse_pid_list(options.pids_text);
    CUSTOS_ASSERT(pids.has_value(), "--pids is checked as it is parsed");
    options.pids = std::move(*pids);
    if (options.events == 0) {
        options.events = options.max ? 200000 : static_cast<std::uint64_t>(options.rate * options.duration_s);
    }
    if (options.items == 0)
        options.items = std::max<std::uint64_t>(1000, static_cast<std::uint64_t>(options.rate * 2));
    options.items = std::min(options.items, options.events);
    if (options.observer_key_path.empty()) {
        options.observer_key_path =
            (std::filesystem::path(options.key_path).parent_path() / "auditor.key").string();
    }
    if (options.admin_key_path.empty()) {
        options.admin_key_path =
            (std::filesystem::path(options.key_path).parent_path() / "admin.key").string();
    }
    if (options.keys == 0) {
        const std::uint64_t requests = (options.events + options.batch - 1) / options.batch;
        const std::uint64_t per_node = (requests + options.nodes.size() - 1) / options.nodes.size();
        options.keys =
            std::clamp<std::size_t>(static_cast<std::size_t>((per_node + requests_per_key_per_node_max - 1) /
                                                             requests_per_key_per_node_max),
                                    1, keys_max);
    }
    if (options.agency.empty()) {
        std::string stem = std::filesystem::path(options.key_path).filename().string();
        auto parent = std::filesystem::path(options.key_path).parent_path().filename().string();
        // Localnet keys are DIR/keys/<AGENCY>/<role>.key.
        options.agency = parent.empty() ? stem.substr(0, stem.find('.')) : parent;
    }
}

// One prepared event: which connection sends it (and so which node), and its envelope.
struct Job {
    std::uint32_t connection = 0;
    std::uint32_t key = 0;  // Index of the key that signs the event and its request.
    std::string envelope;   // Canonical envelope text; moved into its request's body.
};

struct Workload {
    std::vector<Job> jobs;                                 // in global send order
    std::unordered_map<std::string, std::uint32_t> by_id;  // event id hex -> job index
    std::string case_id;
};

// One prepared request (signed, or to be signed when sent): one event (POST /v1/events), or a
// batch of consecutive events of one connection (POST /v1/batches).
struct Send {
    std::vector<std::uint32_t> jobs;  // Job indexes, in the connection's order.
    std::size_t position = 0;         // Place of its first event in the connection's order (pacing).
    std::uint32_t key = 0;            // Index of the key that signs it (and its events).
    api::ClientRequest request;
    // Where each job's envelope lies in the body (offset, length), to send refused ones again.
    std::vector<std::pair<std::size_t, std::size_t>> envelopes;
};

ledger::Event bench_event(const LoadOptions& options, ledger::EventKind kind, const std::string& item,
                          const std::string& case_id, ledger::TimeMs time) {
    ledger::Event event;
    event.chain_id = options.chain_id;
    event.kind = kind;
    event.item = item;
    event.case_id = case_id;
    event.agency = options.agency;
    event.time = time;
    event.digests = ledger::Digests{.sha256 = crypto::sha256(item)};
    return event;
}

// Round 0 registers every item; round r > 0 adds a verify chained on round r-1's event. Item i
// always goes to connection i mod C (and so to one node). The keys take turns by request: the
// connection's k-th request (its events k*batch ...) is signed with key (c + k) mod K.
Workload prepare(const LoadOptions& options, const std::vector<crypto::SecretKey>& keys,
                 std::size_t connections) {
    Workload workload;
    std::string run = random_suffix();
    workload.case_id = "BENCH-" + run;
    ledger::TimeMs time{std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count()};
    std::vector<ledger::EventId> heads(options.items);
    std::vector<std::uint64_t> queued(connections, 0);  // Events given to each connection so far.
    workload.jobs.reserve(options.events);
    workload.by_id.reserve(options.events * 2);
    for (std::uint64_t n = 0; n < options.events; ++n) {
        std::uint64_t item_index = n % options.items;
        std::string item = workload.case_id + "-" + std::to_string(item_index);
        bool first = n < options.items;
        ledger::Event event =
            bench_event(options, first ? ledger::EventKind::register_item : ledger::EventKind::verify, item,
                        workload.case_id, time);
        if (first) {
            event.location = "Bench evidence room";
            event.legal_authority = ledger::LegalAuthority{ledger::AuthorityKind::warrant, "W-BENCH-" + run};
            event.description = "bench item";
        } else {
            event.prev = heads[item_index];
        }
        const std::size_t connection = item_index % connections;
        const auto key =
            static_cast<std::uint32_t>((connection + queued[connection]++ / options.batch) % keys.size());
        ledger::Envelope envelope = ledger::sign_event(event, keys[key]);
        heads[item_index] = ledger::event_id(envelope.event);
        workload.by_id.emplace(ledger::event_id_hex(heads[item_index]), static_cast<std::uint32_t>(n));
        workload.jobs.push_back(Job{.connection = static_cast<std::uint32_t>(connection),
                                    .key = key,
                                    .envelope = ledger::canonical_envelope(envelope)});
    }
    return workload;
}

// Adds `count` new custodian keys of the agency, each by an officer.add event signed with the
// admin key and committed (POST /v1/events?wait=commit) before the next; returns their secret keys.
Result<std::vector<crypto::SecretKey>> add_custodians(const LoadOptions& options, api::HttpConnection& node,
                                                      const api::ParsedUrl& url, std::size_t count) {
    auto admin = read_key_option(options.admin_key_path);
    if (!admin) {
        return make_error(ErrorCode::invalid_argument,
                          "admin key (to add the --keys custodians): " + admin.error().message +
                              " (give --admin-key FILE)");
    }
    const std::string run = random_suffix();
    std::vector<crypto::SecretKey> keys;
    for (std::size_t k = 0; k < count; ++k) {
        crypto::SecretKey key = crypto::SecretKey::generate();
        ledger::Event event;
        event.chain_id = options.chain_id;
        event.kind = ledger::EventKind::officer_add;
        event.agency = options.agency;
        event.time = ledger::TimeMs{std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count()};
        event.officer = key.public_key();
        event.roles = {ledger::Role::custodian};
        event.name = "bench load custodian " + run + "-" + std::to_string(k + 1);
        api::ClientRequest request{.host = url.host,
                                   .port = url.port,
                                   .method = "POST",
                                   .target = "/v1/events?wait=commit",
                                   .content_type = "application/json",
                                   .body = ledger::canonical_envelope(ledger::sign_event(event, admin->key)),
                                   .timeout_ms = commit_wait_timeout_ms,
                                   .signing_key = &admin->key};
        auto response = node.request(request);
        if (!response) return tl::unexpected(response.error());
        if (response->status / 100 != 2) {
            return make_error(ErrorCode::io_error, "officer.add of a bench custodian key: HTTP " +
                                                       std::to_string(response->status) + " " +
                                                       response->body);
        }
        keys.push_back(std::move(key));
    }
    return keys;
}

// Groups each connection's jobs, in order, into requests of `batch` events (the last may hold
// fewer): POST /v1/events when batch is 1, else POST /v1/batches. An item's events all go to one
// connection, so a batch keeps their order. The envelopes move into the request bodies.
std::vector<std::vector<Send>> make_sends(Workload& workload,
                                          const std::vector<std::vector<std::uint32_t>>& per_connection,
                                          std::size_t batch) {
    std::vector<std::vector<Send>> sends(per_connection.size());
    for (std::size_t c = 0; c < per_connection.size(); ++c) {
        const auto& mine = per_connection[c];
        for (std::size_t first = 0; first < mine.size(); first += batch) {
            Send send{.position = first,
                      .key = workload.jobs[mine[first]].key,
                      .request = api::ClientRequest{.method = "POST",
                                                    .target = batch == 1 ? "/v1/events" : "/v1/batches",
                                                    .content_type = "application/json",
                                                    .timeout_ms = request_timeout_ms}};
            std::string& body = send.request.body;
            if (batch > 1) body = R"({"events":[)";
            for (std::size_t k = first; k < std::min(mine.size(), first + batch); ++k) {
                if (k > first) body += ',';
                send.envelopes.emplace_back(body.size(), workload.jobs[mine[k]].envelope.size());
                body += workload.jobs[mine[k]].envelope;
                std::string().swap(workload.jobs[mine[k]].envelope);
                send.jobs.push_back(mine[k]);
            }
            if (batch > 1) body += "]}";
            sends[c].push_back(std::move(send));
        }
    }
    return sends;
}

struct Outcome {
    std::vector<std::int64_t> sent_ns;      // per job, 0 = not sent
    std::vector<std::int64_t> answered_ns;  // per job, the 202 (or refusal) arrived
    // Per job, 0 = not seen committed; written by the observer while the drain reads it.
    std::vector<std::atomic<std::int64_t>> committed_ns;
    std::vector<std::uint16_t> status;               // per job, HTTP status, 0 = transport error or not sent
    std::atomic<std::uint64_t> retried_requests{0};  // Requests sent again after a 503.
    std::atomic<std::uint64_t> retried_events{0};    // Events in them.
    std::atomic<std::uint64_t> observed_height{0};   // The last block the observer read.
};

std::int64_t now_ns(SteadyClock::time_point start) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start).count();
}

// Each event's outcome from its request's answer: the HTTP status for one event (202 admitted);
// for a batch, 202 for an entry admitted ("pending") and the entry's problem status for one
// refused, or the HTTP status for all when the whole batch was refused. 0: no answer.
void record_answer(const Send& send, const Result<api::ClientResponse>& response, Outcome& outcome) {
    auto set_all = [&](std::uint16_t status) {
        for (auto index : send.jobs)
            outcome.status[index] = status;
    };
    if (!response) return set_all(0);
    if (send.request.target != "/v1/batches" || response->status != 200) {
        return set_all(static_cast<std::uint16_t>(response->status));
    }
    auto answer = crypto::parse_json(response->body,
                                     crypto::JsonParseOptions{.bytes_max = api::client_response_bytes_max});
    if (!answer || !answer->is_object() || !answer->contains("results") || !(*answer)["results"].is_array() ||
        (*answer)["results"].size() != send.jobs.size()) {
        return set_all(0);
    }
    for (std::size_t k = 0; k < send.jobs.size(); ++k) {
        const auto& entry = (*answer)["results"][k];
        std::uint16_t status = 0;
        if (entry.value("status", "") == "pending") {
            status = 202;
        } else if (entry.contains("problem") && entry["problem"].is_object()) {
            status = entry["problem"].value("status", std::uint16_t{0});
        }
        outcome.status[send.jobs[k]] = status;
    }
}

// The request that sends `send`'s events at `positions` again (signed now: a nonce is used once).
Send resend(const Send& send, const std::vector<std::size_t>& positions, const crypto::SecretKey& key) {
    Send again{.key = send.key,
               .request = api::ClientRequest{.host = send.request.host,
                                             .port = send.request.port,
                                             .method = send.request.method,
                                             .target = send.request.target,
                                             .content_type = send.request.content_type,
                                             .timeout_ms = send.request.timeout_ms}};
    const bool batch = send.request.target == "/v1/batches";
    std::string& body = again.request.body;
    for (std::size_t k : positions) {
        body += body.empty() ? (batch ? R"({"events":[)" : "") : ",";
        const auto [offset, length] = send.envelopes[k];
        body.append(send.request.body, offset, length);
        again.jobs.push_back(send.jobs[k]);
    }
    if (batch) body += "]}";
    again.request.signing_key = &key;
    again.request.signature_lifetime_s = send_time_lifetime_s;
    return again;
}

// The positions in `send` of the events refused with 503 (a full mempool).
std::vector<std::size_t> refused_full(const Send& send, const Outcome& outcome) {
    std::vector<std::size_t> positions;
    for (std::size_t k = 0; k < send.jobs.size(); ++k) {
        if (outcome.status[send.jobs[k]] == 503) positions.push_back(k);
    }
    return positions;
}

// One sender: its requests in order, paced so its events go at `rate` (0 = as fast as answers
// come); a batch leaves when its first event is due, `offset_s` after the schedule's start. The
// events of a request refused with 503 are sent again (up to `retries` times, backing off)
// before the next request.
// Requests not signed in advance (`presigned` false) are signed just before sending.
void send_requests(std::vector<Send>& mine, Outcome& outcome, const api::ParsedUrl& node, double rate,
                   double offset_s, SteadyClock::time_point start, double duration_s, bool presigned,
                   const std::vector<crypto::SecretKey>& keys, std::uint64_t retries) {
    api::HttpConnection connection(node.host, node.port);
    for (Send& send : mine) {
        if (rate > 0) {
            auto due = start + std::chrono::nanoseconds(static_cast<std::int64_t>(
                                   1e9 * (offset_s + static_cast<double>(send.position) / rate)));
            std::this_thread::sleep_until(due);
        }
        if (std::chrono::duration<double>(SteadyClock::now() - start).count() >= duration_s) break;
        api::ClientRequest& request = send.request;
        request.signing_key = presigned ? nullptr : &keys[send.key];
        request.signature_lifetime_s = send_time_lifetime_s;
        const std::int64_t sent = now_ns(start);
        for (auto index : send.jobs)
            outcome.sent_ns[index] = sent;
        auto response = connection.request(request);
        const std::int64_t answered = now_ns(start);
        for (auto index : send.jobs)
            outcome.answered_ns[index] = answered;
        record_answer(send, response, outcome);
        auto backoff = std::chrono::milliseconds(100);
        for (std::uint64_t attempt = 0; attempt < retries; ++attempt) {
            const auto positions = refused_full(send, outcome);
            if (positions.empty()) break;
            std::this_thread::sleep_for(backoff);
            backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
            Send again = resend(send, positions, keys[send.key]);
            outcome.retried_requests.fetch_add(1);
            outcome.retried_events.fetch_add(again.jobs.size());
            auto retried = connection.request(again.request);
            const std::int64_t retried_at = now_ns(start);
            for (auto index : again.jobs)
                outcome.answered_ns[index] = retried_at;
            record_answer(again, retried, outcome);
        }
        std::string().swap(request.body);
    }
}

// Follows the latest checkpoint and marks the events of each new block committed.
void observe_commits(const api::ParsedUrl& node, const crypto::SecretKey& observer_key,
                     const Workload& workload, Outcome& outcome, SteadyClock::time_point start,
                     std::uint64_t from_height, const std::atomic<bool>& stop) {
    api::HttpConnection connection(node.host, node.port);
    std::uint64_t seen = from_height;
    while (!stop.load()) {
        auto height = latest_height(connection);
        if (!height || *height <= seen) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
        }
        std::int64_t observed = now_ns(start);
        for (std::uint64_t h = seen + 1; h <= *height; ++h) {
            auto ids = block_event_ids(connection, observer_key, h);
            if (!ids) break;
            for (const auto& id : *ids) {
                auto found = workload.by_id.find(id);
                if (found == workload.by_id.end() || outcome.committed_ns[found->second] != 0) continue;
                outcome.committed_ns[found->second] = observed;
            }
            seen = h;
            outcome.observed_height = h;
        }
    }
}

struct TimedPhase {
    const LoadOptions& options;
    const std::vector<crypto::SecretKey>& keys;
    const crypto::SecretKey& observer_key;
    const Workload& workload;
    std::vector<std::vector<Send>>& per_connection;
    bool presigned = false;
    std::uint64_t start_height = 0;
};

// Sends every connection's jobs (one thread each) while one observer follows the commits, then
// waits up to the drain time for the admitted events still outstanding. Returns the seconds spent
// sending; samples the processes at the start and end of sending.
double run_timed_phase(const TimedPhase& phase, Outcome& outcome, std::vector<ProcessInfo>& processes) {
    const LoadOptions& options = phase.options;
    const std::size_t connections = phase.per_connection.size();
    std::atomic<bool> stop_observer{false};
    auto start = SteadyClock::now();
    sample_processes(processes);
    std::thread observer_thread(observe_commits, std::cref(options.nodes[0]), std::cref(phase.observer_key),
                                std::cref(phase.workload), std::ref(outcome), start, phase.start_height,
                                std::cref(stop_observer));
    std::vector<std::thread> senders;
    double per_connection_rate = options.max ? 0 : options.rate / static_cast<double>(connections);
    // Connection c starts c/connections of a request's period late: with equal schedules every
    // connection's request would leave at the same instant, a burst of connections x batch
    // events each period instead of the offered rate.
    const double request_period_s =
        options.max ? 0 : static_cast<double>(options.batch) / per_connection_rate;
    for (std::size_t c = 0; c < connections; ++c) {
        const double offset_s = request_period_s * static_cast<double>(c) / static_cast<double>(connections);
        senders.emplace_back(send_requests, std::ref(phase.per_connection[c]), std::ref(outcome),
                             std::cref(options.nodes[c % options.nodes.size()]), per_connection_rate,
                             offset_s, start, options.duration_s, phase.presigned, std::cref(phase.keys),
                             options.retries);
    }
    for (auto& sender : senders)
        sender.join();
    double send_s = std::chrono::duration<double>(SteadyClock::now() - start).count();
    sample_processes(processes);
    // The drain waits for the admitted events (202, "pending"), not for a count: events answered
    // otherwise may commit too (a request the client stopped waiting for, which the node ran
    // later), and counting those would end it with admitted events still outstanding.
    const auto outstanding = [&outcome] {
        for (std::size_t i = 0; i < outcome.status.size(); ++i) {
            if (outcome.status[i] == 202 && outcome.committed_ns[i].load() == 0) return true;
        }
        return false;
    };
    auto drain_end =
        SteadyClock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(options.drain_s * 1000));
    while (outstanding() && SteadyClock::now() < drain_end)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    sample_processes(processes);  // After the last commit seen: the CPU per committed event.
    stop_observer = true;
    observer_thread.join();
    return send_s;
}

// Whether the rate was sustained, not only reached on average: events committed in each whole
// 10 s window from the first send (by the time the observer saw their block).
void print_commit_windows(const Outcome& outcome, std::int64_t first_sent, std::int64_t last_commit) {
    constexpr std::int64_t window_ns = 10'000'000'000;
    if (last_commit <= first_sent) return;
    const auto windows = static_cast<std::size_t>((last_commit - first_sent) / window_ns);
    if (windows == 0) return;
    std::vector<std::uint64_t> counts(windows, 0);
    for (std::int64_t committed_ns : outcome.committed_ns) {
        if (committed_ns == 0) continue;
        auto window = static_cast<std::size_t>((committed_ns - first_sent) / window_ns);
        if (window < windows) ++counts[window];
    }
    auto [lowest, highest] = std::minmax_element(counts.begin(), counts.end());
    std::printf("committed per 10 s window (%zu whole windows from the first send): min %.0f/s, max %.0f/s\n",
                windows, static_cast<double>(*lowest) / 10.0, static_cast<double>(*highest) / 10.0);
}

void print_results(const LoadOptions& options, const Outcome& outcome, double send_s,
                   std::size_t connections) {
    std::vector<double> latencies_ms, answer_ms;
    // Committed: all, and of those the events answered otherwise than admitted.
    std::uint64_t sent = 0, accepted = 0, committed = 0, committed_unadmitted = 0, transport_errors = 0;
    std::map<unsigned, std::uint64_t> refused;
    std::int64_t first_sent = INT64_MAX, last_commit = 0;
    for (std::size_t i = 0; i < outcome.sent_ns.size(); ++i) {
        if (outcome.sent_ns[i] == 0) continue;
        ++sent;
        first_sent = std::min(first_sent, outcome.sent_ns[i]);
        answer_ms.push_back(static_cast<double>(outcome.answered_ns[i] - outcome.sent_ns[i]) / 1e6);
        if (outcome.status[i] == 0)
            ++transport_errors;
        else if (outcome.status[i] == 202)
            ++accepted;
        else
            ++refused[outcome.status[i]];
        const std::int64_t committed_ns = outcome.committed_ns[i].load();
        if (committed_ns == 0) continue;
        ++committed;
        if (outcome.status[i] != 202) ++committed_unadmitted;
        last_commit = std::max(last_commit, committed_ns);
        latencies_ms.push_back(static_cast<double>(committed_ns - outcome.sent_ns[i]) / 1e6);
    }
    std::printf("nodes %zu, connections %zu, offered %s, timed phase %.1f s\n", options.nodes.size(),
                connections,
                options.max ? "max" : (std::to_string(static_cast<long>(options.rate)) + " events/s").c_str(),
                send_s);
    std::printf("sent %llu (%.0f/s), admitted (202%s) %llu, transport errors %llu\n",
                static_cast<unsigned long long>(sent), static_cast<double>(sent) / send_s,
                options.batch > 1 ? " or pending in a batch" : "", static_cast<unsigned long long>(accepted),
                static_cast<unsigned long long>(transport_errors));
    for (const auto& [status, count] : refused) {
        std::printf("  refused with HTTP %u%s: %llu\n", status,
                    options.batch > 1 ? " (or an entry's problem)" : "",
                    static_cast<unsigned long long>(count));
    }
    if (outcome.retried_requests.load() > 0) {
        std::printf("  sent again after a 503 (mempool full): %llu requests, %llu events\n",
                    static_cast<unsigned long long>(outcome.retried_requests.load()),
                    static_cast<unsigned long long>(outcome.retried_events.load()));
    }
    double span_s = committed > 0 ? static_cast<double>(last_commit - first_sent) / 1e9 : 0;
    std::printf("committed %llu of %llu admitted",
                static_cast<unsigned long long>(committed - committed_unadmitted),
                static_cast<unsigned long long>(accepted));
    if (committed_unadmitted > 0) {
        // A request the node ran after the client stopped waiting for its answer (a 503 "node is
        // busy" is never one: the node drops a request it has not started).
        std::printf(
            ", and %llu answered otherwise that a node admitted after all (it ran the request after "
            "the client stopped waiting)",
            static_cast<unsigned long long>(committed_unadmitted));
    }
    std::printf("; committed events/s %.0f (over %.1f s, first send to last commit)\n",
                span_s > 0 ? static_cast<double>(committed) / span_s : 0.0, span_s);
    print_commit_windows(outcome, first_sent, last_commit);
    print_percentiles("commit latency (send -> certified block)", latencies_ms);
    print_percentiles(
        options.batch > 1 ? "admission latency (send -> batch answer)" : "admission latency (send -> 202)",
        answer_ms);
}

// What a node says of one event (GET /v1/events/{id}): committed (at `height`), pending in its
// pool, unknown (404), or no usable answer.
struct Seen {
    enum Kind : std::uint8_t { committed, pending, dropped, unknown, unanswered } kind = unanswered;
    std::uint64_t height = 0;
    std::string rule;  // dropped: the rule the node's pool let it go for (its 404 names it).
};

Seen look_up(api::HttpConnection& connection, const crypto::SecretKey& key, const std::string& id) {
    api::ClientRequest request{.target = "/v1/events/" + id, .signature_lifetime_s = 30};
    request.signing_key = &key;
    auto response = connection.request(request);
    if (!response) return {};
    auto json = crypto::parse_json(response->body,
                                   crypto::JsonParseOptions{.bytes_max = api::client_response_bytes_max});
    if (response->status == 404) {
        // An event the node's pool dropped: its 404 names the rule (a plain unknown id names none).
        if (json && json->is_object() && json->contains("rule") && (*json)["rule"].is_string())
            return {.kind = Seen::dropped, .rule = (*json)["rule"].get<std::string>()};
        return {.kind = Seen::unknown};
    }
    if (response->status != 200) return {};
    if (!json || !json->is_object()) return {};
    const std::string status = json->value("status", "");
    if (status == "committed")
        return {.kind = Seen::committed, .height = json->value("height", std::uint64_t{0})};
    if (status == "pending") return {.kind = Seen::pending};
    return {};
}

// Why an admitted event was not seen committed, from what the nodes say of it now.
std::string uncommitted_reason(const std::vector<Seen>& seen, std::uint64_t observed_height,
                               std::string& detail) {
    std::uint64_t height = 0;
    bool unanswered = false;
    std::string pending_on;
    std::string dropped_on;
    std::string rule;
    for (std::size_t n = 0; n < seen.size(); ++n) {
        if (seen[n].kind == Seen::committed) height = std::max(height, seen[n].height);
        if (seen[n].kind == Seen::pending) pending_on += " " + std::to_string(n);
        if (seen[n].kind == Seen::dropped) dropped_on += " " + std::to_string(n), rule = seen[n].rule;
        if (seen[n].kind == Seen::unanswered) unanswered = true;
    }
    if (height != 0) {
        detail = " at height " + std::to_string(height);
        return height <= observed_height
                   ? "committed in a block the observer read (a bench accounting error)"
                   : "committed after the drain ended (the observer stopped before its block)";
    }
    if (!pending_on.empty()) {
        detail = " pending on node" + pending_on;
        return "still pending (the drain ended first)";
    }
    if (!dropped_on.empty()) {
        detail = " dropped by node" + dropped_on;
        return "dropped by a pool, rule " + rule + " (the node's 404 and its event_dropped line say why)";
    }
    if (unanswered) return "not found on the nodes that answered (some did not)";
    return "unknown to every node (a node that dropped it and restarted since forgets it; see event_dropped "
           "lines)";
}

// The admitted events not seen committed, each looked up on every node (at most
// uncommitted_looked_up_max of them, the earliest sent first) once the drain has ended: committed
// (after the drain, or in a block the observer read: then the bench miscounted), still pending in
// a pool, dropped by a pool (whose node's 404 names the rule, as its event_dropped line does), or
// unknown to every node. Each is printed with the answer its item's previous event got, since an
// event dropped for its predecessor says so.
constexpr std::size_t uncommitted_looked_up_max = 1000;
constexpr std::size_t uncommitted_listed_max = 10;

void print_uncommitted(const LoadOptions& options, const crypto::SecretKey& observer_key,
                       const Workload& workload, const Outcome& outcome) {
    std::vector<std::pair<std::uint32_t, const std::string*>> missing;
    for (const auto& [id, index] : workload.by_id) {
        if (outcome.status[index] == 202 && outcome.committed_ns[index].load() == 0)
            missing.emplace_back(index, &id);
    }
    if (missing.empty()) return;
    std::sort(missing.begin(), missing.end());
    std::vector<api::HttpConnection> connections;
    for (const auto& node : options.nodes)
        connections.emplace_back(node.host, node.port);
    const std::uint64_t observed_height = outcome.observed_height.load();
    std::map<std::string, std::vector<std::string>> by_reason;
    const std::size_t looked_up = std::min(missing.size(), uncommitted_looked_up_max);
    for (std::size_t k = 0; k < looked_up; ++k) {
        const auto [index, id] = missing[k];
        std::vector<Seen> seen;
        for (auto& connection : connections)
            seen.push_back(look_up(connection, observer_key, *id));
        std::string line = *id;
        std::string detail;
        std::string reason = uncommitted_reason(seen, observed_height, detail);
        line += detail;
        if (index >= options.items) {
            const std::uint32_t previous = index - static_cast<std::uint32_t>(options.items);
            line += "; its item's previous event: HTTP " + std::to_string(outcome.status[previous]) +
                    (outcome.committed_ns[previous].load() != 0 ? ", committed" : ", not seen committed");
        }
        by_reason[reason].push_back(std::move(line));
    }
    std::printf(
        "admitted but not seen committed: %zu (the observer read up to height %llu; looked up on "
        "every node: %zu)\n",
        missing.size(), static_cast<unsigned long long>(observed_height), looked_up);
    for (const auto& [reason, lines] : by_reason) {
        std::printf("  %s: %zu\n", reason.c_str(), lines.size());
        for (std::size_t k = 0; k < std::min(lines.size(), uncommitted_listed_max); ++k)
            std::printf("    %s\n", lines[k].c_str());
        if (lines.size() > uncommitted_listed_max)
            std::printf("    ... and %zu more\n", lines.size() - uncommitted_listed_max);
    }
}

}  // namespace

namespace {

// The keys that sign in turn: --key first, then options.keys - 1 new custodians of the agency.
Result<std::vector<crypto::SecretKey>> signing_keys(const LoadOptions& options, crypto::SecretKey first,
                                                    api::HttpConnection& probe) {
    std::vector<crypto::SecretKey> keys;
    keys.push_back(std::move(first));
    if (options.keys <= 1) return keys;
    auto added = add_custodians(options, probe, options.nodes[0], options.keys - 1);
    if (!added) return tl::unexpected(added.error());
    std::printf("added %zu custodian key%s of %s (officer.add, committed)\n", added->size(),
                added->size() == 1 ? "" : "s", options.agency.c_str());
    for (auto& one : *added)
        keys.push_back(std::move(one));
    return keys;
}

struct Prepared {
    std::vector<std::vector<Send>> sends;  // Per connection.
    bool presigned = false;
};

// Each connection's requests, addressed to its node. The HTTP requests are signed now too when the
// run fits in their lifetime (with margin for the signing itself and the drain) and each node's
// replay cache can hold all their nonces until they expire; otherwise each sender signs just
// before sending, with a short lifetime.
Prepared prepare_requests(const LoadOptions& options, Workload& workload,
                          const std::vector<crypto::SecretKey>& keys, std::size_t connections) {
    std::vector<std::vector<std::uint32_t>> per_connection(connections);
    for (std::uint32_t i = 0; i < workload.jobs.size(); ++i)
        per_connection[workload.jobs[i].connection].push_back(i);
    Prepared prepared{.sends = make_sends(workload, per_connection, options.batch)};
    std::uint64_t requests = 0;
    for (const auto& mine : prepared.sends)
        requests += mine.size();
    const double run_bound_s = options.duration_s + options.drain_s + 30;
    prepared.presigned = run_bound_s + 0.0001 * static_cast<double>(requests) < 280 &&
                         requests / options.nodes.size() < presigned_per_node_max;
    const std::int64_t created = api::unix_time_s();
    for (std::size_t c = 0; c < prepared.sends.size(); ++c) {
        const auto& node = options.nodes[c % options.nodes.size()];
        for (auto& send : prepared.sends[c]) {
            send.request.host = node.host;
            send.request.port = node.port;
            if (prepared.presigned) api::sign_client_request(send.request, keys[send.key], created, 290);
        }
    }
    return prepared;
}

int run_bench_load(LoadOptions& options) {
    complete_load_options(options);
    auto key = read_key_option(options.key_path);
    if (!key) return fail(key.error().message);
    auto observer = read_key_option(options.observer_key_path);
    if (!observer) return fail("observer key: " + observer.error().message + " (give --observer-key FILE)");
    api::HttpConnection probe(options.nodes[0].host, options.nodes[0].port);
    if (options.chain_id.empty()) {
        auto chain = chain_id_of(probe, observer->key);
        if (!chain) return fail(chain.error().message);
        options.chain_id = *chain;
    }
    auto keys = signing_keys(options, std::move(key->key), probe);
    if (!keys) return fail(keys.error().message);
    auto start_height = latest_height(probe);
    if (!start_height) return fail(start_height.error().message);
    std::vector<ProcessInfo> processes = find_node_processes(options.nodes, options.pids);

    const std::size_t connections = options.nodes.size() * options.connections_per_node;
    auto prepare_start = SteadyClock::now();
    Workload workload = prepare(options, *keys, connections);
    Prepared prepared = prepare_requests(options, workload, *keys, connections);
    std::printf(
        "custos-dev bench load: %llu events over %llu items (case %s), agency %s, chain %s, batch %zu, %zu "
        "keys\n",
        static_cast<unsigned long long>(options.events), static_cast<unsigned long long>(options.items),
        workload.case_id.c_str(), options.agency.c_str(), options.chain_id.c_str(), options.batch,
        keys->size());
    std::printf("prepared in %.1f s (events signed%s)\n",
                std::chrono::duration<double>(SteadyClock::now() - prepare_start).count(),
                prepared.presigned ? ", HTTP requests signed" : "; HTTP requests are signed while sending");
    const double check_us_before = libsodium_verify_cpu_us();  // The unit, timed again at the end.

    Outcome outcome{std::vector<std::int64_t>(workload.jobs.size()),
                    std::vector<std::int64_t>(workload.jobs.size()),
                    std::vector<std::atomic<std::int64_t>>(workload.jobs.size()),
                    std::vector<std::uint16_t>(workload.jobs.size())};
    TimedPhase phase{.options = options,
                     .keys = *keys,
                     .observer_key = observer->key,
                     .workload = workload,
                     .per_connection = prepared.sends,
                     .presigned = prepared.presigned,
                     .start_height = *start_height};
    double send_s = run_timed_phase(phase, outcome, processes);
    print_results(options, outcome, send_s, connections);
    print_uncommitted(options, observer->key, workload, outcome);
    print_processes(processes, send_s);
    const auto committed = static_cast<std::uint64_t>(
        std::count_if(outcome.committed_ns.begin(), outcome.committed_ns.end(),
                      [](const std::atomic<std::int64_t>& at) { return at.load() != 0; }));
    print_cpu_per_event(processes, committed, std::max(1u, std::thread::hardware_concurrency()),
                        check_us_before);
    return exit_ok;
}

// Where the load goes and who signs it: the nodes, the keys, the agency, the chain, the processes.
void add_target_options(CLI::App& command, LoadOptions& options) {
    command
        .add_option("--nodes", options.nodes_text,
                    "comma-separated REST base URLs; connections are spread over all")
        ->type_name("URL,...")
        ->required()
        ->check(node_list());
    command
        .add_option("--key", options.key_path,
                    "custodian key of the acting agency\n(localnet: DIR/keys/AGENCY/custodian.key)")
        ->type_name("FILE")
        ->required();
    command
        .add_option("--observer-key", options.observer_key_path,
                    "an auditor or admin key, to read blocks\n(default: auditor.key next to --key)")
        ->type_name("FILE");
    command
        .add_option(
            "--admin-key", options.admin_key_path,
            "the agency's admin key, to add the keys beyond --key\n(default: admin.key next to --key)")
        ->type_name("FILE");
    command
        .add_option("--keys", options.keys,
                    "custodian keys that sign in turn, 1 to " + std::to_string(keys_max) +
                        " (default: enough that no key\nsends one node more than 8,000 requests)")
        ->type_name("N")
        ->check(whole_number(1, keys_max));
    command
        .add_option("--agency", options.agency,
                    "the acting agency (default: the name of the key file's directory,\n"
                    "as in DIR/keys/AGENCY/; for a bare file name, that name up to its first '.')")
        ->type_name("ID");
    command
        .add_option("--chain-id", options.chain_id,
                    "the chain id (default: from GET /v1/status with the observer key)")
        ->type_name("ID");
    command
        .add_option("--pids", options.pids_text,
                    "the nodes' process ids for CPU and memory (default: the processes\n"
                    "listening on the nodes' REST ports, from /proc)")
        ->type_name("PID,...")
        ->check(pid_list());
}

// How much load, how fast, and how requests are made.
void add_workload_options(CLI::App& command, LoadOptions& options) {
    auto* rate = command.add_option("--rate", options.rate, "events per second offered (default 2500)")
                     ->type_name("N")
                     ->check(positive_number(1e9));
    command
        .add_flag("--max", options.max, "send as fast as the nodes answer (closed loop over the connections)")
        ->excludes(rate);
    command.add_option("--duration", options.duration_s, "length of the timed phase in seconds (default 60)")
        ->type_name("S")
        ->check(positive_number(1e9));
    command
        .add_option("--events", options.events,
                    "events to prepare (default rate x duration; 200000 with --max)")
        ->type_name("N")
        ->check(whole_number(1, std::numeric_limits<std::uint64_t>::max()));
    command
        .add_option("--connections", options.connections_per_node,
                    "keep-alive connections per node (default 4)")
        ->type_name("C")
        ->check(whole_number(1, 64));
    command
        .add_option("--items", options.items,
                    "items in flight (default max(rate x 2, 1000), at most --events)")
        ->type_name("K")
        ->check(whole_number(1, std::numeric_limits<std::uint64_t>::max()));
    command
        .add_option("--drain", options.drain_s,
                    "after sending, wait up to S seconds for outstanding commits (default 20)")
        ->type_name("S")
        ->check(positive_number(1e9));
    command
        .add_option("--batch", options.batch,
                    "events per request, 1 to " + std::to_string(api::batch_events_max) +
                        " (default 1: POST /v1/events per event;\nabove 1: POST /v1/batches)")
        ->type_name("N")
        ->check(whole_number(1, api::batch_events_max));
    command
        .add_option("--retries", options.retries,
                    "tries again after a 503, at most N times per request\n(default 10; 0: never)")
        ->type_name("N")
        ->check(whole_number(0, 1000));
}

}  // namespace

void add_bench_load(Tool& tool, CLI::App& bench) {
    auto options = std::make_shared<LoadOptions>();
    auto& command = tool.add(bench, "load",
                             "signed custody events against running nodes: committed events/s, commit "
                             "latency, the nodes' CPU and memory",
                             [options] { return run_bench_load(*options); });
    add_target_options(command, *options);
    add_workload_options(command, *options);
    command.footer(std::string(load_help));
}

}  // namespace custos::cli
