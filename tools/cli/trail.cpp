// custos trail: an item's custody trail as a timeline (or the node's JSON with --json).
#include <iostream>

#include "tools/cli/api_client.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;
using crypto::Json;

const OptionSpec trail_spec{
    .usage =
        "usage: custos trail ITEM --node URL --key FILE [--json]\n"
        "\n"
        "Prints the custody trail of ITEM (GET /v1/items/ITEM/trail): its case, current custodian\n"
        "and state, the integrity alert if any, and every committed event in order as a timeline\n"
        "(time, kind, acting agency, the details that matter for that kind, height and leaf index).\n"
        "The request is signed with the officer key FILE; a custodian, prosecutor or admin reads\n"
        "the items of cases its agency takes part in, an auditor reads every item.\n"
        "\n"
        "options:\n"
        "  --node URL   the node's REST base URL, e.g. http://127.0.0.1:8081\n"
        "  --key FILE   the officer's secret key file (mode 0600)\n"
        "  --json       print the node's JSON answer as it is\n"
        "  -h, --help   show this help\n"
        "\n"
        "exit status: 0 printed, 1 refused or failed (the node's problem is printed), 2 bad usage.\n",
    .positional = 1,
    .names = {"ITEM"},
};

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
    if (kind == "access") add("", text(event, "action") + " for " + text(event, "purpose"));
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

void print_timeline(const Json& trail) {
    std::cout << "item " << text(trail, "item") << " (case " << text(trail, "case") << ")\n"
              << "custodian: " << text(trail, "custodian") << "   state: " << text(trail, "state") << "\n";
    bool alert = trail.contains("integrity_alert") && trail["integrity_alert"].is_boolean() &&
                 trail["integrity_alert"].get<bool>();
    std::cout << "integrity: "
              << (alert ? "ALERT: a measured digest or seal did not match (rule R22)" : "no alert") << "\n";
    const Json empty = Json::array();
    const Json& events = trail.contains("events") && trail["events"].is_array() ? trail["events"] : empty;
    std::cout << "\n" << events.size() << (events.size() == 1 ? " event" : " events") << ":\n";
    std::size_t index = 0;
    for (const auto& stored : events) {
        const Json& envelope = stored.contains("envelope") ? stored["envelope"] : empty;
        const Json& event = envelope.is_object() && envelope.contains("event") ? envelope["event"] : empty;
        std::string kind = text(event, "kind");
        std::cout << "  " << ++index << ". " << text(event, "time") << "  " << kind
                  << std::string(kind.size() < 16 ? 16 - kind.size() : 1, ' ') << text(event, "agency")
                  << "\n";
        if (auto details = event_details(event); !details.empty()) std::cout << "       " << details << "\n";
        std::cout << "       event " << text(stored, "id") << " (height " << number(stored, "height")
                  << ", leaf " << number(stored, "leaf_index") << ")\n";
    }
}

}  // namespace

int run_trail(const Args& args) {
    int exit_code = exit_ok;
    auto options = parse_options(args, trail_spec, exit_code);
    if (!options) return exit_code;
    const std::string& item = options->positional.front();
    if (!is_path_id(item)) return usage_error(trail_spec, "ITEM must match [A-Za-z0-9._:-]{1,128}");
    return get_and_print(*options, "/v1/items/" + item + "/trail", print_timeline);
}

}  // namespace custos::cli
