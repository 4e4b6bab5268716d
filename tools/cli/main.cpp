// custos: the command-line tool for officers, prosecutors, auditors and operators.
#include <sodium.h>
#include <cstdio>
#include <iostream>

#include "common/version.hpp"
#include "tools/cli/api_client.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/verify.hpp"

namespace custos::cli {

bool wants_version(const Args& args) {
    for (const auto& arg : args) {
        if (arg == "--version") return true;
    }
    return false;
}

bool wants_help(const Args& args) {
    for (const auto& arg : args) {
        if (arg == "--help" || arg == "-h") return true;
    }
    return false;
}

namespace {

constexpr Command commands[] = {
    {"keygen", "generate an Ed25519 key file (secret key written 0600; --encrypt seals it)", run_keygen},
    {"key", "seal a key file with a passphrase or change it (custos key passwd FILE)", run_key},
    {"genesis", "build or check a genesis document and print its hash", run_genesis},
    {"event",
     "make an event from options and submit it (event new KIND ...), or sign one offline (event sign)",
     run_event},
    {"bench", "run a benchmark and print its figures (crypto, ledger, load, api)", run_bench},
    {"audit", "replay a store from genesis and verify everything in it", run_audit},
    {"localnet", "init or run a local network of validators on 127.0.0.1", run_localnet},
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

void print_usage(std::ostream& out) {
    out << "usage: custos <command> [options]\n\n"
           "Custos: a permissioned ledger for the chain of custody of evidence.\n\n"
           "commands:\n";
    for (const auto& command : commands) {
        out << "  " << command.name;
        for (std::size_t i = command.name.size(); i < 10; ++i)
            out << ' ';
        out << command.summary << "\n";
    }
    out << "\nRun 'custos <command> --help' for a command's options; 'custos --version' (or\n"
           "'custos <command> --version') prints the version.\n"
           "\nA key file sealed with a passphrase (custos keygen --encrypt, custos key passwd) asks for\n"
           "it without echo; for scripts and services every command also takes --passphrase-file FILE\n"
           "(its first line; FILE mode 0600) or --passphrase-fd N. Never on the command line.\n"
           "\nA node reached over https:// (--node https://HOST:PORT) is checked against --cacert FILE\n"
           "(PEM; the certificate must chain to it and name HOST) and/or --pin sha256:HEX (SHA-256 of\n"
           "the certificate's public key, SubjectPublicKeyInfo; custos-node logs it at start as\n"
           "event=rest_listening pin=...); one of the two is required. Every command takes them.\n";
}

}  // namespace
}  // namespace custos::cli

int main(int argc, char** argv) {
    using namespace custos::cli;
    if (sodium_init() < 0) {
        std::cerr << "error: libsodium failed to initialise\n";
        return exit_failure;
    }
    if (argc < 2) {
        print_usage(std::cerr);
        return exit_usage;
    }
    std::string_view name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        print_usage(std::cout);
        return exit_ok;
    }
    Args args(argv + 2, argv + argc);
    if (auto problem = take_passphrase_options(args)) {
        std::cerr << "error: " << *problem << "\n";
        return exit_usage;
    }
    if (auto problem = take_tls_options(args)) {
        std::cerr << "error: " << *problem << "\n";
        return exit_usage;
    }
    if (name == "--version" || name == "version") {
        std::cout << "custos " << custos::version << "\n";
        return exit_ok;
    }
    for (const auto& command : commands) {
        if (command.name != name) continue;
        if (wants_version(args) && !wants_help(args)) {
            std::cout << "custos " << custos::version << "\n";
            return exit_ok;
        }
        return command.run(args);
    }
    std::cerr << "error: unknown command '" << name << "'\n\n";
    print_usage(std::cerr);
    return exit_usage;
}
