// custos-dev: the developers' tool: benchmarks, and a local network of validators on 127.0.0.1.
#include "tools/dev/commands.hpp"

namespace custos::cli {
namespace {

constexpr std::string_view notes =
    "\nThe global options of custos (--passphrase-file FILE, --passphrase-fd N, --cacert FILE,\n"
    "--pin sha256:HEX) are taken by every command here too. The tool for officers, prosecutors,\n"
    "auditors and operators is custos (custos --help).\n";

}  // namespace
}  // namespace custos::cli

int main(int argc, char** argv) {
    using namespace custos::cli;
    Tool tool({.name = "custos-dev",
               .summary = "Custos developers' tool: benchmarks that print figures, and a local network\n"
                          "of validators for newcomers and tests.",
               .notes = notes});
    add_bench(tool);
    add_localnet(tool);
    return tool.run(argc, argv);
}
