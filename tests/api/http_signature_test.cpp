// RFC 9421 request signatures and RFC 9530 Content-Digest: the RFCs' own examples, a round trip of
// what the CLI sends, and malformed headers (each refused naming the header and parameter).
#include <doctest/doctest.h>

#include <string>

#include "api/http_client.hpp"
#include "api/http_signature.hpp"
#include "crypto/encoding.hpp"

namespace custos::api {

namespace {

// RFC 9421 Appendix B.1.4, "Example Ed25519 Test Key" (test-key-ed25519): the 32-byte seed is the
// last 32 bytes of the PKCS#8 PRIVATE KEY
//   MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
// and the public key the last 32 bytes of the PUBLIC KEY
//   MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
constexpr std::string_view rfc_seed_hex = "9f8362f87a484a954e6e740c5b4c0e84229139a20aa8ab56ff66586f6a7d29c5";
constexpr std::string_view rfc_public_hex =
    "26b40b8f93fff3d897112f7ebc582b232dbd72517d082fe83cfb30ddce43d1bb";

crypto::SecretKey key_from_seed_hex(std::string_view hex) {
    auto seed = crypto::hex_decode(hex);
    REQUIRE(seed);
    auto key = crypto::SecretKey::from_seed(*seed);
    REQUIRE(key);
    return std::move(*key);
}

crypto::SecretKey test_key() {
    return key_from_seed_hex("0101010101010101010101010101010101010101010101010101010101010101");
}

std::string key_id_of(const crypto::SecretKey& key) {
    return crypto::hex_encode(key.public_key().view());
}

constexpr std::string_view uri = "http://127.0.0.1:8081/v1/events";
constexpr std::string_view body = R"({"hello": "world"})";

// A well-formed Signature-Input for test_key() with the given parameter list after the components.
std::string input_with(std::string_view components, std::string_view parameters) {
    return "sig1=(" + std::string(components) + ")" + std::string(parameters);
}

std::string good_parameters(const crypto::SecretKey& key) {
    return ";created=1000;expires=1060;nonce=\"n1\";keyid=\"" + key_id_of(key) + "\";alg=\"ed25519\"";
}

constexpr std::string_view good_components = R"("@method" "@target-uri" "content-digest")";
const std::string some_signature = "sig1=:" + std::string(86, 'A') + "==:";

// Expects invalid_argument whose message holds every given fragment (header, parameter, reason).
void check_refused(const Result<RequestSignature>& result,
                   std::initializer_list<std::string_view> fragments) {
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::invalid_argument);
    for (auto fragment : fragments) {
        INFO("message: ", result.error().message, " expected to contain: ", fragment);
        CHECK(result.error().message.find(fragment) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("RFC 9421 B.2.6: the ed25519 example's signature base and exact signature are reproduced") {
    // RFC 9421 Appendix B.2.6 "Signing a Request Using ed25519", label sig-b26, over the test
    // request of Appendix B.2 with the key of Appendix B.1.4.
    const std::string signature_input =
        R"(sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");)"
        R"(created=1618884473;keyid="test-key-ed25519")";
    const std::string signature_header =
        "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:";
    const std::string expected_base =
        "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
        "\"@method\": POST\n"
        "\"@path\": /foo\n"
        "\"@authority\": example.com\n"
        "\"content-type\": application/json\n"
        "\"content-length\": 18\n"
        "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" "
        "\"content-length\");created=1618884473;keyid=\"test-key-ed25519\"";

    auto params = parse_signature_input(signature_input, "sig-b26");
    REQUIRE(params);
    CHECK(params->components == std::vector<std::string>{"date", "@method", "@path", "@authority",
                                                         "content-type", "content-length"});
    CHECK(params->parameters == std::vector<std::pair<std::string, std::string>>{
                                    {"created", "1618884473"}, {"keyid", "\"test-key-ed25519\""}});
    const std::vector<std::pair<std::string, std::string>> values = {
        {"date", "Tue, 20 Apr 2021 02:07:55 GMT"},
        {"@method", "POST"},
        {"@path", "/foo"},
        {"@authority", "example.com"},
        {"content-type", "application/json"},
        {"content-length", "18"},
    };
    std::string base = build_signature_base(values, params->params_text);
    CHECK(base == expected_base);

    crypto::SecretKey key = key_from_seed_hex(rfc_seed_hex);
    CHECK(crypto::hex_encode(key.public_key().view()) == rfc_public_hex);
    auto expected_signature = parse_signature_value(signature_header, "sig-b26");
    REQUIRE(expected_signature);
    // Ed25519 is deterministic (RFC 8032), so signing the same base with the same key must give
    // the RFC's exact bytes.
    CHECK(key.sign(as_bytes(base)) == *expected_signature);
    CHECK(crypto::verify(key.public_key(), as_bytes(base), *expected_signature));

    // Custos itself refuses this header: other label, other components.
    auto custos = parse_request_signature(signature_input, signature_header);
    check_refused(custos, {"Signature-Input", "sig-b26"});
}

TEST_CASE("RFC 9530: Content-Digest of the example body, and checks against it") {
    // RFC 9530 Appendix B uses the body {"hello": "world"}; its sha-256 and sha-512 digests:
    CHECK(content_digest_sha256(body) == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
    CHECK(check_content_digest("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", body));
    const std::string sha512 =
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";
    // Both algorithms listed: the sha-256 entry decides, the sha-512 one is parsed and ignored.
    CHECK(check_content_digest(sha512 + ", sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", body));
    // Only sha-512: fails, Custos requires sha-256.
    auto only_512 = check_content_digest(sha512, body);
    REQUIRE_FALSE(only_512);
    CHECK(only_512.error().code == ErrorCode::verification_failed);
    // The empty body (what a GET carries).
    CHECK(content_digest_sha256("") == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");

    auto mismatch = check_content_digest(content_digest_sha256(body), "{}");
    REQUIRE_FALSE(mismatch);
    CHECK(mismatch.error().code == ErrorCode::verification_failed);

    for (std::string_view bad :
         {"sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",    // not a byte sequence
          "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",   // unterminated
          "sha-256=:AAAA:",                                          // 3 bytes
          "SHA-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",  // keys are lowercase
          "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:,",
          "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-256=:AAAA:"}) {
        INFO(bad);
        auto result = check_content_digest(bad, body);
        REQUIRE_FALSE(result);
        CHECK(result.error().code == ErrorCode::invalid_argument);
        CHECK(result.error().message.rfind("Content-Digest: ", 0) == 0);
    }
}

TEST_CASE("sign_request: the exact headers, and what the server parses and verifies from them") {
    crypto::SecretKey key = test_key();
    std::string key_id = key_id_of(key);
    SignedHeaders headers = sign_request(key, key_id, "POST", uri, body, 1000, 1060, "abc\"d");
    CHECK(headers.content_digest == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
    CHECK(headers.signature_input == R"(sig1=("@method" "@target-uri" "content-digest");created=1000;)"
                                     R"(expires=1060;nonce="abc\"d";keyid=")" +
                                         key_id + R"(";alg="ed25519")");

    auto sig = parse_request_signature(headers.signature_input, headers.signature);
    REQUIRE(sig);
    CHECK(sig->components == std::vector<std::string>{"@method", "@target-uri", "content-digest"});
    CHECK(sig->created == 1000);
    CHECK(sig->expires == 1060);
    CHECK(sig->nonce == "abc\"d");
    CHECK(sig->key_id == key_id);
    CHECK(sig->alg == "ed25519");
    CHECK(sig->params_text == headers.signature_input.substr(5));
    CHECK(signature_base(*sig, "POST", uri, headers.content_digest) ==
          "\"@method\": POST\n\"@target-uri\": http://127.0.0.1:8081/v1/events\n"
          "\"content-digest\": sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:\n"
          "\"@signature-params\": " +
              sig->params_text);
    CHECK(verify_request_signature(*sig, key.public_key(), "POST", uri, headers.content_digest));

    // Each covered component matters.
    auto fails = [&](std::string_view method, std::string_view target, std::string_view digest) {
        auto status = verify_request_signature(*sig, key.public_key(), method, target, digest);
        return !status && status.error().code == ErrorCode::verification_failed;
    };
    CHECK(fails("GET", uri, headers.content_digest));
    CHECK(fails("POST", "http://127.0.0.1:8082/v1/events", headers.content_digest));
    CHECK(fails("POST", uri, content_digest_sha256("{}")));
    CHECK(fails("POST", std::string(uri) + "\n\"x\": y", headers.content_digest));
    // Another key, even with the keyid rewritten to match it.
    crypto::SecretKey other = key_from_seed_hex(rfc_seed_hex);
    CHECK_FALSE(verify_request_signature(*sig, other.public_key(), "POST", uri, headers.content_digest));
    RequestSignature forged = *sig;
    forged.key_id = key_id_of(other);
    CHECK_FALSE(verify_request_signature(forged, other.public_key(), "POST", uri, headers.content_digest));
    // A changed parameter (the server rebuilds params_text from what it parsed).
    std::string later = headers.signature_input;
    later.replace(later.find("expires=1060"), 12, "expires=1061");
    auto later_sig = parse_request_signature(later, headers.signature);
    REQUIRE(later_sig);
    CHECK_FALSE(verify_request_signature(*later_sig, key.public_key(), "POST", uri, headers.content_digest));
}

TEST_CASE("parse_request_signature: legal structured-field spellings that mean the same are accepted") {
    crypto::SecretKey key = test_key();
    SignedHeaders headers = sign_request(key, key_id_of(key), "GET", uri, "", 1000, 1060, "n1");
    // Extra spaces inside the inner list and around the dictionary are legal RFC 8941; the
    // serialized params (what was signed) come out the same, so the signature still verifies.
    std::string spaced = "  sig1=(  \"@method\"   \"@target-uri\" \"content-digest\" )" +
                         headers.signature_input.substr(headers.signature_input.find(')') + 1) + "  ";
    auto sig = parse_request_signature(spaced, " " + headers.signature + " ");
    REQUIRE(sig);
    CHECK(verify_request_signature(*sig, key.public_key(), "GET", uri, content_digest_sha256("")));
    // Components in another order: the base follows the order given, and that is what is signed.
    auto reordered = parse_request_signature(
        input_with(R"("content-digest" "@method" "@target-uri")", good_parameters(key)), some_signature);
    REQUIRE(reordered);
    CHECK(reordered->components.front() == "content-digest");
}

TEST_CASE("parse_request_signature: malformed headers are refused, naming the header and parameter") {
    crypto::SecretKey key = test_key();
    const std::string params = good_parameters(key);
    const std::string good_input = input_with(good_components, params);
    REQUIRE(parse_request_signature(good_input, some_signature));
    const std::string key_id = key_id_of(key);

    check_refused(parse_request_signature("", some_signature), {"Signature-Input", "sig1"});
    check_refused(parse_request_signature(good_input, ""), {"Signature:", "sig1"});
    check_refused(parse_request_signature(input_with(R"("@method" "@target-uri")", params), some_signature),
                  {"Signature-Input", "missing component", "content-digest"});
    check_refused(
        parse_request_signature(input_with(R"("@method" "content-digest")", params), some_signature),
        {"Signature-Input", "missing component", "@target-uri"});
    check_refused(
        parse_request_signature(input_with(R"("@method" "@target-uri" "content-digest" "date")", params),
                                some_signature),
        {"Signature-Input", "unsupported component", "date"});
    check_refused(
        parse_request_signature(input_with(R"("@method" "@method" "@target-uri" "content-digest")", params),
                                some_signature),
        {"Signature-Input", "duplicate component", "@method"});
    check_refused(parse_request_signature(
                      input_with(R"("@method";sf "@target-uri" "content-digest")", params), some_signature),
                  {"Signature-Input", "@method", "parameters"});
    check_refused(parse_request_signature(input_with(R"(method "@target-uri" "content-digest")", params),
                                          some_signature),
                  {"Signature-Input", "not a string"});

    // Each of the five parameters missing in turn.
    for (std::string_view name : {"created", "expires", "nonce", "keyid", "alg"}) {
        std::string without;
        for (std::string_view part :
             {";created=1000", ";expires=1060", ";nonce=\"n1\"", ";alg=\"ed25519\""}) {
            if (part.find(name) == std::string_view::npos) without += part;
        }
        if (name != "keyid") without += ";keyid=\"" + key_id + "\"";
        check_refused(parse_request_signature(input_with(good_components, without), some_signature),
                      {"Signature-Input", "missing parameter", name});
    }
    auto with = [&](std::string_view extra_or_replaced) {
        return input_with(good_components, extra_or_replaced);
    };
    const std::string keyid_param = ";keyid=\"" + key_id + "\"";
    check_refused(parse_request_signature(with(params + ";tag=\"x\""), some_signature),
                  {"Signature-Input", "unknown parameter tag"});
    check_refused(parse_request_signature(with(params + ";created=5"), some_signature),
                  {"Signature-Input", "duplicate parameter created"});
    check_refused(parse_request_signature(
                      with(";created=\"1000\";expires=1060;nonce=\"n\"" + keyid_param + ";alg=\"ed25519\""),
                      some_signature),
                  {"Signature-Input", "created", "integer"});
    check_refused(parse_request_signature(with(";created=1000;expires=1060;nonce=\"n\"" + keyid_param +
                                               ";alg=\"rsa-pss-sha512\""),
                                          some_signature),
                  {"Signature-Input", "alg", "ed25519"});
    check_refused(
        parse_request_signature(with(";created=1000;expires=1060;nonce=\"n\";keyid=\"ABC\";alg=\"ed25519\""),
                                some_signature),
        {"Signature-Input", "keyid", "64 lowercase hex"});
    check_refused(parse_request_signature(
                      with(";created=1000;expires=1000;nonce=\"n\"" + keyid_param + ";alg=\"ed25519\""),
                      some_signature),
                  {"Signature-Input", "expires", "after created"});
    check_refused(parse_request_signature(
                      with(";created=1000;expires=1301;nonce=\"n\"" + keyid_param + ";alg=\"ed25519\""),
                      some_signature),
                  {"Signature-Input", "expires", "300"});
    check_refused(
        parse_request_signature(
            with(";created=1000;expires=1060;nonce=\"\"" + keyid_param + ";alg=\"ed25519\""), some_signature),
        {"Signature-Input", "nonce"});
    check_refused(parse_request_signature(with(";created=1000;expires=1060;nonce=\"" + std::string(129, 'n') +
                                               "\"" + keyid_param + ";alg=\"ed25519\""),
                                          some_signature),
                  {"Signature-Input", "nonce"});
    check_refused(parse_request_signature(with(";created=1.5;expires=1060"), some_signature),
                  {"Signature-Input", "decimal"});
    check_refused(parse_request_signature(with(";created=1234567890123456"), some_signature),
                  {"Signature-Input", "15 digits"});
}

TEST_CASE("structured fields: syntax errors, other labels and bounds are refused, naming the header") {
    crypto::SecretKey key = test_key();
    const std::string good_input = input_with(good_components, good_parameters(key));
    const std::string tail = good_parameters(key);

    check_refused(parse_request_signature(good_input + ", sig2=(\"@method\")", some_signature),
                  {"Signature-Input", "unexpected label sig2"});
    check_refused(parse_request_signature(good_input + ", sig1=(\"@method\")", some_signature),
                  {"Signature-Input", "duplicate member sig1"});
    check_refused(parse_request_signature(good_input + ",", some_signature), {"Signature-Input", "trailing"});
    check_refused(parse_request_signature("sig1=(\"@method\" \"@target-uri\"", some_signature),
                  {"Signature-Input", "unterminated inner list"});
    check_refused(parse_request_signature("sig1=(\"@method\"\"@target-uri\")" + tail, some_signature),
                  {"Signature-Input", "expected ' ' or ')'"});
    check_refused(
        parse_request_signature("sig1=(\"@method\" \"@target-uri\" \"content-digest)", some_signature),
        {"Signature-Input", "unterminated string"});
    check_refused(parse_request_signature("sig1=(\"a\\n\")" + tail, some_signature),
                  {"Signature-Input", "bad escape"});
    check_refused(parse_request_signature("sig1=(\"a\xc3\xa9\")" + tail, some_signature),
                  {"Signature-Input", "non-ASCII"});
    check_refused(parse_request_signature("Sig1=(\"@method\")", some_signature), {"Signature-Input", "key"});
    check_refused(parse_request_signature("sig1=\"@method\"" + tail, some_signature),
                  {"Signature-Input", "not an inner list"});
    check_refused(parse_request_signature(good_input + std::string(4096, ' '), some_signature),
                  {"Signature-Input", "longer than 4096"});
    check_refused(parse_request_signature("sig1=(" + std::string(9 * 4, ' ') +
                                              "\"a\" \"b\" \"c\" \"d\" \"e\" \"f\" \"g\" \"h\" \"i\")",
                                          some_signature),
                  {"Signature-Input", "more than 8 items"});
    std::string many_members;
    for (int i = 0; i < 9; ++i)
        many_members += (i ? ", " : "") + std::string("k") + std::to_string(i) + "=1";
    check_refused(parse_request_signature(many_members, some_signature),
                  {"Signature-Input", "more than 8 members"});

    // The Signature header.
    check_refused(parse_request_signature(good_input, "sig1=:AAAA:"), {"Signature:", "64 bytes"});
    check_refused(parse_request_signature(good_input, "sig1=\"AAAA\""), {"Signature:", "byte sequence"});
    check_refused(parse_request_signature(good_input, "sig1=:" + std::string(86, 'A') + "=:"),
                  {"Signature:", "base64"});
    check_refused(parse_request_signature(good_input, "sig1=:" + std::string(86, 'A') + "==:;x=1"),
                  {"Signature:", "parameters"});
    check_refused(parse_request_signature(good_input, some_signature + ", sig2=:AAAA:"),
                  {"Signature:", "unexpected label sig2"});
    check_refused(parse_request_signature(good_input, "sig2=:" + std::string(86, 'A') + "==:"),
                  {"Signature:", "unexpected label sig2"});
}

TEST_CASE("check_signature_time: created may be up to 30 s ahead; expired is refused") {
    crypto::SecretKey key = test_key();
    auto sig = parse_request_signature(input_with(good_components, good_parameters(key)), some_signature);
    REQUIRE(sig);  // created=1000, expires=1060
    CHECK(check_signature_time(*sig, 1000));
    CHECK(check_signature_time(*sig, 970));
    CHECK(check_signature_time(*sig, 1059));
    auto early = check_signature_time(*sig, 969);
    REQUIRE_FALSE(early);
    CHECK(early.error().message == "Signature-Input: parameter created is in the future");
    auto late = check_signature_time(*sig, 1060);
    REQUIRE_FALSE(late);
    CHECK(late.error().message == "Signature-Input: parameter expires has passed");
}

TEST_CASE("sign_client_request: what the CLI sends verifies against the URI the server rebuilds") {
    crypto::SecretKey key = test_key();
    ClientRequest request{
        .host = "127.0.0.1", .port = 8083, .method = "POST", .target = "/v1/events?wait=commit"};
    request.body = std::string(body);
    request.headers.emplace_back("signature", "stale");  // replaced, not doubled
    sign_client_request(request, key, 5000, 60);
    std::string digest, input, signature;
    int signature_headers = 0;
    for (const auto& [name, value] : request.headers) {
        if (name == "Content-Digest") digest = value;
        if (name == "Signature-Input") input = value;
        if (name == "signature" || name == "Signature") signature = value, ++signature_headers;
    }
    CHECK(signature_headers == 1);
    CHECK(digest == content_digest_sha256(body));
    auto sig = parse_request_signature(input, signature);
    REQUIRE(sig);
    CHECK(sig->created == 5000);
    CHECK(sig->expires == 5060);
    CHECK(sig->nonce.size() == 32);
    CHECK(sig->key_id == key_id_of(key));
    // The server's rebuild: "http://" + Host header (host:port, as the client sends it) + target.
    CHECK(verify_request_signature(*sig, key.public_key(), "POST",
                                   "http://127.0.0.1:8083/v1/events?wait=commit", digest));
    // A second signing picks a fresh nonce.
    ClientRequest again = request;
    sign_client_request(again, key, 5000, 60);
    std::string again_input;
    for (const auto& [name, value] : again.headers) {
        if (name == "Signature-Input") again_input = value;
    }
    CHECK(again_input != input);
}

}  // namespace custos::api
