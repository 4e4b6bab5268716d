// Ed25519: Wycheproof verdicts, RFC 8032 known answers, and the secret key file rules.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/encoding.hpp"
#include "crypto_test_support.hpp"
#include "vectors_path.hpp"

namespace {

using namespace custos;
using namespace custos::crypto;

using test::decode_hex;

using test::rfc_seed;
using test::TempDir;
using test::write_file_0600;

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

// RFC 8032 section 7.1, TEST 1 (empty message).
constexpr std::string_view rfc_public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view rfc_signature =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0"
    "595bbe"
    "24655141438e7a100b";

}  // namespace

TEST_CASE("ed25519: every Wycheproof case gets its stated verdict (all 150)") {
    auto document = nlohmann::json::parse(test::read_vector("wycheproof_ed25519_test.json"));
    std::size_t checked = 0;
    std::size_t valid_accepted = 0;
    for (const auto& group : document.at("testGroups")) {
        // A wrong-length key or signature cannot even become a PublicKey / Signature: that is a
        // rejection, the same verdict as verify() returning false.
        auto key = public_key_from_bytes(decode_hex(group.at("publicKey").at("pk").get<std::string>()));
        for (const auto& test : group.at("tests")) {
            Bytes message = decode_hex(test.at("msg").get<std::string>());
            auto signature = signature_from_bytes(decode_hex(test.at("sig").get<std::string>()));
            bool accepted = key.has_value() && signature.has_value() && verify(*key, message, *signature);
            std::string expected = test.at("result").get<std::string>();
            REQUIRE((expected == "valid" || expected == "invalid"));
            CHECK_MESSAGE(accepted == (expected == "valid"), "Wycheproof tcId " << test.at("tcId").get<int>()
                                                                                << " (" << test.at("comment")
                                                                                << ")");
            valid_accepted += accepted ? 1 : 0;
            ++checked;
        }
    }
    CHECK(checked == 150);
    CHECK(checked == document.at("numberOfTests").get<std::size_t>());
    CHECK(valid_accepted == 88);  // The file holds 88 valid and 62 invalid cases.
}

TEST_CASE("ed25519: RFC 8032 test 1 from its seed gives the published key and signature") {
    auto key = SecretKey::from_seed(decode_hex(rfc_seed));
    REQUIRE(key.has_value());
    CHECK(hex_encode(key->public_key().view()) == rfc_public);
    Signature signature = key->sign(ByteView{});
    CHECK(hex_encode(signature.view()) == rfc_signature);
    CHECK(verify(key->public_key(), ByteView{}, signature));
    CHECK(hex_encode(key->seed()) == rfc_seed);
}

TEST_CASE("ed25519: sign/verify round trip; a flipped bit in message, signature or key fails") {
    SecretKey key = SecretKey::generate();
    std::string message = "custody event";
    Signature signature = key.sign(as_bytes(message));
    CHECK(verify(key.public_key(), as_bytes(message), signature));

    std::string other_message = "custody evenu";
    CHECK_FALSE(verify(key.public_key(), as_bytes(other_message), signature));
    Signature bad_signature = signature;
    bad_signature.bytes[10] ^= 0x01;
    CHECK_FALSE(verify(key.public_key(), as_bytes(message), bad_signature));
    CHECK_FALSE(verify(SecretKey::generate().public_key(), as_bytes(message), signature));
}

TEST_CASE("ed25519: lengths are checked when keys, seeds and signatures are built") {
    CHECK(public_key_from_bytes(Bytes(31)).error().code == ErrorCode::invalid_argument);
    CHECK(public_key_from_bytes(Bytes(33)).error().code == ErrorCode::invalid_argument);
    CHECK(signature_from_bytes(Bytes(63)).error().code == ErrorCode::invalid_argument);
    CHECK(SecretKey::from_seed(Bytes(31)).error().code == ErrorCode::invalid_argument);
    CHECK_FALSE(public_key_from_hex("D75A980182B10AB7D54BFED3C964073A0EE172F3DAA62325AF021A68F707511A"));
    auto key = public_key_from_hex(rfc_public);
    REQUIRE(key.has_value());
    CHECK(hex_encode(key->view()) == rfc_public);
}

TEST_CASE("ed25519: a moved-from secret key gives its secret to the new owner") {
    auto key = SecretKey::from_seed(decode_hex(rfc_seed));
    REQUIRE(key.has_value());
    SecretKey moved = std::move(*key);
    CHECK(hex_encode(moved.seed()) == rfc_seed);
    SecretKey assigned = SecretKey::generate();
    assigned = std::move(moved);
    CHECK(hex_encode(assigned.public_key().view()) == rfc_public);
}

TEST_CASE("key file: round trip, canonical JSON, mode 0600 on disk") {
    TempDir dir;
    auto path = dir.path / "officer.key";
    auto key = SecretKey::from_seed(decode_hex(rfc_seed));
    REQUIRE(key.has_value());
    REQUIRE(write_secret_key_file(path, "agency.example/officer-7", *key).has_value());

    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);

    std::string text = read_file(path);
    auto document = parse_json(text);
    REQUIRE(document.has_value());
    CHECK((*document)["type"] == "custos.ed25519.secret-key.v1");
    CHECK((*document)["name"] == "agency.example/officer-7");
    CHECK((*document)["public_key"] == rfc_public);
    CHECK((*document)["seed"] == base64_encode(decode_hex(rfc_seed)));
    auto canonical = canonicalize(*document);
    REQUIRE(canonical.has_value());
    CHECK(text == *canonical + "\n");

    auto loaded = read_secret_key_file(path);
    REQUIRE_MESSAGE(loaded.has_value(), loaded.error().to_string());
    CHECK(loaded->name == "agency.example/officer-7");
    CHECK(loaded->key.public_key() == key->public_key());
    CHECK(hex_encode(loaded->key.seed()) == rfc_seed);
}

TEST_CASE("key file: a group- or world-readable secret key is refused with a clear message") {
    TempDir dir;
    auto path = dir.path / "loose.key";
    REQUIRE(write_secret_key_file(path, "loose", SecretKey::generate()).has_value());
    REQUIRE(::chmod(path.c_str(), 0644) == 0);
    auto loaded = read_secret_key_file(path);
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().code == ErrorCode::permission_denied);
    const std::string& message = loaded.error().message;
    CHECK(message.find(path.string()) != std::string::npos);
    CHECK(message.find("0644") != std::string::npos);
    CHECK(message.find("chmod 600") != std::string::npos);

    REQUIRE(::chmod(path.c_str(), 0640) == 0);
    CHECK(read_secret_key_file(path).error().code == ErrorCode::permission_denied);
    REQUIRE(::chmod(path.c_str(), 0604) == 0);
    CHECK(read_secret_key_file(path).error().code == ErrorCode::permission_denied);
    REQUIRE(::chmod(path.c_str(), 0400) == 0);
    CHECK(read_secret_key_file(path).has_value());
}

TEST_CASE("key file: an existing file is never overwritten") {
    TempDir dir;
    auto path = dir.path / "taken.key";
    SecretKey first = SecretKey::generate();
    REQUIRE(write_secret_key_file(path, "first", first).has_value());
    std::string before = read_file(path);
    auto second = write_secret_key_file(path, "second", SecretKey::generate());
    REQUIRE_FALSE(second.has_value());
    CHECK(second.error().code == ErrorCode::already_exists);
    CHECK(read_file(path) == before);
    CHECK(read_secret_key_file(path)->key.public_key() == first.public_key());
}

TEST_CASE("key file: a public key that does not match the seed is refused as corruption") {
    TempDir dir;
    auto path = dir.path / "tampered.key";
    REQUIRE(write_secret_key_file(path, "tampered", SecretKey::generate()).has_value());
    auto document = parse_json(read_file(path));
    REQUIRE(document.has_value());
    (*document)["public_key"] = std::string(rfc_public);
    std::filesystem::remove(path);
    write_file_0600(path, canonicalize(*document).value());
    auto loaded = read_secret_key_file(path);
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().code == ErrorCode::corruption);
    CHECK(loaded.error().message.find("public_key") != std::string::npos);
}

TEST_CASE("key file: bad JSON and bad fields are refused, naming the field") {
    TempDir dir;
    std::string seed = base64_encode(decode_hex(rfc_seed));
    std::string good_fields = "\"name\":\"n\",\"public_key\":\"" + std::string(rfc_public) + "\"";
    struct Case {
        std::string text;
        std::string expected_in_message;
    };
    const Case cases[] = {
        {"not json", "JSON"},
        {"[1,2]", "object"},
        {"{" + good_fields + ",\"seed\":\"" + seed + "\"}", "'type'"},
        {"{" + good_fields + ",\"seed\":\"" + seed + "\",\"type\":\"custos.other\"}", "'type'"},
        {"{\"public_key\":\"" + std::string(rfc_public) + "\",\"seed\":\"" + seed +
             "\",\"type\":\"custos.ed25519.secret-key.v1\"}",
         "'name'"},
        {"{\"name\":\"n\",\"public_key\":\"zz\",\"seed\":\"" + seed +
             "\",\"type\":\"custos.ed25519.secret-key.v1\"}",
         "'public_key'"},
        {"{" + good_fields + ",\"type\":\"custos.ed25519.secret-key.v1\"}", "'seed'"},
        {"{\"name\":\"two words\",\"public_key\":\"" + std::string(rfc_public) + "\",\"seed\":\"" + seed +
             "\",\"type\":\"custos.ed25519.secret-key.v1\"}",
         "'name'"},
        {"{" + good_fields + ",\"seed\":\"AAAA\",\"type\":\"custos.ed25519.secret-key.v1\"}", "'seed'"},
        {"{" + good_fields + ",\"seed\":\"" + seed.substr(0, 43) +
             "!\",\"type\":\"custos.ed25519.secret-key.v1\"}",
         "'seed'"},
        {"{" + good_fields + ",\"seed\":7,\"type\":\"custos.ed25519.secret-key.v1\"}", "'seed'"},
    };
    int index = 0;
    for (const auto& test_case : cases) {
        auto path = dir.path / ("bad-" + std::to_string(index++) + ".key");
        write_file_0600(path, test_case.text);
        auto loaded = read_secret_key_file(path);
        REQUIRE_FALSE(loaded.has_value());
        CHECK_MESSAGE(loaded.error().code == ErrorCode::invalid_argument, test_case.text);
        CHECK_MESSAGE(loaded.error().message.find(test_case.expected_in_message) != std::string::npos,
                      loaded.error().message);
    }
    // And the same fields, correct, load.
    auto path = dir.path / "good.key";
    write_file_0600(
        path, "{" + good_fields + ",\"seed\":\"" + seed + "\",\"type\":\"custos.ed25519.secret-key.v1\"}");
    CHECK(read_secret_key_file(path).has_value());
}

TEST_CASE("key file: a name that is not a signed-note key name is not written") {
    TempDir dir;
    auto path = dir.path / "badname.key";
    auto written = write_secret_key_file(path, "has space", SecretKey::generate());
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error().code == ErrorCode::invalid_argument);
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("key file: a missing file is not_found") {
    TempDir dir;
    CHECK(read_secret_key_file(dir.path / "absent.key").error().code == ErrorCode::not_found);
}
