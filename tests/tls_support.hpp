// Self-signed certificates made in the test (OpenSSL's API; no `openssl` command needed), for the
// HTTPS tests of the api room and of the node and CLI.
#pragma once

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace custos::test {

struct TestCertificate {
    std::filesystem::path certificate_file;  // PEM
    std::filesystem::path key_file;          // PEM, mode 0600
    std::string pin;                         // "sha256:<hex>" of the SubjectPublicKeyInfo
};

namespace detail {

inline void add_extension(X509* certificate, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    REQUIRE(extension != nullptr);
    REQUIRE(X509_add_ext(certificate, extension, -1) == 1);
    X509_EXTENSION_free(extension);
}

}  // namespace detail

// An ECDSA P-256 certificate for 127.0.0.1 and localhost (subjectAltName), self-signed, valid
// from an hour ago for a day, written as `dir/<name>.crt` and `dir/<name>.key`. Its pin (SHA-256
// of the DER SubjectPublicKeyInfo) is computed here with OpenSSL's EVP_Digest, not with the code
// under test.
inline TestCertificate make_self_signed(const std::filesystem::path& dir, const std::string& name) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    REQUIRE(key != nullptr);
    std::unique_ptr<X509, decltype(&X509_free)> certificate(X509_new(), X509_free);
    REQUIRE(certificate != nullptr);
    REQUIRE(X509_set_version(certificate.get(), 2) == 1);
    ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 24 * 3600);
    REQUIRE(X509_set_pubkey(certificate.get(), key.get()) == 1);
    X509_NAME* subject = X509_get_subject_name(certificate.get());
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
    REQUIRE(X509_set_issuer_name(certificate.get(), subject) == 1);
    detail::add_extension(certificate.get(), NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    detail::add_extension(certificate.get(), NID_basic_constraints, "critical,CA:TRUE");
    REQUIRE(X509_sign(certificate.get(), key.get(), EVP_sha256()) > 0);

    TestCertificate made{dir / (name + ".crt"), dir / (name + ".key"), {}};
    FILE* out = std::fopen(made.certificate_file.c_str(), "w");
    REQUIRE(out != nullptr);
    REQUIRE(PEM_write_X509(out, certificate.get()) == 1);
    std::fclose(out);
    out = std::fopen(made.key_file.c_str(), "w");
    REQUIRE(out != nullptr);
    REQUIRE(PEM_write_PrivateKey(out, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
    std::fclose(out);
    std::filesystem::permissions(made.key_file,
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

    unsigned char* spki = nullptr;
    const int spki_size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate.get()), &spki);
    REQUIRE(spki_size > 0);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    REQUIRE(EVP_Digest(spki, static_cast<std::size_t>(spki_size), digest, &size, EVP_sha256(), nullptr) == 1);
    OPENSSL_free(spki);
    static constexpr char hex[] = "0123456789abcdef";
    made.pin = "sha256:";
    for (unsigned int i = 0; i < size; ++i) {
        made.pin += hex[digest[i] >> 4];
        made.pin += hex[digest[i] & 0xf];
    }
    return made;
}

}  // namespace custos::test
