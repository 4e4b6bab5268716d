// custos bundle: fetches an item's court bundle from a node (GET /v1/items/{item}/bundle, signed
// with the officer's key as RFC 9421 requires) and writes it to a new file. The bundle is not
// trusted for being fetched: run `custos verify` on it.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "api/http_client.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/genesis.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/verify.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {
namespace {

constexpr std::string_view bundle_usage =
    "usage: custos bundle ITEM --node URL --key FILE --out FILE\n"
    "\n"
    "Fetches the court bundle of ITEM from a node (GET /v1/items/{ITEM}/bundle, signed with your\n"
    "officer key; the prosecutor role of an agency taking part in the case, or an auditor, may\n"
    "export) and writes it to FILE, which must not exist. The file is checked to be a bundle of\n"
    "ITEM, not verified: run 'custos verify FILE --genesis-hash HEX' for that. A validator adds\n"
    "who exported it (docs/FORMAT.md 11.8): your signed request, its name and the time it received\n"
    "the request, signed by it together with the bundle's digest; the same request is logged in the\n"
    "consultation log ('custos reads ITEM').\n"
    "\n"
    "options:\n"
    "  --node URL     the node's REST base URL, e.g. http://127.0.0.1:8081\n"
    "  --key FILE     your officer secret key file (custos keygen)\n"
    "  --out FILE     where to write the bundle\n"
    "  -h, --help     show this help\n"
    "\n"
    "exit status: 0 written, 1 refused or failed (the node's problem title and detail are printed),\n"
    "2 bad usage.\n";

constexpr std::int64_t request_lifetime_s = 60;
constexpr std::uint32_t request_timeout_ms = 60000;

struct BundleArgs {
    std::string item, node, key, out;
};

int usage_error(const std::string& message) {
    std::cerr
        << "error: " << message << "\n"
        << "usage: custos bundle ITEM --node URL --key FILE --out FILE   (custos bundle --help for more)\n";
    return exit_usage;
}

std::optional<std::string> parse_args(const Args& args, BundleArgs& out) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const bool has_value = i + 1 < args.size();
        if (arg == "--node" && has_value) {
            out.node = args[++i];
        } else if (arg == "--key" && has_value) {
            out.key = args[++i];
        } else if (arg == "--out" && has_value) {
            out.out = args[++i];
        } else if (arg.starts_with("-")) {
            return "unknown option or missing value: " + arg;
        } else if (out.item.empty()) {
            out.item = arg;
        } else {
            return "more than one ITEM given";
        }
    }
    if (out.item.empty()) return "ITEM is required";
    if (!ledger::is_valid_id(out.item)) return "ITEM must match [A-Za-z0-9._:-]{1,128}";
    if (out.node.empty() || out.key.empty() || out.out.empty()) return "--node, --key and --out are required";
    return std::nullopt;
}

int fail(const std::string& message) {
    std::cerr << "error: " << message << "\n";
    return exit_failure;
}

}  // namespace

int run_bundle(const Args& args) {
    if (wants_help(args)) {
        std::cout << bundle_usage;
        return exit_ok;
    }
    BundleArgs parsed;
    if (auto error = parse_args(args, parsed)) return usage_error(*error);
    if (std::filesystem::exists(parsed.out)) return fail(parsed.out + " already exists");
    auto url = api::parse_url(parsed.node);
    if (!url) return usage_error("--node: " + url.error().message);
    auto tls = node_tls(*url);
    if (!tls) return usage_error(tls.error().message);
    auto key = read_key_option(parsed.key);
    if (!key) return fail(key.error().message);
    api::ClientRequest request;
    request.host = url->host;
    request.port = url->port;
    request.method = "GET";
    // Item ids are [A-Za-z0-9._:-], all safe in a path segment.
    request.target = "/v1/items/" + parsed.item + "/bundle";
    request.timeout_ms = request_timeout_ms;
    request.tls = *tls;  // Before signing: the signed @target-uri's scheme follows it.
    api::sign_client_request(request, key->key, api::unix_time_s(), request_lifetime_s);
    auto response = api::http_request(request);
    if (!response) return fail("node " + parsed.node + ": " + response.error().message);
    // A refusal is printed as submit and trail print it: the problem's title, detail and field.
    if (response->status != 200) return api_cli::report_problem(*response);
    auto json =
        crypto::parse_json(response->body, crypto::JsonParseOptions{.bytes_max = ledger::bundle_bytes_max});
    if (!json || !json->is_object() || json->value("type", "") != ledger::bundle_type ||
        json->value("item", "") != parsed.item)
        return fail("the node's answer is not a " + std::string(ledger::bundle_type) + " bundle of " +
                    parsed.item);
    std::ofstream out(parsed.out, std::ios::binary);
    out << response->body;  // As served: its SHA-256 is the one the node's answer had.
    out.close();
    if (!out) return fail("cannot write " + parsed.out);
    std::cout << "wrote the bundle of " << parsed.item << " to " << parsed.out << " ("
              << response->body.size() << " bytes); check it with: custos verify " << parsed.out
              << " --genesis-hash HEX\n";
    return exit_ok;
}

}  // namespace custos::cli
