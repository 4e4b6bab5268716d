// api::NodeService: what the REST server needs from a validator node. The node runtime
// implements it; the API tests implement a fake. The server never touches the store, the
// mempool or consensus directly: every route is one call here.
//
// Threading: the server calls these from its own io_context thread (one thread). An
// implementation must be safe to call from that thread while the node runs on its own (post to
// the node's strand, or take a lock). Calls should return quickly: reads come from the store,
// submit_event only admits to the mempool (it never waits for a commit).
//
// Errors (Result / Error codes, which the server maps to HTTP statuses, RFC 9457 bodies):
//   invalid_argument    -> 400  malformed input; message names the field: "R1 <field>: <reason>"
//   verification_failed -> 400  bad event signature (rule R2): "R2 sig: <reason>"
//   rule_violation      -> 409  a custody rule refuses the event; message starts with the rule
//                               number: "R<n> <field>: <reason>" (e.g. "R5 prev: not the head")
//   already_exists      -> 409  the event id is already pending or committed
//   not_found           -> 404
//   permission_denied   -> 403
//   resource_exhausted  -> 503 with Retry-After (mempool full)
//   unavailable         -> 503 with Retry-After (node not ready, e.g. still syncing)
//   anything else       -> 500 (message not shown to the client; logged)
//
// Read results are JSON documents (crypto::Json) whose shapes are listed per method; the server
// sends them as they are (application/json), so the node decides their content and the API test
// checks only routing, status codes and error bodies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "crypto/canonical_json.hpp"
#include "ledger/types.hpp"

namespace custos::api {

struct ValidatorStatus {
    std::string name;
    std::string agency;
    std::uint64_t power = 0;
    bool connected = false;  // A live authenticated peer connection (always true for self).
};

struct NodeStatus {
    std::string chain_id;
    std::string genesis_hash_hex;  // Lowercase hex SHA-256 of the genesis document.
    std::string node_name;         // This validator's name.
    ledger::Height height;         // Last committed height (0 before the first block).
    std::uint64_t log_size = 0;
    std::vector<ValidatorStatus> validators;
    std::uint64_t mempool_events = 0;
    std::uint64_t mempool_bytes = 0;
    bool syncing = false;  // Behind the others and fetching blocks.
};

// A checkpoint: the certified signed note (C2SP tlog-checkpoint with signatures) plus the values
// it carries, for clients that want JSON.
struct CheckpointView {
    ledger::Height height;
    std::uint64_t log_size = 0;
    std::string log_root_base64;
    std::string block_hash_hex;
    std::string note;  // The full signed note text (body, blank line, signature lines).
};

class NodeService {
public:
    virtual ~NodeService() = default;

    // Admits one signed event envelope (the JSON text as received, at most the API body limit)
    // to the mempool: parse (R1), signature (R2), custody rules against committed + pending
    // state. Returns the event id. Never waits for a commit.
    [[nodiscard]] virtual Result<ledger::EventId> submit_event(std::string_view envelope_json) = 0;

    // {"id", "status": "pending"|"committed", "envelope": {...}, "height"?, "leaf_index"?}
    // not_found if neither pending nor committed.
    [[nodiscard]] virtual Result<crypto::Json> event_by_id(const ledger::EventId& id) = 0;

    // {"item", "case", "custodian", "state", "events": [{"id","height","leaf_index",
    //  "envelope"}...], "integrity_alert": bool} — committed events only, in chain order.
    // not_found for an unknown item.
    [[nodiscard]] virtual Result<crypto::Json> item_trail(std::string_view item_id) = 0;

    // {"case", "items": [{"item", "custodian", "state"}...]}; not_found for an unknown case.
    [[nodiscard]] virtual Result<crypto::Json> case_items(std::string_view case_id) = 0;

    // {"header": {...}, "hash", "events": [ids...], "certificate": <signed note text>}
    [[nodiscard]] virtual Result<crypto::Json> block_by_height(ledger::Height height) = 0;

    // not_found before the first block.
    [[nodiscard]] virtual Result<CheckpointView> latest_checkpoint() = 0;
    [[nodiscard]] virtual Result<CheckpointView> checkpoint_at(ledger::Height height) = 0;

    [[nodiscard]] virtual NodeStatus status() = 0;

    // Prometheus text exposition format (version 0.0.4), each line ending in '\n'.
    [[nodiscard]] virtual std::string metrics_text() = 0;

    // True when the node can serve: store open, consensus running. /healthz answers 200 or 503.
    [[nodiscard]] virtual bool healthy() = 0;
};

}  // namespace custos::api
