// `custos key passwd FILE`: seal a key file with a passphrase, or change its passphrase.
#include <filesystem>
#include <iostream>
#include <optional>

#include "crypto/ed25519.hpp"
#include "crypto/sealed_key.hpp"
#include "tools/cli/commands.hpp"

namespace custos::cli {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view key_usage =
    "usage: custos key passwd FILE [--new-passphrase-file F]\n"
    "\n"
    "Seals the secret key file FILE with a new passphrase (Argon2id and XChaCha20-Poly1305,\n"
    "docs/FORMAT.md section 2), or changes the passphrase of one already sealed. The current\n"
    "passphrase, for a sealed FILE, comes as for every command (prompt, --passphrase-file,\n"
    "--passphrase-fd); the new one is asked twice without echo, or read from --new-passphrase-file\n"
    "F (its first line; F must be mode 0600). FILE is replaced at once (written beside it, then\n"
    "renamed), keeping its name and key.\n";

}  // namespace

int run_key(const Args& args) {
    if (args.empty() || wants_help(args)) {
        (args.empty() ? std::cerr : std::cout) << key_usage;
        return args.empty() ? exit_usage : exit_ok;
    }
    std::optional<fs::path> file;
    std::optional<fs::path> new_file;
    if (args[0] != "passwd") {
        std::cerr << "error: unknown key command '" << args[0] << "'\n" << key_usage;
        return exit_usage;
    }
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--new-passphrase-file" && i + 1 < args.size()) {
            new_file = args[++i];
        } else if (!args[i].starts_with("-") && !file) {
            file = args[i];
        } else {
            std::cerr << "error: unexpected argument '" << args[i] << "'\n" << key_usage;
            return exit_usage;
        }
    }
    if (!file) {
        std::cerr << "error: FILE is required\n" << key_usage;
        return exit_usage;
    }
    auto key = crypto::read_secret_key_file(*file);
    if (!key) {
        std::cerr << "error: " << key.error().message << "\n";
        return exit_failure;
    }
    auto passphrase = new_file ? crypto::read_passphrase_file(*new_file)
                               : new_passphrase(file->string(), /*from_options=*/false);
    if (!passphrase) {
        std::cerr << "error: " << passphrase.error().message << "\n";
        return exit_failure;
    }
    fs::path staged = *file;
    staged += ".passwd-new";
    if (auto written = crypto::write_sealed_secret_key_file(staged, key->name, key->key, *passphrase);
        !written) {
        std::cerr << "error: " << written.error().message << "\n";
        return exit_failure;
    }
    std::error_code error;
    fs::rename(staged, *file, error);
    if (error) {
        fs::remove(staged, error);
        std::cerr << "error: cannot replace " << file->string() << ": " << error.message() << "\n";
        return exit_failure;
    }
    std::cout << "sealed " << file->string() << " (" << key->name << ") with the new passphrase\n";
    return exit_ok;
}

}  // namespace custos::cli
