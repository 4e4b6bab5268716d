// TLS contexts for the REST server and its clients. See tls.hpp.
#include "api/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <cctype>

#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"

namespace custos::api {

namespace {

namespace ssl = boost::asio::ssl;

constexpr std::string_view pin_prefix = "sha256:";

// TLS 1.2 or later, no compression, no renegotiation from older protocols: the same floor for
// both ends.
void set_floor(ssl::context& context) {
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    context.set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                        ssl::context::single_dh_use);
}

std::string openssl_reason(const boost::system::error_code& error) {
    return error.message();
}

bool is_pin(std::string_view pin) {
    if (!pin.starts_with(pin_prefix) || pin.size() != pin_prefix.size() + 64) return false;
    for (char c : pin.substr(pin_prefix.size())) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
}

}  // namespace

std::string spki_pin_of(X509* certificate) {
    unsigned char* der = nullptr;
    const int size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate), &der);
    if (size <= 0) return {};
    const auto digest =
        crypto::sha256(std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size)));
    OPENSSL_free(der);
    return std::string(pin_prefix) + crypto::hex_encode(digest.view());
}

Result<std::shared_ptr<ServerTls>> load_server_tls(const std::filesystem::path& certificate_file,
                                                   const std::filesystem::path& key_file) {
    auto tls = std::make_shared<ServerTls>();
    set_floor(tls->context);
    boost::system::error_code error;
    tls->context.use_certificate_chain_file(certificate_file.string(), error);
    if (error) {
        return make_error(ErrorCode::invalid_argument, "TLS certificate file " + certificate_file.string() +
                                                           ": cannot load a PEM certificate chain (" +
                                                           openssl_reason(error) + ")");
    }
    // Loading the key checks that it is the certificate's ("key values mismatch" when not);
    // SSL_CTX_check_private_key states the same check explicitly.
    tls->context.use_private_key_file(key_file.string(), ssl::context::pem, error);
    if (error || SSL_CTX_check_private_key(tls->context.native_handle()) != 1) {
        ERR_clear_error();
        return make_error(ErrorCode::invalid_argument,
                          "TLS key file " + key_file.string() +
                              ": cannot use it as the PEM private key of the certificate in " +
                              certificate_file.string() + (error ? " (" + openssl_reason(error) + ")" : ""));
    }
    X509* leaf = SSL_CTX_get0_certificate(tls->context.native_handle());
    if (leaf == nullptr) {
        return make_error(ErrorCode::invalid_argument,
                          "TLS certificate file " + certificate_file.string() + " holds no certificate");
    }
    tls->pin = spki_pin_of(leaf);
    return tls;
}

Result<std::shared_ptr<const ClientTls>> make_client_tls(const ClientTrust& trust) {
    if (trust.ca_file.empty() && trust.pin.empty()) {
        return make_error(ErrorCode::invalid_argument,
                          "an https:// node needs a trust anchor: --cacert FILE (the CA that signed the "
                          "node's certificate) or --pin sha256:HEX (its public key's hash)");
    }
    auto tls = std::make_shared<ClientTls>();
    set_floor(tls->context);
    if (!trust.pin.empty()) {
        if (!is_pin(trust.pin)) {
            return make_error(ErrorCode::invalid_argument,
                              "--pin must be sha256: and 64 hex digits (SHA-256 of the certificate's "
                              "SubjectPublicKeyInfo), got '" +
                                  trust.pin + "'");
        }
        std::string hex = trust.pin.substr(pin_prefix.size());
        for (char& c : hex)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        tls->pin_sha256_hex = hex;
    }
    if (!trust.ca_file.empty()) {
        boost::system::error_code error;
        tls->context.load_verify_file(trust.ca_file.string(), error);
        if (error) {
            return make_error(ErrorCode::invalid_argument, "--cacert " + trust.ca_file.string() +
                                                               ": cannot load PEM certificates (" +
                                                               openssl_reason(error) + ")");
        }
        tls->verify_chain = true;
        tls->context.set_verify_mode(ssl::verify_peer);
    } else {
        // Pin only: the chain is not the trust anchor, the pin is (checked after the handshake,
        // before any request byte is sent).
        tls->context.set_verify_mode(ssl::verify_none);
    }
    return std::shared_ptr<const ClientTls>(std::move(tls));
}

}  // namespace custos::api
