// custos: the command-line tool for officers, prosecutors, auditors and operators.
#include "tools/cli/commands.hpp"
#include "tools/cli/verify.hpp"

namespace custos::cli {
namespace {

constexpr Command commands[] = {
    {"keygen", "generate an Ed25519 key file (secret key written 0600; --encrypt seals it)", run_keygen},
    {"key", "seal a key file with a passphrase or change it (custos key passwd FILE)", run_key},
    {"genesis", "build or check a genesis document and print its hash", run_genesis},
    {"event",
     "make an event from options and submit it (event new KIND ...), or sign one offline (event sign)",
     run_event},
    {"audit", "replay a store from genesis and verify everything in it", run_audit},
    {"submit", "submit a signed event to a node (custos submit EVENT.json --node URL --key FILE)",
     run_submit},
    {"trail", "print an item's custody trail as a timeline", run_trail},
    {"case", "print the items of a case with their custodians and states", run_case},
    {"inbox", "print the transfer offers pending to your agency", run_inbox},
    {"cases", "print the cases your agency takes part in", run_cases},
    {"find",
     "find events by evidence digest, officer key or ledger time range (--sha256, --officer, --from/--to)",
     run_find},
    {"follow", "print the committed events your key may read as they are committed (GET /v1/stream)",
     run_follow},
    {"reads", "print who read or exported an item and when (the consultation log)", run_reads},
    {"status", "print a node's status: height, validators, mempool", run_status},
    {"bundle", "fetch an item's court bundle from a node (custos bundle ITEM --node URL ...)", run_bundle},
    {"verify", "verify a court bundle offline and print its timeline (--report FILE.html)", run_verify},
    {"explorer", "serve the web explorer for an officer's key on this machine (loopback only)", run_explorer},
};

// The benchmarks and the local network are developers' tools: the court verifier does not carry them.
constexpr MovedCommand moved[] = {{"bench", "custos-dev"}, {"localnet", "custos-dev"}};

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
    return run_tool(Tool{.name = "custos",
                         .summary = "Custos: a permissioned ledger for the chain of custody of evidence.",
                         .commands = commands,
                         .notes = notes,
                         .moved = moved},
                    argc, argv);
}
