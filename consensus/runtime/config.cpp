#include "consensus/runtime/config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <tuple>

#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"

namespace custos::runtime {
namespace {

using crypto::Json;

Result<std::string> string_field(const Json& object, std::string_view name, bool required) {
    auto it = object.find(std::string(name));
    if (it == object.end()) {
        if (required) {
            return make_error(ErrorCode::invalid_argument,
                              "config: missing required field \"" + std::string(name) + "\"");
        }
        return std::string();
    }
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
        return make_error(ErrorCode::invalid_argument,
                          "config: field \"" + std::string(name) + "\" must be a non-empty string");
    }
    return it->get<std::string>();
}

Status check_fields(const Json& object, const std::set<std::string>& known, std::string_view where) {
    for (const auto& [key, value] : object.items()) {
        (void)value;
        if (known.count(key) == 0) {
            return make_error(ErrorCode::invalid_argument,
                              "config: unknown field \"" + key + "\" in " + std::string(where));
        }
    }
    return {};
}

// An optional integer field within [low, high]; nullopt when absent.
Result<std::optional<std::uint64_t>> bounded_integer_field(const Json& object, std::string_view name,
                                                           std::uint64_t low, std::uint64_t high) {
    auto found = object.find(std::string(name));
    if (found == object.end()) {
        return std::optional<std::uint64_t>{};
    }
    if (!found->is_number_unsigned() || found->get<std::uint64_t>() < low ||
        found->get<std::uint64_t>() > high) {
        return make_error(ErrorCode::invalid_argument,
                          "config: field \"" + std::string(name) + "\" must be an integer from " +
                              std::to_string(low) + " to " + std::to_string(high) + ", got " + found->dump());
    }
    return std::optional<std::uint64_t>{found->get<std::uint64_t>()};
}

Status check_host_port(std::string_view value, std::string_view name) {
    auto colon = value.rfind(':');
    bool ok = colon != std::string_view::npos && colon > 0 && colon + 1 < value.size();
    if (ok) {
        unsigned long port = 0;
        for (char c : value.substr(colon + 1)) {
            if (c < '0' || c > '9' || port > 65535) {
                ok = false;
                break;
            }
            port = port * 10 + static_cast<unsigned long>(c - '0');
        }
        ok = ok && port <= 65535;
    }
    if (!ok) {
        return make_error(ErrorCode::invalid_argument, "config: field \"" + std::string(name) +
                                                           "\" must be host:port, got \"" +
                                                           std::string(value) + "\"");
    }
    return {};
}

// A list of REST authorities (a node's "rest_public_names", an observer's): 1 to
// rest_public_names_max entries, each host or host:port. `where` names it in errors.
Result<std::vector<std::string>> parse_public_names(const Json& list, const std::string& where) {
    const auto fail = [&](const std::string& detail) {
        return make_error(ErrorCode::invalid_argument, "config: " + where + " " + detail);
    };
    if (!list.is_array() || list.empty() || list.size() > rest_public_names_max) {
        return fail("must be an array of 1 to " + std::to_string(rest_public_names_max) + " strings");
    }
    std::vector<std::string> names;
    for (const auto& entry : list) {
        if (!entry.is_string()) return fail("must hold strings");
        const auto& name = entry.get_ref<const std::string&>();
        const bool printable = std::all_of(
            name.begin(), name.end(), [](char c) { return c > 0x20 && c < 0x7f && c != '/' && c != '@'; });
        if (name.empty() || name.size() > 256 || !printable) {
            return fail(
                "entries must be host or host:port (printable ASCII, no '/' or '@', at most 256 "
                "bytes), got \"" +
                name + "\"");
        }
        names.push_back(name);
    }
    return names;
}

// "rest_public_names": the authorities clients write in this node's URL; a signed request naming
// another is refused (api/auth.hpp). Default: rest_listen itself, unless that is a wildcard.
Result<std::vector<std::string>> parse_rest_public_names(const Json& object, const std::string& rest_listen) {
    auto found = object.find("rest_public_names");
    if (found == object.end()) {
        const std::string host = rest_listen.substr(0, rest_listen.rfind(':'));
        if (host == "0.0.0.0" || host == "::" || host == "[::]") {
            return make_error(ErrorCode::invalid_argument,
                              "config: field \"rest_public_names\" is required when rest_listen is a "
                              "wildcard address: list the host:port clients use to reach this node");
        }
        return std::vector<std::string>{rest_listen};
    }
    return parse_public_names(*found, "field \"rest_public_names\"");
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& value) {
    std::filesystem::path path(value);
    return path.is_absolute() || base.empty() ? path : base / path;
}

// Whether the host of "host:port" is a loopback address (127.0.0.0/8, ::1) or "localhost": the
// only places the REST API may speak plain HTTP without the config saying so.
bool is_loopback_listen(const std::string& host_port) {
    std::string host = host_port.substr(0, host_port.rfind(':'));
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host == "localhost") return true;
    unsigned char v4[4];
    if (::inet_pton(AF_INET, host.c_str(), v4) == 1) return v4[0] == 127;
    unsigned char v6[16];
    if (::inet_pton(AF_INET6, host.c_str(), v6) == 1) {
        static constexpr unsigned char loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        return std::equal(std::begin(v6), std::end(v6), std::begin(loopback));
    }
    return false;
}

// "rest_tls_certificate_file" and "rest_tls_key_file" (both or neither), and plain HTTP refused
// on a listen address that is not loopback unless "rest_plain_http_allowed" is true.
Status parse_rest_tls(const Json& object, const std::filesystem::path& base_dir, NodeConfig& config) {
    auto certificate = string_field(object, "rest_tls_certificate_file", false);
    if (!certificate) return tl::unexpected(certificate.error());
    auto key = string_field(object, "rest_tls_key_file", false);
    if (!key) return tl::unexpected(key.error());
    if (certificate->empty() != key->empty()) {
        return make_error(
            ErrorCode::invalid_argument,
            "config: fields \"rest_tls_certificate_file\" and \"rest_tls_key_file\" go together: "
            "give both (HTTPS) or neither (plain HTTP)");
    }
    if (!certificate->empty()) {
        config.rest_tls_certificate_file = resolve(base_dir, *certificate);
        config.rest_tls_key_file = resolve(base_dir, *key);
    }
    if (auto found = object.find("rest_plain_http_allowed"); found != object.end()) {
        if (!found->is_boolean()) {
            return make_error(ErrorCode::invalid_argument,
                              "config: field \"rest_plain_http_allowed\" must be true or false");
        }
        config.rest_plain_http_allowed = found->get<bool>();
    }
    if (config.rest_tls_certificate_file.empty() && !config.rest_plain_http_allowed &&
        !is_loopback_listen(config.rest_listen)) {
        return make_error(ErrorCode::invalid_argument,
                          "config: field \"rest_listen\" is " + config.rest_listen +
                              ", not a loopback address, and the REST API has no TLS: give "
                              "\"rest_tls_certificate_file\" and \"rest_tls_key_file\" (HTTPS), or set "
                              "\"rest_plain_http_allowed\": true if plain HTTP is protected otherwise (a "
                              "TLS proxy in front, a private network)");
    }
    return {};
}

Result<std::vector<PeerConfig>> parse_peers(const Json& object) {
    std::vector<PeerConfig> peers;
    auto it = object.find("peers");
    if (it == object.end()) {
        return peers;
    }
    if (!it->is_array() || it->size() > config_peers_max) {
        return make_error(ErrorCode::invalid_argument, "config: \"peers\" must be an array of at most " +
                                                           std::to_string(config_peers_max) + " entries");
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
        const Json& entry = (*it)[i];
        std::string where = "peers[" + std::to_string(i) + "]";
        if (!entry.is_object()) {
            return make_error(ErrorCode::invalid_argument, "config: " + where + " must be an object");
        }
        if (auto ok = check_fields(entry, {"address", "public_key"}, where); !ok) {
            return tl::unexpected(ok.error());
        }
        auto address = string_field(entry, "address", true);
        auto key_hex = string_field(entry, "public_key", true);
        if (!address || !key_hex) {
            return make_error(ErrorCode::invalid_argument,
                              "config: " + where + " needs string fields \"address\" and \"public_key\"");
        }
        if (auto ok = check_host_port(*address, where + ".address"); !ok) {
            return tl::unexpected(ok.error());
        }
        auto key = crypto::public_key_from_hex(*key_hex);
        if (!key) {
            return make_error(ErrorCode::invalid_argument,
                              "config: " + where + ".public_key: " + key.error().message);
        }
        peers.push_back(PeerConfig{*address, *key});
    }
    return peers;
}

Result<std::vector<ObserverConfig>> parse_observers(const Json& object) {
    std::vector<ObserverConfig> observers;
    auto it = object.find("observers");
    if (it == object.end()) return observers;
    if (!it->is_array() || it->size() > config_observers_max) {
        return make_error(ErrorCode::invalid_argument,
                          "config: field \"observers\" must be an array of at most " +
                              std::to_string(config_observers_max) + " entries");
    }
    std::set<crypto::PublicKey> seen;
    for (std::size_t i = 0; i < it->size(); ++i) {
        const Json& entry = (*it)[i];
        const std::string where = "observers[" + std::to_string(i) + "]";
        if (!entry.is_object()) {
            return make_error(ErrorCode::invalid_argument, "config: " + where + " must be an object");
        }
        if (auto ok = check_fields(entry, {"public_key", "name", "rest_public_names"}, where); !ok)
            return tl::unexpected(ok.error());
        auto key_hex = string_field(entry, "public_key", true);
        if (!key_hex) {
            return make_error(
                ErrorCode::invalid_argument,
                "config: " + where + ".public_key must be a non-empty string of 64 hex characters");
        }
        auto key = crypto::public_key_from_hex(*key_hex);
        if (!key) {
            return make_error(ErrorCode::invalid_argument,
                              "config: " + where + ".public_key: " + key.error().message);
        }
        auto name = string_field(entry, "name", true);
        const bool printable =
            name && std::all_of(name->begin(), name->end(), [](char c) { return c >= 0x20 && c < 0x7f; });
        if (!name || name->size() > observer_name_bytes_max || !printable) {
            return make_error(ErrorCode::invalid_argument, "config: " + where + ".name must be 1 to " +
                                                               std::to_string(observer_name_bytes_max) +
                                                               " bytes of printable ASCII");
        }
        if (!seen.insert(*key).second) {
            return make_error(ErrorCode::invalid_argument,
                              "config: " + where + ".public_key is listed twice in \"observers\"");
        }
        // The authorities its own config lists as "rest_public_names": a read it relays must
        // have been signed for one of them (read_relay.hpp, check_relayed_read).
        auto names_field = entry.find("rest_public_names");
        if (names_field == entry.end()) {
            return make_error(ErrorCode::invalid_argument,
                              "config: " + where +
                                  ".rest_public_names is required: the observer's own rest_public_names "
                                  "(the host:port its clients sign for)");
        }
        auto names = parse_public_names(*names_field, where + ".rest_public_names");
        if (!names) return tl::unexpected(names.error());
        observers.push_back(ObserverConfig{*key, *name, std::move(*names)});
    }
    return observers;
}

}  // namespace

Result<LogLevel> parse_log_level(std::string_view name) {
    if (name == "debug") {
        return LogLevel::debug;
    }
    if (name == "info") {
        return LogLevel::info;
    }
    if (name == "warn") {
        return LogLevel::warn;
    }
    if (name == "error") {
        return LogLevel::error;
    }
    return make_error(
        ErrorCode::invalid_argument,
        "config: \"log_level\" must be debug, info, warn or error, got \"" + std::string(name) + "\"");
}

namespace {

// The files (relative to the config's directory) and the listen addresses.
Status parse_files_and_listens(const Json& object, const std::filesystem::path& base_dir,
                               NodeConfig& config) {
    for (auto [name, target] :
         {std::pair{"data_dir", &config.data_dir}, std::pair{"genesis_file", &config.genesis_file},
          std::pair{"validator_key_file", &config.validator_key_file}}) {
        auto value = string_field(object, name, true);
        if (!value) {
            return tl::unexpected(value.error());
        }
        *target = resolve(base_dir, *value);
    }
    for (auto [name, target] :
         {std::pair{"peer_listen", &config.peer_listen}, std::pair{"rest_listen", &config.rest_listen}}) {
        auto value = string_field(object, name, true);
        if (!value) {
            return tl::unexpected(value.error());
        }
        if (auto ok = check_host_port(*value, name); !ok) {
            return tl::unexpected(ok.error());
        }
        *target = *value;
    }
    auto passphrase_file = string_field(object, "validator_key_passphrase_file", false);
    if (!passphrase_file) {
        return tl::unexpected(passphrase_file.error());
    }
    if (!passphrase_file->empty()) config.validator_key_passphrase_file = resolve(base_dir, *passphrase_file);
    return {};
}

// Who may reach this node and whom it reaches: its public names, TLS, peers and observers.
Status parse_network(const Json& object, const std::filesystem::path& base_dir, NodeConfig& config) {
    auto public_names = parse_rest_public_names(object, config.rest_listen);
    if (!public_names) {
        return tl::unexpected(public_names.error());
    }
    config.rest_public_names = std::move(*public_names);
    if (auto tls = parse_rest_tls(object, base_dir, config); !tls) {
        return tl::unexpected(tls.error());
    }
    auto peers = parse_peers(object);
    if (!peers) {
        return tl::unexpected(peers.error());
    }
    config.peers = std::move(*peers);
    auto observers = parse_observers(object);
    if (!observers) {
        return tl::unexpected(observers.error());
    }
    config.observers = std::move(*observers);
    return {};
}

// The log level and the mempool's bounds.
Status parse_operation(const Json& object, NodeConfig& config) {
    auto level = string_field(object, "log_level", false);
    if (!level) {
        return tl::unexpected(level.error());
    }
    if (!level->empty()) {
        auto parsed = parse_log_level(*level);
        if (!parsed) {
            return tl::unexpected(parsed.error());
        }
        config.log_level = *parsed;
    }
    for (auto [name, target, low, high] : {std::tuple{"mempool_events_max", &config.mempool_events_max,
                                                      mempool_events_max_low, mempool_events_max_high},
                                           std::tuple{"mempool_bytes_max", &config.mempool_bytes_max,
                                                      mempool_bytes_max_low, mempool_bytes_max_high}}) {
        auto value = bounded_integer_field(object, name, low, high);
        if (!value) {
            return tl::unexpected(value.error());
        }
        *target = *value;
    }
    return {};
}

// TEST ONLY settings (refused at start unless enabled: check_test_only_settings).
Status parse_test_settings(const Json& object, NodeConfig& config) {
    auto byzantine = string_field(object, "test_byzantine", false);
    if (!byzantine) {
        return tl::unexpected(byzantine.error());
    }
    if (!byzantine->empty() && *byzantine != "equivocate" && *byzantine != "equivocate_proposals" &&
        *byzantine != "equivocate_votes" && *byzantine != "forge_signatures") {
        return make_error(ErrorCode::invalid_argument,
                          "config: \"test_byzantine\" must be equivocate, equivocate_proposals, "
                          "equivocate_votes or forge_signatures, got \"" +
                              *byzantine + "\"");
    }
    config.test_byzantine = std::move(*byzantine);
    if (const auto found = object.find("test_without_state_map"); found != object.end()) {
        if (!found->is_boolean()) {
            return make_error(ErrorCode::invalid_argument,
                              "config: \"test_without_state_map\" must be true or false");
        }
        config.test_without_state_map = found->get<bool>();
    }
    return {};
}

}  // namespace

Result<NodeConfig> parse_node_config(std::string_view text, const std::filesystem::path& base_dir) {
    auto document = crypto::parse_json(text, {.bytes_max = config_bytes_max});
    if (!document) {
        return make_error(ErrorCode::invalid_argument, "config: not valid JSON: " + document.error().message);
    }
    if (!document->is_object()) {
        return make_error(ErrorCode::invalid_argument, "config: the top level must be a JSON object");
    }
    const Json& object = *document;
    if (auto ok = check_fields(
            object,
            {"data_dir", "genesis_file", "validator_key_file", "validator_key_passphrase_file", "peer_listen",
             "rest_listen", "rest_public_names", "rest_tls_certificate_file", "rest_tls_key_file",
             "rest_plain_http_allowed", "peers", "observers", "log_level", "mempool_events_max",
             "mempool_bytes_max", "test_byzantine", "test_without_state_map"},
            "the top level");
        !ok) {
        return tl::unexpected(ok.error());
    }
    NodeConfig config;
    if (auto ok = parse_files_and_listens(object, base_dir, config); !ok) return tl::unexpected(ok.error());
    if (auto ok = parse_network(object, base_dir, config); !ok) return tl::unexpected(ok.error());
    if (auto ok = parse_operation(object, config); !ok) return tl::unexpected(ok.error());
    if (auto ok = parse_test_settings(object, config); !ok) return tl::unexpected(ok.error());
    return config;
}

Status check_test_only_settings(const NodeConfig& config) {
    if (config.test_without_state_map) {
        const char* allowed = std::getenv(std::string(test_without_state_map_env).c_str());
        if (allowed == nullptr || std::string_view(allowed) != "1") {
            return make_error(ErrorCode::invalid_argument,
                              "config: \"test_without_state_map\" is a test-only setting for a benchmark "
                              "network: this validator would keep no certified state map, so its blocks "
                              "could prove no bundle complete; a production node refuses it. Remove it "
                              "from the config (it is accepted only with " +
                                  std::string(test_without_state_map_env) + "=1 in the environment)");
        }
    }
    if (config.test_byzantine.empty()) {
        return {};
    }
    const char* allowed = std::getenv(std::string(test_byzantine_env).c_str());
    if (allowed != nullptr && std::string_view(allowed) == "1") {
        return {};
    }
    return make_error(ErrorCode::invalid_argument,
                      "config: \"test_byzantine\" is a test-only setting that makes this validator "
                      "misbehave (sign conflicting proposals and votes, or forged blocks); a production "
                      "node refuses it. "
                      "Remove it from the config (it is accepted only with " +
                          std::string(test_byzantine_env) + "=1 in the environment, for tests)");
}

Result<NodeConfig> load_node_config(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return make_error(ErrorCode::io_error, "config: cannot open " + file.string());
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.size() > config_bytes_max) {
        return make_error(ErrorCode::invalid_argument, "config: " + file.string() + " is too large");
    }
    auto config = parse_node_config(text, file.parent_path());
    if (!config) {
        return make_error(config.error().code, file.string() + ": " + config.error().message);
    }
    return config;
}

std::string node_config_to_json(const NodeConfig& config) {
    Json peers = Json::array();
    for (const auto& peer : config.peers) {
        peers.push_back(
            {{"address", peer.address}, {"public_key", crypto::hex_encode(peer.public_key.view())}});
    }
    Json object = {{"data_dir", config.data_dir.string()},
                   {"genesis_file", config.genesis_file.string()},
                   {"validator_key_file", config.validator_key_file.string()},
                   {"peer_listen", config.peer_listen},
                   {"rest_listen", config.rest_listen},
                   {"rest_public_names", config.rest_public_names},
                   {"peers", peers},
                   {"log_level", std::string(log_level_name(config.log_level))}};
    if (!config.observers.empty()) {
        Json observers = Json::array();
        for (const auto& observer : config.observers) {
            observers.push_back({{"public_key", crypto::hex_encode(observer.public_key.view())},
                                 {"name", observer.name},
                                 {"rest_public_names", observer.rest_public_names}});
        }
        object["observers"] = std::move(observers);
    }
    if (!config.validator_key_passphrase_file.empty()) {
        object["validator_key_passphrase_file"] = config.validator_key_passphrase_file.string();
    }
    if (config.rest_public_names.empty()) {
        object.erase("rest_public_names");  // The default: rest_listen.
    }
    if (!config.rest_tls_certificate_file.empty()) {
        object["rest_tls_certificate_file"] = config.rest_tls_certificate_file.string();
        object["rest_tls_key_file"] = config.rest_tls_key_file.string();
    }
    if (config.rest_plain_http_allowed) {
        object["rest_plain_http_allowed"] = true;
    }
    if (config.mempool_events_max) {
        object["mempool_events_max"] = *config.mempool_events_max;
    }
    if (config.mempool_bytes_max) {
        object["mempool_bytes_max"] = *config.mempool_bytes_max;
    }
    if (!config.test_byzantine.empty()) {
        object["test_byzantine"] = config.test_byzantine;
    }
    if (config.test_without_state_map) {
        object["test_without_state_map"] = true;
    }
    return object.dump(2);
}

}  // namespace custos::runtime
