// Hex, base64 and SHA-256 against published values (FIPS 180-4 examples, RFC 4648 section 10).
#include <doctest/doctest.h>

#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"

using namespace custos;
using namespace custos::crypto;

TEST_CASE("sha256 matches the FIPS 180-4 examples") {
    CHECK(hex_encode(sha256(std::string_view("abc")).view()) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hex_encode(sha256(std::string_view("")).view()) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(hex_encode(
              sha256(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).view()) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("incremental sha256 equals one-shot sha256") {
    Sha256 hasher;
    hasher.update(std::string_view("ab")).update_byte('c');
    CHECK(hasher.finish() == sha256(std::string_view("abc")));
}

TEST_CASE("base64 encodes the RFC 4648 section 10 test vectors") {
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : cases) {
        CHECK(base64_encode(as_bytes(plain)) == encoded);
        auto decoded = base64_decode(encoded);
        REQUIRE(decoded.has_value());
        CHECK(to_string(*decoded) == plain);
    }
}

TEST_CASE("base64 decoder refuses every non-canonical or malformed text") {
    const std::string_view bad[] = {
        "Zg",        // missing padding
        "Zg=",       // length not a multiple of 4
        "Zh==",      // non-zero bits after the last byte
        "Zm9=",      // non-zero bits after the last byte (one pad)
        "Zm 9v",     // whitespace
        "Zm9v\n",    // trailing newline
        "Z===",      // too much padding
        "=Zm9",      // padding first
        "Zm=v",      // padding in the middle
        "Zm9-",      // URL-safe alphabet is not ours
        "Zg==Zg==",  // padding before the end
    };
    for (auto text : bad) {
        INFO("input: " << text);
        CHECK_FALSE(base64_decode(text).has_value());
    }
}

TEST_CASE("hex round trips and refuses uppercase, odd length and junk") {
    const Bytes bytes = {0x00, 0x01, 0xab, 0xff};
    CHECK(hex_encode(bytes) == "0001abff");
    auto decoded = hex_decode("0001abff");
    REQUIRE(decoded.has_value());
    CHECK(*decoded == bytes);
    CHECK_FALSE(hex_decode("0001ABFF").has_value());
    CHECK_FALSE(hex_decode("abc").has_value());
    CHECK_FALSE(hex_decode("zz").has_value());
    auto error = hex_decode("00g0");
    REQUIRE_FALSE(error.has_value());
    CHECK(error.error().message.find("offset 2") != std::string::npos);
    CHECK_FALSE(hash_from_hex("00").has_value());
    CHECK(hash_from_hex(std::string(64, 'a')).has_value());
}
