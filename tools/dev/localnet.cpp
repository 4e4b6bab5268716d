// custos-dev localnet init: keys, genesis and node configs for a local network. See localnet.hpp.
#include "tools/dev/localnet.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/genesis.hpp"
#include "ledger/json_fields.hpp"

namespace custos::cli {

namespace localnet {

namespace {

namespace fs = std::filesystem;
using crypto::Json;

constexpr std::string_view default_agencies = "NL-POL,DE-BKA,FR-PN,BE-POL";
constexpr std::size_t layout_bytes_max = 1024 * 1024;
constexpr std::uint64_t heartbeat_ms_max = 3'600'000;  // docs/FORMAT.md 5.1

constexpr std::string_view init_help =
    "Writes a local Custos network into DIR (which must not hold a genesis yet):\n"
    "  DIR/genesis.json                       the genesis (chain custos-localnet); its hash is printed\n"
    "  DIR/keys/<AGENCY>/<role>.key (+.pub)   one officer key per role (custodian, prosecutor,\n"
    "                                         auditor, admin) per agency, mode 0600\n"
    "  DIR/node<i>/config.json                custos-node --config for validator i\n"
    "  DIR/node<i>/validator.key (+.pub)      validator i's key; validators go round the agencies\n"
    "  DIR/localnet.json                      what 'custos-dev localnet run' reads\n"
    "Validator i listens for REST on 127.0.0.1:(P+i), P = 8081 by default, and for peers on\n"
    "127.0.0.1:(26657+i). The keys are for a local test network only: they sit unencrypted in DIR.\n"
    "\n"
    "exit status: 0 written, 1 DIR already holds a genesis or a file could not be written,\n"
    "2 bad usage.";

struct InitOptions {
    fs::path dir;
    std::size_t validators = 4;
    std::vector<std::string> agencies;
    std::uint16_t rest_port_base = default_rest_port_base;
    std::uint16_t peer_port_base = default_peer_port_base;
    std::size_t joiners = 0;
    std::size_t observers = 0;
    std::uint64_t heartbeat_ms = ledger::ConsensusParams{}.heartbeat_interval_ms;
    bool test_without_state_map = false;
    std::string agencies_text{default_agencies};  // --agencies, split into `agencies` when run
    std::string state_map;                        // --test-state-map: "off" or not given
};

std::vector<std::string> split_commas(std::string_view text) {
    std::vector<std::string> parts;
    while (true) {
        auto comma = text.find(',');
        parts.emplace_back(text.substr(0, comma));
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return parts;
}

std::optional<std::uint64_t> parse_number(std::string_view text) {
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// The checks that span options (each option's own are CLI11's); the agencies split.
int check_init_options(InitOptions& options) {
    options.agencies = split_commas(options.agencies_text);
    options.test_without_state_map = options.state_map == "off";
    if (options.validators + options.joiners + options.observers > validators_max) {  // Ports: base + index.
        return usage_error("--validators plus --joiners plus --observers must be at most " +
                           std::to_string(validators_max));
    }
    std::vector<std::string> sorted = options.agencies;
    std::sort(sorted.begin(), sorted.end());
    bool ids_valid = std::all_of(sorted.begin(), sorted.end(),
                                 [](const std::string& id) { return ledger::is_valid_id(id); });
    if (sorted.size() < 2 || !ids_valid || std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
        return usage_error("--agencies needs at least two distinct ids matching [A-Za-z0-9._:-]{1,128}");
    }
    return exit_ok;
}

// "NL-POL" -> "NL"; an id without a 2-3 capital prefix is an international body ("INT").
std::string country_of(std::string_view agency) {
    std::string_view prefix = agency.substr(0, agency.find('-'));
    bool capitals = std::all_of(prefix.begin(), prefix.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (capitals && prefix.size() >= 2 && prefix.size() <= 3) return std::string(prefix);
    return "INT";
}

std::string agency_name(const std::string& id) {
    static const std::map<std::string, std::string, std::less<>> known = {
        {"NL-POL", "Politie Nederland"},
        {"DE-BKA", "Bundeskriminalamt"},
        {"FR-PN", "Police nationale"},
        {"BE-POL", "Federale Politie / Police federale"},
    };
    auto found = known.find(id);
    return found == known.end() ? id + " (localnet agency)" : found->second;
}

// A fresh key: secret file (0600) and, beside it, the public key file 'custos keygen' writes.
Result<crypto::PublicKey> make_key(const fs::path& path, const std::string& name) {
    crypto::SecretKey key = crypto::SecretKey::generate();
    if (auto written = crypto::write_secret_key_file(path, name, key); !written)
        return tl::unexpected(written.error());
    fs::path public_path = path;
    public_path += ".pub";
    if (auto written = write_public_key_file(public_path, name, key.public_key()); !written)
        return tl::unexpected(written.error());
    return key.public_key();
}

std::string address(std::uint16_t port) {
    return "127.0.0.1:" + std::to_string(port);
}

// Officers of every agency, one key per role, sorted by key as the genesis requires.
Result<std::vector<ledger::Officer>> make_officers(const InitOptions& options) {
    std::vector<ledger::Officer> officers;
    for (const auto& agency : options.agencies) {
        std::error_code error;
        fs::create_directories(options.dir / "keys" / agency, error);
        if (error)
            return make_error(ErrorCode::io_error, "cannot create keys/" + agency + ": " + error.message());
        for (auto role : {ledger::Role::custodian, ledger::Role::prosecutor, ledger::Role::auditor,
                          ledger::Role::admin}) {
            std::string role_text(ledger::role_name(role));
            auto key = make_key(officer_key_path(options.dir, agency, role_text), agency + "." + role_text);
            if (!key) return tl::unexpected(key.error());
            officers.push_back(ledger::Officer{.key = *key,
                                               .agency = agency,
                                               .roles = {role},
                                               .name = agency + " " + role_text + " (localnet)"});
        }
    }
    std::sort(officers.begin(), officers.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return officers;
}

// Validators 0..V-1, then the joiners' entries (V..V+J-1), by node index.
Result<std::vector<ledger::Validator>> make_validators(const InitOptions& options) {
    std::vector<ledger::Validator> validators;
    for (std::size_t i = 0; i < options.validators + options.joiners; ++i) {
        const std::string& agency = options.agencies[i % options.agencies.size()];
        fs::path node_dir = options.dir / ("node" + std::to_string(i));
        std::error_code error;
        fs::create_directories(node_dir, error);
        if (error)
            return make_error(ErrorCode::io_error,
                              "cannot create " + node_dir.string() + ": " + error.message());
        std::string name = agency + ".validator-" + std::to_string(i);
        auto key = make_key(node_dir / "validator.key", name);
        if (!key) return tl::unexpected(key.error());
        validators.push_back(
            ledger::Validator{.name = name,
                              .agency = agency,
                              .key = *key,
                              .power = 1,
                              .address = address(static_cast<std::uint16_t>(options.peer_port_base + i))});
    }
    return validators;
}

// Observers: node<V+J>.. (after the validators and joiners), each with its own key.
struct ObserverNode {
    std::string name;
    crypto::PublicKey key;
};

Result<std::vector<ObserverNode>> make_observers(const InitOptions& options) {
    std::vector<ObserverNode> observers;
    for (std::size_t k = 0; k < options.observers; ++k) {
        const std::size_t index = options.validators + options.joiners + k;
        fs::path node_dir = options.dir / ("node" + std::to_string(index));
        std::error_code error;
        fs::create_directories(node_dir, error);
        if (error)
            return make_error(ErrorCode::io_error,
                              "cannot create " + node_dir.string() + ": " + error.message());
        std::string name = "observer-" + std::to_string(index);
        auto key = make_key(node_dir / "observer.key", name);
        if (!key) return tl::unexpected(key.error());
        observers.push_back(ObserverNode{name, *key});
    }
    return observers;
}

// The authorities a client may sign for to reach node `index`'s REST API ("rest_public_names").
Json rest_public_names(const InitOptions& options, std::size_t index) {
    const auto port = static_cast<std::uint16_t>(options.rest_port_base + index);
    return Json::array({address(port), "localhost:" + std::to_string(port)});
}

// The node config of consensus/runtime/config.hpp; paths relative to the config's directory.
// Node `index` is a validator or joiner (index < by_index.size()) or an observer (after them):
// validators and joiners dial each other and list the observers; an observer dials the
// validators of the genesis.
Json node_config(const InitOptions& options, std::size_t index,
                 const std::vector<ledger::Validator>& by_index, const std::vector<ObserverNode>& observers) {
    const bool observer = index >= by_index.size();
    Json peers = Json::array();
    for (std::size_t j = 0; j < (observer ? options.validators : by_index.size()); ++j) {
        if (j == index) continue;
        peers.push_back({{"address", by_index[j].address}, {"public_key", ledger::key_id(by_index[j].key)}});
    }
    Json config{{"data_dir", "data"},
                {"genesis_file", "../" + std::string(genesis_file)},
                {"validator_key_file", observer ? "observer.key" : "validator.key"},
                {"peer_listen", address(static_cast<std::uint16_t>(options.peer_port_base + index))},
                {"rest_listen", address(static_cast<std::uint16_t>(options.rest_port_base + index))},
                {"rest_public_names", rest_public_names(options, index)},
                {"peers", peers},
                {"log_level", "info"}};
    if (!observer && !observers.empty()) {
        // Each with its own rest_public_names: a read it relays must be signed for one of them.
        Json listed = Json::array();
        for (std::size_t k = 0; k < observers.size(); ++k) {
            listed.push_back({{"public_key", ledger::key_id(observers[k].key)},
                              {"name", observers[k].name},
                              {"rest_public_names", rest_public_names(options, by_index.size() + k)}});
        }
        config["observers"] = std::move(listed);
    }
    if (options.test_without_state_map) config["test_without_state_map"] = true;  // TEST ONLY
    return config;
}

Status write_configs(const InitOptions& options, const std::vector<ledger::Validator>& by_index,
                     const std::vector<ObserverNode>& observers) {
    Json nodes = Json::array();
    Json observer_nodes = Json::array();
    for (std::size_t i = 0; i < by_index.size() + observers.size(); ++i) {
        fs::path config = fs::path("node" + std::to_string(i)) / "config.json";
        if (auto written = write_new_file(options.dir / config,
                                          node_config(options, i, by_index, observers).dump(2) + "\n");
            !written) {
            return written;
        }
        if (i >= by_index.size()) {  // An observer: run starts it after the validators.
            observer_nodes.push_back(
                {{"name", observers[i - by_index.size()].name},
                 {"config", config.string()},
                 {"rest", address(static_cast<std::uint16_t>(options.rest_port_base + i))}});
            continue;
        }
        if (i >= options.validators) {  // A joiner: not started by run; its entry for the proposal.
            const Json entry =
                ledger::validator_set_to_json(ledger::ValidatorSet{{by_index[i]}})["validators"][0];
            if (auto written =
                    write_new_file(options.dir / ("node" + std::to_string(i)) / "validator_entry.json",
                                   entry.dump(2) + "\n");
                !written) {
                return written;
            }
            continue;
        }
        nodes.push_back({{"name", by_index[i].name},
                         {"config", config.string()},
                         {"rest", address(static_cast<std::uint16_t>(options.rest_port_base + i))}});
    }
    Json layout = {{"chain_id", std::string(chain_id)}, {"nodes", nodes}, {"agencies", options.agencies}};
    if (!observer_nodes.empty()) layout["observers"] = std::move(observer_nodes);
    return write_new_file(options.dir / layout_file, layout.dump(2) + "\n");
}

int init(const InitOptions& options) {
    if (fs::exists(options.dir / genesis_file)) {
        std::cerr << "error: " << (options.dir / genesis_file).string()
                  << " exists: this localnet is already initialised ('custos-dev localnet run --dir "
                  << options.dir.string() << "' resumes it)\n";
        return exit_failure;
    }
    auto fail = [](const Error& error) {
        std::cerr << "error: " << error.message << "\n";
        return exit_failure;
    };
    auto officers = make_officers(options);
    if (!officers) return fail(officers.error());
    auto validators = make_validators(options);
    if (!validators) return fail(validators.error());
    auto observers = make_observers(options);
    if (!observers) return fail(observers.error());

    ledger::Genesis genesis;
    genesis.chain_id = std::string(chain_id);
    auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    genesis.genesis_time = ledger::TimeMs{now.time_since_epoch().count()};
    for (const auto& agency : options.agencies)
        genesis.agencies.push_back({agency, agency_name(agency), country_of(agency)});
    std::sort(genesis.agencies.begin(), genesis.agencies.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    genesis.officers = *officers;
    genesis.validators.validators.assign(
        validators->begin(), validators->begin() + static_cast<std::ptrdiff_t>(options.validators));
    std::sort(genesis.validators.validators.begin(), genesis.validators.validators.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    genesis.params.heartbeat_interval_ms = options.heartbeat_ms;
    if (auto valid = ledger::validate_genesis(genesis); !valid) return fail(valid.error());

    if (auto written = write_configs(options, *validators, *observers); !written)
        return fail(written.error());
    // The genesis is written last: its presence is what marks the directory as initialised.
    if (auto written = write_new_file(options.dir / genesis_file, ledger::canonical_genesis(genesis));
        !written) {
        return fail(written.error());
    }
    Hash32 hash = ledger::genesis_hash(genesis);
    std::cout << "localnet written to " << options.dir.string() << ": " << options.validators
              << " validators, " << options.agencies.size() << " agencies\n"
              << "genesis hash: " << crypto::hex_encode(hash.view()) << "\n"
              << "officer keys: " << (options.dir / "keys").string() << "/<AGENCY>/<role>.key\n"
              << "start it with: custos-dev localnet run --dir " << options.dir.string() << "\n";
    for (std::size_t i = options.validators; i < validators->size(); ++i) {
        std::cout << "joiner (not a validator yet): " << (*validators)[i].name << " of "
                  << (*validators)[i].agency << ", config "
                  << (options.dir / ("node" + std::to_string(i)) / "config.json").string()
                  << ", entry for validator.propose in "
                  << (options.dir / ("node" + std::to_string(i)) / "validator_entry.json").string() << "\n";
    }
    for (std::size_t k = 0; k < observers->size(); ++k) {
        const std::size_t index = validators->size() + k;
        std::cout << "observer (non-voting): " << (*observers)[k].name << ", REST "
                  << address(static_cast<std::uint16_t>(options.rest_port_base + index)) << ", config "
                  << (options.dir / ("node" + std::to_string(index)) / "config.json").string() << "\n";
    }
    return exit_ok;
}

}  // namespace

std::string custos_command() {
    std::error_code error;
    auto path = fs::read_symlink("/proc/self/exe", error);
    return error ? std::string("custos") : (path.parent_path() / "custos").string();
}

fs::path officer_key_path(const fs::path& dir, std::string_view agency, std::string_view role) {
    return dir / "keys" / std::string(agency) / (std::string(role) + ".key");
}

namespace {

// Bounds on what localnet.json holds (init writes far less): its nodes' names, config paths and
// REST addresses.
constexpr std::size_t layout_text_bytes_max = 4096;

// The text member `key` of the object at `path`.
Result<std::string> text_member(const ledger::FieldReader& fields, const Json& object, std::string_view key,
                                std::string_view path) {
    auto member = fields.required(object, key, path);
    if (!member) return tl::unexpected(member.error());
    return fields.text(**member, ledger::path_join(path, key), layout_text_bytes_max);
}

// One entry of "nodes" or "observers": {"name", "config", "rest": "HOST:PORT"}.
Result<NodeEntry> read_node_entry(const ledger::FieldReader& fields, const Json& json,
                                  const std::string& path) {
    if (auto object = fields.any_object(json, path); !object) return tl::unexpected(object.error());
    auto name = text_member(fields, json, "name", path);
    if (!name) return tl::unexpected(name.error());
    auto config = text_member(fields, json, "config", path);
    if (!config) return tl::unexpected(config.error());
    auto rest = text_member(fields, json, "rest", path);
    if (!rest) return tl::unexpected(rest.error());
    const auto colon = rest->rfind(':');
    auto port =
        colon == std::string::npos ? std::nullopt : parse_number(std::string_view(*rest).substr(colon + 1));
    if (!port || *port == 0 || *port > 65535) {
        return fields.fail(ledger::path_join(path, "rest"),
                           "must be HOST:PORT with a port from 1 to 65535, got '" + *rest + "'");
    }
    return NodeEntry{.name = *name,
                     .config = *config,
                     .rest_host = rest->substr(0, colon),
                     .rest_port = static_cast<std::uint16_t>(*port)};
}

// The array `key` of node entries (absent: none, when not `required`).
Status read_node_list(const ledger::FieldReader& fields, const Json& json, std::string_view key,
                      bool required, std::vector<NodeEntry>& out) {
    const Json* list = fields.optional(json, key);
    if (list == nullptr) return required ? Status(fields.fail(key, "missing")) : Status();
    auto array = fields.array(*list, key, validators_max);
    if (!array) return tl::unexpected(array.error());
    for (std::size_t index = 0; index < (*array)->size(); ++index) {
        auto entry = read_node_entry(fields, (**array)[index], ledger::path_index(key, index));
        if (!entry) return tl::unexpected(entry.error());
        out.push_back(std::move(*entry));
    }
    return {};
}

// localnet.json's fields: chain_id, agencies, nodes and (optional) observers. Other fields are
// ignored, as a newer init may write more.
Result<Layout> read_layout_json(const Json& json) {
    if (!json.is_object())
        return make_error(ErrorCode::invalid_argument, std::string(layout_file) + ": must be a JSON object");
    const ledger::FieldReader fields(std::string(layout_file) + " ");
    Layout layout;
    auto chain = text_member(fields, json, "chain_id", "");
    if (!chain) return tl::unexpected(chain.error());
    layout.chain_id = *chain;
    auto agencies = fields.required(json, "agencies", "");
    if (!agencies) return tl::unexpected(agencies.error());
    auto agency_list = fields.array(**agencies, "agencies", ledger::genesis_agencies_max);
    if (!agency_list) return tl::unexpected(agency_list.error());
    for (std::size_t index = 0; index < (*agency_list)->size(); ++index) {
        auto agency = fields.id((**agency_list)[index], ledger::path_index("agencies", index));
        if (!agency) return tl::unexpected(agency.error());
        layout.agencies.push_back(std::move(*agency));
    }
    if (auto nodes = read_node_list(fields, json, "nodes", true, layout.nodes); !nodes)
        return tl::unexpected(nodes.error());
    if (auto observers = read_node_list(fields, json, "observers", false, layout.observers); !observers)
        return tl::unexpected(observers.error());
    if (layout.nodes.empty() || layout.agencies.size() < 2)
        return make_error(ErrorCode::invalid_argument,
                          std::string(layout_file) + ": no nodes or too few agencies");
    return layout;
}

}  // namespace

Result<Layout> read_layout(const fs::path& dir) {
    std::ifstream in(dir / layout_file, std::ios::binary);
    if (!in) return make_error(ErrorCode::not_found, "cannot read " + (dir / layout_file).string());
    std::ostringstream content;
    content << in.rdbuf();
    auto json = crypto::parse_json(content.str(), {.bytes_max = layout_bytes_max});
    if (!json)
        return make_error(ErrorCode::invalid_argument,
                          std::string(layout_file) + ": " + json.error().message);
    return read_layout_json(*json);
}

namespace {

// --test-state-map: only "off".
CLI::Validator off_only() {
    return CLI::Validator(
        [](std::string& text) -> std::string { return text == "off" ? std::string() : "takes only 'off'"; },
        "", "off_only");
}

}  // namespace

void add_init(Tool& tool, CLI::App& localnet) {
    auto options = std::make_shared<InitOptions>();
    auto& command = tool.add(localnet, "init",
                             "write the keys, genesis and node configs of a localnet into DIR", [options] {
                                 if (int code = check_init_options(*options); code != exit_ok) return code;
                                 return init(*options);
                             });
    command.add_option("--dir", options->dir, "where to write (created if missing)")
        ->type_name("DIR")
        ->required();
    command.add_option("--validators", options->validators, "number of validators, 1..32 (default 4)")
        ->type_name("N")
        ->check(whole_number(1, validators_max));
    command
        .add_option("--agencies", options->agencies_text,
                    "comma-separated agency ids (default NL-POL,DE-BKA,FR-PN,BE-POL);\n"
                    "the first two play the demo; a prefix of 2-3 capitals is the country")
        ->type_name("LIST");
    command.add_option("--rest-port-base", options->rest_port_base, "first REST port (default 8081)")
        ->type_name("P")
        ->check(whole_number(1, 65535 - validators_max));
    command.add_option("--peer-port-base", options->peer_port_base, "first peer port (default 26657)")
        ->type_name("P")
        ->check(whole_number(1, 65535 - validators_max));
    command
        .add_option("--joiners", options->joiners,
                    "also write N nodes (node<V>.., 0..4, default 0) whose validator keys\n"
                    "are NOT in the genesis: agencies that join later by a validator.propose\n"
                    "and approvals (docs/OPERATIONS.md 2.1). Each gets node<i>/config.json,\n"
                    "its key and node<i>/validator_entry.json (the proposal's \"validator\");\n"
                    "'run' does not start them: custos-node --config DIR/node<i>/config.json")
        ->type_name("N")
        ->check(whole_number(0, joiners_max));
    command
        .add_option("--observers", options->observers,
                    "also write N observer nodes (0..4, default 0) after the validators\n"
                    "and joiners, ports continuing theirs: non-voting nodes with their own\n"
                    "key (node<i>/observer.key) that every validator's config lists under\n"
                    "\"observers\"; they sync and check every block and serve the read\n"
                    "API, each evidence read once a validator has recorded it in the\n"
                    "consultation log (docs/OPERATIONS.md \"Observer nodes\"). 'run' starts\n"
                    "them too")
        ->type_name("N")
        ->check(whole_number(0, observers_max));
    command
        .add_option("--heartbeat-ms", options->heartbeat_ms,
                    "genesis heartbeat_interval_ms, 1..3600000 (default 60000): an idle\n"
                    "network commits one empty block per interval, none in between")
        ->type_name("MS")
        ->check(whole_number(1, heartbeat_ms_max));
    command
        .add_option("--test-state-map", options->state_map,
                    "TEST ONLY, for benchmarks: the validators keep no certified state\n"
                    "map (config test_without_state_map; every state_root is zero, no\n"
                    "bundle proves itself complete). They start only with\n"
                    "CUSTOS_TEST_WITHOUT_STATE_MAP=1 in the environment of 'run'")
        ->type_name("off")
        ->check(off_only());
    command.footer(std::string(init_help));
}

}  // namespace localnet

void add_localnet(Tool& tool) {
    auto& localnet =
        tool.add_group(tool.root(), "localnet", "init or run a local network of validators on 127.0.0.1");
    localnet::add_init(tool, localnet);
    localnet::add_run(tool, localnet);
    localnet.footer(
        "A local network of Custos validators on 127.0.0.1. 'init' writes keys, genesis and node\n"
        "configs; 'run' starts the validators and a short demo. 'custos-dev localnet <cmd> --help' for "
        "more.");
}

}  // namespace custos::cli
