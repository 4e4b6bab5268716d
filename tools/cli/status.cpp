// custos status: a node's view of the chain (height, validators and their liveness, mempool).
#include <iostream>

#include "tools/cli/commands.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;

constexpr std::string_view status_help =
    "Prints the node's status (GET /v1/status): chain id, genesis hash, the node's name,\n"
    "committed height and log size, each validator with its agency, power and whether this\n"
    "node is connected to it, the mempool, and whether the node is catching up. The request\n"
    "is signed with the officer key FILE, which must hold the admin or auditor role.\n"
    "\n"
    "exit status: 0 printed, 1 refused or failed (the node's problem is printed), 2 bad usage.";

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

void add_status(Tool& tool) {
    auto options = std::make_shared<Options>();
    add_api_command(tool, tool.root(), "status", "print a node's status: height, validators, mempool",
                    options, [options] { return get_and_print(*options, "/v1/status", print_status); })
        .footer(std::string(status_help));
}

}  // namespace custos::cli
