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

constexpr std::string_view sign_help =
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
    "exit status: 0 signed, 1 the event or key was refused, 2 bad usage.";

struct SignOptions {
    std::string key_path, event_path;
};

int sign_command(const SignOptions& options) {
    const std::string& event_path = options.event_path;
    auto text = read_input(event_path);
    if (!text) {
        std::cerr << "error: cannot read " << event_path << "\n";
        return exit_failure;
    }
    if (text->size() > ledger::envelope_bytes_max) {
        std::cerr << "error: " << event_path << " is larger than " << ledger::envelope_bytes_max
                  << " bytes\n";
        return exit_failure;
    }
    auto json = crypto::parse_json(*text);
    if (!json) {
        std::cerr << "error: " << event_path << ": " << json.error().message << "\n";
        return exit_failure;
    }
    auto event = ledger::event_from_json(*json);
    if (!event) {
        std::cerr << "error: the event is refused: " << event.error().message << "\n";
        return exit_failure;
    }
    auto key = read_key_option(options.key_path);
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

void add_event(Tool& tool) {
    auto& event = tool.add_group(
        tool.root(), "event",
        "make an event from options and submit it (event new KIND ...), or sign one offline (event sign)");
    add_event_new(tool, event);
    auto options = std::make_shared<SignOptions>();
    auto& sign =
        tool.add(event, "sign",
                 "sign an event offline and print its envelope (custos event sign --key FILE EVENT.json)",
                 [options] { return sign_command(*options); });
    sign.add_option("--key", options->key_path, "the signing officer's secret key file (mode 0600)")
        ->type_name("FILE")
        ->required();
    sign.add_option("EVENT.json", options->event_path, "the event file; '-' reads stdin")->required();
    sign.footer(std::string(sign_help));
}

}  // namespace custos::cli
