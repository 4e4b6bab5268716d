// custos case: the items of a case with their custodians and states.
#include <iostream>

#include "tools/cli/commands.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;

const OptionSpec case_spec{
    .usage =
        "usage: custos case CASE --node URL --key FILE [--json]\n"
        "\n"
        "Prints the items of CASE (GET /v1/cases/CASE, every page), one per line with its current custodian\n"
        "and state. The request is signed with the officer key FILE; a custodian, prosecutor or\n"
        "admin reads the cases its agency takes part in, an auditor reads every case.\n"
        "\n"
        "options:\n"
        "  --node URL   the node's REST base URL, e.g. http://127.0.0.1:8081\n"
        "  --key FILE   the officer's secret key file (mode 0600)\n"
        "  --json       print the node's JSON answer (its pages joined)\n"
        "  -h, --help   show this help\n"
        "\n"
        "exit status: 0 printed, 1 refused or failed (the node's problem is printed), 2 bad usage.\n",
    .positional = 1,
    .names = {"CASE"},
};

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

}  // namespace

int run_case(const Args& args) {
    int exit_code = exit_ok;
    auto options = parse_options(args, case_spec, exit_code);
    if (!options) return exit_code;
    const std::string& case_id = options->positional.front();
    if (!is_path_id(case_id)) return usage_error(case_spec, "CASE must match [A-Za-z0-9._:-]{1,128}");
    auto key = read_key_option(options->key_path);
    if (!key) return fail(key.error().message);
    bool more = false;
    auto answer = read_document_pages(*options, key->key, "/v1/cases/" + case_id,
                                      PagesOf{.field = "items", .cursor = "after"}, more);
    if (!answer) return answer.error();
    if (more) std::cerr << "warning: the case has more items than were read; the first ones are shown\n";
    if (options->json) {
        std::cout << answer->dump(2) << "\n";
    } else {
        print_case(*answer);
    }
    return exit_ok;
}

}  // namespace custos::cli
