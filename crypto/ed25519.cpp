// Ed25519 through libsodium, and the JSON key files of docs/FORMAT.md section 2.
#include "crypto/ed25519.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "common/assert.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/ed25519_tables.hpp"
#include "crypto/encoding.hpp"
#include "crypto/private_file.hpp"
#include "crypto/sealed_key.hpp"
#include "crypto/signed_note.hpp"

namespace custos::crypto {

static_assert(public_key_bytes == crypto_sign_PUBLICKEYBYTES);
static_assert(seed_bytes == crypto_sign_SEEDBYTES);
static_assert(signature_bytes == crypto_sign_BYTES);

namespace {

constexpr std::size_t secret_key_bytes = crypto_sign_SECRETKEYBYTES;
static_assert(secret_key_bytes == seed_bytes + public_key_bytes);

constexpr std::string_view secret_key_type = "custos.ed25519.secret-key.v1";
// A key file is a few hundred bytes; anything much larger is not one of ours.
constexpr std::size_t key_file_bytes_max = 64 * 1024;

std::string errno_text() {
    return std::strerror(errno);
}

// libsodium must be initialised before sodium_malloc and randombytes are used. sodium_init() is
// idempotent and thread-safe; calling it here means no caller (test, tool, node) can forget it.
void ensure_sodium() {
    CUSTOS_ASSERT(sodium_init() >= 0, "libsodium failed to initialise");
}

// Secret text (a key file, the seed's base64) lives in guarded memory: the seed is secret in
// every encoding.
using SecretText = detail::SecretBuffer;

}  // namespace

Result<PublicKey> public_key_from_bytes(ByteView bytes) {
    if (bytes.size() != public_key_bytes) {
        return make_error(ErrorCode::invalid_argument,
                          "an Ed25519 public key is 32 bytes, got " + std::to_string(bytes.size()));
    }
    PublicKey key;
    std::copy(bytes.begin(), bytes.end(), key.bytes.begin());
    return key;
}

Result<PublicKey> public_key_from_hex(std::string_view hex) {
    auto bytes = hex_decode(hex);
    if (!bytes) {
        return make_error(ErrorCode::invalid_argument, "public key: " + bytes.error().message);
    }
    return public_key_from_bytes(*bytes);
}

Result<Signature> signature_from_bytes(ByteView bytes) {
    if (bytes.size() != signature_bytes) {
        return make_error(ErrorCode::invalid_argument,
                          "an Ed25519 signature is 64 bytes, got " + std::to_string(bytes.size()));
    }
    Signature signature;
    std::copy(bytes.begin(), bytes.end(), signature.bytes.begin());
    return signature;
}

namespace {

std::uint8_t* allocate_secret() {
    ensure_sodium();
    return static_cast<std::uint8_t*>(sodium_malloc(secret_key_bytes));
}

}  // namespace

SecretKey::SecretKey() : secret_(allocate_secret()) {
    CUSTOS_ASSERT(secret_ != nullptr, "sodium_malloc failed for a secret key");
}

SecretKey::SecretKey(SecretKey&& other) noexcept
    : secret_(std::exchange(other.secret_, nullptr)), public_key_(other.public_key_) {}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
    if (this != &other) {
        sodium_free(secret_);
        secret_ = std::exchange(other.secret_, nullptr);
        public_key_ = other.public_key_;
    }
    return *this;
}

SecretKey::~SecretKey() {
    sodium_free(secret_);
}  // Wipes, then frees; null is a no-op.

SecretKey SecretKey::generate() {
    SecretKey key;
    CUSTOS_ASSERT(crypto_sign_keypair(key.public_key_.bytes.data(), key.secret_) == 0,
                  "crypto_sign_keypair failed");
    return key;
}

Result<SecretKey> SecretKey::from_seed(ByteView seed) {
    if (seed.size() != seed_bytes) {
        return make_error(ErrorCode::invalid_argument,
                          "an Ed25519 seed is 32 bytes, got " + std::to_string(seed.size()));
    }
    SecretKey key;
    CUSTOS_ASSERT(crypto_sign_seed_keypair(key.public_key_.bytes.data(), key.secret_, seed.data()) == 0,
                  "crypto_sign_seed_keypair failed");
    return key;
}

Signature SecretKey::sign(ByteView message) const {
    CUSTOS_ASSERT(secret_ != nullptr, "sign() on a moved-from SecretKey");
    Signature signature;
    CUSTOS_ASSERT(
        crypto_sign_detached(signature.bytes.data(), nullptr, message.data(), message.size(), secret_) == 0,
        "crypto_sign_detached failed");
    return signature;
}

ByteView SecretKey::seed() const {
    CUSTOS_ASSERT(secret_ != nullptr, "seed() on a moved-from SecretKey");
    // libsodium lays the secret key out as seed || public key.
    return {secret_, seed_bytes};
}

bool verify(const PublicKey& key, ByteView message, const Signature& signature) {
    // The table path answers only "accepted", and only where libsodium accepts
    // (ed25519_tables.hpp); every other verdict, every rejection included, is libsodium's. Only a
    // key someone vouched for (ed25519_tables::note_known_key) ever has a table.
    if (ed25519_tables::verify(key, message, signature) == ed25519_tables::Verdict::accepted) return true;
    return crypto_sign_verify_detached(signature.bytes.data(), message.data(), message.size(),
                                       key.bytes.data()) == 0;
}

std::vector<bool> verify_many(std::span<const VerifyRequest> requests) {
    std::vector<ed25519_tables::Request> table_requests;
    table_requests.reserve(requests.size());
    for (const auto& request : requests)
        table_requests.push_back({request.key, request.message, request.signature});
    std::vector<ed25519_tables::Verdict> verdicts(requests.size());
    ed25519_tables::verify_many(table_requests, verdicts);
    std::vector<bool> out(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const auto& request = requests[i];
        out[i] = verdicts[i] == ed25519_tables::Verdict::accepted ||
                 crypto_sign_verify_detached(request.signature->bytes.data(), request.message.data(),
                                             request.message.size(), request.key->bytes.data()) == 0;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Key files.

namespace {

Status write_all_and_sync(int fd, const char* data, std::size_t size, const std::string& where) {
    while (size > 0) {
        ssize_t written = ::write(fd, data, size);
        if (written < 0) {
            if (errno == EINTR) continue;
            return make_error(ErrorCode::io_error, "cannot write " + where + ": " + errno_text());
        }
        data += written;
        size -= static_cast<std::size_t>(written);
    }
    if (::fsync(fd) != 0) {
        return make_error(ErrorCode::io_error, "cannot fsync " + where + ": " + errno_text());
    }
    return {};
}

// The key file text, built in guarded memory so the seed never sits in an ordinary std::string.
// Its fields are in RFC 8785 order (name, public_key, seed, type), the same bytes canonicalize()
// gives; the seed's base64 and the name's JSON string are the only variable parts.
Result<std::size_t> format_secret_key_file(std::string_view name, const SecretKey& key, SecretText& out) {
    auto name_json = canonicalize(Json(std::string(name)));
    if (!name_json) {
        return make_error(ErrorCode::invalid_argument, "key name: " + name_json.error().message);
    }
    std::string head = "{\"name\":" + *name_json + ",\"public_key\":\"" +
                       hex_encode(key.public_key().view()) + "\",\"seed\":\"";
    std::string tail = "\",\"type\":\"" + std::string(secret_key_type) + "\"}\n";
    std::size_t seed_text_bytes = sodium_base64_ENCODED_LEN(seed_bytes, sodium_base64_VARIANT_ORIGINAL);
    std::size_t total = head.size() + seed_text_bytes - 1 + tail.size();  // ENCODED_LEN counts the NUL.
    CUSTOS_ASSERT(total + 1 <= out.capacity(), "key file buffer too small");
    char* cursor = out.data();
    std::memcpy(cursor, head.data(), head.size());
    cursor += head.size();
    ByteView seed = key.seed();
    sodium_bin2base64(cursor, seed_text_bytes, seed.data(), seed.size(), sodium_base64_VARIANT_ORIGINAL);
    cursor += seed_text_bytes - 1;
    std::memcpy(cursor, tail.data(), tail.size());
    return total;
}

}  // namespace

Status write_secret_key_file(const std::filesystem::path& path, std::string_view name, const SecretKey& key) {
    if (!is_valid_note_key_name(name)) {
        return make_error(ErrorCode::invalid_argument,
                          "key name '" + std::string(name) + "' is not a valid signed-note key name");
    }
    SecretText text(4096 + name.size() * 6);  // Room for the worst JSON escaping of the name.
    auto size = format_secret_key_file(name, key, text);
    if (!size) return tl::unexpected(size.error());
    return detail::write_private_file(path, std::string_view(text.data(), *size));
}

Status write_sealed_secret_key_file(const std::filesystem::path& path, std::string_view name,
                                    const SecretKey& key, const Passphrase& passphrase) {
    auto text = seal_secret_key(name, key, passphrase);  // No secret in it: the seed is sealed.
    if (!text) return tl::unexpected(text.error());
    return detail::write_private_file(path, *text);
}

namespace detail {

SecretBuffer::SecretBuffer(std::size_t capacity) : capacity_(capacity) {
    ensure_sodium();
    data_ = static_cast<char*>(sodium_malloc(capacity));
    CUSTOS_ASSERT(data_ != nullptr, "sodium_malloc failed for a secret buffer");
}

SecretBuffer::~SecretBuffer() {
    sodium_free(data_);  // Wipes before freeing.
}

Status write_private_file(const std::filesystem::path& path, std::string_view bytes) {
    // O_EXCL: an existing key file is never overwritten, not even by a race with another writer.
    int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
        bool exists = errno == EEXIST;
        return make_error(exists ? ErrorCode::already_exists : ErrorCode::io_error,
                          "cannot create key file " + path.string() + ": " + errno_text() +
                              (exists ? " (refusing to overwrite it)" : ""));
    }
    // The umask may only clear bits, never add them, but say 0600 explicitly all the same.
    Status status =
        ::fchmod(fd, 0600) == 0
            ? write_all_and_sync(fd, bytes.data(), bytes.size(), path.string())
            : make_error(ErrorCode::io_error, "cannot chmod " + path.string() + ": " + errno_text());
    if (::close(fd) != 0 && status) {
        status = make_error(ErrorCode::io_error, "cannot close " + path.string() + ": " + errno_text());
    }
    if (!status) ::unlink(path.c_str());  // Leave no half-written key behind.
    return status;
}

// Reads the whole file into guarded memory after checking that only its owner may read it, and
// that its owner is the user running this (a file of another user's, even 0600, is not one's own
// key: root reading it would take a key that is not root's).
Result<std::size_t> read_private_file(const std::filesystem::path& path, SecretBuffer& out,
                                      std::string_view what) {
    const std::string kind(what);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ErrorCode code = errno == ENOENT ? ErrorCode::not_found : ErrorCode::io_error;
        return make_error(code, "cannot open " + kind + " " + path.string() + ": " + errno_text());
    }
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        return make_error(ErrorCode::io_error,
                          "cannot stat " + kind + " " + path.string() + ": " + errno_text());
    }
    if (info.st_uid != ::geteuid()) {
        return make_error(ErrorCode::permission_denied,
                          kind + " " + path.string() + " is owned by uid " + std::to_string(info.st_uid) +
                              ", not by the user running this (uid " + std::to_string(::geteuid()) +
                              "): run as its owner, or 'chown' it to the user who holds the key");
    }
    if ((info.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
        return make_error(ErrorCode::permission_denied,
                          "secret " + kind + " " + path.string() + " has mode " + mode +
                              ": group or others may access it; run 'chmod 600 " + path.string() +
                              "' (and consider the key exposed)");
    }
    std::size_t size = 0;
    while (true) {
        if (size == out.capacity()) {
            return make_error(ErrorCode::invalid_argument, kind + " " + path.string() + " is over " +
                                                               std::to_string(out.capacity()) + " bytes");
        }
        ssize_t got = ::read(fd, out.data() + size, out.capacity() - size);
        if (got < 0) {
            if (errno == EINTR) continue;
            return make_error(ErrorCode::io_error,
                              "cannot read " + kind + " " + path.string() + ": " + errno_text());
        }
        if (got == 0) break;
        size += static_cast<std::size_t>(got);
    }
    return size;
}

}  // namespace detail

namespace {

Result<std::string> string_field(const Json& object, const char* field, const std::string& where) {
    auto found = object.find(field);
    if (found == object.end() || !found->is_string()) {
        return make_error(ErrorCode::invalid_argument,
                          "key file " + where + ": field '" + field + "' is missing or not a string");
    }
    return found->get<std::string>();
}

// Decodes the base64 seed into guarded memory and derives the key from it.
Result<SecretKey> key_from_seed_text(const Json& seed_field, const std::string& where) {
    // nlohmann holds the seed text in an ordinary string; the caller wipes the whole document.
    const auto& text = seed_field.get_ref<const std::string&>();
    auto* seed = static_cast<std::uint8_t*>(sodium_malloc(seed_bytes));
    CUSTOS_ASSERT(seed != nullptr, "sodium_malloc failed for a seed");
    std::size_t decoded = 0;
    const char* end = nullptr;
    int rc = sodium_base642bin(seed, seed_bytes, text.data(), text.size(), nullptr, &decoded, &end,
                               sodium_base64_VARIANT_ORIGINAL);
    Result<SecretKey> key = make_error(ErrorCode::invalid_argument,
                                       "key file " + where + ": field 'seed' is not base64 of 32 bytes");
    // Re-encoding must give the same text: one seed, one text (as crypto/encoding.hpp insists).
    if (rc == 0 && decoded == seed_bytes && end == text.data() + text.size() &&
        text.size() == sodium_base64_ENCODED_LEN(seed_bytes, sodium_base64_VARIANT_ORIGINAL) - 1) {
        key = SecretKey::from_seed(ByteView(seed, seed_bytes));
    }
    sodium_free(seed);
    return key;
}

// Overwrites every string in a parsed key document, so the seed's text does not outlive it.
void wipe_json_strings(Json& value) {
    if (value.is_string()) {
        auto& text = value.get_ref<std::string&>();
        sodium_memzero(text.data(), text.size());
    } else if (value.is_object() || value.is_array()) {
        for (auto& child : value)
            wipe_json_strings(child);
    }
}

Result<KeyFile> key_file_from_json(const Json& document, const std::string& where) {
    if (!document.is_object()) {
        return make_error(ErrorCode::invalid_argument, "key file " + where + " is not a JSON object");
    }
    auto type = string_field(document, "type", where);
    if (!type) return tl::unexpected(type.error());
    if (*type != secret_key_type) {
        return make_error(ErrorCode::invalid_argument, "key file " + where + ": field 'type' is '" + *type +
                                                           "', expected '" + std::string(secret_key_type) +
                                                           "'");
    }
    auto name = string_field(document, "name", where);
    if (!name) return tl::unexpected(name.error());
    if (!is_valid_note_key_name(*name)) {
        return make_error(ErrorCode::invalid_argument,
                          "key file " + where + ": field 'name' is not a valid signed-note key name");
    }
    auto public_hex = string_field(document, "public_key", where);
    if (!public_hex) return tl::unexpected(public_hex.error());
    auto public_key = public_key_from_hex(*public_hex);
    if (!public_key) {
        return make_error(ErrorCode::invalid_argument,
                          "key file " + where + ": field 'public_key': " + public_key.error().message);
    }
    auto seed_field = document.find("seed");
    if (seed_field == document.end() || !seed_field->is_string()) {
        return make_error(ErrorCode::invalid_argument,
                          "key file " + where + ": field 'seed' is missing or not a string");
    }
    auto key = key_from_seed_text(*seed_field, where);
    if (!key) return tl::unexpected(key.error());
    if (key->public_key() != *public_key) {
        return make_error(ErrorCode::corruption, "key file " + where +
                                                     ": field 'public_key' does not match the key its "
                                                     "seed derives; the file is damaged or was edited");
    }
    return KeyFile{.name = std::move(*name), .key = std::move(*key)};
}

}  // namespace

Result<KeyFile> read_secret_key_file(const std::filesystem::path& path) {
    SecretText text(key_file_bytes_max);
    auto size = detail::read_private_file(path, text, "key file");
    if (!size) return tl::unexpected(size.error());
    auto document = parse_json(std::string_view(text.data(), *size));
    if (!document) {
        return make_error(ErrorCode::invalid_argument,
                          "key file " + path.string() + " is not valid JSON: " + document.error().message);
    }
    const auto type = document->is_object() ? document->find("type") : document->end();
    const bool sealed =
        type != document->end() && type->is_string() && type->get<std::string>() == sealed_key_type;
    auto key_file = sealed ? open_sealed_key(*document, path) : key_file_from_json(*document, path.string());
    wipe_json_strings(*document);
    return key_file;
}

Result<bool> key_file_is_sealed(const std::filesystem::path& path) {
    SecretText text(key_file_bytes_max);
    auto size = detail::read_private_file(path, text, "key file");
    if (!size) return tl::unexpected(size.error());
    auto document = parse_json(std::string_view(text.data(), *size));
    if (!document || !document->is_object()) {
        return make_error(ErrorCode::invalid_argument, "key file " + path.string() + " is not a JSON object");
    }
    const auto type = document->find("type");
    const bool sealed =
        type != document->end() && type->is_string() && type->get<std::string>() == sealed_key_type;
    wipe_json_strings(*document);
    return sealed;
}

}  // namespace custos::crypto
