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

constexpr std::string_view find_help =
    "Prints the committed events a search finds, with their item and case (GET /v1/search,\n"
    "every page): those that record a SHA-256 (an item's reference digests, digests measured\n"
    "again at a transfer or a verify, what an access produced), or that an officer key signed,\n"
    "or (with neither) every event, committed in a ledger time range [--from, --to) when given\n"
    "(the time of the block that committed the event, certified by the validators; the event's\n"
    "own time is printed beside it), and of one case with --case. --sha256-of hashes a file on\n"
    "this machine; the file never leaves it. Only the cases the key may read are searched (an\n"
    "auditor's: all), so an empty answer says nothing about the others.\n"
    "\n"
    "exit status: 0 printed (also when nothing was found), 1 refused or failed, 2 bad usage.";

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

// A CLI11 check of --from and --to.
CLI::Validator ledger_time() {
    return parsed_by(ledger_time_text, "ledger_time");
}

struct FindOptions : Options {
    std::string sha256, sha256_of, officer, from, to, case_id;
};

// The search's query (without the leading '&'), or the exit status of a usage error or a failure,
// reported. The options' checks already ran.
tl::expected<std::string, int> find_query(const FindOptions& options) {
    if (options.sha256.empty() && options.sha256_of.empty() && options.officer.empty() &&
        options.from.empty() && options.to.empty()) {
        return tl::unexpected(
            usage_error("give --sha256, --sha256-of, --officer, or a time range --from/--to"));
    }
    std::string query;
    if (!options.sha256_of.empty()) {
        auto hashed = sha256_of_file(options.sha256_of);
        if (!hashed) return tl::unexpected(fail(hashed.error().message));
        query += "&sha256=" + crypto::hex_encode(hashed->view());
    } else if (!options.sha256.empty()) {
        query += "&sha256=" + crypto::hex_encode(parse_hash_option(options.sha256)->view());
    } else if (!options.officer.empty()) {
        auto key = public_key_option("--officer", options.officer);
        if (!key) return tl::unexpected(usage_error(key.error().message));
        query += "&officer=" + ledger::key_id(*key);
    }
    if (!options.from.empty()) query += "&from=" + ledger_time_text(options.from).value();
    if (!options.to.empty()) query += "&to=" + ledger_time_text(options.to).value();
    if (!options.case_id.empty()) query += "&case=" + options.case_id;
    return query.substr(1);
}

int run_find(const FindOptions& options) {
    auto query = find_query(options);
    if (!query) return query.error();
    auto key = read_key_option(options.key_path);
    if (!key) return fail(key.error().message);
    // The query always holds a term (a digest, an officer or a time); each page echoes them.
    bool more = false;
    auto document = read_document_pages(
        options, key->key, "/v1/search?" + *query,
        PagesOf{.field = "events", .cursor = "cursor", .pages_max = find_pages_max}, more);
    if (!document) return document.error();
    const Json& events = (*document)["events"];
    Json search = Json::object();
    for (const char* term : {"sha256", "officer", "from", "to", "case"}) {
        if (document->contains(term)) search[term] = (*document)[term];
    }
    if (options.json) {
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

}  // namespace

void add_find(Tool& tool) {
    auto options = std::make_shared<FindOptions>();
    auto& command = add_api_command(
        tool, tool.root(), "find",
        "find events by evidence digest, officer key or ledger time range (--sha256, --officer, --from/--to)",
        options, [options] { return run_find(*options); }, "print {\"search\", \"events\"} as JSON");
    auto* sha256 = command.add_option("--sha256", options->sha256, "the digest (64 hex digits, either case)")
                       ->type_name("HEX")
                       ->check(sha256_hex());
    auto* sha256_of =
        command.add_option("--sha256-of", options->sha256_of, "hash FILE here and search for its digest")
            ->type_name("FILE")
            ->excludes(sha256);
    command
        .add_option("--officer", options->officer,
                    "the events this officer key signed: a key id (64 hex) or FILE.pub")
        ->type_name("KEY")
        ->excludes(sha256)
        ->excludes(sha256_of);
    command
        .add_option("--from", options->from,
                    "committed at or after TIME, UTC: 2026-02-01, 2026-02-01T10:00,\n"
                    "2026-02-01T10:00:00Z or 2026-02-01T10:00:00.000Z")
        ->type_name("TIME")
        ->check(ledger_time());
    command.add_option("--to", options->to, "committed before TIME (same forms)")
        ->type_name("TIME")
        ->check(ledger_time());
    command.add_option("--case", options->case_id, "only the events of this case")
        ->type_name("CASE")
        ->check(path_id());
    command.footer(std::string(find_help));
}

}  // namespace custos::cli
