// custos keygen: generate an Ed25519 key, write its secret key file (0600, never over an existing
// file) and a public key file beside it, and print what others need to trust it.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sealed_key.hpp"
#include "crypto/signed_note.hpp"
#include "tools/cli/commands.hpp"

namespace custos::cli {

namespace {

// Key names are signed-note key names, further kept to printable ASCII so that they read the same
// in every terminal, log and court exhibit.
constexpr std::size_t key_name_bytes_max = 128;

constexpr std::string_view keygen_help =
    "Generates an Ed25519 key. Writes the secret key to FILE (mode 0600; an existing file is never\n"
    "overwritten) and the public key to FILE.pub, then prints the key's name, its public key in hex\n"
    "(the key id that events name as their signer) and its signed-note key hash. The secret seed is\n"
    "never printed.";

struct KeygenOptions {
    std::filesystem::path out;
    std::optional<std::string> name;
    bool encrypt = false;
};

std::optional<std::string> key_name_problem(std::string_view name) {
    if (name.empty()) return "the key name is empty";
    if (name.size() > key_name_bytes_max) {
        return "the key name is " + std::to_string(name.size()) + " characters, over the limit of " +
               std::to_string(key_name_bytes_max);
    }
    for (unsigned char c : name) {
        if (c <= ' ' || c > '~') return "the key name must be printable ASCII without spaces";
        if (c == '+') return "the key name must not contain '+'";
    }
    if (!crypto::is_valid_note_key_name(name)) return "the key name is not a valid signed-note key name";
    return std::nullopt;
}

int run_keygen(const KeygenOptions& options) {
    const std::string name = options.name.value_or(options.out.stem().string());
    if (auto problem = key_name_problem(name)) {
        return usage_error("--name: " + *problem +
                           (options.name ? "" : " (it defaults to the file's name; pass --name)"));
    }
    std::filesystem::path public_path = options.out;
    public_path += ".pub";
    // Check both before writing either, so a clash leaves nothing half-made behind.
    std::error_code ignored;
    for (const auto& path : {options.out, public_path}) {
        if (std::filesystem::exists(std::filesystem::symlink_status(path, ignored))) {
            std::cerr << "error: " << path.string() << " already exists; refusing to overwrite it\n";
            return exit_failure;
        }
    }

    std::optional<crypto::Passphrase> passphrase;
    if (options.encrypt) {
        auto asked = new_passphrase(options.out.string(), /*from_options=*/true);
        if (!asked) {
            std::cerr << "error: " << asked.error().message << "\n";
            return exit_failure;
        }
        passphrase = std::move(*asked);
    }
    crypto::SecretKey key = crypto::SecretKey::generate();
    if (auto written = passphrase ? crypto::write_sealed_secret_key_file(options.out, name, key, *passphrase)
                                  : crypto::write_secret_key_file(options.out, name, key);
        !written) {
        std::cerr << "error: " << written.error().message << "\n";
        return exit_failure;
    }
    if (auto written = write_public_key_file(public_path, name, key.public_key()); !written) {
        std::cerr << "error: " << written.error().message << "\n"
                  << "note: the secret key " << options.out.string() << " was written; remove it or "
                  << "write its public key file by hand\n";
        return exit_failure;
    }
    crypto::NoteKeyHash hash = crypto::note_key_hash(name, key.public_key());
    crypto::NoteKey note_key{.name = name, .key = key.public_key()};
    std::cout << "name:            " << name << "\n"
              << "public key:      " << crypto::hex_encode(key.public_key().view()) << "\n"
              << "note key hash:   " << crypto::hex_encode(ByteView(hash.data(), hash.size())) << "\n"
              << "verifier key:    " << crypto::note_verifier_key(note_key) << "\n"
              << "secret key file: " << options.out.string() << " (mode 0600; keep it private)\n"
              << "public key file: " << public_path.string() << "\n";
    return exit_ok;
}

}  // namespace

void add_keygen(Tool& tool) {
    auto options = std::make_shared<KeygenOptions>();
    auto& command = tool.add(tool.root(), "keygen",
                             "generate an Ed25519 key file (secret key written 0600; --encrypt seals it)",
                             [options] { return run_keygen(*options); });
    command.add_option("--out", options->out, "where to write the secret key file")
        ->type_name("FILE")
        ->required();
    command
        .add_option("--name", options->name,
                    "the key's name (default: FILE's name without its extension); printable ASCII,\n"
                    "no spaces, no '+', at most 128 characters, e.g. agency.example/officer-7")
        ->type_name("NAME");
    command.add_flag("--encrypt", options->encrypt,
                     "seal the seed with a passphrase (Argon2id, 3 passes over 64 MiB, and\n"
                     "XChaCha20-Poly1305; docs/FORMAT.md section 2): asked twice without echo, or\n"
                     "read from --passphrase-file FILE / --passphrase-fd N. Every command that\n"
                     "reads the key then asks for it the same way");
    command.footer(std::string(keygen_help));
}

}  // namespace custos::cli
