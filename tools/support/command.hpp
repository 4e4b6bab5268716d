// What the command-line tools (`custos`, tools/cli/; `custos-dev`, tools/dev/) share: the tool
// (CLI11: every command's options, help and usage errors in one place) and its main, the global
// options every command takes (sealed keys' passphrases, HTTPS nodes' trust anchors) and option
// values several commands read.
// Exit codes: 0 success, 1 the operation failed (verification, I/O), 2 bad usage.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http_client.hpp"
#include "common/result.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/sealed_key.hpp"

namespace custos::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

// What a command does once its options are parsed into the values it bound: the exit code.
using Run = std::function<int()>;

// A command-line tool. Its commands are CLI11 subcommands, each declaring its options with their
// help; run() parses the command line and answers --help and --version (of the tool and of every
// command), a usage error with one line "error: ..." naming the option (exit_usage), or runs the
// command given. The global options (--passphrase-file FILE / --passphrase-fd N, --cacert FILE /
// --pin sha256:HEX) are the tool's own and taken anywhere on the line.
class Tool {
public:
    struct Info {
        std::string_view name;     // as the user types it: "custos"
        std::string_view summary;  // what the tool is for, one line
        std::string_view notes;    // printed at the end of the tool's help
    };
    explicit Tool(const Info& info);

    [[nodiscard]] CLI::App& root() { return app_; }
    // The command `name` of `parent` (the tool's root, or a command that holds commands): `summary`
    // is its line in the parent's help, `run` what it does. Its help's prose goes in its footer.
    CLI::App& add(CLI::App& parent, std::string name, std::string summary, Run run);
    // A command that only holds commands (`event`, `bench`, `localnet`, `key`): one is required.
    CLI::App& add_group(CLI::App& parent, std::string name, std::string summary);
    // A command that moved to another tool: `tool name ...` answers one line naming `to name`, and
    // exit_usage.
    void add_moved(std::string name, std::string to);

    // The whole of main(): libsodium, the parse, the global options, the command.
    [[nodiscard]] int run(int argc, char** argv);

private:
    [[nodiscard]] int usage_error(const CLI::ParseError& error) const;

    std::string name_;
    CLI::App app_;
    std::map<const CLI::App*, Run> runs_;
    std::map<std::string, std::string, std::less<>> moved_;
    std::filesystem::path passphrase_file_;
    std::optional<int> passphrase_fd_;
    std::string cacert_, pin_;
};

// Option values checked by CLI11 (a failed check is a usage error naming the option).
// A whole number in decimal digits from `min` to `max`: "must be a whole number from MIN to MAX".
[[nodiscard]] CLI::Validator whole_number(std::uint64_t min, std::uint64_t max);
// A positive number (integer or decimal) up to `max`.
[[nodiscard]] CLI::Validator positive_number(double max);
// An id the API takes in a path: [A-Za-z0-9._:-]{1,128}, not "." or "..".
[[nodiscard]] CLI::Validator path_id();
// A SHA-256 in hex (--genesis-hash): 64 hex digits, either case.
[[nodiscard]] CLI::Validator sha256_hex();
// A value that `parse` (text -> Result<T>) takes; otherwise its error message is the usage error.
// `name` is the check's name for CLI11. The command parses the value again when it uses it.
template <typename Parse>
[[nodiscard]] CLI::Validator parsed_by(Parse parse, std::string name) {
    return CLI::Validator(
        [parse](std::string& text) -> std::string {
            auto parsed = parse(text);
            return parsed ? std::string() : parsed.error().message;
        },
        "", std::move(name));
}

// Prints "error: <message>" (the message names the option) and returns exit_usage: for the checks
// that span options, after parsing.
int usage_error(const std::string& message);
// Prints "error: <message>" and returns exit_failure.
int fail(const std::string& message);

// Sealed key files' passphrases (tools/support/passphrase.cpp): installs the process's passphrase
// source, the file or descriptor of the global options --passphrase-file FILE / --passphrase-fd N
// when given, else a prompt without echo.
void install_passphrase_source(const std::filesystem::path& file, std::optional<int> fd);
// A passphrase to seal a key with: from the global options when `from_options` and given, else
// asked twice without echo.
Result<crypto::Passphrase> new_passphrase(const std::string& for_what, bool from_options);
// Prints a warning when the key file at `path` is not sealed and not inside a localnet directory.
void warn_if_unsealed(const std::filesystem::path& path);
// HTTPS nodes (tools/support/node_tls.cpp): the trust anchors of the global options --cacert
// FILE / --pin sha256:HEX.
void install_trust_anchors(std::string ca_file, std::string pin);
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

// A SHA-256 given on the command line (--genesis-hash): 64 hex digits, either case (options.cpp).
[[nodiscard]] Result<Hash32> parse_hash_option(std::string_view text);
// The largest worker thread count --threads takes (from 1).
inline constexpr unsigned threads_option_max = 256;
// SHA-256 of a file (--sha256-of), read in pieces: the evidence itself never leaves this machine.
[[nodiscard]] Result<Hash32> sha256_of_file(const std::string& path);
// The officer's secret key file given by --key; a public key file given by mistake is named as
// such (rather than refused for its mode 0644) (options.cpp).
[[nodiscard]] Result<crypto::KeyFile> read_key_option(const std::string& path);
// The whole of a file named on the command line, or of standard input for "-"; nullopt when the
// file cannot be read (options.cpp).
[[nodiscard]] std::optional<std::string> read_input(const std::string& path);

}  // namespace custos::cli
