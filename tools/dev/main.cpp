// custos-dev: the developers' tool: benchmarks, and a local network of validators on 127.0.0.1.
#include "tools/dev/commands.hpp"

namespace custos::cli {
namespace {

constexpr Command commands[] = {
    {"bench", "run a benchmark and print its figures (crypto, ledger, load, api, verify, tables)", run_bench},
    {"localnet", "init or run a local network of validators on 127.0.0.1", run_localnet},
};

constexpr std::string_view notes =
    "\nThe global options of custos (--passphrase-file FILE, --passphrase-fd N, --cacert FILE,\n"
    "--pin sha256:HEX) are taken by every command here too. The tool for officers, prosecutors,\n"
    "auditors and operators is custos (custos --help).\n";

}  // namespace
}  // namespace custos::cli

int main(int argc, char** argv) {
    using namespace custos::cli;
    return run_tool(
        Tool{.name = "custos-dev",
             .summary = "Custos developers' tool: benchmarks that print figures, and a local network\n"
                        "of validators for newcomers and tests.",
             .commands = commands,
             .notes = notes},
        argc, argv);
}
