// HTTPS (api/tls.hpp, issue 19): a server with a self-signed certificate made in the test; the
// client succeeds with the certificate as its CA file and with the right pin, and fails with a
// wrong pin, with another CA and without a trust anchor; a signed request names https:// in its
// @target-uri over TLS (the same request signed for http:// is refused there).
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "api/tls.hpp"
#include "api_support.hpp"
#include "tls_support.hpp"

namespace {

using namespace custos;
using namespace custos::api;
using namespace custos::api::test;

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "custos-tls-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

std::shared_ptr<ServerTls> server_tls(const custos::test::TestCertificate& certificate) {
    auto tls = load_server_tls(certificate.certificate_file, certificate.key_file);
    REQUIRE_MESSAGE(tls.has_value(), tls.error().message);
    return *tls;
}

std::shared_ptr<const ClientTls> client_tls(ClientTrust trust) {
    auto tls = make_client_tls(trust);
    REQUIRE_MESSAGE(tls.has_value(), tls.error().message);
    return *tls;
}

Result<ClientResponse> get_healthz(std::uint16_t port, std::shared_ptr<const ClientTls> tls) {
    return http_request(ClientRequest{.port = port, .target = "/healthz", .tls = std::move(tls)});
}

}  // namespace

TEST_CASE("https: trusted by --cacert or by the right pin; refused with a wrong pin, another CA, or none") {
    TempDir dir;
    const auto node = custos::test::make_self_signed(dir.path, "node");
    const auto other = custos::test::make_self_signed(dir.path, "other");
    ServerOptions options;
    options.tls = server_tls(node);
    CHECK(options.tls->pin == node.pin);  // The pin the node logs is the certificate's.
    Fixture fixture(options);

    auto by_ca = get_healthz(fixture.port, client_tls({.ca_file = node.certificate_file}));
    REQUIRE_MESSAGE(by_ca.has_value(), by_ca.error().message);
    CHECK(by_ca->status == 200);
    auto by_pin = get_healthz(fixture.port, client_tls({.pin = node.pin}));
    REQUIRE_MESSAGE(by_pin.has_value(), by_pin.error().message);
    CHECK(by_pin->status == 200);
    auto both = get_healthz(fixture.port, client_tls({.ca_file = node.certificate_file, .pin = node.pin}));
    REQUIRE_MESSAGE(both.has_value(), both.error().message);
    CHECK(both->status == 200);

    auto wrong_pin = get_healthz(fixture.port, client_tls({.pin = other.pin}));
    REQUIRE_FALSE(wrong_pin.has_value());
    CHECK(wrong_pin.error().code == ErrorCode::verification_failed);
    CHECK(wrong_pin.error().message.find("not the --pin given") != std::string::npos);
    auto other_ca = get_healthz(fixture.port, client_tls({.ca_file = other.certificate_file}));
    REQUIRE_FALSE(other_ca.has_value());
    CHECK(other_ca.error().code == ErrorCode::verification_failed);
    CHECK(other_ca.error().message.find("not trusted by --cacert") != std::string::npos);
    // The right CA and a wrong pin: both must hold.
    CHECK_FALSE(get_healthz(fixture.port, client_tls({.ca_file = node.certificate_file, .pin = other.pin})));

    auto none = make_client_tls({});
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().message.find("--cacert") != std::string::npos);
    CHECK_FALSE(make_client_tls({.pin = "sha256:1234"}).has_value());
    CHECK_FALSE(make_client_tls({.ca_file = dir.path / "missing.pem"}).has_value());

    // Plain HTTP to the TLS port gets no HTTP answer.
    auto plain = get_healthz(fixture.port, nullptr);
    CHECK_FALSE((plain.has_value() && plain->status == 200));
}

TEST_CASE("https: a signed request over TLS names https:// in its @target-uri; http:// is refused there") {
    TempDir dir;
    const auto node = custos::test::make_self_signed(dir.path, "node");
    ServerOptions options;
    options.tls = server_tls(node);
    Fixture fixture(options);
    const auto& auditor = fixture.service.officer_named("auditor").key;
    auto call = [&](const std::string& scheme) {
        const std::string target = "/v1/status";
        const std::int64_t at = fixture.now->load();
        auto headers = sign_request(auditor, ledger::key_id(auditor.public_key()), "GET",
                                    scheme + "://127.0.0.1:" + std::to_string(fixture.port) + target, "", at,
                                    at + 60, fixture.next_nonce());
        return http_request(ClientRequest{.port = fixture.port,
                                          .target = target,
                                          .headers = {{"Content-Digest", headers.content_digest},
                                                      {"Signature-Input", headers.signature_input},
                                                      {"Signature", headers.signature}},
                                          .tls = client_tls({.pin = node.pin})});
    };
    auto https = call("https");
    REQUIRE_MESSAGE(https.has_value(), https.error().message);
    CHECK(https->status == 200);
    auto http = call("http");
    REQUIRE(http.has_value());
    CHECK(http->status == 401);
    CHECK(problem_of(*http)["field"] == "Signature");
}

TEST_CASE(
    "https: a certificate file that is missing or a key that is not the certificate's is refused, named") {
    TempDir dir;
    const auto node = custos::test::make_self_signed(dir.path, "node");
    const auto other = custos::test::make_self_signed(dir.path, "other");
    auto missing = load_server_tls(dir.path / "nope.crt", node.key_file);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message.find("nope.crt") != std::string::npos);
    auto mismatched = load_server_tls(node.certificate_file, other.key_file);
    REQUIRE_FALSE(mismatched.has_value());
    CHECK(mismatched.error().message.find(
              "other.key: cannot use it as the PEM private key of the certificate") != std::string::npos);
}
