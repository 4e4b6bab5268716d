// Sealed key files (crypto/sealed_key.hpp, docs/FORMAT.md section 2): the vector of FORMAT.md
// opens to RFC 8032's key; a round trip through the file; a wrong passphrase, an edited field and
// an excessive cost are refused; read_secret_key_file asks the process's passphrase source; key
// files owned by another user are refused (issue 19, keys at rest).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "crypto/ed25519.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sealed_key.hpp"
#include "crypto_test_support.hpp"
#include "vectors_path.hpp"

namespace {

using namespace custos;
using namespace custos::crypto;
using test::decode_hex;

using test::rfc_seed;
using test::TempDir;
using test::write_file_0600;

Passphrase passphrase(std::string_view text) {
    auto made = Passphrase::from(text);
    REQUIRE(made.has_value());
    return std::move(*made);
}

// docs/FORMAT.md section 2, "Sealed key files": RFC 8032 test 1's seed, passphrase "correct
// horse battery staple", salt 00..0f, nonce 10..27, opslimit 3, memlimit 64 MiB. The sealed
// seed was computed with libsodium's C functions directly (crypto_pwhash, then
// crypto_aead_xchacha20poly1305_ietf_encrypt), not with this code.
constexpr std::string_view vector_text =
    R"({"aead":"xchacha20poly1305-ietf","kdf":"argon2id13","memlimit":67108864,)"
    R"("name":"agency.example/officer-7","nonce":"EBESExQVFhcYGRobHB0eHyAhIiMkJSYn","opslimit":3,)"
    R"("public_key":"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",)"
    R"("salt":"AAECAwQFBgcICQoLDA0ODw==","sealed_seed":"1lgUvUffI46iRK2cu0qsIYbSFyz+L9GVHc0RR8IULtH4AOkI8DsRQWl1EbF/XX+M",)"
    R"("type":"custos.ed25519.sealed-secret-key.v1"})"
    "\n";
constexpr std::string_view vector_passphrase = "correct horse battery staple";

SecretKey rfc_key() {
    auto key = SecretKey::from_seed(decode_hex(rfc_seed));
    REQUIRE(key.has_value());
    return std::move(*key);
}

SealOptions vector_options() {
    SealOptions options;
    options.salt.emplace();
    options.nonce.emplace();
    for (std::size_t i = 0; i < 16; ++i)
        (*options.salt)[i] = static_cast<std::uint8_t>(i);
    for (std::size_t i = 0; i < 24; ++i)
        (*options.nonce)[i] = static_cast<std::uint8_t>(0x10 + i);
    return options;
}

// Installs a passphrase source for one test, and removes it.
struct SourceScope {
    explicit SourceScope(PassphraseSource source) { set_passphrase_source(std::move(source)); }
    ~SourceScope() { set_passphrase_source(nullptr); }
};

}  // namespace

TEST_CASE("sealed key: the FORMAT.md vector opens to its key, and sealing gives its bytes") {
    auto document = parse_json(vector_text);
    REQUIRE(document.has_value());
    auto opened = open_sealed_key(*document, "vector", passphrase(vector_passphrase));
    REQUIRE_MESSAGE(opened.has_value(), opened.error().message);
    CHECK(opened->name == "agency.example/officer-7");
    CHECK(opened->key.public_key() == rfc_key().public_key());
    auto sealed = seal_secret_key("agency.example/officer-7", rfc_key(), passphrase(vector_passphrase),
                                  vector_options());
    REQUIRE(sealed.has_value());
    CHECK(*sealed == vector_text);
}

// tests/vectors/sealed_key.json, made by tests/crypto/sealed_key_vectors.py (its own
// XChaCha20-Poly1305, OpenSSL's or libsodium's Argon2id): each file opens to its seed with its
// passphrase, and sealing that seed with the same salt, nonce and cost gives the file's bytes.
TEST_CASE("sealed key: the independent vectors open to their seeds and seal to their bytes") {
    const auto vectors = nlohmann::json::parse(test::read_vector("sealed_key.json"))["sealed_key_files"];
    REQUIRE(vectors.size() == 2);
    for (const auto& vector : vectors) {
        const std::string file = vector["file"].get<std::string>();
        CAPTURE(file);
        auto document = parse_json(file);
        REQUIRE(document.has_value());
        auto opened =
            open_sealed_key(*document, "vector", passphrase(vector["passphrase"].get<std::string>()));
        REQUIRE_MESSAGE(opened.has_value(), opened.error().message);
        CHECK(opened->name == vector["name"].get<std::string>());
        CHECK(hex_encode(opened->key.seed()) == vector["seed"].get<std::string>());
        CHECK(hex_encode(opened->key.public_key().view()) == vector["public_key"].get<std::string>());

        SealOptions options;
        options.salt.emplace();
        options.nonce.emplace();
        const Bytes salt = decode_hex(vector["salt"].get<std::string>());
        const Bytes nonce = decode_hex(vector["nonce"].get<std::string>());
        REQUIRE(salt.size() == options.salt->size());
        REQUIRE(nonce.size() == options.nonce->size());
        std::copy(salt.begin(), salt.end(), options.salt->begin());
        std::copy(nonce.begin(), nonce.end(), options.nonce->begin());
        options.opslimit = vector["opslimit"].get<unsigned long long>();
        options.memlimit_bytes = vector["memlimit"].get<std::size_t>();
        auto sealed = seal_secret_key(vector["name"].get<std::string>(), opened->key,
                                      passphrase(vector["passphrase"].get<std::string>()), options);
        REQUIRE(sealed.has_value());
        CHECK(*sealed == file);
    }
}

TEST_CASE("sealed key: a wrong passphrase, an edited field or a changed sealed seed is refused") {
    auto document = parse_json(vector_text).value();
    auto wrong = open_sealed_key(document, "vector", passphrase("correct horse battery stapler"));
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error().code == ErrorCode::verification_failed);
    CHECK(wrong.error().message.find("wrong passphrase") != std::string::npos);
    // The name and the public key are bound to the sealed seed (associated data).
    for (auto [field, value] :
         {std::pair{"name", "agency.example/officer-8"},
          std::pair{"public_key", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"}}) {
        Json edited = document;
        edited[field] = value;
        auto refused = open_sealed_key(edited, "vector", passphrase(vector_passphrase));
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::verification_failed);
    }
    Json flipped = document;
    auto sealed = base64_decode(document["sealed_seed"].get<std::string>()).value();
    sealed[5] ^= 1;
    flipped["sealed_seed"] = base64_encode(sealed);
    CHECK_FALSE(open_sealed_key(flipped, "vector", passphrase(vector_passphrase)).has_value());
}

TEST_CASE("sealed key: a cost beyond the stated limits is refused before any work, naming it") {
    auto document = parse_json(vector_text).value();
    for (auto [field, value] :
         {std::pair{"opslimit", std::uint64_t{11}}, std::pair{"opslimit", std::uint64_t{0}},
          std::pair{"memlimit", std::uint64_t{2} << 30}, std::pair{"memlimit", std::uint64_t{1} << 20}}) {
        Json costly = document;
        costly[field] = value;
        auto refused = open_sealed_key(costly, "vector", passphrase(vector_passphrase));
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::invalid_argument);
        CHECK(refused.error().message.find("opslimit") != std::string::npos);
    }
    Json other = document;
    other["kdf"] = "scrypt";
    CHECK(open_sealed_key(other, "vector", passphrase(vector_passphrase)).error().message.find("'kdf'") !=
          std::string::npos);
}

TEST_CASE("sealed key: written 0600, read back through the passphrase source; refused without one") {
    TempDir dir;
    auto path = dir.path / "officer.key";
    SecretKey key = SecretKey::generate();
    REQUIRE(write_sealed_secret_key_file(path, "officer-7", key, passphrase("s3cret words")).has_value());
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    CHECK(key_file_is_sealed(path).value());
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str().find(base64_encode(key.seed())) == std::string::npos);  // The seed is not in clear.

    auto without = read_secret_key_file(path);
    REQUIRE_FALSE(without.has_value());
    CHECK(without.error().message.find("--passphrase-file") != std::string::npos);
    {
        std::filesystem::path asked_for;
        SourceScope scope([&](const std::filesystem::path& file) {
            asked_for = file;
            return Passphrase::from("s3cret words");
        });
        auto read = read_secret_key_file(path);
        REQUIRE_MESSAGE(read.has_value(), read.error().message);
        CHECK(read->key.public_key() == key.public_key());
        CHECK(read->name == "officer-7");
        CHECK(asked_for == path);
    }
    // An unsealed file is read without asking, and reported as such.
    auto plain = dir.path / "plain.key";
    REQUIRE(write_secret_key_file(plain, "plain", key).has_value());
    CHECK_FALSE(key_file_is_sealed(plain).value());
    CHECK(read_secret_key_file(plain).has_value());
}

TEST_CASE("passphrase sources: a file (owner-only, first line) and a file descriptor") {
    TempDir dir;
    auto file = dir.path / "passphrase";
    write_file_0600(file, "two words\nignored second line\n");
    auto from_file = read_passphrase_file(file);
    REQUIRE(from_file.has_value());
    CHECK(from_file->view() == "two words");
    REQUIRE(::chmod(file.c_str(), 0644) == 0);
    CHECK(read_passphrase_file(file).error().code == ErrorCode::permission_denied);
    write_file_0600(dir.path / "empty", "\n");
    CHECK_FALSE(read_passphrase_file(dir.path / "empty").has_value());

    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    const std::string sent = "from a pipe\n";
    REQUIRE(::write(pipe_fds[1], sent.data(), sent.size()) == static_cast<ssize_t>(sent.size()));
    ::close(pipe_fds[1]);
    auto from_fd = read_passphrase_fd(pipe_fds[0]);
    ::close(pipe_fds[0]);
    REQUIRE(from_fd.has_value());
    CHECK(from_fd->view() == "from a pipe");
}

TEST_CASE("key file: one owned by another user is refused, even with mode 0600") {
    TempDir dir;
    auto path = dir.path / "theirs.key";
    REQUIRE(write_secret_key_file(path, "theirs", SecretKey::generate()).has_value());
    CHECK(read_secret_key_file(path).has_value());  // The control: one's own file reads.
    if (::geteuid() == 0) {
        REQUIRE(::chown(path.c_str(), 12345, 12345) == 0);
    } else {
        // Without root a file cannot be given away; the check is the same code, so test it on a
        // file we do not own: a system file is not ours, and reading it must say so by owner.
        path = "/etc/hostname";
    }
    auto refused = read_secret_key_file(path);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::permission_denied);
    CHECK(refused.error().message.find("owned by uid") != std::string::npos);
}
