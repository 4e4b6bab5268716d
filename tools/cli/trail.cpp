// custos trail: an item's custody trail as a timeline (or the node's JSON with --json).
#include <iostream>
#include <map>

#include "tools/cli/commands.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;
using crypto::Json;

constexpr std::string_view trail_help =
    "Prints the custody trail of ITEM (GET /v1/items/ITEM/trail): its case, current custodian\n"
    "and state, the integrity alert if any, and every committed event in order as a timeline:\n"
    "time, kind, acting agency, the officer who signed it (name and roles, from GET\n"
    "/v1/officers/{key}; a revoked key is marked so), the details that matter for that kind\n"
    "(an access's action, purpose, tool and results; a grant's scope and expiry; ...), height\n"
    "and leaf index. --json prints the node's trail document (every page of it: the events of\n"
    "all pages in one array).\n"
    "The request is signed with the officer key FILE; a custodian, prosecutor or admin reads\n"
    "the items of cases its agency takes part in, an auditor reads every item.\n"
    "\n"
    "exit status: 0 printed, 1 refused or failed (the node's problem is printed), 2 bad usage.";

// Events asked for per page, and pages read at most (the store's read limit, 100,000 events).
constexpr std::size_t trail_page_events = 1000;
constexpr int trail_pages_max = 100;

// Who signed: "name (roles)" per key id, from the node's officer records.
using Officers = std::map<std::string, std::string>;

std::string join(const Json& array, std::string_view separator) {
    std::string out;
    if (!array.is_array()) return out;
    for (const auto& value : array) {
        if (value.is_string()) out += (out.empty() ? "" : std::string(separator)) + value.get<std::string>();
    }
    return out;
}

// The one line that says what an event did, by kind.
std::string event_details(const Json& event) {
    std::string kind = text(event, "kind");
    std::string out;
    auto add = [&](std::string_view label, const std::string& value) {
        if (value.empty()) return;
        out += (out.empty() ? "" : "; ") + std::string(label) + value;
    };
    if (kind == "transfer.offer") add("to ", text(event, "recipient"));
    if (kind == "transfer.offer") add("released by ", text(event, "released_by"));
    if (kind == "transfer.accept" || kind == "transfer.reject")
        add("received by ", text(event, "received_by"));
    if (kind == "transfer.accept" && event.contains("seal_intact") && event["seal_intact"].is_boolean()) {
        add("seal ", event["seal_intact"].get<bool>() ? "intact" : "NOT intact");
    }
    if (kind == "grant" || kind == "revoke") add("grantee ", text(event, "grantee"));
    if (kind == "grant") add("scope ", join(event.value("scope", Json::array()), ","));
    if (kind == "grant") add("expires ", text(event, "expires"));
    if (kind == "access") add("", text(event, "action") + " for " + text(event, "purpose"));
    add("tool ", text(event, "tool"));
    if (kind == "access" && event.contains("results") && event["results"].is_array()) {
        std::string results;
        for (const auto& result : event["results"])
            results += (results.empty() ? "" : ", ") + text(result, "sha256").substr(0, 16) + "...";
        add("results sha256 ", results);
    }
    if (kind == "derive") add("new item ", text(event, "new_item"));
    if (kind == "dispose") add("outcome ", text(event, "outcome"));
    add("seal ", text(event, "seal"));
    add("at ", text(event, "location"));
    add("reason: ", text(event, "reason"));
    if (event.contains("legal_authority") && event["legal_authority"].is_object()) {
        const Json& authority = event["legal_authority"];
        add("", text(authority, "kind") + " " + text(authority, "reference"));
    }
    if (event.contains("digests") && event["digests"].is_object()) {
        add("sha256 ", text(event["digests"], "sha256").substr(0, 16) + "...");
    }
    return out;
}

const Json& events_of(const Json& trail) {
    static const Json empty = Json::array();
    return trail.contains("events") && trail["events"].is_array() ? trail["events"] : empty;
}

const Json& member(const Json& json, std::string_view name) {
    static const Json empty = Json::object();
    if (!json.is_object()) return empty;
    auto found = json.find(name);
    return found == json.end() ? empty : *found;
}

void print_timeline(const Json& trail, const Officers& officers) {
    std::cout << "item " << text(trail, "item") << " (case " << text(trail, "case") << ")\n"
              << "custodian: " << text(trail, "custodian") << "   state: " << text(trail, "state") << "\n";
    bool alert = trail.contains("integrity_alert") && trail["integrity_alert"].is_boolean() &&
                 trail["integrity_alert"].get<bool>();
    std::cout << "integrity: "
              << (alert ? "ALERT: a measured digest or seal did not match (rule R22)" : "no alert") << "\n";
    const Json& events = events_of(trail);
    std::cout << "\n" << events.size() << (events.size() == 1 ? " event" : " events") << ":\n";
    std::size_t index = 0;
    for (const auto& stored : events) {
        const Json& envelope = member(stored, "envelope");
        const Json& event = member(envelope, "event");
        std::string kind = text(event, "kind");
        std::cout << "  " << ++index << ". " << text(event, "time") << "  " << kind
                  << std::string(kind.size() < 16 ? 16 - kind.size() : 1, ' ') << text(event, "agency");
        auto officer = officers.find(text(envelope, "signer"));
        std::cout << "   by "
                  << (officer == officers.end() ? "key " + text(envelope, "signer").substr(0, 16) + "..."
                                                : officer->second)
                  << "\n";
        if (auto details = event_details(event); !details.empty()) std::cout << "       " << details << "\n";
        std::cout << "       event " << text(stored, "id") << " (height " << number(stored, "height")
                  << ", leaf " << number(stored, "leaf_index") << ")\n";
    }
}

// "J. Jansen (custodian)" for each signer of the trail; a key the node does not answer for is
// left out (the line then shows the key).
Officers signers_of(const Options& options, const crypto::SecretKey& key, const Json& trail) {
    Officers officers;
    for (const auto& stored : events_of(trail)) {
        std::string signer = text(member(stored, "envelope"), "signer");
        if (signer.empty() || officers.contains(signer) || !is_path_id(signer)) continue;
        auto response = signed_call(options, key, "GET", "/v1/officers/" + signer);
        if (!response || response->status != 200) continue;
        auto record = crypto::parse_json(response->body);
        if (!record) continue;
        std::string line = text(*record, "name", "?") + " (" + join(member(*record, "roles"), ", ") + ")";
        if (text(*record, "status") == "revoked") line += " [key revoked since]";
        officers.emplace(signer, line);
    }
    return officers;
}

struct TrailOptions : Options {
    std::string item;
    std::size_t page_size = trail_page_events;
};

int run_trail(const TrailOptions& options) {
    const std::string& item = options.item;
    auto key = read_key_option(options.key_path);
    if (!key) return fail(key.error().message);
    const std::size_t page_size = options.page_size;
    bool more = false;
    auto trail = read_document_pages(
        options, key->key, "/v1/items/" + item + "/trail",
        PagesOf{.field = "events", .cursor = "cursor", .pages_max = trail_pages_max, .limit = page_size},
        more);
    if (!trail) return trail.error();
    if (more) {
        std::cerr << "warning: the trail is longer than " << trail_pages_max * page_size
                  << " events; the first ones are shown\n";
    }
    if (options.json) {
        std::cout << trail->dump(2) << "\n";
        return exit_ok;
    }
    print_timeline(*trail, signers_of(options, key->key, *trail));
    return exit_ok;
}

}  // namespace

void add_trail(Tool& tool) {
    auto options = std::make_shared<TrailOptions>();
    auto& command = add_api_command(
        tool, tool.root(), "trail", "print an item's custody trail as a timeline", options,
        [options] { return run_trail(*options); },
        "print the node's JSON answer as it is (the pages joined)");
    command.add_option("ITEM", options->item, "the item's id")->required()->check(path_id());
    command
        .add_option(
            "--page-size", options->page_size,
            "events asked for per request, 1..1000 (default 1000); the whole trail is read in any case")
        ->type_name("N")
        ->check(whole_number(1, trail_page_events));
    command.footer(std::string(trail_help));
}
}  // namespace custos::cli
