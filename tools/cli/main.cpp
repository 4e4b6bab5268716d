// custos: the command-line tool for officers, prosecutors, auditors and operators.
#include "tools/cli/commands.hpp"
#include "tools/cli/verify.hpp"

namespace custos::cli {
namespace {

constexpr std::string_view notes =
    "\nA key file sealed with a passphrase (custos keygen --encrypt, custos key passwd) asks for\n"
    "it without echo; for scripts and services every command also takes --passphrase-file FILE\n"
    "(its first line; FILE mode 0600) or --passphrase-fd N. Never on the command line.\n"
    "\nA node reached over https:// (--node https://HOST:PORT) is checked against --cacert FILE\n"
    "(PEM; the certificate must chain to it and name HOST) and/or --pin sha256:HEX (SHA-256 of\n"
    "the certificate's public key, SubjectPublicKeyInfo; custos-node logs it at start as\n"
    "event=rest_listening pin=...); one of the two is required. Every command takes them.\n"
    "\nThe benchmarks and the local network of validators are in custos-dev (custos-dev --help).\n";

}  // namespace
}  // namespace custos::cli

int main(int argc, char** argv) {
    using namespace custos::cli;
    Tool tool({.name = "custos",
               .summary = "Custos: a permissioned ledger for the chain of custody of evidence.",
               .notes = notes});
    for (auto add :
         {add_keygen, add_key, add_genesis, add_event, add_audit, add_submit, add_trail, add_case, add_inbox,
          add_cases, add_find, add_follow, add_reads, add_status, add_bundle, add_verify, add_explorer})
        add(tool);
    // The benchmarks and the local network are developers' tools: the court's verifier does not
    // carry them.
    tool.add_moved("bench", "custos-dev");
    tool.add_moved("localnet", "custos-dev");
    return tool.run(argc, argv);
}
