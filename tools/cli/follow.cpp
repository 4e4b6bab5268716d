// custos follow: the committed events the key may read, as they are committed (GET /v1/stream,
// server-sent events), one line each; reconnects and resumes after the last event printed.
#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

#include "tools/cli/commands.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;
using crypto::Json;

constexpr std::string_view follow_help =
    "[--json]\n"
    "\n"
    "Prints the committed events the key may read as they are committed (GET /v1/stream,\n"
    "server-sent events), one line each: leaf index, height, the event's time, kind, item,\n"
    "case and acting agency; with --json one JSON object per line (id, height, leaf_index,\n"
    "envelope). It starts with block H (--from-height), else with what commits next. When the\n"
    "connection drops, or the node ends the stream because it was read too slowly, it\n"
    "reconnects after a pause and resumes after the last event printed (Last-Event-ID): no\n"
    "event is printed twice or left out. An auditor follows every case; a custodian,\n"
    "prosecutor or admin the cases its agency takes part in.\n"
    "\n"
    "exit status: 0 stopped after --max-events, 1 refused (the node's problem is printed) or the\n"
    "key revoked, 2 bad usage.";

// Silence for this long (the node sends a heartbeat every 15 s) means the connection is gone.
constexpr std::uint32_t follow_idle_timeout_ms = 45000;
constexpr int follow_pause_max_s = 30;

// A string member of a member, or "".
std::string inner(const Json& json, std::string_view outer, std::string_view member) {
    if (!json.is_object() || !json.contains(outer) || !json[std::string(outer)].is_object()) return {};
    return text(json[std::string(outer)], member);
}

struct Follower {
    const Options& options;
    const crypto::SecretKey& key;
    std::string case_id;
    std::string from_height;
    std::uint64_t max_events = 0;  // 0: no end
    std::uint64_t printed = 0;
    std::string last_id;  // the SSE id of the last event printed
    std::string pending;  // bytes of an SSE event not yet whole
    std::optional<int> exit_code;

    void print(const std::string& data) {
        auto entry = crypto::parse_json(data);
        if (!entry) return;
        if (options.json) {
            std::cout << entry->dump() << std::endl;
        } else {
            const Json& envelope = entry->contains("envelope") ? (*entry)["envelope"] : Json();
            std::cout << "leaf " << number(*entry, "leaf_index") << "  height " << number(*entry, "height")
                      << "  " << inner(envelope, "event", "time") << "  " << inner(envelope, "event", "kind")
                      << "  " << inner(envelope, "event", "item") << " (case "
                      << inner(envelope, "event", "case") << ") by " << inner(envelope, "event", "agency")
                      << "  event " << text(*entry, "id") << std::endl;
        }
    }

    // One whole SSE event (its lines).
    void handle(std::string_view block) {
        std::string id, event, data;
        while (!block.empty()) {
            const auto end = block.find('\n');
            std::string_view line = block.substr(0, end);
            block.remove_prefix(end == std::string_view::npos ? block.size() : end + 1);
            if (line.starts_with(":")) continue;  // a heartbeat
            auto field = [&](std::string_view name) -> std::optional<std::string> {
                if (!line.starts_with(name) || line.size() < name.size() + 1 || line[name.size()] != ':')
                    return std::nullopt;
                std::string_view value = line.substr(name.size() + 1);
                if (value.starts_with(" ")) value.remove_prefix(1);
                return std::string(value);
            };
            if (auto value = field("id")) id = *value;
            if (auto value = field("event")) event = *value;
            if (auto value = field("data")) data = *value;
        }
        if (event == "committed") {
            print(data);
            if (!id.empty()) last_id = id;
            if (max_events != 0 && ++printed >= max_events) exit_code = exit_ok;
        } else if (event == "end") {
            auto end = crypto::parse_json(data);
            const std::string reason = end ? text(*end, "reason") : "";
            std::cerr << "the node ended the stream: " << (end ? text(*end, "detail") : data) << "\n";
            if (reason == "key_revoked") exit_code = exit_failure;
        }
    }

    // Bytes as they come: whole events are handled, the rest kept. False to stop reading.
    bool take(std::string_view bytes) {
        pending.append(bytes);
        std::size_t end;
        while ((end = pending.find("\n\n")) != std::string::npos && !exit_code) {
            handle(std::string_view(pending).substr(0, end));
            pending.erase(0, end + 2);
        }
        return !exit_code;
    }

    // One connection: true when it was made and answered 200 (whatever ended it).
    Result<api::ClientResponse> connect() {
        std::string target = "/v1/stream";
        std::vector<std::string> query;
        if (!from_height.empty() && last_id.empty()) query.push_back("from_height=" + from_height);
        if (!case_id.empty()) query.push_back("case=" + case_id);
        for (std::size_t i = 0; i < query.size(); ++i) {
            target.push_back(i == 0 ? '?' : '&');
            target.append(query[i]);
        }
        api::ClientRequest request{.host = options.node.host,
                                   .port = options.node.port,
                                   .target = target,
                                   .timeout_ms = request_timeout_ms,
                                   .signing_key = &key,
                                   .tls = options.tls};
        if (!last_id.empty()) request.headers.emplace_back("Last-Event-ID", last_id);
        pending.clear();
        return api::http_stream(request, follow_idle_timeout_ms,
                                [this](std::string_view bytes) { return take(bytes); });
    }
};

struct FollowOptions : Options {
    std::string from_height, case_id;
    std::uint64_t max_events = 0;
};

int run_follow(const FollowOptions& options) {
    auto key = read_key_option(options.key_path);
    if (!key) return fail(key.error().message);
    Follower follower{.options = options,
                      .key = key->key,
                      .case_id = options.case_id,
                      .from_height = options.from_height,
                      .max_events = options.max_events};
    int pause_s = 1;
    while (true) {
        auto answer = follower.connect();
        if (follower.exit_code) return *follower.exit_code;
        if (answer && answer->status == 200) {
            pause_s = 1;  // It was connected: the next pause starts short again.
            std::cerr << "the stream closed; reconnecting after leaf "
                      << (follower.last_id.empty() ? "-" : follower.last_id) << "\n";
        } else if (answer && answer->status == 503) {
            std::cerr << "the node is busy (HTTP 503); retrying in " << pause_s << " s\n";
        } else if (answer) {
            return report_problem(*answer);
        } else {
            std::cerr << "error: " << answer.error().message << "; retrying in " << pause_s << " s\n";
        }
        std::this_thread::sleep_for(std::chrono::seconds(pause_s));
        pause_s = std::min(pause_s * 2, follow_pause_max_s);
    }
}

}  // namespace

void add_follow(Tool& tool) {
    auto options = std::make_shared<FollowOptions>();
    auto& command = add_api_command(
        tool, tool.root(), "follow",
        "print the committed events your key may read as they are committed (GET /v1/stream)", options,
        [options] { return run_follow(*options); }, "print each event's JSON on a line of its own");
    command
        .add_option("--from-height", options->from_height,
                    "start with the events of block H (1: the whole ledger)")
        ->type_name("H")
        ->check(whole_number(1, 9'999'999'999'999'999'999ULL));
    command.add_option("--case", options->case_id, "only this case's events")
        ->type_name("CASE")
        ->check(path_id());
    command
        .add_option("--max-events", options->max_events,
                    "stop after N events (otherwise it runs until interrupted)")
        ->type_name("N")
        ->check(whole_number(1, 9'999'999'999'999'999'999ULL));
    command.footer(std::string(follow_help));
}

}  // namespace custos::cli
