// custos case: the items of a case with their custodians and states.
#include <iostream>

#include "tools/cli/commands.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;

constexpr std::string_view case_help =
    "Prints the items of CASE (GET /v1/cases/CASE, every page), one per line with its current custodian\n"
    "and state. The request is signed with the officer key FILE; a custodian, prosecutor or\n"
    "admin reads the cases its agency takes part in, an auditor reads every case.\n"
    "\n"
    "exit status: 0 printed, 1 refused or failed (the node's problem is printed), 2 bad usage.";

void print_case(const crypto::Json& answer) {
    const crypto::Json empty = crypto::Json::array();
    const auto& items = answer.contains("items") && answer["items"].is_array() ? answer["items"] : empty;
    std::cout << "case " << text(answer, "case") << ": " << items.size()
              << (items.size() == 1 ? " item" : " items") << "\n";
    std::size_t width = 4;
    for (const auto& item : items)
        width = std::max(width, text(item, "item").size());
    for (const auto& item : items) {
        std::string id = text(item, "item");
        std::cout << "  " << id << std::string(width - id.size() + 2, ' ') << "custodian "
                  << text(item, "custodian") << "   state " << text(item, "state") << "\n";
    }
}

struct CaseOptions : Options {
    std::string case_id;
};

int run_case(const CaseOptions& options) {
    const std::string& case_id = options.case_id;
    auto key = read_key_option(options.key_path);
    if (!key) return fail(key.error().message);
    bool more = false;
    auto answer = read_document_pages(options, key->key, "/v1/cases/" + case_id,
                                      PagesOf{.field = "items", .cursor = "after"}, more);
    if (!answer) return answer.error();
    if (more) std::cerr << "warning: the case has more items than were read; the first ones are shown\n";
    if (options.json) {
        std::cout << answer->dump(2) << "\n";
    } else {
        print_case(*answer);
    }
    return exit_ok;
}

}  // namespace

void add_case(Tool& tool) {
    auto options = std::make_shared<CaseOptions>();
    auto& command = add_api_command(
        tool, tool.root(), "case", "print the items of a case with their custodians and states", options,
        [options] { return run_case(*options); }, "print the node's JSON answer (its pages joined)");
    command.add_option("CASE", options->case_id, "the case's id")->required()->check(path_id());
    command.footer(std::string(case_help));
}

}  // namespace custos::cli
