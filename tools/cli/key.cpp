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

constexpr std::string_view passwd_help =
    "Seals the secret key file FILE with a new passphrase (Argon2id and XChaCha20-Poly1305,\n"
    "docs/FORMAT.md section 2), or changes the passphrase of one already sealed. The current\n"
    "passphrase, for a sealed FILE, comes as for every command (prompt, --passphrase-file,\n"
    "--passphrase-fd); the new one is asked twice without echo, or read from --new-passphrase-file\n"
    "F (its first line; F must be mode 0600). FILE is replaced at once (written beside it, then\n"
    "renamed), keeping its name and key.";

struct PasswdOptions {
    fs::path file;
    std::optional<fs::path> new_file;
};

int run_passwd(const PasswdOptions& options) {
    const fs::path& file = options.file;
    const std::optional<fs::path>& new_file = options.new_file;
    auto key = crypto::read_secret_key_file(file);
    if (!key) {
        std::cerr << "error: " << key.error().message << "\n";
        return exit_failure;
    }
    auto passphrase = new_file ? crypto::read_passphrase_file(*new_file)
                               : new_passphrase(file.string(), /*from_options=*/false);
    if (!passphrase) {
        std::cerr << "error: " << passphrase.error().message << "\n";
        return exit_failure;
    }
    fs::path staged = file;
    staged += ".passwd-new";
    if (auto written = crypto::write_sealed_secret_key_file(staged, key->name, key->key, *passphrase);
        !written) {
        std::cerr << "error: " << written.error().message << "\n";
        return exit_failure;
    }
    std::error_code error;
    fs::rename(staged, file, error);
    if (error) {
        fs::remove(staged, error);
        std::cerr << "error: cannot replace " << file.string() << ": " << error.message() << "\n";
        return exit_failure;
    }
    std::cout << "sealed " << file.string() << " (" << key->name << ") with the new passphrase\n";
    return exit_ok;
}

}  // namespace

void add_key(Tool& tool) {
    auto& key = tool.add_group(tool.root(), "key",
                               "seal a key file with a passphrase or change it (custos key passwd FILE)");
    auto options = std::make_shared<PasswdOptions>();
    auto& passwd = tool.add(key, "passwd", "seal a secret key file with a new passphrase, or change it",
                            [options] { return run_passwd(*options); });
    passwd.add_option("FILE", options->file, "the secret key file")->required();
    passwd
        .add_option("--new-passphrase-file", options->new_file,
                    "the new passphrase: the first line of F (mode 0600), instead of asking twice")
        ->type_name("F");
    passwd.footer(std::string(passwd_help));
}

}  // namespace custos::cli
