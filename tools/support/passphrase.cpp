// Passphrases for sealed key files (crypto/sealed_key.hpp): the global options
// --passphrase-file FILE and --passphrase-fd N, the prompt without echo otherwise, and the warning
// for an unsealed key outside a localnet.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "crypto/ed25519.hpp"
#include "crypto/sealed_key.hpp"
#include "tools/support/command.hpp"

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

}  // namespace

void install_passphrase_source(const fs::path& file, std::optional<int> fd) {
    if (!file.empty()) passphrase_option().file = file;
    if (fd) passphrase_option().fd = fd;
    crypto::set_passphrase_source([](const fs::path& key_file) -> Result<crypto::Passphrase> {
        if (has_passphrase_option()) return passphrase_from_option();
        return prompt("Passphrase for " + key_file.string() + ": ");
    });
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

}  // namespace custos::cli
