// Option values several commands share: hashes given in either case, officer key files (with a
// clear word when a public key file is given where the secret one is needed), input files.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "tools/support/command.hpp"

namespace custos::cli {

namespace {

// A public key file is one short line (docs/FORMAT.md section 2, "Key files").
constexpr std::size_t public_key_file_bytes_max = 4096;

// True when the file at `path` is a public key file as 'custos keygen' writes it.
bool is_public_key_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::string text(public_key_file_bytes_max + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > public_key_file_bytes_max) return false;
    auto json = crypto::parse_json(text);
    if (!json || !json->is_object()) return false;
    auto type = json->find("type");
    return type != json->end() && type->is_string() && type->get<std::string>() == public_key_file_type;
}

}  // namespace

Result<Hash32> parse_hash_option(std::string_view text) {
    // Hashes are printed in lowercase, but one copied from elsewhere may be in capitals: the
    // digits mean the same.
    std::string lower(text);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    }
    auto hash = crypto::hash_from_hex(lower);
    if (!hash) return make_error(ErrorCode::invalid_argument, "expected 64 hex digits (SHA-256)");
    return hash;
}

Status write_new_file(const std::filesystem::path& path, std::string_view text, int mode) {
    int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == EEXIST) return make_error(ErrorCode::already_exists, path.string() + " already exists");
        return make_error(ErrorCode::io_error,
                          "cannot create " + path.string() + ": " + std::strerror(errno));
    }
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    std::string why = ok ? "" : std::strerror(errno);
    if (::close(fd) != 0) ok = false;
    if (!ok) {
        ::unlink(path.c_str());
        return make_error(ErrorCode::io_error,
                          "cannot write " + path.string() + (why.empty() ? "" : ": " + why));
    }
    return {};
}

Status write_public_key_file(const std::filesystem::path& path, std::string_view name,
                             const crypto::PublicKey& key) {
    crypto::Json document = {{"type", std::string(public_key_file_type)},
                             {"name", std::string(name)},
                             {"public_key", crypto::hex_encode(key.view())}};
    auto text = crypto::canonicalize(document);
    if (!text) return tl::unexpected(text.error());
    return write_new_file(path, *text + "\n");
}

Result<Hash32> sha256_of_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::not_found, "--sha256-of: cannot read " + path);
    crypto::Sha256 hasher;
    std::string buffer(1 << 16, '\0');
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        hasher.update(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
    }
    if (in.bad()) return make_error(ErrorCode::io_error, "--sha256-of: error reading " + path);
    return hasher.finish();
}

Result<crypto::KeyFile> read_key_option(const std::string& path) {
    auto key = crypto::read_secret_key_file(path);
    if (key) {
        warn_if_unsealed(path);
        return key;
    }
    if (is_public_key_file(path)) {
        std::string secret = path.ends_with(".pub") ? path.substr(0, path.size() - 4) : "the secret key file";
        return make_error(ErrorCode::invalid_argument,
                          path + " is a public key file (" + std::string(public_key_file_type) +
                              "): signing needs the secret key file (" + secret + ", mode 0600)");
    }
    return key;
}

std::optional<std::string> read_input(const std::string& path) {
    std::ostringstream content;
    if (path == "-") {
        content << std::cin.rdbuf();
    } else {
        std::ifstream in(path, std::ios::binary);
        if (!in) return std::nullopt;
        content << in.rdbuf();
    }
    return content.str();
}

}  // namespace custos::cli
