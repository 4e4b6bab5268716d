// Secret key files sealed with a passphrase (docs/FORMAT.md section 2, "Sealed key files"):
// the seed encrypted with XChaCha20-Poly1305 under a key that Argon2id (libsodium's
// crypto_pwhash, ARGON2ID13) derives from the passphrase, the key's name and public key bound
// as associated data. read_secret_key_file() (ed25519.hpp) reads both forms; for a sealed one it
// asks the process's passphrase source, which main() sets (a prompt without echo, a file or a
// file descriptor: never the command line).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "crypto/bytes.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"

namespace custos::crypto {

inline constexpr std::string_view sealed_key_type = "custos.ed25519.sealed-secret-key.v1";
inline constexpr std::string_view sealed_key_kdf = "argon2id13";
inline constexpr std::string_view sealed_key_aead = "xchacha20poly1305-ietf";

// What custos writes: Argon2id with 3 passes over 64 MiB (libsodium's OPSLIMIT_MODERATE and
// MEMLIMIT_INTERACTIVE: about half a second here), a fresh 16-byte salt and 24-byte nonce.
inline constexpr unsigned long long seal_opslimit = 3;
inline constexpr std::size_t seal_memlimit_bytes = std::size_t{64} << 20;
// What a file may state and still be opened: a larger cost is refused before any work.
inline constexpr unsigned long long seal_opslimit_min = 1;
inline constexpr unsigned long long seal_opslimit_max = 10;
inline constexpr std::size_t seal_memlimit_bytes_min = std::size_t{8} << 20;
inline constexpr std::size_t seal_memlimit_bytes_max = std::size_t{1} << 30;
inline constexpr std::size_t passphrase_bytes_max = 1024;

// A passphrase in guarded memory (sodium_malloc), wiped when dropped. Move-only.
class Passphrase {
public:
    // 1 to passphrase_bytes_max bytes.
    [[nodiscard]] static Result<Passphrase> from(std::string_view text);
    Passphrase(Passphrase&& other) noexcept;
    Passphrase& operator=(Passphrase&& other) noexcept;
    Passphrase(const Passphrase&) = delete;
    Passphrase& operator=(const Passphrase&) = delete;
    ~Passphrase();

    [[nodiscard]] std::string_view view() const { return {data_, size_}; }

private:
    Passphrase() = default;
    char* data_ = nullptr;
    std::size_t size_ = 0;
};

// Where the passphrase of a sealed key file comes from; `key_file` is the file being opened.
using PassphraseSource = std::function<Result<Passphrase>(const std::filesystem::path& key_file)>;
// Process-wide; without one, opening a sealed key file is refused with a message saying how to
// give the passphrase.
void set_passphrase_source(PassphraseSource source);

// Fixed salt and nonce, for test vectors only; custos draws both at random.
struct SealOptions {
    std::optional<std::array<std::uint8_t, 16>> salt;
    std::optional<std::array<std::uint8_t, 24>> nonce;
    unsigned long long opslimit = seal_opslimit;
    std::size_t memlimit_bytes = seal_memlimit_bytes;
};

// The sealed key file's text: one line of canonical JSON and "\n".
[[nodiscard]] Result<std::string> seal_secret_key(std::string_view name, const SecretKey& key,
                                                  const Passphrase& passphrase,
                                                  const SealOptions& options = {});
// Writes it as write_secret_key_file() writes (mode 0600, never over an existing file).
[[nodiscard]] Status write_sealed_secret_key_file(const std::filesystem::path& path, std::string_view name,
                                                  const SecretKey& key, const Passphrase& passphrase);
// Opens a parsed sealed key file (`where` names it in errors) with the given passphrase.
[[nodiscard]] Result<KeyFile> open_sealed_key(const Json& document, const std::string& where,
                                              const Passphrase& passphrase);
// The same, with the passphrase from the process's source (read_secret_key_file's way).
[[nodiscard]] Result<KeyFile> open_sealed_key(const Json& document, const std::filesystem::path& path);

// Whether the key file at `path` is sealed (reads only its type; the file's checks still apply
// when it is read).
[[nodiscard]] Result<bool> key_file_is_sealed(const std::filesystem::path& path);

// Whether the key file at `path` lies in a localnet directory (`custos-dev localnet init`: a
// directory holding localnet.json, up to 8 levels above the file). Its keys are test keys, left
// unsealed on purpose, so the warning for an unsealed key (CLI and custos-node) is not given there.
[[nodiscard]] bool in_localnet_directory(const std::filesystem::path& path);

// Passphrase sources. A file: its first line (without the line end), and like a key file it must
// be its owner's alone (mode 0600 or stricter). A file descriptor: read up to its end or first
// line end. A prompt: on /dev/tty with echo off (refused when there is no terminal; the caller's
// message says how else to give it).
[[nodiscard]] Result<Passphrase> read_passphrase_file(const std::filesystem::path& path);
[[nodiscard]] Result<Passphrase> read_passphrase_fd(int fd);
[[nodiscard]] Result<Passphrase> prompt_passphrase(std::string_view prompt);

}  // namespace custos::crypto
