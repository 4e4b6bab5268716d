// TLS for the REST API (OpenSSL through Boost.Asio's ssl::context), both ends: the server's
// certificate and key from PEM files, and what a client trusts: a CA file (the chain is verified
// and the certificate must name the host), a pin (SHA-256 of the server certificate's
// SubjectPublicKeyInfo, so it survives a renewal that keeps the key), or both. TLS 1.2 or later
// on both ends.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace custos::api {

// What a server serves: its context (certificate chain and key loaded and checked to match) and
// the pin clients can give for it.
struct ServerTls {
    boost::asio::ssl::context context{boost::asio::ssl::context::tls_server};
    std::string pin;  // "sha256:<64 hex>" of the leaf certificate's SubjectPublicKeyInfo
};

// Loads a PEM certificate chain (leaf first) and its private key. invalid_argument naming the
// file for anything unreadable, not PEM, or a key that is not the certificate's.
[[nodiscard]] Result<std::shared_ptr<ServerTls>> load_server_tls(
    const std::filesystem::path& certificate_file, const std::filesystem::path& key_file);

// What a client trusts. At least one of the two.
struct ClientTrust {
    std::filesystem::path ca_file;  // PEM certificates; empty: none
    std::string pin;                // "sha256:<64 hex>"; empty: none
};

// A client's TLS setup, shared by its connections.
struct ClientTls {
    // Mutable: a TLS stream takes its context by non-const reference; the context is not changed
    // once made (OpenSSL contexts are safe to share between connections).
    mutable boost::asio::ssl::context context{boost::asio::ssl::context::tls_client};
    bool verify_chain = false;                  // a CA file was given: chain and host name
    std::optional<std::string> pin_sha256_hex;  // a pin was given: the SPKI must match
};

// invalid_argument when neither is given, the pin is not "sha256:" and 64 hex digits, or the CA
// file cannot be loaded.
[[nodiscard]] Result<std::shared_ptr<const ClientTls>> make_client_tls(const ClientTrust& trust);

// "sha256:<64 hex>" of the certificate's DER SubjectPublicKeyInfo; empty if it cannot be encoded.
[[nodiscard]] std::string spki_pin_of(X509* certificate);

}  // namespace custos::api
