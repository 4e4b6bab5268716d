// Shared pieces of the API commands: options, signed calls, problem printing. See api_client.hpp.
#include "tools/support/api_client.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>

namespace custos::cli::api_cli {

namespace {

std::string first_line(std::string_view text) {
    return std::string(text.substr(0, text.find('\n')));
}

// --node: a base URL, http(s)://HOST:PORT without a path.
CLI::Validator base_url() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            auto url = api::parse_url(text);
            if (!url) return url.error().message;
            if (url->target != "/") return "takes a base URL without a path (http://HOST:PORT)";
            return {};
        },
        "", "base_url");
}

}  // namespace

CLI::App& add_api_command(Tool& tool, CLI::App& parent, std::string name, std::string summary,
                          std::shared_ptr<Options> options, Run run, std::string json_help) {
    CLI::App& command = tool.add(parent, std::move(name), std::move(summary), [options, run]() {
        options->node = api::parse_url(options->node_url).value();  // Checked by base_url().
        auto tls = node_tls(options->node);
        if (!tls) return usage_error(tls.error().message);
        options->tls = std::move(*tls);
        return run();
    });
    command.add_option("--node", options->node_url, "the node's REST base URL, e.g. http://127.0.0.1:8081")
        ->type_name("URL")
        ->required()
        ->check(base_url());
    command.add_option("--key", options->key_path, "the officer's secret key file (mode 0600)")
        ->type_name("FILE")
        ->required();
    if (!json_help.empty()) command.add_flag("--json", options->json, std::move(json_help));
    return command;
}

bool is_path_id(std::string_view id) {
    if (id.empty() || id.size() > 128 || id == "." || id == "..") return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == ':' || c == '-';
    });
}

Result<api::ClientResponse> signed_call(const Options& options, const crypto::SecretKey& key,
                                        std::string method, std::string target, std::string body,
                                        std::uint32_t timeout_ms) {
    api::ClientRequest request{.host = options.node.host,
                               .port = options.node.port,
                               .method = std::move(method),
                               .target = std::move(target),
                               .content_type = body.empty() ? "" : "application/json",
                               .body = std::move(body),
                               .timeout_ms = timeout_ms,
                               .signing_key = &key,
                               .tls = options.tls};
    return api::http_request(request);
}

int report_problem(const api::ClientResponse& response) {
    auto parsed = crypto::parse_json(response.body);
    if (!parsed || !parsed->is_object() || !parsed->contains("title")) {
        std::cerr << "error: the node answered HTTP " << response.status;
        if (!response.body.empty()) std::cerr << ": " << first_line(response.body);
        std::cerr << "\n";
        return exit_failure;
    }
    const crypto::Json& problem = *parsed;
    std::cerr << "error: " << text(problem, "title") << " (HTTP " << response.status << ")\n";
    if (auto detail = text(problem, "detail"); !detail.empty()) std::cerr << "  " << detail << "\n";
    if (auto rule = text(problem, "rule"); !rule.empty()) std::cerr << "  rule: " << rule << "\n";
    if (auto field = text(problem, "field"); !field.empty()) std::cerr << "  field: " << field << "\n";
    if (auto id = text(problem, "id"); !id.empty()) std::cerr << "  event: " << id << "\n";
    if (auto retry = response.header("Retry-After"); !retry.empty()) {
        std::cerr << "  retry after: " << retry << " s\n";
    }
    return exit_failure;
}

std::optional<crypto::Json> json_body(const api::ClientResponse& response) {
    auto parsed = crypto::parse_json(response.body);
    if (!parsed) {
        std::cerr << "error: the node's answer is not JSON: " << parsed.error().message << "\n";
        return std::nullopt;
    }
    return std::move(*parsed);
}

void add_agency_option(CLI::App& command, AgencyOptions& options, std::string agency_help) {
    command.add_option("--agency", options.agency, std::move(agency_help))
        ->type_name("AGENCY")
        ->check(path_id());
}

tl::expected<AgencyCommand, int> start_agency_command(const AgencyOptions& options) {
    auto key = read_key_option(options.key_path);
    if (!key) return tl::unexpected(fail(key.error().message));
    std::string agency = options.agency;
    if (agency.empty()) {
        auto record =
            signed_call(options, key->key, "GET", "/v1/officers/" + ledger::key_id(key->key.public_key()));
        if (!record) return tl::unexpected(fail(record.error().message));
        if (record->status != 200) return tl::unexpected(report_problem(*record));
        auto json = json_body(*record);
        if (!json) return tl::unexpected(exit_failure);
        agency = text(*json, "agency");
    }
    if (!is_path_id(agency)) return tl::unexpected(usage_error("AGENCY must match [A-Za-z0-9._:-]{1,128}"));
    return AgencyCommand{std::move(*key), std::move(agency)};
}

tl::expected<crypto::Json, int> read_pages(const Options& options, const crypto::SecretKey& key,
                                           const std::string& target, std::string_view field, int pages_max,
                                           bool& more) {
    auto document = read_document_pages(
        options, key, target, PagesOf{.field = field, .cursor = "after", .pages_max = pages_max}, more);
    if (!document) return tl::unexpected(document.error());
    return std::move((*document)[std::string(field)]);
}

tl::expected<crypto::Json, int> read_document_pages(const Options& options, const crypto::SecretKey& key,
                                                    const std::string& target, const PagesOf& pages,
                                                    bool& more) {
    crypto::Json document = crypto::Json::object();
    crypto::Json entries = crypto::Json::array();
    const std::string member(pages.field);
    std::string cursor;
    for (int page = 0; page < pages.pages_max; ++page) {
        std::string paged = target + (target.find('?') == std::string::npos ? "?" : "&") +
                            "limit=" + std::to_string(pages.limit);
        if (!cursor.empty()) paged += "&" + std::string(pages.cursor) + "=" + cursor;
        auto response = signed_call(options, key, "GET", paged);
        if (!response) return tl::unexpected(fail(response.error().message));
        if (response->status != 200) return tl::unexpected(report_problem(*response));
        auto answer = json_body(*response);
        if (!answer) return tl::unexpected(exit_failure);
        if (answer->contains(member) && (*answer)[member].is_array()) {
            for (auto& entry : (*answer)[member])
                entries.push_back(std::move(entry));
        }
        cursor = text(*answer, "next");
        if (page == 0 && answer->is_object()) document = std::move(*answer);
        if (cursor.empty()) break;
    }
    more = !cursor.empty();
    document.erase("next");
    document[member] = std::move(entries);
    return document;
}

Result<crypto::PublicKey> public_key_option(const std::string& option, const std::string& value) {
    if (auto key = crypto::public_key_from_hex(value)) return *key;
    std::ifstream in(value, std::ios::binary);
    std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto json = crypto::parse_json(contents);
    if (in && json && json->is_object()) {
        if (auto key = crypto::public_key_from_hex(text(*json, "public_key"))) return *key;
    }
    return make_error(ErrorCode::invalid_argument,
                      option + ": expected a key id (64 lowercase hex digits) or a public key file");
}

int get_and_print(const Options& options, const std::string& target, void (*print)(const crypto::Json&)) {
    auto key = read_key_option(options.key_path);
    if (!key) return fail(key.error().message);
    auto response = signed_call(options, key->key, "GET", target);
    if (!response) return fail(response.error().message);
    if (response->status != 200) return report_problem(*response);
    auto answer = json_body(*response);
    if (!answer) return exit_failure;
    if (options.json) {
        std::cout << answer->dump(2) << "\n";
    } else {
        print(*answer);
    }
    return exit_ok;
}

std::string text(const crypto::Json& json, std::string_view member, std::string fallback) {
    if (!json.is_object()) return fallback;
    auto found = json.find(member);
    if (found == json.end() || !found->is_string()) return fallback;
    return found->get<std::string>();
}

std::string number(const crypto::Json& json, std::string_view member, std::string fallback) {
    if (!json.is_object()) return fallback;
    auto found = json.find(member);
    if (found == json.end() || !found->is_number_unsigned()) return fallback;
    return std::to_string(found->get<std::uint64_t>());
}

}  // namespace custos::cli::api_cli
