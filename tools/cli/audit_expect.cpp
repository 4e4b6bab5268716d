#include "tools/cli/audit_expect.hpp"

#include <fstream>
#include <sstream>

#include "api/http_client.hpp"
#include "crypto/canonical_json.hpp"
#include "tools/cli/commands.hpp"

namespace custos::cli {

namespace {

// A checkpoint note is a few hundred bytes per validator: anything far larger is not one.
constexpr std::uintmax_t checkpoint_file_bytes_max = 1024 * 1024;
constexpr std::uint32_t checkpoint_fetch_timeout_ms = 10000;

// The note itself, or the "note" member of a node's checkpoint JSON.
Result<ledger::Certificate> certificate_from_text(std::string text, const std::string& where) {
    if (!text.empty() && text.front() == '{') {
        auto json = crypto::parse_json(text);
        if (!json) return make_error(ErrorCode::invalid_argument, where + ": " + json.error().message);
        auto note = json->find("note");
        if (!json->is_object() || note == json->end() || !note->is_string())
            return make_error(ErrorCode::invalid_argument, where + ": JSON without a \"note\" string");
        text = note->get<std::string>();
    }
    if (text.empty()) return make_error(ErrorCode::invalid_argument, where + ": empty");
    return ledger::Certificate{std::move(text)};
}

}  // namespace

Result<ledger::Certificate> read_checkpoint_file(const std::filesystem::path& path) {
    const std::string where = "--expect " + path.string();
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    if (error) return make_error(ErrorCode::not_found, where + ": " + error.message());
    if (size > checkpoint_file_bytes_max)
        return make_error(ErrorCode::invalid_argument, where + ": larger than 1 MiB, not a checkpoint");
    std::ifstream stream(path, std::ios::binary);
    std::ostringstream text;
    text << stream.rdbuf();
    if (!stream.good() && !stream.eof()) return make_error(ErrorCode::io_error, where + ": read failed");
    return certificate_from_text(text.str(), where);
}

Result<ledger::Certificate> fetch_latest_checkpoint(std::string_view url) {
    const std::string where = "--against " + std::string(url);
    auto parsed = api::parse_url(url);
    if (!parsed) return make_error(ErrorCode::invalid_argument, where + ": " + parsed.error().message);
    auto tls = node_tls(*parsed);
    if (!tls) return make_error(ErrorCode::invalid_argument, where + ": " + tls.error().message);
    std::string target = parsed->target;
    if (!target.ends_with('/')) target += '/';
    api::ClientRequest request{.host = parsed->host,
                               .port = parsed->port,
                               .target = target + "v1/checkpoints/latest",
                               .timeout_ms = checkpoint_fetch_timeout_ms,
                               .tls = std::move(*tls)};
    auto response = api::http_request(request);
    if (!response) return make_error(response.error().code, where + ": " + response.error().message);
    if (response->status != 200) {
        return make_error(ErrorCode::unavailable, where + ": the node answered HTTP " +
                                                      std::to_string(response->status) + " for " +
                                                      request.target);
    }
    return certificate_from_text(std::move(response->body), where);
}

}  // namespace custos::cli
