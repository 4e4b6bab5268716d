// custos event sign: sign a custody event offline and print its envelope.
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>

#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/events/event.hpp"
#include "ledger/genesis.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/event_new.hpp"

namespace custos::cli {

namespace {

constexpr std::string_view event_usage =
    "usage: custos event sign --key FILE EVENT.json\n"
    "\n"
    "Signs the custody event in EVENT.json ('-' reads stdin) with the secret key file FILE (as\n"
    "written by 'custos keygen') and prints the envelope {\"event\", \"signer\", \"sig\"} as\n"
    "canonical JSON on stdout, ready to submit to any node. Prints the event id on stderr.\n"
    "Needs no network: officers may sign on a machine that never talks to a node.\n"
    "\n"
    "EVENT.json is the event object of docs/FORMAT.md section 6, including \"type\":\n"
    "\"custos.event.v1\", \"chain_id\" and, except for register, \"prev\" (the item's current head).\n"
    "It is checked against the schema (rule R1) before signing; the custody and governance rules (R3..R32) "
    "are\n"
    "checked by the ledger when the envelope is submitted.\n"
    "\n"
    "options:\n"
    "  --key FILE   the signing officer's secret key file (mode 0600)\n"
    "  -h, --help   show this help\n"
    "\n"
    "exit status: 0 signed, 1 the event or key was refused, 2 bad usage.\n";

int usage_error(const std::string& message) {
    std::cerr << "error: " << message << "\n"
              << "usage: custos event sign --key FILE EVENT.json   (custos event --help for more)\n";
    return exit_usage;
}

int sign_command(const Args& args) {
    std::optional<std::string> key_path, event_path;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--key") {
            if (i + 1 >= args.size()) return usage_error("--key needs a value");
            if (key_path) return usage_error("--key given twice");
            key_path = args[++i];
        } else if (args[i].starts_with("--")) {
            return usage_error("unknown argument '" + args[i] + "'");
        } else {
            if (event_path) return usage_error("only one EVENT.json may be given");
            event_path = args[i];
        }
    }
    if (!key_path) return usage_error("--key FILE is required");
    if (!event_path) return usage_error("EVENT.json is required");

    auto text = read_input(*event_path);
    if (!text) {
        std::cerr << "error: cannot read " << *event_path << "\n";
        return exit_failure;
    }
    if (text->size() > ledger::envelope_bytes_max) {
        std::cerr << "error: " << *event_path << " is larger than " << ledger::envelope_bytes_max
                  << " bytes\n";
        return exit_failure;
    }
    auto json = crypto::parse_json(*text);
    if (!json) {
        std::cerr << "error: " << *event_path << ": " << json.error().message << "\n";
        return exit_failure;
    }
    auto event = ledger::event_from_json(*json);
    if (!event) {
        std::cerr << "error: the event is refused: " << event.error().message << "\n";
        return exit_failure;
    }
    auto key = read_key_option(*key_path);
    if (!key) {
        std::cerr << "error: " << key.error().message << "\n";
        return exit_failure;
    }
    const ledger::Envelope envelope = ledger::sign_event(*event, key->key);
    std::cout << ledger::canonical_envelope(envelope) << "\n";
    std::cerr << "event id: " << ledger::event_id_hex(ledger::event_id(envelope.event)) << "\n"
              << "signer:   " << ledger::key_id(envelope.signer) << " (" << key->name << ")\n";
    return exit_ok;
}

}  // namespace

int run_event(const Args& args) {
    if (args.empty()) return usage_error("a subcommand is required (new, sign)");
    if (args[0] == "new") return run_event_new(args);
    if (args[0] == "--help" || args[0] == "-h" || wants_help(args)) {
        std::cout << event_usage << "\n" << event_new_usage;
        return exit_ok;
    }
    if (args[0] == "sign") return sign_command(args);
    return usage_error("unknown subcommand '" + args[0] + "'");
}

}  // namespace custos::cli
