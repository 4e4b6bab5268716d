// C2SP signed notes: the reference vectors of Go's sumdb/note, and the refusals Custos adds.
#include <doctest/doctest.h>
#include <sodium.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crypto/encoding.hpp"
#include "crypto/signed_note.hpp"
#include "vectors_path.hpp"

namespace {

using namespace custos;
using namespace custos::crypto;

[[maybe_unused]] const bool sodium_ready = [] {
    if (sodium_init() < 0) std::abort();
    return true;
}();

constexpr std::string_view quotation =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view em_dash = "\xE2\x80\x94";

struct NoteVectors {
    nlohmann::json document;
    std::map<std::string, NoteKey> keys;
};

NoteVectors load_note_vectors() {
    NoteVectors vectors{.document = nlohmann::json::parse(test::read_vector("signed_note.json")), .keys = {}};
    for (const auto& [name, entry] : vectors.document.at("keys").items()) {
        auto key = public_key_from_hex(entry.at("public_key").get<std::string>());
        REQUIRE(key.has_value());
        vectors.keys.emplace(name, NoteKey{.name = name, .key = *key});
    }
    return vectors;
}

SecretKey peter_secret(const NoteVectors& vectors) {
    auto seed =
        hex_decode(vectors.document.at("keys").at("PeterNeumann").at("private_seed").get<std::string>());
    REQUIRE(seed.has_value());
    auto key = SecretKey::from_seed(*seed);
    REQUIRE(key.has_value());
    return std::move(*key);
}

std::string signed_by(std::string_view body, std::initializer_list<const NoteSignature*> signatures) {
    Note note{.body = std::string(body), .signatures = {}};
    for (const auto* signature : signatures)
        note.signatures.push_back(*signature);
    return format_note(note);
}

NoteSignature must_sign(std::string_view body, std::string_view name, const SecretKey& key) {
    auto signature = sign_note(body, name, key);
    REQUIRE_MESSAGE(signature.has_value(), signature.error().to_string());
    return *signature;
}

}  // namespace

TEST_CASE("signed note: every case of signed_note.json gets its stated verdict") {
    NoteVectors vectors = load_note_vectors();
    std::size_t checked = 0;
    for (const auto& test_case : vectors.document.at("cases")) {
        std::vector<NoteKey> known;
        for (const auto& name : test_case.at("known"))
            known.push_back(vectors.keys.at(name.get<std::string>()));
        std::string note = test_case.at("note").get<std::string>();
        auto opened = open_note(note, known);
        INFO("case: " << test_case.at("name").get<std::string>() << "\nnote: " << note);
        if (test_case.contains("verified")) {
            REQUIRE_MESSAGE(opened.has_value(), opened.error().to_string());
            CHECK(opened->verified == test_case.at("verified").get<std::vector<std::string>>());
            // What was not known was kept, not dropped: verified + unknown = every line.
            CHECK(opened->verified.size() + opened->unknown.size() == opened->note.signatures.size());
            // The parsed note formats back to the exact input bytes.
            CHECK(format_note(opened->note) == note);
        } else {
            std::string error = test_case.at("error").get<std::string>();
            REQUIRE_FALSE(opened.has_value());
            if (error == "invalid signature") {
                CHECK(opened.error().code == ErrorCode::verification_failed);
                CHECK(opened.error().message.find("invalid signature") != std::string::npos);
            } else {
                REQUIRE(error == "malformed");
                CHECK(opened.error().code == ErrorCode::invalid_argument);
                CHECK(opened.error().message.find("malformed note") != std::string::npos);
            }
        }
        ++checked;
    }
    CHECK(checked == 11);
}

TEST_CASE("signed note: key hashes and verifier keys match the reference") {
    NoteVectors vectors = load_note_vectors();
    for (const auto& [name, key] : vectors.keys) {
        NoteKeyHash hash = note_key_hash(key.name, key.key);
        CHECK(hex_encode(ByteView(hash.data(), hash.size())) ==
              vectors.document.at("keys").at(name).at("key_hash").get<std::string>());
    }
    // The verifier key printed by Go's note.NewEd25519VerifierKey for the same key (note_test.go).
    CHECK(note_verifier_key(vectors.keys.at("PeterNeumann")) ==
          "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
}

TEST_CASE("signed note: signing the quotation reproduces the reference signature line byte for byte") {
    NoteVectors vectors = load_note_vectors();
    SecretKey peter = peter_secret(vectors);
    CHECK(peter.public_key() == vectors.keys.at("PeterNeumann").key);
    NoteSignature signature = must_sign(quotation, "PeterNeumann", peter);
    std::string note = signed_by(quotation, {&signature});
    std::string reference = vectors.document.at("cases").at(0).at("note").get<std::string>();
    std::string expected_line =
        std::string(em_dash) +
        " PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngo"
        "tpRZb6KE6RyyBwJnAM=\n";
    CHECK(reference.find(expected_line) != std::string::npos);
    CHECK(note == std::string(quotation) + "\n" + expected_line);

    // The checkpoint case too.
    const auto& checkpoint_case = vectors.document.at("cases").at(3);
    std::string checkpoint = checkpoint_case.at("note").get<std::string>();
    std::string body = checkpoint.substr(0, checkpoint.find("\n\n") + 1);
    NoteSignature checkpoint_signature = must_sign(body, "PeterNeumann", peter);
    CHECK(signed_by(body, {&checkpoint_signature}) == checkpoint);
}

TEST_CASE("signed note: several signers, notes built and opened") {
    SecretKey alpha = SecretKey::generate();
    SecretKey beta = SecretKey::generate();
    SecretKey witness = SecretKey::generate();
    std::string body = "custos.example/localnet-1\n3\nrra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc=\n";
    NoteSignature a = must_sign(body, "validator-a", alpha);
    NoteSignature b = must_sign(body, "validator-b", beta);
    NoteSignature w = must_sign(body, "witness.example/w1", witness);
    std::string text = signed_by(body, {&a, &w, &b});
    std::vector<NoteKey> known{{"validator-a", alpha.public_key()}, {"validator-b", beta.public_key()}};

    auto opened = open_note(text, known);
    REQUIRE_MESSAGE(opened.has_value(), opened.error().to_string());
    CHECK(opened->verified == std::vector<std::string>{"validator-a", "validator-b"});
    REQUIRE(opened->unknown.size() == 1);
    CHECK(opened->unknown[0] == w);
    CHECK(opened->note.body == body);

    auto parsed = parse_note(text);
    REQUIRE(parsed.has_value());
    CHECK(parsed->signatures == std::vector<NoteSignature>{a, w, b});
    CHECK(format_note(*parsed) == text);
}

TEST_CASE("signed note: a body may hold blank lines; the LAST blank line ends it (C2SP)") {
    SecretKey key = SecretKey::generate();
    std::string body = "first\n\nthird\n\n";  // Ends with a blank line, holds one inside.
    NoteSignature signature = must_sign(body, "k", key);
    std::string text = signed_by(body, {&signature});
    std::vector<NoteKey> known{{"k", key.public_key()}};
    auto opened = open_note(text, known);
    REQUIRE_MESSAGE(opened.has_value(), opened.error().to_string());
    CHECK(opened->note.body == body);
}

TEST_CASE("signed note: malformed notes are refused") {
    SecretKey key = SecretKey::generate();
    std::string body = "a note\n";
    NoteSignature signature = must_sign(body, "k", key);
    std::string good = signed_by(body, {&signature});
    std::vector<NoteKey> known{{"k", key.public_key()}};
    REQUIRE(open_note(good, known).has_value());
    std::string line = good.substr(body.size() + 1);  // "— k <base64>\n"
    std::string base64 = line.substr(em_dash.size() + 3, line.size() - em_dash.size() - 4);

    struct Case {
        const char* what;
        std::string text;
    };
    const Case cases[] = {
        {"no blank line", body + line},
        {"no signature after the blank line", body + "\n"},
        {"empty", ""},
        {"no final newline", good.substr(0, good.size() - 1)},
        {"trailing data after the last signature", good + "trailing\n"},
        {"trailing data without newline", good + "x"},
        {"bad base64 (not multiple of 4)",
         body + "\n" + std::string(em_dash) + " k " + base64.substr(1) + "\n"},
        {"bad base64 (character)",
         body + "\n" + std::string(em_dash) + " k " + "!" + base64.substr(1) + "\n"},
        {"base64 with a space inside",
         body + "\n" + std::string(em_dash) + " k " + base64.substr(0, 8) + " " + base64.substr(8) + "\n"},
        {"signature of 4 bytes (key hash only)", body + "\n" + std::string(em_dash) + " k AAAAAA==\n"},
        {"no name", body + "\n" + std::string(em_dash) + "  " + base64 + "\n"},
        {"name with '+'", body + "\n" + std::string(em_dash) + " k+1 " + base64 + "\n"},
        {"hyphen instead of em dash", body + "\n- k " + base64 + "\n"},
        {"no space after the dash", body + "\n" + std::string(em_dash) + "k " + base64 + "\n"},
        {"control character", "a\tnote\n\n" + line},
        {"carriage return", "a note\r\n\n" + line},
        {"invalid UTF-8", "a \xC0\xAF note\n\n" + line},
    };
    for (const auto& test_case : cases) {
        auto opened = open_note(test_case.text, known);
        REQUIRE_MESSAGE(!opened.has_value(), test_case.what);
        CHECK_MESSAGE(opened.error().code == ErrorCode::invalid_argument, test_case.what);
        CHECK_MESSAGE(opened.error().message.starts_with("malformed note: "), test_case.what);
        CHECK_MESSAGE(!parse_note(test_case.text).has_value(), test_case.what);
    }
}

TEST_CASE("signed note: a known key whose signature fails refuses the whole note") {
    SecretKey alpha = SecretKey::generate();
    SecretKey beta = SecretKey::generate();
    std::string body = "height 7\n";
    NoteSignature a = must_sign(body, "a", alpha);
    NoteSignature b = must_sign(body, "b", beta);
    b.signature[0] ^= 0x80;
    std::vector<NoteKey> known{{"a", alpha.public_key()}, {"b", beta.public_key()}};
    // A valid signature by "a" does not let the bad one by "b" be counted around.
    auto opened = open_note(signed_by(body, {&a, &b}), known);
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error().code == ErrorCode::verification_failed);
    CHECK(opened.error().message.find("invalid signature for key b+") != std::string::npos);

    // A known key's line carrying a signature of the wrong length is an invalid signature too.
    NoteSignature short_signature = must_sign(body, "a", alpha);
    short_signature.signature.pop_back();
    CHECK(open_note(signed_by(body, {&short_signature}), known).error().code ==
          ErrorCode::verification_failed);
    // A signature over another body.
    NoteSignature other_body = must_sign("height 8\n", "a", alpha);
    CHECK(open_note(signed_by(body, {&other_body}), known).error().code == ErrorCode::verification_failed);
}

TEST_CASE("signed note: the same known signer twice is refused, even with two valid lines") {
    SecretKey alpha = SecretKey::generate();
    std::string body = "height 7\n";
    NoteSignature a = must_sign(body, "a", alpha);
    std::vector<NoteKey> known{{"a", alpha.public_key()}};
    auto opened = open_note(signed_by(body, {&a, &a}), known);
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error().code == ErrorCode::already_exists);
    CHECK(opened.error().message.find("twice") != std::string::npos);
    // Repeated lines of an unknown key are only kept (never counted, so they cannot inflate).
    SecretKey stranger = SecretKey::generate();
    NoteSignature s = must_sign(body, "stranger", stranger);
    auto with_stranger = open_note(signed_by(body, {&a, &s, &s}), known);
    REQUIRE(with_stranger.has_value());
    CHECK(with_stranger->verified.size() == 1);
    CHECK(with_stranger->unknown.size() == 2);
}

TEST_CASE("signed note: a known name with a wrong key hash is another key: kept, never counted") {
    // C2SP: verifiers MUST ignore signatures from unknown keys, even if they share a name or key
    // ID (but not both) with a known key. Go's note.Open does the same.
    SecretKey alpha = SecretKey::generate();
    SecretKey impostor = SecretKey::generate();
    std::string body = "height 7\n";
    NoteSignature forged = must_sign(body, "a", impostor);  // Name "a", but impostor's hash.
    std::vector<NoteKey> known{{"a", alpha.public_key()}};
    REQUIRE(forged.key_hash != note_key_hash("a", alpha.public_key()));

    // Alone, it leaves no known signer: refused.
    auto alone = open_note(signed_by(body, {&forged}), known);
    REQUIRE_FALSE(alone.has_value());
    CHECK(alone.error().code == ErrorCode::verification_failed);
    CHECK(alone.error().message.find("no known key") != std::string::npos);

    // Beside the real signer, it is kept as unknown and not counted.
    NoteSignature real = must_sign(body, "a", alpha);
    auto opened = open_note(signed_by(body, {&forged, &real}), known);
    REQUIRE_MESSAGE(opened.has_value(), opened.error().to_string());
    CHECK(opened->verified == std::vector<std::string>{"a"});
    REQUIRE(opened->unknown.size() == 1);
    CHECK(opened->unknown[0] == forged);

    // The real key's hash under another name is likewise someone else's.
    NoteSignature renamed = real;
    renamed.name = "b";
    auto renamed_opened = open_note(signed_by(body, {&renamed, &real}), known);
    REQUIRE(renamed_opened.has_value());
    CHECK(renamed_opened->unknown.size() == 1);

    // A known key whose real signature fails is refused even if a hash-mismatched twin verifies.
    NoteSignature bad_real = real;
    bad_real.signature[5] ^= 1;
    CHECK(open_note(signed_by(body, {&bad_real}), known).error().code == ErrorCode::verification_failed);
}

TEST_CASE("signed note: no known signer at all is refused") {
    SecretKey alpha = SecretKey::generate();
    std::string body = "height 7\n";
    NoteSignature a = must_sign(body, "a", alpha);
    auto opened = open_note(signed_by(body, {&a}), std::span<const NoteKey>{});
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error().code == ErrorCode::verification_failed);
    // But it parses, and its line is there.
    auto parsed = parse_note(signed_by(body, {&a}));
    REQUIRE(parsed.has_value());
    CHECK(parsed->signatures.size() == 1);
}

TEST_CASE("signed note: an ambiguous known set is refused") {
    SecretKey alpha = SecretKey::generate();
    std::string body = "x\n";
    NoteSignature a = must_sign(body, "a", alpha);
    std::vector<NoteKey> known{{"a", alpha.public_key()}, {"a", alpha.public_key()}};
    CHECK(open_note(signed_by(body, {&a}), known).error().code == ErrorCode::invalid_argument);
}

TEST_CASE("signed note: size and signature-count limits") {
    SecretKey alpha = SecretKey::generate();
    std::vector<NoteKey> known{{"a", alpha.public_key()}};
    std::string body = "x\n";
    NoteSignature a = must_sign(body, "a", alpha);

    // note_signatures_max lines are accepted (one known, the rest unknown), one more is refused.
    Note note{.body = body, .signatures = {a}};
    NoteSignature other{.name = "other", .key_hash = {1, 2, 3, 4}, .signature = Bytes(64, 7)};
    while (note.signatures.size() < note_signatures_max)
        note.signatures.push_back(other);
    auto at_limit = open_note(format_note(note), known);
    REQUIRE_MESSAGE(at_limit.has_value(), at_limit.error().to_string());
    CHECK(at_limit->unknown.size() == note_signatures_max - 1);
    note.signatures.push_back(other);
    auto over = open_note(format_note(note), known);
    REQUIRE_FALSE(over.has_value());
    CHECK(over.error().code == ErrorCode::invalid_argument);
    CHECK(over.error().message.find("more than") != std::string::npos);

    // A note over note_bytes_max is refused before anything else is looked at.
    std::string big_body(note_bytes_max, 'x');
    big_body.back() = '\n';
    CHECK_FALSE(sign_note(big_body + "y\n", "a", alpha).has_value());
    NoteSignature big_signature = must_sign(big_body, "a", alpha);
    auto too_big = open_note(signed_by(big_body, {&big_signature}), known);
    REQUIRE_FALSE(too_big.has_value());
    CHECK(too_big.error().message.find("over the limit") != std::string::npos);
}

TEST_CASE("signed note: sign_note refuses bad bodies and key names") {
    SecretKey key = SecretKey::generate();
    CHECK_FALSE(sign_note("", "k", key).has_value());
    CHECK_FALSE(sign_note("no newline", "k", key).has_value());
    CHECK_FALSE(sign_note("tab\there\n", "k", key).has_value());
    CHECK_FALSE(sign_note("bad \xFF utf8\n", "k", key).has_value());
    CHECK_FALSE(sign_note("ok\n", "", key).has_value());
    CHECK_FALSE(sign_note("ok\n", "two words", key).has_value());
    CHECK_FALSE(sign_note("ok\n", "a+b", key).has_value());
    CHECK_FALSE(sign_note("ok\n",
                          "no\xC2\xA0"
                          "break",
                          key)
                    .has_value());  // U+00A0 is white space.
    CHECK(sign_note("ok\n", "custos.example/validator-1", key).has_value());
    CHECK(sign_note("ok\n", "caf\xC3\xA9", key).has_value());  // Non-ASCII names are fine.
    CHECK(is_valid_note_key_name("PeterNeumann"));
    CHECK_FALSE(is_valid_note_key_name("a\nb"));
    CHECK_FALSE(is_valid_note_key_name("ideographic\xE3\x80\x80space"));
}
