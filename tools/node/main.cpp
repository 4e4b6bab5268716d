// custos-node: one validator process. See docs/OPERATIONS.md and consensus/runtime/config.hpp.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <sodium.h>

#include "common/version.hpp"
#include "consensus/runtime/config.hpp"
#include "consensus/runtime/log.hpp"
#include "consensus/runtime/node.hpp"
#include "crypto/ed25519_tables.hpp"
#include "crypto/sealed_key.hpp"

#include "api/server.hpp"
#include "api/tls.hpp"
#include "tools/node/node_service.hpp"

namespace {

using namespace custos;

constexpr int exit_usage = 2;

void print_help() {
    std::puts(
        "usage: custos-node --config FILE\n"
        "\n"
        "Runs one Custos validator until SIGINT or SIGTERM. A node whose key is not in the validator\n"
        "set of its next height (an agency joining by governance, or a validator removed) runs as an\n"
        "observer: it syncs blocks and signs nothing, and votes from the height where the set in\n"
        "force holds its key (docs/OPERATIONS.md 2.1). An observer by design (an agency's or auditor's\n"
        "verifying copy) has a key of its own that the validators list under \"observers\"; it serves\n"
        "the whole read API, each evidence read once a validator that lists it has recorded that read\n"
        "in the consultation log (503 when none does; docs/OPERATIONS.md \"Observer nodes\").\n"
        "\n"
        "FILE is JSON (unknown fields are refused; relative paths are relative to FILE's directory):\n"
        "  data_dir            directory for the RocksDB store and the signing state (created if missing)\n"
        "  genesis_file        the network's genesis document\n"
        "  validator_key_file  this validator's secret key file (mode 0600)\n"
        "  peer_listen         host:port for validator connections (localnet: 127.0.0.1:26657+i)\n"
        "  rest_listen         host:port of the REST API (localnet: 127.0.0.1:8081+i)\n"
        "  validator_key_passphrase_file  the passphrase of a sealed validator key (first line;\n"
        "                      mode 0600). Optional: without it a sealed key is asked for on the\n"
        "                      terminal\n"
        "  rest_public_names   [\"host:port\"...]: the authorities clients put in this node's URL; a\n"
        "                      signed request for any other is refused (optional, default\n"
        "                      [rest_listen]; required when rest_listen is 0.0.0.0 or ::)\n"
        "  rest_tls_certificate_file, rest_tls_key_file  PEM certificate chain and private key: the\n"
        "                      REST API speaks HTTPS (TLS 1.2 or later); the log line\n"
        "                      event=rest_listening gives the pin clients may use (custos --pin)\n"
        "  rest_plain_http_allowed  true to serve plain HTTP on a rest_listen that is not loopback\n"
        "                      (refused otherwise, exit 2; e.g. behind a TLS proxy). Default false\n"
        "  peers               [{\"address\": \"host:port\", \"public_key\": \"<hex>\"}...] (optional;\n"
        "                      validators are also dialed at the address their set entry gives)\n"
        "  observers           [{\"public_key\": \"<hex>\", \"name\": \"...\", \"rest_public_names\":\n"
        "                      [\"host:port\"...]}...] (optional): non-voting nodes allowed to connect\n"
        "                      inbound (never dialed, never voting); rest_public_names (required) is\n"
        "                      the observer's own: a read it relays is recorded only if it was\n"
        "                      signed for one of them\n"
        "  log_level           debug | info | warn | error (optional, default info)\n"
        "  mempool_events_max  most events pending at once (optional, default 10000, 1..10000000);\n"
        "                      past it submissions get 503 with Retry-After\n"
        "  mempool_bytes_max   most canonical bytes pending at once (optional, default 268435456 =\n"
        "                      256 MiB, 1 MiB..64 GiB)\n"
        "  test_byzantine      TEST ONLY: equivocate | equivocate_proposals | equivocate_votes makes\n"
        "                      this validator sign conflicting messages, forge_signatures makes it\n"
        "                      propose blocks with a forged event signature; refused (exit 2) unless\n"
        "                      CUSTOS_TEST_BYZANTINE=1 is set. Never use it on a real network.\n"
        "\n"
        "--version prints the version; --help this text.\n"
        "\n"
        "A damaged store (a write-ahead log record that does not check out, a missing or truncated\n"
        "table file) is refused at start, naming the file (exit 1): the node never runs on a silently\n"
        "shorter ledger. If the\n"
        "disk refuses a write (full, or an I/O error) the node stops committing and signing, logs\n"
        "event=storage_failed, keeps serving what it committed and answers submissions 503 until it\n"
        "is restarted (docs/OPERATIONS.md, \"When something goes wrong\").\n"
        "\n"
        "A second custos-node on the same data_dir is refused with \"already running (pid N)\" (exit\n"
        "1); so is a data_dir made with another genesis or used by another validator key (exit 2).\n"
        "\n"
        "Exit status: 0 clean stop, 1 runtime failure, a damaged store or already running, 2 bad\n"
        "command line or configuration (another network's store or another key's data_dir included).\n");
}

// The command line: --config FILE, or --help / --version. Returns the exit code to stop with (help,
// version, a usage error), or nullopt to run with `config_path` set.
std::optional<int> parse_command_line(int argc, char** argv, std::string& config_path) {
    for (int index = 1; index < argc; ++index) {
        if (std::strcmp(argv[index], "--help") == 0 || std::strcmp(argv[index], "-h") == 0) {
            print_help();
            return 0;
        }
        if (std::strcmp(argv[index], "--version") == 0) {
            std::printf("custos-node %s\n", std::string(custos::version).c_str());
            return 0;
        }
        if (std::strcmp(argv[index], "--config") == 0 && index + 1 < argc) {
            config_path = argv[++index];
            continue;
        }
        std::fprintf(stderr, "custos-node: unknown argument \"%s\" (see --help)\n", argv[index]);
        return exit_usage;
    }
    if (config_path.empty()) {
        std::fprintf(stderr, "custos-node: --config FILE is required (see --help)\n");
        return exit_usage;
    }
    return std::nullopt;
}

// The Ed25519 table path's self-test (crypto/ed25519_tables.hpp): tables stay off, and every
// signature goes to libsodium alone, when the loaded libsodium misjudges a known torsion key.
void log_ed25519_tables() {
    const auto tables = crypto::ed25519_tables::status();
    runtime::log_line(tables.enabled ? runtime::LogLevel::info : runtime::LogLevel::warn,
                      tables.enabled ? "ed25519_tables_enabled" : "ed25519_tables_disabled")
        .field("libsodium", tables.libsodium_version)
        .field("reason", tables.enabled ? std::string("self-test passed") : tables.reason);
}

// A sealed validator key: its passphrase from the file the config names, else asked on the
// terminal. An unsealed one outside a localnet directory gets a warning.
void install_key_passphrase(const runtime::NodeConfig& config) {
    const std::filesystem::path passphrase_file = config.validator_key_passphrase_file;
    crypto::set_passphrase_source([passphrase_file](
                                      const std::filesystem::path& key_file) -> Result<crypto::Passphrase> {
        if (!passphrase_file.empty()) return crypto::read_passphrase_file(passphrase_file);
        auto asked = crypto::prompt_passphrase("Passphrase for " + key_file.string() + ": ");
        if (!asked) {
            return make_error(asked.error().code,
                              asked.error().message +
                                  ": name a file holding it in the config as validator_key_passphrase_file");
        }
        return asked;
    });
    if (auto sealed = crypto::key_file_is_sealed(config.validator_key_file);
        sealed && !*sealed && !crypto::in_localnet_directory(config.validator_key_file)) {
        runtime::log_line(runtime::LogLevel::warn, "validator_key_unsealed")
            .field("file", config.validator_key_file.string())
            .field("fix", "custos key passwd FILE, then validator_key_passphrase_file in the config");
    }
}

// HTTPS: the certificate and key, loaded before anything else starts, so that a bad file is a
// configuration error naming it. Null for plain HTTP.
Result<std::shared_ptr<api::ServerTls>> load_rest_tls(const runtime::NodeConfig& config) {
    if (config.rest_tls_certificate_file.empty()) return std::shared_ptr<api::ServerTls>();
    return api::load_server_tls(config.rest_tls_certificate_file, config.rest_tls_key_file);
}

// The exit code when the node cannot be made: a damaged store, a failing disk or another process
// already running on the data_dir are runtime failures (1), not configuration mistakes (2).
int node_create_exit_code(ErrorCode code) {
    return code == ErrorCode::corruption || code == ErrorCode::io_error || code == ErrorCode::unavailable
               ? 1
               : exit_usage;
}

// Runs the node, with its REST API on rest_listen, until it stops; its exit code.
int serve(runtime::Node& node, const runtime::NodeConfig& config,
          const std::shared_ptr<api::ServerTls>& rest_tls) {
    node_tool::NodeServiceAdapter service(node);
    auto options = api::server_options_from_address(config.rest_listen);
    if (!options) {
        std::fprintf(stderr, "custos-node: rest_listen: %s\n", options.error().message.c_str());
        return exit_usage;
    }
    options->public_names = config.rest_public_names;
    options->tls = rest_tls;
    auto server = api::Server::start(service, *options);
    if (!server) {
        std::fprintf(stderr, "custos-node: REST server: %s\n", server.error().to_string().c_str());
        return 1;
    }
    runtime::log_line(runtime::LogLevel::info, "rest_listening")
        .field("address", config.rest_listen)
        .field("scheme", rest_tls ? "https" : "http")
        .field("pin", rest_tls ? rest_tls->pin : std::string("-"));
    int status = node.run();
    (*server)->stop();
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    if (sodium_init() < 0) {
        std::fprintf(stderr, "custos-node: libsodium failed to initialise\n");
        return 1;
    }
    std::string config_path;
    if (auto stop = parse_command_line(argc, argv, config_path)) return *stop;
    auto config = runtime::load_node_config(config_path);
    if (!config) {
        std::fprintf(stderr, "custos-node: %s\n", config.error().message.c_str());
        return exit_usage;
    }
    runtime::set_log_level(config->log_level);
    log_ed25519_tables();
    install_key_passphrase(*config);
    auto rest_tls = load_rest_tls(*config);
    if (!rest_tls) {
        std::fprintf(stderr, "custos-node: %s\n", rest_tls.error().message.c_str());
        return exit_usage;
    }
    auto node = runtime::Node::create(*config);
    if (!node) {
        std::fprintf(stderr, "custos-node: %s\n", node.error().to_string().c_str());
        return node_create_exit_code(node.error().code);
    }
    return serve(**node, *config, *rest_tls);
}
