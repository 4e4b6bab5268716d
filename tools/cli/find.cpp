// custos find: the committed events that record an evidence digest, that an officer key signed,
// or that were committed in a ledger time range (GET /v1/search), so that an examiner holding
// only a file's SHA-256 finds its item.
#include <iostream>
#include <map>
#include <set>

#include "crypto/encoding.hpp"
#include "ledger/genesis.hpp"
#include "ledger/time.hpp"
#include "tools/cli/commands.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;
using crypto::Json;

const OptionSpec find_spec{
    .usage =
        "usage: custos find (--sha256 HEX | --sha256-of FILE | --officer KEY) [--from TIME] [--to TIME]\n"
        "                   [--case CASE] --node URL --key FILE [--json]\n"
        "\n"
        "Prints the committed events a search finds, with their item and case (GET /v1/search,\n"
        "every page): those that record a SHA-256 (an item's reference digests, digests measured\n"
        "again at a transfer or a verify, what an access produced), or that an officer key signed,\n"
        "or (with neither) every event, committed in a ledger time range [--from, --to) when given\n"
        "(the time of the block that committed the event, certified by the validators; the event's\n"
        "own time is printed beside it), and of one case with --case. --sha256-of hashes a file on\n"
        "this machine; the file never leaves it. Only the cases the key may read are searched (an\n"
        "auditor's: all), so an empty answer says nothing about the others.\n"
        "\n"
        "options:\n"
        "  --sha256 HEX      the digest (64 hex digits, either case)\n"
        "  --sha256-of FILE  hash FILE here and search for its digest\n"
        "  --officer KEY     the events this officer key signed: a key id (64 hex) or FILE.pub\n"
        "  --from TIME       committed at or after TIME, UTC: 2026-02-01, 2026-02-01T10:00,\n"
        "                    2026-02-01T10:00:00Z or 2026-02-01T10:00:00.000Z\n"
        "  --to TIME         committed before TIME (same forms)\n"
        "  --case CASE       only the events of this case\n"
        "  --node URL        the node's REST base URL, e.g. http://127.0.0.1:8081\n"
        "  --key FILE        the officer's secret key file (mode 0600)\n"
        "  --json            print {\"search\", \"events\"} as JSON\n"
        "  -h, --help        show this help\n"
        "\n"
        "exit status: 0 printed (also when nothing was found), 1 refused or failed, 2 bad usage.\n",
};

// Pages read at most (1,000 events each).
constexpr int find_pages_max = 100;

// A UTC time as a person writes it, in the one form the ledger writes: a date, then optionally
// "T" (or a space) and hours and minutes, seconds, milliseconds, and an optional "Z".
Result<std::string> ledger_time_text(std::string text) {
    const auto bad = [&] {
        return make_error(
            ErrorCode::invalid_argument,
            "'" + text +
                "' is not a UTC time like 2026-02-01, 2026-02-01T10:00, 2026-02-01T10:00:00Z or "
                "2026-02-01T10:00:00.000Z");
    };
    std::string full = text;
    if (!full.empty() && full.back() == 'Z') full.pop_back();
    if (full.size() > 10 && full[10] == ' ') full[10] = 'T';
    // The template the text fills from the left; what it leaves out is midnight, zero seconds.
    const std::string rest = "T00:00:00.000";
    if (full.size() < 10 || full.size() > 23) return bad();
    const std::size_t given = full.size() - 10;
    // Only whole fields: the date alone, or up to the minutes, seconds or milliseconds.
    if (given != 0 && given != 6 && given != 9 && given != 13) return bad();
    full += rest.substr(given);
    full += 'Z';
    auto parsed = ledger::parse_time(full);
    if (!parsed) return bad();
    return full;
}

}  // namespace

int run_find(const Args& args) {
    Args rest;
    std::map<std::string, std::string> values;
    for (std::size_t i = 0; i < args.size(); ++i) {
        static const std::set<std::string> valued = {"--sha256", "--sha256-of", "--officer",
                                                     "--from",   "--to",        "--case"};
        if (valued.contains(args[i]) && i + 1 < args.size()) {
            if (values.contains(args[i])) return usage_error(find_spec, args[i] + " given twice");
            values[args[i]] = args[i + 1];
            ++i;
        } else {
            rest.push_back(args[i]);
        }
    }
    int exit_code = exit_ok;
    auto options = parse_options(rest, find_spec, exit_code);
    if (!options) return exit_code;
    const auto given = [&](const char* name) { return values.contains(name); };
    const int primaries = given("--sha256") + given("--sha256-of") + given("--officer");
    if (primaries > 1) return usage_error(find_spec, "give one of --sha256, --sha256-of or --officer");
    if (primaries == 0 && !given("--from") && !given("--to"))
        return usage_error(find_spec, "give --sha256, --sha256-of, --officer, or a time range --from/--to");
    std::string query;
    if (given("--sha256-of")) {
        auto hashed = sha256_of_file(values["--sha256-of"]);
        if (!hashed) return fail(hashed.error().message);
        query += "&sha256=" + crypto::hex_encode(hashed->view());
    } else if (given("--sha256")) {
        auto parsed = parse_hash_option(values["--sha256"]);
        if (!parsed) return usage_error(find_spec, "--sha256: " + parsed.error().message);
        query += "&sha256=" + crypto::hex_encode(parsed->view());
    } else if (given("--officer")) {
        auto key = public_key_option("--officer", values["--officer"]);
        if (!key) return usage_error(find_spec, key.error().message);
        query += "&officer=" + ledger::key_id(*key);
    }
    for (const char* name : {"--from", "--to"}) {
        if (!given(name)) continue;
        auto time = ledger_time_text(values[name]);
        if (!time) return usage_error(find_spec, std::string(name) + ": " + time.error().message);
        query += "&" + std::string(name + 2) + "=" + *time;
    }
    if (given("--case")) {
        if (!is_path_id(values["--case"])) return usage_error(find_spec, "--case: not a case id");
        query += "&case=" + values["--case"];
    }
    auto key = read_key_option(options->key_path);
    if (!key) return fail(key.error().message);
    // The query always holds a term (a digest, an officer or a time); each page echoes them.
    bool more = false;
    auto document = read_document_pages(
        *options, key->key, "/v1/search?" + query.substr(1),
        PagesOf{.field = "events", .cursor = "cursor", .pages_max = find_pages_max}, more);
    if (!document) return document.error();
    const Json& events = (*document)["events"];
    Json search = Json::object();
    for (const char* term : {"sha256", "officer", "from", "to", "case"}) {
        if (document->contains(term)) search[term] = (*document)[term];
    }
    if (options->json) {
        std::cout << Json{{"search", search}, {"events", events}}.dump(2) << "\n";
        return exit_ok;
    }
    std::string described;
    for (const auto& [term, value] : search.items())
        described += (described.empty() ? "" : ", ") + term + " " + value.get<std::string>();
    std::cout << described << ": " << events.size() << (events.size() == 1 ? " event" : " events")
              << " you may read\n";
    for (const auto& entry : events) {
        std::cout << "  " << text(entry, "item") << " (case " << text(entry, "case")
                  << "): " << text(entry, "kind") << " by " << text(entry, "agency") << " at "
                  << text(entry, "time") << ", committed " << text(entry, "ledger_time") << "\n"
                  << "     event " << text(entry, "id") << " (height " << number(entry, "height") << ", leaf "
                  << number(entry, "leaf_index") << "), signed by " << text(entry, "signer") << "\n";
    }
    return exit_ok;
}

}  // namespace custos::cli
