// custos inbox: the transfer offers pending to an agency (GET /v1/agencies/{agency}/offers), so
// the receiving agency learns of an offer from the ledger.
#include <iostream>

#include "tools/cli/commands.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;
using crypto::Json;

constexpr std::string_view inbox_help =
    "Prints the transfer offers to your agency that are still pending (neither accepted,\n"
    "rejected nor cancelled), from the committed ledger (GET /v1/agencies/{agency}/offers,\n"
    "every page): the item, its case, the offering agency, when, by whom and on what\n"
    "authority, and the command that accepts it. The agency is the key's own (an auditor names\n"
    "one with --agency). A custodian, prosecutor or admin reads its own agency's inbox.\n"
    "\n"
    "exit status: 0 printed (also when empty), 1 refused or failed, 2 bad usage.";

// Pages read at most (1,000 offers each): an inbox larger than that is a sign of trouble.
constexpr int inbox_pages_max = 100;

void print_offer(const Json& entry) {
    const Json empty = Json::object();
    const Json& offer = entry.contains("offer") ? entry["offer"] : empty;
    const Json& envelope = offer.contains("envelope") ? offer["envelope"] : empty;
    const Json& event = envelope.is_object() && envelope.contains("event") ? envelope["event"] : empty;
    const std::string item = text(entry, "item");
    std::cout << "  " << item << "   case " << text(entry, "case") << ", from " << text(entry, "custodian")
              << ", offered " << text(event, "time") << "\n";
    std::string detail = "released by " + text(event, "released_by", "?");
    if (event.contains("legal_authority") && event["legal_authority"].is_object()) {
        detail +=
            "; " + text(event["legal_authority"], "kind") + " " + text(event["legal_authority"], "reference");
    }
    if (auto location = text(event, "location"); !location.empty()) detail += "; at " + location;
    std::cout << "     " << detail << "\n"
              << "     offer " << text(offer, "id") << " (height " << number(offer, "height") << ")\n"
              << "     accept: custos event new transfer.accept --item " << item
              << " --sha256 HEX --seal-intact yes|no --location TEXT ...\n";
}

int run_inbox(const AgencyOptions& options) {
    auto command = start_agency_command(options);
    if (!command) return command.error();
    const auto& [key, agency] = *command;
    bool more = false;
    auto read =
        read_pages(options, key.key, "/v1/agencies/" + agency + "/offers", "offers", inbox_pages_max, more);
    if (!read) return read.error();
    const Json& offers = *read;
    if (options.json) {
        std::cout << Json{{"agency", agency}, {"offers", offers}}.dump(2) << "\n";
        return exit_ok;
    }
    std::cout << "inbox of " << agency << ": " << offers.size()
              << (offers.size() == 1 ? " pending offer" : " pending offers") << "\n";
    for (const auto& entry : offers)
        print_offer(entry);
    if (more) std::cout << "  (more than " << offers.size() << " offers: the rest not shown)\n";
    return exit_ok;
}

}  // namespace

void add_inbox(Tool& tool) {
    auto options = std::make_shared<AgencyOptions>();
    auto& command = add_api_command(
        tool, tool.root(), "inbox", "print the transfer offers pending to your agency", options,
        [options] { return run_inbox(*options); },
        "print the offers as one JSON document {\"agency\", \"offers\"}");
    add_agency_option(command, *options, "whose inbox (default: the key's agency)");
    command.footer(std::string(inbox_help));
}
}  // namespace custos::cli
