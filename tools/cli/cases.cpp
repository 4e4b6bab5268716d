// custos cases: the cases an agency takes part in (GET /v1/agencies/{agency}/cases), the front
// page of an officer's day.
#include <iostream>

#include "tools/cli/commands.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;
using crypto::Json;

constexpr std::string_view cases_help =
    "Prints the cases your agency takes part in (it registered, held, was offered, accepted or\n"
    "was granted an item of the case, or acted on one), from the node's index of the committed\n"
    "ledger (GET /v1/agencies/{agency}/cases, every page), each with the agencies taking part.\n"
    "`custos case CASE` prints a case's items. The agency is the key's own (an auditor names one\n"
    "with --agency). A custodian, prosecutor or admin reads its own agency's cases.\n"
    "\n"
    "exit status: 0 printed (also when none), 1 refused or failed, 2 bad usage.";

// Pages read at most (1,000 cases each).
constexpr int cases_pages_max = 100;

int run_cases(const AgencyOptions& options) {
    auto command = start_agency_command(options);
    if (!command) return command.error();
    const auto& [key, agency] = *command;
    bool more = false;
    auto read =
        read_pages(options, key.key, "/v1/agencies/" + agency + "/cases", "cases", cases_pages_max, more);
    if (!read) return read.error();
    const Json& cases = *read;
    if (options.json) {
        std::cout << Json{{"agency", agency}, {"cases", cases}}.dump(2) << "\n";
        return exit_ok;
    }
    std::cout << "cases of " << agency << ": " << cases.size() << (cases.size() == 1 ? " case" : " cases")
              << "\n";
    for (const auto& entry : cases) {
        std::string participants;
        if (entry.contains("participants") && entry["participants"].is_array()) {
            for (const auto& name : entry["participants"]) {
                if (!name.is_string()) continue;
                participants += (participants.empty() ? "" : ", ") + name.get<std::string>();
            }
        }
        std::cout << "  " << text(entry, "case") << "   with " << participants << "\n";
    }
    if (more) std::cout << "  (more than " << cases.size() << " cases: the rest not shown)\n";
    return exit_ok;
}

}  // namespace

void add_cases(Tool& tool) {
    auto options = std::make_shared<AgencyOptions>();
    auto& command = add_api_command(
        tool, tool.root(), "cases", "print the cases your agency takes part in", options,
        [options] { return run_cases(*options); },
        "print the cases as one JSON document {\"agency\", \"cases\"}");
    add_agency_option(command, *options, "whose cases (default: the key's agency)");
    command.footer(std::string(cases_help));
}
}  // namespace custos::cli
