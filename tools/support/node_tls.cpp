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

std::optional<std::string> take_tls_options(Args& args) {
    Args rest;
    std::string ca_file, pin;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg != "--cacert" && arg != "--pin") {
            rest.push_back(arg);
            continue;
        }
        if (i + 1 >= args.size()) return arg + " needs a value";
        std::string& target = arg == "--cacert" ? ca_file : pin;
        if (!target.empty()) return arg + " given twice";
        target = args[++i];
    }
    args = std::move(rest);
    install_trust_anchors(std::move(ca_file), std::move(pin));
    return std::nullopt;
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
