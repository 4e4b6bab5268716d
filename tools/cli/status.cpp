// custos status: a node's view of the chain (height, validators and their liveness, mempool).
#include <iostream>

#include "tools/cli/commands.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;

const OptionSpec status_spec{
    .usage =
        "usage: custos status --node URL --key FILE [--json]\n"
        "\n"
        "Prints the node's status (GET /v1/status): chain id, genesis hash, the node's name,\n"
        "committed height and log size, each validator with its agency, power and whether this\n"
        "node is connected to it, the mempool, and whether the node is catching up. The request\n"
        "is signed with the officer key FILE, which must hold the admin or auditor role.\n"
        "\n"
        "options:\n"
        "  --node URL   the node's REST base URL, e.g. http://127.0.0.1:8081\n"
        "  --key FILE   the officer's secret key file (mode 0600)\n"
        "  --json       print the node's JSON answer as it is\n"
        "  -h, --help   show this help\n"
        "\n"
        "exit status: 0 printed, 1 refused or failed (the node's problem is printed), 2 bad usage.\n",
};

void print_status(const crypto::Json& status) {
    bool syncing =
        status.contains("syncing") && status["syncing"].is_boolean() && status["syncing"].get<bool>();
    std::cout << "node " << text(status, "node") << " on chain " << text(status, "chain_id") << "\n"
              << "  genesis hash: " << text(status, "genesis_hash") << "\n"
              << "  height:       " << number(status, "height") << " (log size " << number(status, "log_size")
              << ")" << (syncing ? ", catching up" : "") << "\n";
    if (status.contains("mempool") && status["mempool"].is_object()) {
        std::cout << "  mempool:      " << number(status["mempool"], "events") << " events, "
                  << number(status["mempool"], "bytes") << " bytes\n";
    }
    if (!status.contains("validators") || !status["validators"].is_array()) return;
    std::cout << "  validators:\n";
    for (const auto& validator : status["validators"]) {
        bool connected = validator.contains("connected") && validator["connected"].is_boolean() &&
                         validator["connected"].get<bool>();
        std::cout << "    " << text(validator, "name") << "  agency " << text(validator, "agency")
                  << "  power " << number(validator, "power") << "  "
                  << (connected ? "connected" : "NOT connected") << "\n";
    }
}

}  // namespace

int run_status(const Args& args) {
    int exit_code = exit_ok;
    auto options = parse_options(args, status_spec, exit_code);
    if (!options) return exit_code;
    return get_and_print(*options, "/v1/status", print_status);
}

}  // namespace custos::cli
