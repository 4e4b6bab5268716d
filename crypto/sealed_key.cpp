// Sealed key files: see sealed_key.hpp and docs/FORMAT.md section 2.
#include "crypto/sealed_key.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <mutex>
#include <utility>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "crypto/private_file.hpp"
#include "crypto/signed_note.hpp"

namespace custos::crypto {

namespace {

constexpr std::size_t salt_bytes = crypto_pwhash_SALTBYTES;
constexpr std::size_t nonce_bytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t aead_key_bytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr std::size_t sealed_seed_bytes = seed_bytes + crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(salt_bytes == 16 && nonce_bytes == 24 && aead_key_bytes == 32);
// A passphrase file holds one line; a little more is read to tell a longer one.
constexpr std::size_t passphrase_file_bytes_max = passphrase_bytes_max + 2;

std::mutex source_mutex;
PassphraseSource source;  // Guarded by source_mutex.

// The associated data: the file's type, name and public key, so that none can be changed (or
// the sealed seed moved to another file) without the opening failing.
std::string associated_data(std::string_view name, const PublicKey& key) {
    return std::string(sealed_key_type) + "\n" + std::string(name) + "\n" + hex_encode(key.view());
}

// The AEAD key, derived into guarded memory.
class DerivedKey {
public:
    DerivedKey() : bytes_(static_cast<std::uint8_t*>(sodium_malloc(aead_key_bytes))) {
        CUSTOS_ASSERT(bytes_ != nullptr, "sodium_malloc failed for a derived key");
    }
    DerivedKey(const DerivedKey&) = delete;
    DerivedKey& operator=(const DerivedKey&) = delete;
    ~DerivedKey() { sodium_free(bytes_); }
    [[nodiscard]] std::uint8_t* data() { return bytes_; }

private:
    std::uint8_t* bytes_;
};

Status derive(DerivedKey& out, const Passphrase& passphrase, const std::uint8_t* salt,
              unsigned long long opslimit, std::size_t memlimit_bytes) {
    const auto text = passphrase.view();
    if (crypto_pwhash(out.data(), aead_key_bytes, text.data(), text.size(), salt, opslimit, memlimit_bytes,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return make_error(ErrorCode::resource_exhausted, "Argon2id could not run (out of memory for " +
                                                             std::to_string(memlimit_bytes >> 20) + " MiB?)");
    }
    return {};
}

Result<std::string> string_of(const Json& document, const char* field, const std::string& where) {
    auto found = document.find(field);
    if (found == document.end() || !found->is_string()) {
        return make_error(ErrorCode::invalid_argument,
                          "key file " + where + ": field '" + field + "' is missing or not a string");
    }
    return found->get<std::string>();
}

Result<std::uint64_t> integer_of(const Json& document, const char* field, const std::string& where) {
    auto found = document.find(field);
    if (found == document.end() || !found->is_number_unsigned()) {
        return make_error(ErrorCode::invalid_argument,
                          "key file " + where + ": field '" + field + "' is missing or not an integer");
    }
    return found->get<std::uint64_t>();
}

Result<Bytes> base64_of(const Json& document, const char* field, std::size_t size, const std::string& where) {
    auto text = string_of(document, field, where);
    if (!text) return tl::unexpected(text.error());
    auto bytes = base64_decode(*text);
    if (!bytes || bytes->size() != size) {
        return make_error(ErrorCode::invalid_argument, "key file " + where + ": field '" + field +
                                                           "' is not base64 of " + std::to_string(size) +
                                                           " bytes");
    }
    return bytes;
}

// The text up to its first line end, as a passphrase of 1 to passphrase_bytes_max bytes.
Result<Passphrase> passphrase_from_text(std::string_view text, const std::string& where) {
    const auto line_end = text.find_first_of("\r\n");
    if (line_end != std::string_view::npos) text = text.substr(0, line_end);
    if (text.empty()) return make_error(ErrorCode::invalid_argument, where + " holds an empty passphrase");
    if (text.size() > passphrase_bytes_max) {
        return make_error(ErrorCode::invalid_argument, where + ": the passphrase is over " +
                                                           std::to_string(passphrase_bytes_max) + " bytes");
    }
    return Passphrase::from(text);
}

// A line from `fd` (up to its end or first line end); `where` names the source in errors.
Result<Passphrase> read_passphrase_line(int fd, const std::string& where) {
    detail::SecretBuffer buffer(passphrase_file_bytes_max);
    std::size_t size = 0;
    while (size < buffer.capacity()) {
        ssize_t got = ::read(fd, buffer.data() + size, 1);  // One byte at a time: stop at the line end.
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            return make_error(ErrorCode::io_error,
                              "cannot read the passphrase from " + where + ": " + std::strerror(errno));
        }
        if (got == 0 || buffer.data()[size] == '\n') break;
        ++size;
    }
    return passphrase_from_text(std::string_view(buffer.data(), size), where);
}

}  // namespace

Result<Passphrase> Passphrase::from(std::string_view text) {
    if (text.empty() || text.size() > passphrase_bytes_max) {
        return make_error(ErrorCode::invalid_argument,
                          "a passphrase is 1 to " + std::to_string(passphrase_bytes_max) + " bytes");
    }
    CUSTOS_ASSERT(sodium_init() >= 0, "libsodium failed to initialise");
    Passphrase passphrase;
    passphrase.data_ = static_cast<char*>(sodium_malloc(text.size()));
    CUSTOS_ASSERT(passphrase.data_ != nullptr, "sodium_malloc failed for a passphrase");
    std::memcpy(passphrase.data_, text.data(), text.size());
    passphrase.size_ = text.size();
    return passphrase;
}

Passphrase::Passphrase(Passphrase&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

Passphrase& Passphrase::operator=(Passphrase&& other) noexcept {
    if (this != &other) {
        sodium_free(data_);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

Passphrase::~Passphrase() {
    sodium_free(data_);  // Wipes, then frees; null is a no-op.
}

void set_passphrase_source(PassphraseSource new_source) {
    std::lock_guard lock(source_mutex);
    source = std::move(new_source);
}

Result<std::string> seal_secret_key(std::string_view name, const SecretKey& key, const Passphrase& passphrase,
                                    const SealOptions& options) {
    if (!is_valid_note_key_name(name)) {
        return make_error(ErrorCode::invalid_argument,
                          "key name '" + std::string(name) + "' is not a valid signed-note key name");
    }
    std::array<std::uint8_t, salt_bytes> salt{};
    std::array<std::uint8_t, nonce_bytes> nonce{};
    if (options.salt) {
        salt = *options.salt;
    } else {
        randombytes_buf(salt.data(), salt.size());
    }
    if (options.nonce) {
        nonce = *options.nonce;
    } else {
        randombytes_buf(nonce.data(), nonce.size());
    }
    DerivedKey derived;
    if (auto ok = derive(derived, passphrase, salt.data(), options.opslimit, options.memlimit_bytes); !ok)
        return tl::unexpected(ok.error());
    const std::string ad = associated_data(name, key.public_key());
    std::array<std::uint8_t, sealed_seed_bytes> sealed{};
    unsigned long long sealed_size = 0;
    const ByteView seed = key.seed();
    CUSTOS_ASSERT(
        crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.data(), &sealed_size, seed.data(), seed.size(),
                                                   reinterpret_cast<const std::uint8_t*>(ad.data()),
                                                   ad.size(), nullptr, nonce.data(), derived.data()) == 0 &&
            sealed_size == sealed.size(),
        "XChaCha20-Poly1305 encryption failed");
    const Json document = {{"type", std::string(sealed_key_type)},
                           {"name", std::string(name)},
                           {"public_key", hex_encode(key.public_key().view())},
                           {"kdf", std::string(sealed_key_kdf)},
                           {"opslimit", options.opslimit},
                           {"memlimit", options.memlimit_bytes},
                           {"salt", base64_encode(ByteView(salt.data(), salt.size()))},
                           {"aead", std::string(sealed_key_aead)},
                           {"nonce", base64_encode(ByteView(nonce.data(), nonce.size()))},
                           {"sealed_seed", base64_encode(ByteView(sealed.data(), sealed.size()))}};
    auto text = canonicalize(document);
    if (!text) return tl::unexpected(text.error());
    return *text + "\n";
}

Result<KeyFile> open_sealed_key(const Json& document, const std::string& where,
                                const Passphrase& passphrase) {
    for (auto [field, expected] : {std::pair{"type", sealed_key_type}, std::pair{"kdf", sealed_key_kdf},
                                   std::pair{"aead", sealed_key_aead}}) {
        auto value = string_of(document, field, where);
        if (!value) return tl::unexpected(value.error());
        if (*value != expected) {
            return make_error(ErrorCode::invalid_argument, "key file " + where + ": field '" + field +
                                                               "' is '" + *value + "', expected '" +
                                                               std::string(expected) + "'");
        }
    }
    auto name = string_of(document, "name", where);
    if (!name) return tl::unexpected(name.error());
    if (!is_valid_note_key_name(*name)) {
        return make_error(ErrorCode::invalid_argument,
                          "key file " + where + ": field 'name' is not a valid signed-note key name");
    }
    auto public_hex = string_of(document, "public_key", where);
    if (!public_hex) return tl::unexpected(public_hex.error());
    auto public_key = public_key_from_hex(*public_hex);
    if (!public_key) {
        return make_error(ErrorCode::invalid_argument,
                          "key file " + where + ": field 'public_key': " + public_key.error().message);
    }
    auto opslimit = integer_of(document, "opslimit", where);
    if (!opslimit) return tl::unexpected(opslimit.error());
    auto memlimit = integer_of(document, "memlimit", where);
    if (!memlimit) return tl::unexpected(memlimit.error());
    if (*opslimit < seal_opslimit_min || *opslimit > seal_opslimit_max ||
        *memlimit < seal_memlimit_bytes_min || *memlimit > seal_memlimit_bytes_max) {
        return make_error(ErrorCode::invalid_argument,
                          "key file " + where + ": opslimit " + std::to_string(*opslimit) + " and memlimit " +
                              std::to_string(*memlimit) + " must be within 1..10 and 8 MiB..1 GiB");
    }
    auto salt = base64_of(document, "salt", salt_bytes, where);
    if (!salt) return tl::unexpected(salt.error());
    auto nonce = base64_of(document, "nonce", nonce_bytes, where);
    if (!nonce) return tl::unexpected(nonce.error());
    auto sealed = base64_of(document, "sealed_seed", sealed_seed_bytes, where);
    if (!sealed) return tl::unexpected(sealed.error());

    DerivedKey derived;
    if (auto ok = derive(derived, passphrase, salt->data(), *opslimit, static_cast<std::size_t>(*memlimit));
        !ok)
        return tl::unexpected(ok.error());
    const std::string ad = associated_data(*name, *public_key);
    auto* seed = static_cast<std::uint8_t*>(sodium_malloc(seed_bytes));
    CUSTOS_ASSERT(seed != nullptr, "sodium_malloc failed for a seed");
    unsigned long long seed_size = 0;
    const bool opened =
        crypto_aead_xchacha20poly1305_ietf_decrypt(seed, &seed_size, nullptr, sealed->data(), sealed->size(),
                                                   reinterpret_cast<const std::uint8_t*>(ad.data()),
                                                   ad.size(), nonce->data(), derived.data()) == 0 &&
        seed_size == seed_bytes;
    Result<SecretKey> key = make_error(
        ErrorCode::verification_failed,
        "key file " + where + ": cannot open it: wrong passphrase, or the file was damaged or edited");
    if (opened) key = SecretKey::from_seed(ByteView(seed, seed_bytes));
    sodium_free(seed);
    if (!key) return tl::unexpected(key.error());
    if (key->public_key() != *public_key) {
        return make_error(ErrorCode::corruption, "key file " + where +
                                                     ": field 'public_key' does not match the key its sealed "
                                                     "seed derives; the file is damaged");
    }
    return KeyFile{.name = std::move(*name), .key = std::move(*key)};
}

Result<KeyFile> open_sealed_key(const Json& document, const std::filesystem::path& path) {
    PassphraseSource current;
    {
        std::lock_guard lock(source_mutex);
        current = source;
    }
    if (!current) {
        return make_error(ErrorCode::invalid_argument,
                          "key file " + path.string() +
                              " is sealed with a passphrase, and no passphrase was given (a prompt needs a "
                              "terminal; or use --passphrase-file FILE / --passphrase-fd N)");
    }
    auto passphrase = current(path);
    if (!passphrase) return tl::unexpected(passphrase.error());
    return open_sealed_key(document, path.string(), *passphrase);
}

bool in_localnet_directory(const std::filesystem::path& path) {
    std::error_code ignored;
    std::filesystem::path dir = std::filesystem::absolute(path, ignored).parent_path();
    for (int depth = 0; depth < 8 && !dir.empty(); ++depth) {
        if (std::filesystem::exists(dir / "localnet.json", ignored)) return true;
        if (dir == dir.root_path()) break;
        dir = dir.parent_path();
    }
    return false;
}

Result<Passphrase> read_passphrase_file(const std::filesystem::path& path) {
    detail::SecretBuffer buffer(passphrase_file_bytes_max);
    auto size = detail::read_private_file(path, buffer, "passphrase file");
    if (!size) return tl::unexpected(size.error());
    return passphrase_from_text(std::string_view(buffer.data(), *size), "passphrase file " + path.string());
}

Result<Passphrase> read_passphrase_fd(int fd) {
    return read_passphrase_line(fd, "fd " + std::to_string(fd));
}

namespace {

// The terminal's settings while echo is off, for the signal handler below. A prompt is asked by
// one thread at a time (the mutex), so one slot is enough.
std::mutex prompt_mutex;
int prompt_tty = -1;
termios prompt_saved{};

// Ctrl-C (or another terminating signal) while echo is off: put echo back, then die of the
// signal as the default action would, so the user's shell is not left typing blind.
// tcsetattr, signal and raise are async-signal-safe.
void restore_echo_and_reraise(int signal_number) {
    if (prompt_tty >= 0) ::tcsetattr(prompt_tty, TCSAFLUSH, &prompt_saved);
    ::signal(signal_number, SIG_DFL);
    ::raise(signal_number);
}

constexpr int prompt_signals[] = {SIGINT, SIGTERM, SIGQUIT, SIGHUP};

}  // namespace

Result<Passphrase> prompt_passphrase(std::string_view prompt) {
    int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (tty < 0) {
        // The caller adds how else to give it (CLI options, the node's config).
        return make_error(ErrorCode::invalid_argument,
                          "a passphrase is needed and there is no terminal to ask on");
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{tty};
    std::lock_guard lock(prompt_mutex);
    termios saved{};
    const bool is_terminal = ::tcgetattr(tty, &saved) == 0;
    struct sigaction previous[std::size(prompt_signals)] = {};
    if (is_terminal) {
        prompt_tty = tty;
        prompt_saved = saved;
        struct sigaction restore {};
        restore.sa_handler = restore_echo_and_reraise;
        sigemptyset(&restore.sa_mask);
        for (std::size_t i = 0; i < std::size(prompt_signals); ++i)
            ::sigaction(prompt_signals[i], &restore, &previous[i]);
        termios silent = saved;
        silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        silent.c_lflag |= ECHONL;
        ::tcsetattr(tty, TCSAFLUSH, &silent);
    }
    [[maybe_unused]] auto written = ::write(tty, prompt.data(), prompt.size());
    auto passphrase = read_passphrase_line(tty, "the terminal");
    if (is_terminal) {
        ::tcsetattr(tty, TCSAFLUSH, &saved);
        for (std::size_t i = 0; i < std::size(prompt_signals); ++i)
            ::sigaction(prompt_signals[i], &previous[i], nullptr);
        prompt_tty = -1;
    }
    return passphrase;
}

}  // namespace custos::crypto
