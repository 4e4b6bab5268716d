// custos event new: an event built from options rather than hand-written JSON. The node gives
// what an officer should not have to copy by hand: `prev` (the item's head, from its trail), the
// case of an existing item, and the key's chain id and agency (GET /v1/officers/{key}); the
// clock gives `time`. Rule R1 is checked here, then the event is signed and submitted.
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ledger/events/event.hpp"
#include "ledger/time.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/event_new.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;
using crypto::Json;
using ledger::EventKind;

constexpr std::string_view event_new_help =
    "Builds a custody or governance event from options, so that nobody writes JSON, ids or times\n"
    "by hand, then signs it with FILE and submits it (POST /v1/events). Filled in for you:\n"
    "  chain_id, agency   from the key's record on the node (GET /v1/officers/{key})\n"
    "  prev, case         the item's head and case, from its committed trail (not for register)\n"
    "  time               this machine's clock, in milliseconds (or --time)\n"
    "  released_by / received_by   the key's officer name, unless given\n"
    "The event is checked against the schema (rule R1) here; an error names the option to fix.\n"
    "The node checks the custody rules (R3..R32) and prints its refusal like 'custos submit'.\n"
    "\n"
    "KIND (docs/FORMAT.md section 6; what each needs is in docs/OPERATIONS.md, 'Writing events'):\n"
    "  register        --item --case --sha256|--sha256-of --description --location --authority [--seal]\n"
    "  transfer.offer  --item --to AGENCY --authority [--released-by] [--location]\n"
    "  transfer.accept --item --sha256|--sha256-of --seal-intact yes|no --location [--received-by]\n"
    "  transfer.reject --item --reason [--received-by]\n"
    "  transfer.cancel --item [--reason]\n"
    "  access          --item --action view|copy|image|analyse|export --purpose --authority [--tool]\n"
    "                  [--result SHA256 ...]\n"
    "  grant           --item --grantee AGENCY --scope view,analyse,... --expires TIME|+<n>d --authority\n"
    "  revoke          --item --grantee AGENCY [--reason]\n"
    "  verify          --item --sha256|--sha256-of [--tool]\n"
    "  seal, unseal    --item --seal NUMBER (unseal: the current seal) [--reason]\n"
    "  derive          --item --new-item ID --sha256|--sha256-of --description --authority [--tool]\n"
    "  dispose         --item --outcome returned|destroyed|archived [--reason]\n"
    "  officer.add     --officer KEY --roles custodian,... --name NAME        (an admin's key)\n"
    "  officer.revoke  --officer KEY --reason TEXT                           (an admin's key)\n"
    "  validator.propose  --validator-name N --validator-key KEY --power P --address HOST:PORT\n"
    "                     --reason TEXT [--validator-agency A]                (an admin's key)\n"
    "  validator.approve  --proposal EVENT-ID [--reason]                      (an admin's key)\n"
    "Every kind also takes --location, --authority and --attribute NAME=VALUE (repeatable) where\n"
    "FORMAT.md allows them.\n"
    "\n"
    "exit status: 0 admitted (committed with --wait) or printed (--dry-run), 1 refused or failed,\n"
    "2 bad usage.";

// The options that set the event's fields; those marked repeatable may be given more than once.
struct ValueOption {
    std::string_view name;
    std::string_view type;
    std::string_view help;
    bool repeatable = false;
};
constexpr ValueOption value_options[] = {
    {"--item", "ID", "the item"},
    {"--case", "ID", "the item's case (register; else checked against the item's)"},
    {"--prev", "ID", "the event this one follows, instead of the item's head"},
    {"--time", "TIME", "the event's time instead of now (2026-02-01T10:00:00.000Z)"},
    {"--location", "TEXT", "where it happens"},
    {"--authority", "K:REF", "the legal authority, K one of warrant, mlat, eio, other (warrant:W-1)"},
    {"--attribute", "NAME=VALUE", "an attribute (repeatable)", true},
    {"--sha256", "HEX", "a digest (--md5, --sha1 beside it)"},
    {"--md5", "HEX", "an MD5 beside --sha256"},
    {"--sha1", "HEX", "a SHA-1 beside --sha256"},
    {"--sha256-of", "FILE", "hashes FILE here, for --sha256"},
    {"--description", "TEXT", "what the item is"},
    {"--seal", "NUMBER", "the seal's number"},
    {"--to", "AGENCY", "the agency the item is offered to"},
    {"--released-by", "NAME", "who hands the item over (default: the key's officer)"},
    {"--received-by", "NAME", "who takes delivery (default: the key's officer)"},
    {"--seal-intact", "yes|no", "whether the seal arrived intact"},
    {"--reason", "TEXT", "why"},
    {"--action", "ACTION", "an access's action: view, copy, image, analyse or export"},
    {"--purpose", "TEXT", "an access's purpose"},
    {"--tool", "TEXT", "the tool used"},
    {"--result", "SHA256", "a digest an access produced (repeatable)", true},
    {"--grantee", "AGENCY", "the agency granted (or revoked) access"},
    {"--scope", "ACTIONS", "a grant's actions: view,analyse,..."},
    {"--expires", "TIME", "a grant's end: a time, or +<n>d / +<n>h after the event's time"},
    {"--new-item", "ID", "the derived item"},
    {"--outcome", "OUTCOME", "returned, destroyed or archived"},
    {"--officer", "KEY", "a key id (64 hex) or a public key file (FILE.pub)"},
    {"--roles", "ROLES", "custodian,prosecutor,auditor,admin"},
    {"--name", "NAME", "the officer's name"},
    {"--validator-name", "N", "the validator's name"},
    {"--validator-agency", "A", "the validator's agency (default: the key's)"},
    {"--validator-key", "KEY", "a key id (64 hex) or a public key file (FILE.pub)"},
    {"--power", "P", "the validator's voting power, 0..2^40 (0 removes)"},
    {"--address", "HOST:PORT", "the validator's peer address"},
    {"--proposal", "EVENT-ID", "the validator.propose event approved"},
};

// The option that sets each event field, for R1 messages ("event.recipient" -> "--to").
const std::map<std::string, std::string, std::less<>> option_of_field = {
    {"item", "--item"},
    {"case", "--case"},
    {"prev", "--prev"},
    {"time", "--time"},
    {"location", "--location"},
    {"legal_authority", "--authority"},
    {"attributes", "--attribute"},
    {"digests", "--sha256 (or --sha256-of)"},
    {"description", "--description"},
    {"seal", "--seal"},
    {"recipient", "--to"},
    {"released_by", "--released-by"},
    {"received_by", "--received-by"},
    {"seal_intact", "--seal-intact"},
    {"reason", "--reason"},
    {"action", "--action"},
    {"purpose", "--purpose"},
    {"tool", "--tool"},
    {"results", "--result"},
    {"grantee", "--grantee"},
    {"scope", "--scope"},
    {"expires", "--expires"},
    {"new_item", "--new-item"},
    {"outcome", "--outcome"},
    {"officer", "--officer"},
    {"roles", "--roles"},
    {"name", "--name"},
    {"validator", "--validator-name, --validator-key, --power, --address"},
    {"proposal", "--proposal"},
};

struct NewArgs : Options {
    EventKind kind = EventKind::register_item;
    std::string kind_name;
    // Every value option's entry exists (CLI11 binds them); a single one is set when given.
    std::map<std::string, std::optional<std::string>, std::less<>> single;
    std::map<std::string, std::vector<std::string>, std::less<>> repeated;
    bool dry_run = false;
    bool wait = false;

    [[nodiscard]] const std::string* value(std::string_view name) const {
        if (auto found = single.find(name); found != single.end() && found->second) return &*found->second;
        auto found = repeated.find(name);
        return found == repeated.end() || found->second.empty() ? nullptr : &found->second.front();
    }
    [[nodiscard]] std::vector<std::string> all(std::string_view name) const {
        auto found = repeated.find(name);
        return found == repeated.end() ? std::vector<std::string>{} : found->second;
    }
};

// What the node tells about the signing key (GET /v1/officers/{key}).
struct KeyRecord {
    std::string chain_id;
    std::string agency;
    std::string name;
};

// What the node tells about the item (GET /v1/items/{item}/trail): its case and head.
struct ItemHead {
    std::string case_id;
    std::string head;
};

Result<Json> get_json(const Options& options, const crypto::SecretKey& key, const std::string& target) {
    auto response = signed_call(options, key, "GET", target);
    if (!response) return tl::unexpected(response.error());
    if (response->status != 200) {
        report_problem(*response);
        return make_error(ErrorCode::permission_denied, "GET " + target + " was refused");
    }
    auto parsed = crypto::parse_json(response->body);
    if (!parsed || !parsed->is_object())
        return make_error(ErrorCode::io_error, "GET " + target + ": not JSON");
    return std::move(*parsed);
}

Result<KeyRecord> key_record(const Options& options, const crypto::SecretKey& key) {
    auto json = get_json(options, key, "/v1/officers/" + ledger::key_id(key.public_key()));
    if (!json) return tl::unexpected(json.error());
    if (text(*json, "status") != "in_force") {
        return make_error(ErrorCode::permission_denied, "this key is revoked: it signs nothing");
    }
    return KeyRecord{text(*json, "chain_id"), text(*json, "agency"), text(*json, "name")};
}

Result<ItemHead> item_head(const Options& options, const crypto::SecretKey& key, const std::string& item) {
    auto json = get_json(options, key, "/v1/items/" + item + "/trail");
    if (!json) return tl::unexpected(json.error());
    ItemHead head{text(*json, "case"), ""};
    if (json->contains("events") && (*json)["events"].is_array() && !(*json)["events"].empty()) {
        head.head = text((*json)["events"].back(), "id");
    }
    if (head.head.empty())
        return make_error(ErrorCode::io_error, "the node's trail of " + item + " has no events");
    return head;
}

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto comma = text.find(',', start);
        if (comma == std::string::npos) comma = text.size();
        parts.push_back(text.substr(start, comma - start));
        start = comma + 1;
    }
    return parts;
}

Result<ledger::Digests> digests_from(const NewArgs& args, const std::string& sha256_option,
                                     const std::string& file_option) {
    ledger::Digests digests;
    if (const auto* file = args.value(file_option)) {
        auto hash = sha256_of_file(*file);
        if (!hash) return tl::unexpected(hash.error());
        digests.sha256 = *hash;
    } else {
        auto hash = parse_hash_option(*args.value(sha256_option));
        if (!hash)
            return make_error(ErrorCode::invalid_argument, sha256_option + ": " + hash.error().message);
        digests.sha256 = *hash;
    }
    if (const auto* md5 = args.value("--md5")) digests.md5 = *md5;
    if (const auto* sha1 = args.value("--sha1")) digests.sha1 = *sha1;
    return digests;
}

// A time option: "now", an RFC 3339 time as events carry it, or (for --expires) "+<n>d" or
// "+<n>h" after the event's time.
Result<ledger::TimeMs> time_option(const std::string& option, const std::string& value, ledger::TimeMs now,
                                   ledger::TimeMs base) {
    if (value == "now") return now;
    if (value.size() >= 3 && value.front() == '+' && (value.back() == 'd' || value.back() == 'h')) {
        const std::string digits = value.substr(1, value.size() - 2);
        if (digits.size() <= 5 &&
            std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            const std::int64_t unit_ms = value.back() == 'd' ? 86'400'000 : 3'600'000;
            return ledger::TimeMs{base.value + std::stoll(digits) * unit_ms};
        }
    }
    auto parsed = ledger::parse_time(value);
    if (!parsed) {
        return make_error(ErrorCode::invalid_argument,
                          option + ": expected now, +<n>d, +<n>h or a time like 2026-02-01T10:00:00.000Z");
    }
    return *parsed;
}

// officer.add / officer.revoke / validator.propose / validator.approve fields.
Status fill_governance(ledger::Event& event, const NewArgs& args, const KeyRecord& record) {
    if (const auto* officer = args.value("--officer")) {
        auto key = public_key_option("--officer", *officer);
        if (!key) return tl::unexpected(key.error());
        event.officer = *key;
    }
    if (const auto* roles = args.value("--roles")) {
        for (const auto& name : split_commas(*roles)) {
            auto role = ledger::role_from_name(name);
            if (!role) {
                return make_error(
                    ErrorCode::invalid_argument,
                    "--roles: '" + name + "' is not one of custodian, prosecutor, auditor, admin");
            }
            event.roles.push_back(*role);
        }
        std::sort(event.roles.begin(), event.roles.end());
        event.roles.erase(std::unique(event.roles.begin(), event.roles.end()), event.roles.end());
    }
    if (args.value("--validator-name") || args.value("--validator-key") || args.value("--power") ||
        args.value("--address") || args.value("--validator-agency")) {
        for (std::string_view needed : {"--validator-name", "--validator-key", "--power", "--address"}) {
            if (!args.value(needed)) {
                return make_error(ErrorCode::invalid_argument,
                                  std::string(needed) + " is required with the other --validator-* options");
            }
        }
        auto key = public_key_option("--validator-key", *args.value("--validator-key"));
        if (!key) return tl::unexpected(key.error());
        const std::string& power = *args.value("--power");
        if (power.empty() || power.size() > 13 ||
            !std::all_of(power.begin(), power.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return make_error(ErrorCode::invalid_argument,
                              "--power: expected an integer 0..2^40 (0 removes)");
        }
        const auto* agency = args.value("--validator-agency");
        event.validator = ledger::Validator{*args.value("--validator-name"), agency ? *agency : record.agency,
                                            *key, std::stoull(power), *args.value("--address")};
    }
    if (const auto* proposal = args.value("--proposal")) {
        auto id = ledger::event_id_from_hex(*proposal);
        if (!id)
            return make_error(ErrorCode::invalid_argument,
                              "--proposal: expected an event id (64 lowercase hex)");
        event.proposal = *id;
    }
    return {};
}

// --authority KIND:REFERENCE.
Result<ledger::LegalAuthority> authority_option(const std::string& authority) {
    const auto colon = authority.find(':');
    for (auto candidate : {ledger::AuthorityKind::warrant, ledger::AuthorityKind::mlat,
                           ledger::AuthorityKind::eio, ledger::AuthorityKind::other}) {
        if (colon != std::string::npos &&
            authority.substr(0, colon) == ledger::authority_kind_name(candidate))
            return ledger::LegalAuthority{candidate, authority.substr(colon + 1)};
    }
    return make_error(ErrorCode::invalid_argument,
                      "--authority: expected KIND:REFERENCE with KIND warrant, mlat, eio or other "
                      "(e.g. warrant:W-2026-001)");
}

// --outcome returned|destroyed|archived.
Result<ledger::DisposeOutcome> outcome_option(const std::string& outcome) {
    for (auto candidate : {ledger::DisposeOutcome::returned, ledger::DisposeOutcome::destroyed,
                           ledger::DisposeOutcome::archived}) {
        if (outcome == ledger::dispose_outcome_name(candidate)) return candidate;
    }
    return make_error(ErrorCode::invalid_argument, "--outcome: expected returned, destroyed or archived");
}

// The free-text fields, and the officers handing over or taking delivery: unless said otherwise,
// the key's officer.
void fill_text_fields(ledger::Event& event, const NewArgs& args, const KeyRecord& record) {
    auto text_option = [&](std::string_view name, std::optional<std::string>& field) {
        if (const auto* value = args.value(name)) field = *value;
    };
    text_option("--location", event.location);
    text_option("--description", event.description);
    text_option("--seal", event.seal);
    text_option("--to", event.recipient);
    text_option("--released-by", event.released_by);
    text_option("--received-by", event.received_by);
    text_option("--reason", event.reason);
    text_option("--purpose", event.purpose);
    text_option("--tool", event.tool);
    text_option("--grantee", event.grantee);
    text_option("--new-item", event.new_item);
    text_option("--name", event.name);
    if (event.kind == EventKind::transfer_offer && !event.released_by) event.released_by = record.name;
    if ((event.kind == EventKind::transfer_accept || event.kind == EventKind::transfer_reject) &&
        !event.received_by)
        event.received_by = record.name;
}

// What is known of the evidence: the legal authority, attributes, digests, results and the seal.
Status fill_evidence_fields(ledger::Event& event, const NewArgs& args) {
    if (const auto* authority = args.value("--authority")) {
        auto parsed = authority_option(*authority);
        if (!parsed) return tl::unexpected(parsed.error());
        event.legal_authority = *parsed;
    }
    for (const auto& attribute : args.all("--attribute")) {
        const auto equals = attribute.find('=');
        if (equals == std::string::npos)
            return make_error(ErrorCode::invalid_argument, "--attribute: expected NAME=VALUE");
        event.attributes[attribute.substr(0, equals)] = attribute.substr(equals + 1);
    }
    if (args.value("--sha256") || args.value("--sha256-of") || args.value("--md5") || args.value("--sha1")) {
        if (!args.value("--sha256") && !args.value("--sha256-of"))
            return make_error(ErrorCode::invalid_argument,
                              "--md5 and --sha1 go with --sha256 (or --sha256-of)");
        auto digests = digests_from(args, "--sha256", "--sha256-of");
        if (!digests) return tl::unexpected(digests.error());
        event.digests = *digests;
    }
    for (const auto& result : args.all("--result")) {
        auto hash = parse_hash_option(result);
        if (!hash) return make_error(ErrorCode::invalid_argument, "--result: " + hash.error().message);
        event.results.push_back(ledger::Digests{*hash, std::nullopt, std::nullopt});
    }
    if (const auto* intact = args.value("--seal-intact")) {
        if (*intact != "yes" && *intact != "no")
            return make_error(ErrorCode::invalid_argument, "--seal-intact: expected yes or no");
        event.seal_intact = *intact == "yes";
    }
    return {};
}

// Access to the evidence: the action taken, or the scope and expiry of a grant.
Status fill_access_fields(ledger::Event& event, const NewArgs& args, ledger::TimeMs now) {
    if (const auto* action = args.value("--action")) {
        event.action = ledger::access_action_from_name(*action);
        if (!event.action)
            return make_error(ErrorCode::invalid_argument,
                              "--action: expected view, copy, image, analyse or export");
    }
    if (const auto* scope = args.value("--scope")) {
        for (const auto& name : split_commas(*scope)) {
            auto action = ledger::access_action_from_name(name);
            if (!action) {
                return make_error(ErrorCode::invalid_argument,
                                  "--scope: '" + name + "' is not one of view, copy, image, analyse, export");
            }
            event.scope.push_back(*action);
        }
        // The schema wants the scope in its canonical order, without repeats.
        std::sort(event.scope.begin(), event.scope.end());
        event.scope.erase(std::unique(event.scope.begin(), event.scope.end()), event.scope.end());
    }
    if (const auto* expires = args.value("--expires")) {
        auto time = time_option("--expires", *expires, now, event.time);
        if (!time) return tl::unexpected(time.error());
        event.expires = *time;
    }
    return {};
}

// Sets the kind's own fields from the options, the first bad one refused. The schema itself
// (which fields each kind needs) is checked afterwards by ledger::validate_event, once, as the
// ledger checks it.
Status fill_fields(ledger::Event& event, const NewArgs& args, const KeyRecord& record, ledger::TimeMs now) {
    fill_text_fields(event, args, record);
    if (auto filled = fill_evidence_fields(event, args); !filled) return filled;
    if (auto filled = fill_access_fields(event, args, now); !filled) return filled;
    if (const auto* outcome = args.value("--outcome")) {
        auto parsed = outcome_option(*outcome);
        if (!parsed) return tl::unexpected(parsed.error());
        event.outcome = *parsed;
    }
    return fill_governance(event, args, record);
}

// An R1 refusal ("R1 event.recipient: missing ...") with the option that sets the field.
std::string explain_r1(const std::string& message) {
    const std::string marker = "R1 event.";
    auto at = message.find(marker);
    if (at == std::string::npos) return message;
    const auto start = at + marker.size();
    auto end = message.find_first_of(".:[ ", start);
    const std::string field =
        message.substr(start, end == std::string::npos ? std::string::npos : end - start);
    auto option = option_of_field.find(field);
    if (option == option_of_field.end()) return message;
    return message + " (option " + option->second + ")";
}

// The event the options describe, with prev, case, chain id, agency and time filled in.
Result<ledger::Event> build_event(const NewArgs& args, const Options& options, const crypto::SecretKey& key) {
    auto record = key_record(options, key);
    if (!record) return tl::unexpected(record.error());
    const auto now = ledger::TimeMs{std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count()};
    ledger::Event event;
    event.kind = args.kind;
    event.chain_id = record->chain_id;
    event.agency = record->agency;
    event.time = now;
    if (const auto* time = args.value("--time")) {
        auto parsed = time_option("--time", *time, now, now);
        if (!parsed) return tl::unexpected(parsed.error());
        event.time = *parsed;
    }
    if (!ledger::is_governance(args.kind)) {
        event.item = *args.value("--item");
        if (!is_path_id(event.item))
            return make_error(ErrorCode::invalid_argument, "--item: must match [A-Za-z0-9._:-]{1,128}");
        if (const auto* case_id = args.value("--case")) event.case_id = *case_id;
        if (args.kind != EventKind::register_item) {
            // The item's case and head from its committed trail; --prev overrides the head.
            auto head = item_head(options, key, event.item);
            if (!head) return tl::unexpected(head.error());
            if (!event.case_id.empty() && event.case_id != head->case_id) {
                return make_error(
                    ErrorCode::invalid_argument,
                    "--case " + event.case_id + ": item " + event.item + " is of case " + head->case_id);
            }
            event.case_id = head->case_id;
            const std::string prev = args.value("--prev") ? *args.value("--prev") : head->head;
            auto id = ledger::event_id_from_hex(prev);
            if (!id)
                return make_error(ErrorCode::invalid_argument,
                                  "--prev: expected an event id (64 lowercase hex)");
            event.prev = *id;
        } else if (event.case_id.empty()) {
            return make_error(ErrorCode::invalid_argument, "--case CASE is required for a register event");
        }
    }
    if (auto filled = fill_fields(event, args, *record, now); !filled) return tl::unexpected(filled.error());
    // Rule R1, as the ledger will check it, before anything is signed.
    if (auto valid = ledger::validate_event(event); !valid) {
        return make_error(ErrorCode::invalid_argument,
                          "the event is refused: " + explain_r1(valid.error().message));
    }
    return event;
}

void print_committed(const Json& answer, const std::string& id, const std::string& node_url, bool waited) {
    if (!waited) {
        std::cout << "admitted: event " << id << " is pending on " << node_url << "\n";
        return;
    }
    std::cout << "committed: event " << id << "\n"
              << "  height " << number(answer, "height") << ", leaf index " << number(answer, "leaf_index")
              << "\n";
}

int run_event_new(NewArgs& parsed) {
    parsed.kind = *ledger::event_kind_from_name(parsed.kind_name);  // Checked as an option.
    if (!ledger::is_governance(parsed.kind) && !parsed.value("--item")) {
        return usage_error("--item ID is required for a " +
                           std::string(ledger::event_kind_name(parsed.kind)) + " event");
    }
    const Options& options = parsed;
    auto key = read_key_option(options.key_path);
    if (!key) return fail(key.error().message);

    auto event = build_event(parsed, options, key->key);
    if (!event) {
        // A refusal by the node was printed already; say what it was for.
        return fail(event.error().message);
    }
    const std::string id = ledger::event_id_hex(ledger::event_id(*event));
    if (parsed.dry_run) {
        std::cout << ledger::event_to_json(*event).dump(2) << "\n";
        std::cerr << "event id: " << id << " (dry run: not signed, not submitted)\n";
        return exit_ok;
    }
    const ledger::Envelope envelope = ledger::sign_event(*event, key->key);
    const std::string target = parsed.wait ? "/v1/events?wait=commit" : "/v1/events";
    auto response = signed_call(options, key->key, "POST", target, ledger::canonical_envelope(envelope),
                                parsed.wait ? commit_wait_timeout_ms : request_timeout_ms);
    if (!response) return fail(response.error().message);
    if (response->status / 100 != 2) return report_problem(*response);
    auto answer = json_body(*response);
    if (!answer) return exit_failure;
    if (parsed.json) {
        std::cout << answer->dump(2) << "\n";
    } else {
        std::cout << "event: " << ledger::event_kind_name(event->kind)
                  << (event->item.empty() ? "" : " of " + event->item) << " by " << event->agency << " at "
                  << ledger::format_time(event->time) << "\n";
        print_committed(*answer, id, options.node_url, response->status == 201);
    }
    return exit_ok;
}

// KIND: an event kind's name.
CLI::Validator event_kind() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            if (ledger::event_kind_from_name(text)) return {};
            return "unknown kind '" + text + "' (see --help for the kinds)";
        },
        "", "event_kind");
}

}  // namespace

void add_event_new(Tool& tool, CLI::App& event) {
    auto parsed = std::make_shared<NewArgs>();
    auto& command = add_api_command(
        tool, event, "new", "make an event from options, sign it and submit it (custos event new KIND ...)",
        parsed, [parsed] { return run_event_new(*parsed); }, "print the node's JSON answer");
    command.add_option("KIND", parsed->kind_name, "register, transfer.offer, ... (below)")
        ->required()
        ->check(event_kind());
    for (const auto& option : value_options) {
        const std::string name(option.name);
        CLI::Option* added = option.repeatable
                                 ? command.add_option(name, parsed->repeated[name], std::string(option.help))
                                       ->allow_extra_args(false)
                                 : command.add_option(name, parsed->single[name], std::string(option.help));
        added->type_name(std::string(option.type));
    }
    command.add_flag("--dry-run", parsed->dry_run,
                     "print the event (JSON) and its id; sign and submit nothing");
    command.add_flag("--wait", parsed->wait,
                     "wait until the event is committed (POST /v1/events?wait=commit)");
    command.footer(std::string(event_new_help));
}

}  // namespace custos::cli
