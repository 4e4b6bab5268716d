// custos find: the committed events that record an evidence digest (GET /v1/search), so that
// an examiner holding only a file's SHA-256 finds its item.
#include <iostream>

#include "crypto/encoding.hpp"
#include "tools/cli/api_client.hpp"

namespace custos::cli {

namespace {

using namespace api_cli;
using crypto::Json;

const OptionSpec find_spec{
    .usage =
        "usage: custos find --sha256 HEX | --sha256-of FILE --node URL --key FILE [--json]\n"
        "\n"
        "Prints the committed events that record the SHA-256 (an item's reference digests, digests\n"
        "measured again at a transfer or a verify, what an access produced), with their item and\n"
        "case: GET /v1/search?sha256=HEX, every page. --sha256-of hashes a file on this machine;\n"
        "the file never leaves it. Only the cases the key may read are searched (an auditor's: all),\n"
        "so an empty answer says nothing about the others.\n"
        "\n"
        "options:\n"
        "  --sha256 HEX      the digest (64 hex digits, either case)\n"
        "  --sha256-of FILE  hash FILE here and search for its digest\n"
        "  --node URL        the node's REST base URL, e.g. http://127.0.0.1:8081\n"
        "  --key FILE        the officer's secret key file (mode 0600)\n"
        "  --json            print {\"sha256\", \"events\"} as JSON\n"
        "  -h, --help        show this help\n"
        "\n"
        "exit status: 0 printed (also when nothing was found), 1 refused or failed, 2 bad usage.\n",
};

// Pages read at most (1,000 events each).
constexpr int find_pages_max = 100;

}  // namespace

int run_find(const Args& args) {
    Args rest;
    std::string sha256_text, file;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if ((args[i] == "--sha256" || args[i] == "--sha256-of") && i + 1 < args.size()) {
            (args[i] == "--sha256" ? sha256_text : file) = args[i + 1];
            ++i;
        } else {
            rest.push_back(args[i]);
        }
    }
    int exit_code = exit_ok;
    auto options = parse_options(rest, find_spec, exit_code);
    if (!options) return exit_code;
    if (sha256_text.empty() == file.empty())
        return usage_error(find_spec, "give one of --sha256 HEX or --sha256-of FILE");
    Hash32 sha256;
    if (!file.empty()) {
        auto hashed = sha256_of_file(file);
        if (!hashed) return fail(hashed.error().message);
        sha256 = *hashed;
    } else {
        auto parsed = parse_hash_option(sha256_text);
        if (!parsed) return usage_error(find_spec, "--sha256: " + parsed.error().message);
        sha256 = *parsed;
    }
    auto key = read_key_option(options->key_path);
    if (!key) return fail(key.error().message);
    const std::string hex = crypto::hex_encode(sha256.view());
    Json events = Json::array();
    std::string cursor;
    for (int page = 0; page < find_pages_max; ++page) {
        std::string target = "/v1/search?sha256=" + hex + "&limit=1000";
        if (!cursor.empty()) target += "&cursor=" + cursor;
        auto response = signed_call(*options, key->key, "GET", target);
        if (!response) return fail(response.error().message);
        if (response->status != 200) return report_problem(*response);
        auto answer = json_body(*response);
        if (!answer) return exit_failure;
        if (answer->contains("events") && (*answer)["events"].is_array()) {
            for (auto& entry : (*answer)["events"])
                events.push_back(std::move(entry));
        }
        cursor = text(*answer, "next");
        if (cursor.empty()) break;
    }
    if (options->json) {
        std::cout << Json{{"sha256", hex}, {"events", events}}.dump(2) << "\n";
        return exit_ok;
    }
    std::cout << "sha256 " << hex << ": " << events.size() << (events.size() == 1 ? " event" : " events")
              << " you may read\n";
    for (const auto& entry : events) {
        std::cout << "  " << text(entry, "item") << " (case " << text(entry, "case")
                  << "): " << text(entry, "kind") << " by " << text(entry, "agency") << " at "
                  << text(entry, "time") << "\n"
                  << "     event " << text(entry, "id") << " (height " << number(entry, "height") << ", leaf "
                  << number(entry, "leaf_index") << ")\n";
    }
    return exit_ok;
}

}  // namespace custos::cli
