// Passphrases for sealed key files (crypto/sealed_key.hpp): the global options
// --passphrase-file FILE and --passphrase-fd N, the prompt without echo otherwise, the warning
// for an unsealed key outside a localnet, and `custos key passwd FILE`.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>

#include "crypto/ed25519.hpp"
#include "crypto/sealed_key.hpp"
#include "tools/cli/commands.hpp"

namespace custos::cli {

namespace {

namespace fs = std::filesystem;

struct PassphraseOption {
    std::optional<fs::path> file;
    std::optional<int> fd;
};

PassphraseOption& passphrase_option() {
    static PassphraseOption option;
    return option;
}

// The passphrase the options name, read once (a descriptor can be read only once) and copied out.
Result<crypto::Passphrase> passphrase_from_option() {
    static std::optional<Result<crypto::Passphrase>> cached;
    if (!cached) {
        const auto& option = passphrase_option();
        cached =
            option.file ? crypto::read_passphrase_file(*option.file) : crypto::read_passphrase_fd(*option.fd);
    }
    if (!*cached) return tl::unexpected(cached->error());
    return crypto::Passphrase::from((*cached)->view());
}

// A prompt without echo; without a terminal, the error says how else to give the passphrase.
Result<crypto::Passphrase> prompt(const std::string& text) {
    auto asked = crypto::prompt_passphrase(text);
    if (!asked) {
        return make_error(asked.error().code,
                          asked.error().message + ": use --passphrase-file FILE or --passphrase-fd N");
    }
    return asked;
}

bool has_passphrase_option() {
    return passphrase_option().file.has_value() || passphrase_option().fd.has_value();
}

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

std::optional<std::string> take_passphrase_options(Args& args) {
    Args rest;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg != "--passphrase-file" && arg != "--passphrase-fd") {
            rest.push_back(arg);
            continue;
        }
        if (i + 1 >= args.size()) return arg + " needs a value";
        if (has_passphrase_option()) return "give one of --passphrase-file and --passphrase-fd, once";
        const std::string& value = args[++i];
        if (arg == "--passphrase-file") {
            passphrase_option().file = value;
        } else {
            try {
                std::size_t used = 0;
                int fd = std::stoi(value, &used);
                if (used != value.size() || fd < 0) throw std::invalid_argument(value);
                passphrase_option().fd = fd;
            } catch (const std::exception&) {
                return "--passphrase-fd needs a file descriptor number, got '" + value + "'";
            }
        }
    }
    args = std::move(rest);
    crypto::set_passphrase_source([](const fs::path& key_file) -> Result<crypto::Passphrase> {
        if (has_passphrase_option()) return passphrase_from_option();
        return prompt("Passphrase for " + key_file.string() + ": ");
    });
    return std::nullopt;
}

Result<crypto::Passphrase> new_passphrase(const std::string& for_what, bool from_options) {
    if (from_options && has_passphrase_option()) return passphrase_from_option();
    auto first = prompt("New passphrase for " + for_what + ": ");
    if (!first) return first;
    auto again = prompt("The same again: ");
    if (!again) return again;
    if (first->view() != again->view()) {
        return make_error(ErrorCode::invalid_argument, "the two passphrases differ; nothing was written");
    }
    return first;
}

void warn_if_unsealed(const fs::path& path) {
    auto sealed = crypto::key_file_is_sealed(path);
    if (!sealed || *sealed || crypto::in_localnet_directory(path)) return;
    std::cerr << "warning: key file " << path.string()
              << " is not sealed with a passphrase; 'custos key passwd " << path.string() << "' seals it\n";
}

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
