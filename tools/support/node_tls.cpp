// The CLI's trust anchors for https:// nodes: the global options --cacert FILE and --pin
// sha256:HEX, and the api::ClientTls every command that talks to a node uses (api/tls.hpp).
#include <memory>
#include <optional>
#include <string>

#include "api/tls.hpp"
#include "tools/support/command.hpp"

namespace custos::cli {

namespace {

api::ClientTrust& trust_option() {
    static api::ClientTrust trust;
    return trust;
}

}  // namespace

void install_trust_anchors(std::string ca_file, std::string pin) {
    trust_option().ca_file = std::move(ca_file);
    trust_option().pin = std::move(pin);
}

Result<std::shared_ptr<const api::ClientTls>> node_tls(const api::ParsedUrl& node) {
    const auto& trust = trust_option();
    if (!node.tls) {
        if (!trust.ca_file.empty() || !trust.pin.empty()) {
            return make_error(ErrorCode::invalid_argument,
                              "--cacert and --pin are for an https:// node; this one is http://" + node.host);
        }
        return std::shared_ptr<const api::ClientTls>();
    }
    static std::optional<Result<std::shared_ptr<const api::ClientTls>>> made;  // Loaded once.
    if (!made) made = api::make_client_tls(trust);
    return *made;
}

}  // namespace custos::cli
