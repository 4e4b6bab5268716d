// custos reads: who read or exported an item and when (GET /v1/items/{item}/reads), from the
// consultation log the validators agree on (docs/FORMAT.md 6.7).
#include <iostream>

#include "tools/cli/commands.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;
using crypto::Json;

constexpr std::string_view reads_help =
    "Prints who read or exported the item and when, from the consultation log the validators\n"
    "commit: each signed trail, bundle, state-proof or reads request a node answered (served)\n"
    "or refused (403), with the time the node received it, the officer's key, agency, role and\n"
    "name, and the node that served it: GET /v1/items/ITEM/reads, every page. Each line is\n"
    "backed by the officer's own request signature, checked by every validator. For auditors,\n"
    "the prosecutors of the item's case and the officers of its custodian agency; anyone else\n"
    "is refused (403), and that refusal is itself recorded. A read appears once its record\n"
    "is committed (about a block after the read).\n"
    "\n"
    "exit status: 0 printed (also when nobody read it yet), 1 refused or failed, 2 bad usage.";

// Pages read at most (1,000 records each).
constexpr int reads_pages_max = 100;

std::string roles_text(const Json& officer) {
    std::string roles;
    if (officer.contains("roles") && officer["roles"].is_array()) {
        for (const auto& role : officer["roles"])
            roles +=
                (roles.empty() ? "" : ",") + (role.is_string() ? role.get<std::string>() : std::string("?"));
    }
    return roles.empty() ? "?" : roles;
}

struct ReadsOptions : Options {
    std::string item;
};

int run_reads(const ReadsOptions& options) {
    const std::string& item = options.item;
    auto key = read_key_option(options.key_path);
    if (!key) return fail(key.error().message);
    bool more = false;
    auto document = read_document_pages(
        options, key->key, "/v1/items/" + item + "/reads",
        PagesOf{.field = "reads", .cursor = "cursor", .pages_max = reads_pages_max}, more);
    if (!document) return document.error();
    const std::string custodian = text(*document, "custodian");
    const Json& reads = (*document)["reads"];
    if (options.json) {
        std::cout << Json{{"item", item}, {"custodian", custodian}, {"reads", reads}}.dump(2) << "\n";
        return exit_ok;
    }
    std::cout << item << " (custodian " << custodian << "): " << reads.size()
              << (reads.size() == 1 ? " read recorded\n" : " reads recorded\n");
    for (const auto& entry : reads) {
        const Json officer =
            entry.contains("officer") && entry["officer"].is_object() ? entry["officer"] : Json::object();
        std::cout << "  " << text(entry, "time") << "  " << text(entry, "action") << " "
                  << text(entry, "outcome") << " (HTTP " << number(entry, "status") << ")  by "
                  << text(officer, "name", "?") << ", " << roles_text(officer) << " of "
                  << text(officer, "agency", "?") << "\n"
                  << "     key " << text(officer, "key") << "\n"
                  << "     served by " << text(entry, "node") << " (" << text(entry, "agency") << "), record "
                  << text(entry, "id") << " (height " << number(entry, "height") << ", leaf "
                  << number(entry, "leaf_index") << ")\n";
    }
    return exit_ok;
}

}  // namespace

void add_reads(Tool& tool) {
    auto options = std::make_shared<ReadsOptions>();
    auto& command = add_api_command(
        tool, tool.root(), "reads", "print who read or exported an item and when (the consultation log)",
        options, [options] { return run_reads(*options); },
        "print {\"item\", \"custodian\", \"reads\"} as JSON");
    command.add_option("ITEM", options->item, "the item's id")->required()->check(path_id());
    command.footer(std::string(reads_help));
}
}  // namespace custos::cli
