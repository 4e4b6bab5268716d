// The localnet demo: one item registered by the first agency, offered to the second, accepted by
// it; each event signed with the acting agency's custodian key (ledger::sign_event) and POSTed to
// a different node, and each awaited until committed before the next names it as `prev`.
#include <chrono>
#include <iostream>
#include <thread>

#include "api/http_client.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/sha256.hpp"
#include "ledger/events/event.hpp"
#include "tools/dev/localnet.hpp"

namespace custos::cli::localnet {

namespace {

constexpr std::string_view demo_item = "EXHIBIT-DEMO-0001";
constexpr std::string_view demo_case = "CASE-DEMO-2026";
constexpr std::string_view demo_content = "Custos localnet demo exhibit: a seized laptop's disk image";
constexpr std::chrono::seconds commit_wait_max{30};
constexpr std::chrono::milliseconds demo_poll_interval{200};
constexpr std::uint32_t request_timeout_ms = 5000;

ledger::TimeMs now() {
    auto time = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    return ledger::TimeMs{time.time_since_epoch().count()};
}

std::string trail_target() {
    return "/v1/items/" + std::string(demo_item) + "/trail";
}

std::string url(const NodeEntry& node, const std::string& target) {
    return "http://" + node.rest_host + ":" + std::to_string(node.rest_port) + target;
}

// The command that prints the demo trail, signed with the receiving agency's custodian key.
std::string trail_command(const std::filesystem::path& dir, const NodeEntry& node,
                          const std::string& agency) {
    return custos_command() + " trail " + std::string(demo_item) + " --node " + url(node, "") + " --key " +
           officer_key_path(dir, agency, "custodian").string();
}

// Requests are signed (RFC 9421) with the acting officer's key, as the API requires.
Result<api::ClientResponse> get(const NodeEntry& node, const std::string& target,
                                const crypto::SecretKey& key) {
    return api::http_request(api::ClientRequest{.host = node.rest_host,
                                                .port = node.rest_port,
                                                .target = target,
                                                .timeout_ms = request_timeout_ms,
                                                .signing_key = &key});
}

Result<ledger::EventId> submit(const NodeEntry& node, const ledger::Envelope& envelope,
                               const crypto::SecretKey& key) {
    auto body = crypto::canonicalize(ledger::envelope_to_json(envelope));
    if (!body) return tl::unexpected(body.error());
    auto response = api::http_request(api::ClientRequest{.host = node.rest_host,
                                                         .port = node.rest_port,
                                                         .method = "POST",
                                                         .target = "/v1/events",
                                                         .content_type = "application/json",
                                                         .body = *body,
                                                         .timeout_ms = request_timeout_ms,
                                                         .signing_key = &key});
    if (!response) return tl::unexpected(response.error());
    if (response->status != 202) {
        return make_error(ErrorCode::unavailable,
                          node.name + " answered " + std::to_string(response->status) + " to the " +
                              std::string(ledger::event_kind_name(envelope.event.kind)) +
                              " event: " + response->body);
    }
    return ledger::event_id(envelope.event);
}

// Waits until `node` serves the item's trail holding `id` (committed: trails hold committed
// events only).
Status wait_committed(const NodeEntry& node, const ledger::EventId& id, const crypto::SecretKey& key,
                      bool (*stop_requested)()) {
    std::string hex = ledger::event_id_hex(id);
    auto deadline = std::chrono::steady_clock::now() + commit_wait_max;
    while (std::chrono::steady_clock::now() < deadline) {
        if (stop_requested && stop_requested()) return make_error(ErrorCode::unavailable, "stopped");
        auto response = get(node, trail_target(), key);
        if (response && response->status == 200 && response->body.find(hex) != std::string::npos) return {};
        std::this_thread::sleep_for(demo_poll_interval);
    }
    return make_error(ErrorCode::unavailable, "event " + hex + " not committed on " + node.name + " within " +
                                                  std::to_string(commit_wait_max.count()) + " s");
}

ledger::Event base_event(const Layout& layout, ledger::EventKind kind, const std::string& agency) {
    ledger::Event event;
    event.chain_id = layout.chain_id;
    event.kind = kind;
    event.item = std::string(demo_item);
    event.case_id = std::string(demo_case);
    event.agency = agency;
    event.time = now();
    return event;
}

ledger::Digests demo_digests() {
    return ledger::Digests{.sha256 = crypto::sha256(demo_content)};
}

struct Step {
    std::string_view what;
    ledger::Envelope envelope;
    const crypto::SecretKey& key;  // signs the requests
};

// Submits to `submit_to`, then waits for the commit on `confirm_on`.
Result<ledger::EventId> play(const Step& step, const NodeEntry& submit_to, const NodeEntry& confirm_on,
                             bool (*stop_requested)()) {
    auto id = submit(submit_to, step.envelope, step.key);
    if (!id) return id;
    std::cout << "  " << step.what << ": event " << ledger::event_id_hex(*id) << " submitted to "
              << submit_to.name << std::endl;
    if (auto committed = wait_committed(confirm_on, *id, step.key, stop_requested); !committed) {
        return tl::unexpected(committed.error());
    }
    std::cout << "    committed (seen on " << confirm_on.name << ")" << std::endl;
    return id;
}

}  // namespace

Status run_demo(const DemoOptions& options) {
    const Layout& layout = options.layout;
    const auto& nodes = layout.nodes;
    auto node = [&](std::size_t index) -> const NodeEntry& { return nodes[index % nodes.size()]; };
    const std::string& from = layout.agencies[0];
    const std::string& to = layout.agencies[1];
    auto from_key = crypto::read_secret_key_file(officer_key_path(options.dir, from, "custodian"));
    if (!from_key) return tl::unexpected(from_key.error());
    auto to_key = crypto::read_secret_key_file(officer_key_path(options.dir, to, "custodian"));
    if (!to_key) return tl::unexpected(to_key.error());
    auto existing = get(node(0), trail_target(), from_key->key);
    if (existing && existing->status == 200) {
        std::cout << "demo: " << demo_item << " is already on the ledger (resumed localnet)\n"
                  << "  trail: " << trail_command(options.dir, node(0), to) << "\n";
        return {};
    }

    std::cout << "demo: " << from << " registers " << demo_item << " (case " << demo_case
              << ") and hands it to " << to << std::endl;
    ledger::Event registered = base_event(layout, ledger::EventKind::register_item, from);
    registered.location = "Evidence room 3";
    registered.legal_authority = ledger::LegalAuthority{ledger::AuthorityKind::warrant, "W-DEMO-2026-001"};
    registered.digests = demo_digests();
    registered.description = "Laptop, black, serial DEMO-123";
    registered.seal = "SEAL-DEMO-0001";
    auto register_id = play(Step{"register", ledger::sign_event(registered, from_key->key), from_key->key},
                            node(0), node(1), options.stop_requested);
    if (!register_id) return tl::unexpected(register_id.error());

    ledger::Event offer = base_event(layout, ledger::EventKind::transfer_offer, from);
    offer.prev = *register_id;
    offer.legal_authority = ledger::LegalAuthority{ledger::AuthorityKind::eio, "EIO-DEMO-2026-17"};
    offer.recipient = to;
    offer.released_by = "Evidence officer of " + from;
    auto offer_id = play(Step{"transfer.offer", ledger::sign_event(offer, from_key->key), from_key->key},
                         node(1), node(2), options.stop_requested);
    if (!offer_id) return tl::unexpected(offer_id.error());

    ledger::Event accept = base_event(layout, ledger::EventKind::transfer_accept, to);
    accept.prev = *offer_id;
    accept.location = "Evidence store of " + to;
    accept.received_by = "Evidence officer of " + to;
    accept.seal_intact = true;
    accept.digests = demo_digests();
    auto accept_id = play(Step{"transfer.accept", ledger::sign_event(accept, to_key->key), to_key->key},
                          node(2), node(0), options.stop_requested);
    if (!accept_id) return tl::unexpected(accept_id.error());

    std::cout << "demo done; the item's trail (requests are signed, so use the CLI rather than curl):\n  "
              << trail_command(options.dir, node(0), to) << "\n"
              << "or in a browser, as " << to << "'s prosecutor (open the URL it prints, then the item):\n  "
              << custos_command() << " explorer --node " << url(node(0), "") << " --key "
              << officer_key_path(options.dir, to, "prosecutor").string() << "\n";
    return {};
}

}  // namespace custos::cli::localnet
