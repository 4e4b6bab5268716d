// custos submit: send a signed event envelope (or an event, signed here) to a node.
#include <fstream>
#include <iostream>
#include <sstream>

#include "ledger/events/event.hpp"
#include "tools/cli/commands.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;

constexpr std::string_view submit_help =
    "[--json]\n"
    "\n"
    "Submits a signed event envelope {\"event\", \"signer\", \"sig\"} (as 'custos event sign' prints\n"
    "it) to the node with POST /v1/events. With --sign-event the file holds a bare event\n"
    "(docs/FORMAT.md section 6), which is signed here with the same key first. '-' reads stdin.\n"
    "The request is signed with the officer key FILE (RFC 9421, docs/FORMAT.md \"Request\n"
    "signatures\"): a key of the acting agency whose role may sign the event's kind (rule R6:\n"
    "a custodian any custody event, a prosecutor an access, an admin a grant, a revoke or a\n"
    "governance event).\n"
    "\n"
    "Without --wait the node answers once the event is admitted to its mempool (pending); with\n"
    "--wait it answers once the event is committed, with its height, leaf index and the\n"
    "certified checkpoint. If the node gives up waiting (HTTP 504) the outcome is unknown: poll\n"
    "GET /v1/events/ID.\n"
    "\n"
    "exit status: 0 admitted (or committed with --wait), 1 refused or failed (the node's problem\n"
    "title and detail are printed, with the rule for a custody rule broken), 2 bad usage.";

// The envelope to send: the file's envelope, or its event signed with `key`.
Result<ledger::Envelope> envelope_from_file(const std::string& text, bool sign_event,
                                            const crypto::SecretKey& key) {
    auto json = crypto::parse_json(text);
    if (!json) return tl::unexpected(json.error());
    bool is_envelope = json->is_object() && json->contains("event") && json->contains("sig");
    if (sign_event) {
        if (is_envelope) {
            return make_error(ErrorCode::invalid_argument,
                              "the file is already a signed envelope; drop --sign-event to submit it");
        }
        auto event = ledger::event_from_json(*json);
        if (!event) return make_error(event.error().code, "the event is refused: " + event.error().message);
        return ledger::sign_event(*event, key);
    }
    if (!is_envelope) {
        return make_error(
            ErrorCode::invalid_argument,
            "the file is not a signed envelope {\"event\", \"signer\", \"sig\"}; to sign an event "
            "with --key first, add --sign-event");
    }
    auto envelope = ledger::envelope_from_json(*json);
    if (!envelope)
        return make_error(envelope.error().code, "the envelope is refused: " + envelope.error().message);
    return *envelope;
}

void print_summary(const crypto::Json& answer, const Options& options, bool waited) {
    std::string id = text(answer, "id");
    if (!waited) {
        std::cout << "admitted: event " << id << " is pending on " << options.node_url << "\n"
                  << "  follow it: GET " << options.node_url << "/v1/events/" << id << "\n";
        return;
    }
    std::cout << "committed: event " << id << "\n"
              << "  height " << number(answer, "height") << ", leaf index " << number(answer, "leaf_index")
              << "\n";
    if (answer.contains("checkpoint") && answer["checkpoint"].is_object()) {
        const auto& checkpoint = answer["checkpoint"];
        std::cout << "  checkpoint: height " << number(checkpoint, "height") << ", log size "
                  << number(checkpoint, "log_size") << ", root " << text(checkpoint, "log_root") << "\n";
    }
}

struct SubmitOptions : Options {
    std::string path;
    bool sign_event = false;
    bool wait = false;
};

int run_submit(const SubmitOptions& options) {
    const std::string& path = options.path;
    auto key = read_key_option(options.key_path);
    if (!key) return fail(key.error().message);
    auto text_in = read_input(path);
    if (!text_in) return fail("cannot read " + path);
    if (text_in->size() > ledger::envelope_bytes_max) {
        return fail(path + " is larger than " + std::to_string(ledger::envelope_bytes_max) + " bytes");
    }
    auto envelope = envelope_from_file(*text_in, options.sign_event, key->key);
    if (!envelope) return fail(path + ": " + envelope.error().message);

    const bool wait = options.wait;
    std::string target = wait ? "/v1/events?wait=commit" : "/v1/events";
    auto response = signed_call(options, key->key, "POST", target, ledger::canonical_envelope(*envelope),
                                wait ? commit_wait_timeout_ms : request_timeout_ms);
    if (!response) return fail(response.error().message);
    if (response->status / 100 != 2) return report_problem(*response);
    auto answer = json_body(*response);
    if (!answer) return exit_failure;
    if (options.json) {
        std::cout << answer->dump(2) << "\n";
    } else {
        print_summary(*answer, options, response->status == 201);
    }
    return exit_ok;
}

}  // namespace

void add_submit(Tool& tool) {
    auto options = std::make_shared<SubmitOptions>();
    auto& command = add_api_command(
        tool, tool.root(), "submit",
        "submit a signed event to a node (custos submit EVENT.json --node URL --key FILE)", options,
        [options] { return run_submit(*options); }, "print the node's JSON answer instead of a summary");
    command
        .add_option("EVENT.json|ENVELOPE.json", options->path,
                    "the envelope (or event) file; '-' reads stdin")
        ->required();
    command.add_flag("--sign-event", options->sign_event,
                     "the file is an event: sign it with --key, then submit the envelope");
    command.add_flag("--wait", options->wait,
                     "wait until the event is committed (POST /v1/events?wait=commit)");
    command.footer(std::string(submit_help));
}

}  // namespace custos::cli
