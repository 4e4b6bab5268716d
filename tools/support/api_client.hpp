// What the REST API commands of `custos` (submit, trail, case, status, ...) and the API benchmarks
// of `custos-dev` (bench load, bench api) share: option parsing for --node/--key/--json, a signed
// request to a node, and printing an RFC 9457 problem as "error: <title>" + its detail.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_client.hpp"
#include "common/result.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/genesis.hpp"
#include "tools/support/command.hpp"

namespace custos::cli {

namespace api_cli {

inline constexpr std::uint32_t request_timeout_ms = 10000;
// How long `submit --wait` lets the node wait for the commit (the node answers 504 after its own
// limit; this is the client's outer deadline).
inline constexpr std::uint32_t commit_wait_timeout_ms = 60000;

// What every API command is given: --node URL, --key FILE, --json. A command with options of its
// own binds them in a struct derived from this one.
struct Options {
    std::string node_url;
    std::string key_path;
    bool json = false;
    api::ParsedUrl node;                        // node_url, parsed once the command runs
    std::shared_ptr<const api::ClientTls> tls;  // https:// (node_tls()); null for http://
};

// An API command `name` of `parent`: --node URL (a base URL, checked), --key FILE and --json
// (`json_help` says what it prints; none when empty) bound to `options`; `run` is called once the node's URL
// and TLS setup are made (the trust anchors not fitting the URL is a usage error, printed).
CLI::App& add_api_command(Tool& tool, CLI::App& parent, std::string name, std::string summary,
                          std::shared_ptr<Options> options, Run run,
                          std::string json_help = "print the node's JSON answer as it is");

// True when `id` is a path id the API accepts ([A-Za-z0-9._:-]{1,128}, not "." or "..").
[[nodiscard]] bool is_path_id(std::string_view id);

// One request to the node, signed with the key at send time.
[[nodiscard]] Result<api::ClientResponse> signed_call(const Options& options, const crypto::SecretKey& key,
                                                      std::string method, std::string target,
                                                      std::string body = {},
                                                      std::uint32_t timeout_ms = request_timeout_ms);

// For a non-2xx answer: prints "error: <title> (HTTP <status>)", the detail, and the rule/field
// members when present, on stderr; returns exit_failure. A body that is not a problem document is
// printed as it is.
int report_problem(const api::ClientResponse& response);

// Parses a 2xx JSON body; prints an error when it is not JSON.
[[nodiscard]] std::optional<crypto::Json> json_body(const api::ClientResponse& response);

// The read commands' common path: a signed GET of `target` with the key of --key, then the JSON
// answer printed as it is (--json) or by `print`; a refusal is reported as report_problem does.
// Returns the command's exit status.
int get_and_print(const Options& options, const std::string& target, void (*print)(const crypto::Json&));

// A command about one agency (inbox, cases): --agency AGENCY besides the API options.
struct AgencyOptions : Options {
    std::string agency;
};
// Adds --agency AGENCY (`agency_help`) to an API command.
void add_agency_option(CLI::App& command, AgencyOptions& options, std::string agency_help);
// The start of such a command: reads --key, and names the agency: the one given, else the key's
// own officer record's (GET /v1/officers/{key}). On a refusal or a failure, reported, the
// command's exit status instead.
struct AgencyCommand {
    crypto::KeyFile key;
    std::string agency;
};
[[nodiscard]] tl::expected<AgencyCommand, int> start_agency_command(const AgencyOptions& options);

// Every page of an id-ordered list route (`target` without a query; 1,000 entries a page, `after`
// the answer's `next`), the entries of the answer's array `field` concatenated; at most
// `pages_max` pages (`more` says whether entries remained). On a refusal or failure, reported on
// stderr, the command's exit status instead.
[[nodiscard]] tl::expected<crypto::Json, int> read_pages(const Options& options, const crypto::SecretKey& key,
                                                         const std::string& target, std::string_view field,
                                                         int pages_max, bool& more);

// A public key given as 64 hex digits or as a public key file ('custos keygen' FILE.pub); the
// error names `option`.
[[nodiscard]] Result<crypto::PublicKey> public_key_option(const std::string& option,
                                                          const std::string& value);

// Every page of a paginated document route (`target` with or without a query): the first page's
// document with its array `field` holding the entries of every page, `next` left out; each page
// asks for `limit` entries and passes the answer's `next` as the query parameter `cursor`
// ("after" for id-ordered lists, "cursor" for leaf-ordered ones); at most `pages_max` pages
// (`more` says whether entries remained). On a refusal or failure, reported on stderr, the
// command's exit status instead.
struct PagesOf {
    std::string_view field;
    std::string_view cursor;
    int pages_max = 100;
    std::size_t limit = 1000;
};
[[nodiscard]] tl::expected<crypto::Json, int> read_document_pages(const Options& options,
                                                                  const crypto::SecretKey& key,
                                                                  const std::string& target,
                                                                  const PagesOf& pages, bool& more);

// A string member, or `fallback` when absent or not a string.
[[nodiscard]] std::string text(const crypto::Json& json, std::string_view member, std::string fallback = "");
// An unsigned member as text, or `fallback`.
[[nodiscard]] std::string number(const crypto::Json& json, std::string_view member,
                                 std::string fallback = "?");

}  // namespace api_cli
}  // namespace custos::cli
