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

constexpr std::string_view bundle_help =
    "Fetches the court bundle of ITEM from a node (GET /v1/items/{ITEM}/bundle, signed with your\n"
    "officer key; the prosecutor role of an agency taking part in the case, or an auditor, may\n"
    "export) and writes it to FILE, which must not exist. The file is checked to be a bundle of\n"
    "ITEM, not verified: run 'custos verify FILE --genesis-hash HEX' for that. A validator adds\n"
    "who exported it (docs/FORMAT.md 11.8): your signed request, its name and the time it received\n"
    "the request, signed by it together with the bundle's digest; the same request is logged in the\n"
    "consultation log ('custos reads ITEM').\n"
    "\n"
    "exit status: 0 written, 1 refused or failed (the node's problem title and detail are printed),\n"
    "2 bad usage.";

constexpr std::int64_t request_lifetime_s = 60;
constexpr std::uint32_t request_timeout_ms = 60000;

struct BundleOptions : api_cli::Options {
    std::string item, out;
};

int run_bundle(const BundleOptions& parsed) {
    if (std::filesystem::exists(parsed.out)) return fail(parsed.out + " already exists");
    auto key = read_key_option(parsed.key_path);
    if (!key) return fail(key.error().message);
    api::ClientRequest request;
    request.host = parsed.node.host;
    request.port = parsed.node.port;
    request.method = "GET";
    // Item ids are [A-Za-z0-9._:-], all safe in a path segment.
    request.target = "/v1/items/" + parsed.item + "/bundle";
    request.timeout_ms = request_timeout_ms;
    request.tls = parsed.tls;  // Before signing: the signed @target-uri's scheme follows it.
    api::sign_client_request(request, key->key, api::unix_time_s(), request_lifetime_s);
    auto response = api::http_request(request);
    if (!response) return fail("node " + parsed.node_url + ": " + response.error().message);
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

}  // namespace

void add_bundle(Tool& tool) {
    auto options = std::make_shared<BundleOptions>();
    auto& command = api_cli::add_api_command(
        tool, tool.root(), "bundle",
        "fetch an item's court bundle from a node (custos bundle ITEM --node URL ...)", options,
        [options] { return run_bundle(*options); }, "");
    command.add_option("ITEM", options->item, "the item's id")->required()->check(path_id());
    command.add_option("--out", options->out, "where to write the bundle")->type_name("FILE")->required();
    command.footer(std::string(bundle_help));
}

}  // namespace custos::cli
