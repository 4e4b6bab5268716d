// What the command-line tools (`custos`, tools/cli/; `custos-dev`, tools/dev/) share: a command
// table and the main that runs it, the global options every command takes (sealed keys'
// passphrases, HTTPS nodes' trust anchors) and option values several commands read.
// Exit codes: 0 success, 1 the operation failed (verification, I/O), 2 bad usage.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_client.hpp"
#include "common/result.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/sealed_key.hpp"

namespace custos::cli {

using Args = std::vector<std::string>;

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

struct Command {
    std::string_view name;
    std::string_view summary;
    int (*run)(const Args& args);
};

// A tool: its name (as the user types it), what it is for, its commands and the notes printed
// after them in its help. `moved` names commands that went to another tool: each answers with
// one line saying where, and exit_usage.
struct MovedCommand {
    std::string_view name;
    std::string_view tool;  // e.g. "custos-dev"
};
struct Tool {
    std::string_view name;
    std::string_view summary;
    std::span<const Command> commands;
    std::string_view notes;
    std::span<const MovedCommand> moved;
};
// The whole of a tool's main (tool.cpp): libsodium, the global options, --help and --version
// (of the tool and of each command), then the command. Returns the exit code.
int run_tool(const Tool& tool, int argc, char** argv);

// Sealed key files' passphrases (tools/support/passphrase.cpp). Takes the global options
// --passphrase-file FILE / --passphrase-fd N out of args and installs the process's passphrase
// source (those, or a prompt without echo); a usage problem is returned.
std::optional<std::string> take_passphrase_options(Args& args);
// A passphrase to seal a key with: from the global options when `from_options` and given, else
// asked twice without echo.
Result<crypto::Passphrase> new_passphrase(const std::string& for_what, bool from_options);
// Prints a warning when the key file at `path` is not sealed and not inside a localnet directory.
void warn_if_unsealed(const std::filesystem::path& path);
// HTTPS nodes (tools/support/node_tls.cpp). Takes the global options --cacert FILE / --pin
// sha256:HEX out of args; a usage problem is returned.
std::optional<std::string> take_tls_options(Args& args);
// The TLS setup for requests to `node`: null for http://; for https:// the trust anchors the
// options gave (refused without one); refused when they were given for an http:// node.
Result<std::shared_ptr<const api::ClientTls>> node_tls(const api::ParsedUrl& node);
// A file written whole and synced, never over an existing one (O_EXCL, so not even by a race):
// "PATH already exists" then; a half-written file is removed (options.cpp).
[[nodiscard]] Status write_new_file(const std::filesystem::path& path, std::string_view text,
                                    int mode = 0644);
// The public key file 'custos keygen' writes beside the secret one (docs/FORMAT.md section 2,
// "Key files"): {"type", "name", "public_key"} canonical, one line, mode 0644, never over an
// existing file (options.cpp).
inline constexpr std::string_view public_key_file_type = "custos.ed25519.public-key.v1";
[[nodiscard]] Status write_public_key_file(const std::filesystem::path& path, std::string_view name,
                                           const crypto::PublicKey& key);

// True if args hold --help or -h.
bool wants_help(const Args& args);

// A SHA-256 given on the command line (--genesis-hash): 64 hex digits, either case (options.cpp).
[[nodiscard]] Result<Hash32> parse_hash_option(std::string_view text);
// A worker thread count given by --threads: a whole number from 1 to threads_option_max; nullopt
// otherwise, to be reported with threads_option_error (options.cpp).
inline constexpr unsigned threads_option_max = 256;
[[nodiscard]] std::optional<unsigned> parse_threads_option(std::string_view text);
[[nodiscard]] std::string threads_option_error();
// SHA-256 of a file (--sha256-of), read in pieces: the evidence itself never leaves this machine.
[[nodiscard]] Result<Hash32> sha256_of_file(const std::string& path);
// The officer's secret key file given by --key; a public key file given by mistake is named as
// such (rather than refused for its mode 0644) (options.cpp).
[[nodiscard]] Result<crypto::KeyFile> read_key_option(const std::string& path);
// The whole of a file named on the command line, or of standard input for "-"; nullopt when the
// file cannot be read (options.cpp).
[[nodiscard]] std::optional<std::string> read_input(const std::string& path);

}  // namespace custos::cli
