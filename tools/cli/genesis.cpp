// custos genesis: build a genesis document from a spec file (keys by hex or by public key file)
// or check an existing one, and print its genesis hash.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "ledger/genesis.hpp"
#include "ledger/time.hpp"
#include "tools/cli/commands.hpp"

namespace custos::cli {

namespace {

using crypto::Json;

constexpr std::string_view genesis_help =
    "Builds the genesis document of a Custos network from SPEC.json, validates it fully and writes\n"
    "its canonical JSON (RFC 8785, one line) to FILE (never over an existing file) or to stdout.\n"
    "Prints the genesis hash (SHA-256 of that text), the one value a court must trust, on stderr.\n"
    "With --check, validates an existing genesis file and prints its hash on stdout.\n"
    "\n"
    "SPEC.json is the genesis of docs/FORMAT.md section 5 with these conveniences:\n"
    "  - \"type\" may be left out; arrays may be in any order (they are sorted);\n"
    "  - an officer or validator may give \"key_file\": a public key file written by\n"
    "    'custos keygen' (FILE.pub; relative paths are relative to SPEC.json) instead of \"key\";\n"
    "  - \"params\" may be left out or partial (defaults: docs/FORMAT.md section 5);\n"
    "  - \"genesis_time\" may be \"now\" (the current UTC time, in milliseconds).\n"
    "Positions in error messages (officers[2]) count in the sorted order.\n"
    "Example:\n"
    "  {\"chain_id\": \"custos-eu-1\", \"genesis_time\": \"2026-11-27T21:00:00.000Z\",\n"
    "   \"agencies\": [{\"id\": \"NL-POL\", \"name\": \"Politie Nederland\", \"country\": \"NL\"}],\n"
    "   \"officers\": [{\"key_file\": \"keys/jansen.pub\", \"agency\": \"NL-POL\",\n"
    "                 \"roles\": [\"custodian\"], \"name\": \"J. Jansen\"}],\n"
    "   \"validators\": [{\"name\": \"NL-POL.validator-1\", \"agency\": \"NL-POL\",\n"
    "                   \"key_file\": \"keys/v1.pub\", \"power\": 1, \"address\": \"10.0.0.1:26656\"}]}\n"
    "\n"
    "exit status: 0 done, 1 the spec or genesis is invalid or a file could not be read/written,\n"
    "2 bad usage.";

Result<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::io_error, "cannot read " + path.string());
    std::ostringstream content;
    content << in.rdbuf();
    if (content.str().size() > limits::json_bytes_max) {
        return make_error(ErrorCode::invalid_argument, path.string() + " is larger than the JSON limit");
    }
    return content.str();
}

Result<std::string> public_key_from_file(const std::filesystem::path& path) {
    auto text = read_file(path);
    if (!text) return tl::unexpected(text.error());
    auto json = crypto::parse_json(*text);
    if (!json) return make_error(ErrorCode::invalid_argument, path.string() + ": " + json.error().message);
    if (!json->is_object() || !json->contains("type") || (*json)["type"] != public_key_file_type ||
        !(*json).contains("public_key") || !(*json)["public_key"].is_string()) {
        return make_error(ErrorCode::invalid_argument, path.string() + " is not a public key file (" +
                                                           std::string(public_key_file_type) + ")");
    }
    auto key = crypto::public_key_from_hex((*json)["public_key"].get<std::string>());
    if (!key) return make_error(ErrorCode::invalid_argument, path.string() + ": bad public_key");
    return (*json)["public_key"].get<std::string>();
}

// Replaces "key_file" by "key" in each entry of `list`.
Status resolve_key_files(Json& list, std::string_view list_name, const std::filesystem::path& base) {
    if (!list.is_array()) return {};  // genesis_from_json names the problem.
    for (std::size_t i = 0; i < list.size(); ++i) {
        Json& entry = list[i];
        if (!entry.is_object() || !entry.contains("key_file")) continue;
        std::string where = std::string(list_name) + "[" + std::to_string(i) + "]";
        if (entry.contains("key"))
            return make_error(ErrorCode::invalid_argument, where + ": give key or key_file, not both");
        if (!entry["key_file"].is_string())
            return make_error(ErrorCode::invalid_argument, where + ".key_file: not a string");
        std::filesystem::path path = entry["key_file"].get<std::string>();
        if (path.is_relative()) path = base / path;
        auto key = public_key_from_file(path);
        if (!key) return make_error(key.error().code, where + ".key_file: " + key.error().message);
        entry.erase("key_file");
        entry["key"] = *key;
    }
    return {};
}

void sort_by(Json& list, const char* field) {
    if (!list.is_array()) return;
    std::stable_sort(list.begin(), list.end(), [field](const Json& a, const Json& b) {
        auto text = [field](const Json& entry) {
            return entry.is_object() && entry.contains(field) && entry[field].is_string()
                       ? entry[field].get<std::string>()
                       : std::string();
        };
        return text(a) < text(b);
    });
}

std::string now_text() {
    auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    return ledger::format_time(ledger::TimeMs{now.time_since_epoch().count()});
}

// Spec -> genesis JSON (then validated by ledger::genesis_from_json, which names any bad field).
Result<ledger::Genesis> genesis_from_spec(const std::filesystem::path& spec_path) {
    auto text = read_file(spec_path);
    if (!text) return tl::unexpected(text.error());
    auto spec = crypto::parse_json(*text);
    if (!spec)
        return make_error(ErrorCode::invalid_argument, spec_path.string() + ": " + spec.error().message);
    if (!spec->is_object()) return make_error(ErrorCode::invalid_argument, "the spec must be a JSON object");
    Json& json = *spec;
    if (!json.contains("type")) json["type"] = ledger::genesis_type;
    if (json.contains("genesis_time") && json["genesis_time"] == "now") json["genesis_time"] = now_text();
    const auto base = spec_path.parent_path();
    for (const char* list : {"officers", "validators"}) {
        if (!json.contains(list)) continue;
        if (auto status = resolve_key_files(json[list], list, base); !status)
            return tl::unexpected(status.error());
    }
    if (json.contains("agencies")) sort_by(json["agencies"], "id");
    if (json.contains("officers")) sort_by(json["officers"], "key");
    if (json.contains("validators")) sort_by(json["validators"], "name");
    // Defaults from a default-constructed ConsensusParams, overridden by what the spec gives.
    Json params = ledger::genesis_to_json(ledger::Genesis{})["params"];
    if (json.contains("params") && json["params"].is_object()) {
        for (const auto& [key, value] : json["params"].items())
            params[key] = value;
    }
    json["params"] = params;
    return ledger::genesis_from_json(json);
}

int check_genesis(const std::filesystem::path& path) {
    auto text = read_file(path);
    if (!text) return fail(text.error().message);
    auto genesis = ledger::parse_genesis(*text);
    if (!genesis) return fail(path.string() + ": " + genesis.error().message);
    std::cout << "genesis hash: " << crypto::hex_encode(ledger::genesis_hash(*genesis).view()) << "\n"
              << "chain id:     " << genesis->chain_id << "\n"
              << "agencies: " << genesis->agencies.size() << ", officers: " << genesis->officers.size()
              << ", validators: " << genesis->validators.validators.size() << " (total power "
              << genesis->validators.total_power() << ")\n";
    return exit_ok;
}

struct GenesisOptions {
    std::optional<std::string> spec, out, check;
};

int run_genesis(const GenesisOptions& options) {
    const auto& [spec, out, check] = options;
    if (check) return check_genesis(*check);
    if (!spec) return usage_error("--spec FILE or --check FILE is required");
    if (out && std::filesystem::exists(*out)) return fail(*out + " already exists; refusing to overwrite it");
    auto genesis = genesis_from_spec(*spec);
    if (!genesis) return fail(genesis.error().message);
    const std::string text = ledger::canonical_genesis(*genesis) + "\n";
    if (out) {
        if (auto written = write_new_file(*out, text); !written) return fail(written.error().message);
    } else {
        std::cout << text;
    }
    std::cerr << "genesis hash: " << crypto::hex_encode(ledger::genesis_hash(*genesis).view()) << "\n";
    return exit_ok;
}

}  // namespace

void add_genesis(Tool& tool) {
    auto options = std::make_shared<GenesisOptions>();
    auto& command = tool.add(tool.root(), "genesis", "build or check a genesis document and print its hash",
                             [options] { return run_genesis(*options); });
    auto* spec = command.add_option("--spec", options->spec, "the spec to build from")->type_name("FILE");
    auto* out = command.add_option("--out", options->out, "where to write the genesis (default: stdout)")
                    ->type_name("FILE");
    command.add_option("--check", options->check, "validate an existing genesis and print its hash")
        ->type_name("FILE")
        ->excludes(spec)
        ->excludes(out);
    command.footer(std::string(genesis_help));
}

}  // namespace custos::cli
