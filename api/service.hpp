// api::NodeService: what the REST server needs from a validator node. The node runtime
// implements it; the API tests implement a fake. The server never touches the store, the
// mempool or consensus directly: every route is one call here.
//
// Threading: the server calls these from its io_context threads (ServerOptions::threads, so
// several calls may run at once). An implementation must be safe to call from those threads
// while the node runs on its own (post to the node's strand, or take a lock). Calls should return quickly:
// reads come from the store, submit_envelopes only admits to the mempool (it never waits for a
// commit).
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
// Read results are typed ledger values (ledger/store/store_pages.hpp: the node computes them with the
// ledger's read functions); the handlers turn them into the answers' JSON (api/views.hpp), so a
// route's shape is decided here, in the api room. The court bundle and the state proof are the
// ledger's own documents (docs/FORMAT.md 11), passed through as JSON.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "crypto/canonical_json.hpp"
#include "ledger/events/event.hpp"
#include "ledger/genesis.hpp"
#include "ledger/state/officers.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_pages.hpp"
#include "ledger/types.hpp"

namespace custos::api {

// Events of one trail page and items of one case page: by default and at most (a trail or case
// no longer than this is answered whole, as before pages existed).
inline constexpr std::size_t trail_page_max = ledger::page_entries_max;

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

// An event by id (NodeService::event_by_id): committed, or pending in the mempool (then only
// `event.id` and `event.envelope` are set).
struct FoundEvent {
    ledger::StoredEvent event;
    bool committed = false;
    // Not empty: the node admitted the event and its pool later let it go uncommitted, and this
    // says when and by which rule. GET /v1/events/{id} answers 404 with it, to whom it shows the
    // event.
    std::string dropped;
};

class NodeService {
public:
    virtual ~NodeService() = default;

    // Admits signed event envelopes, already parsed (rule R1) at the edge, to the mempool, in
    // order and each on its own: signature (R2), custody rules against committed + pending state,
    // so an envelope may chain on an earlier one of the same call, and one refused does not
    // refuse the others. One result per envelope, in order: its event id or why it was refused.
    // Once the mempool is full (resource_exhausted) the remaining envelopes get that same error
    // without being tried. Never waits for a commit. POST /v1/events calls it with one envelope,
    // POST /v1/batches with up to batch_events_max (one hop to the node for the whole batch).
    [[nodiscard]] virtual std::vector<Result<ledger::EventId>> submit_envelopes(
        std::vector<ledger::Envelope> envelopes) = 0;

    // The event, pending or committed; not_found if neither.
    [[nodiscard]] virtual Result<FoundEvent> event_by_id(const ledger::EventId& id) = 0;

    // One page of an item's trail (ledger::trail_page): committed events only, in chain order,
    // those with a leaf index from `from_leaf` on, at most `limit` (at most trail_page_max), and
    // the `from_leaf` of the next page when more events follow. not_found for an unknown item.
    [[nodiscard]] virtual Result<ledger::TrailPage> item_trail(std::string_view item_id,
                                                               std::uint64_t from_leaf,
                                                               std::size_t limit) = 0;
    // The first page, item_trail(item_id, 0, trail_page_max), as the route's JSON text
    // (api::json_text(views::trail_json(...))); the route serves this when no page is asked for,
    // so an implementation may keep the text of a trail that has not changed (the node does,
    // until the next commit).
    [[nodiscard]] virtual Result<std::string> item_trail_text(std::string_view item_id);

    // One page of a case (ledger::case_page): the items after `after_item` ("" from the first)
    // in the store's key order (shorter ids first, then bytewise), at most `limit`, and the last
    // one when more follow. not_found for an unknown case.
    [[nodiscard]] virtual Result<ledger::CasePage> case_items(std::string_view case_id,
                                                              std::string_view after_item,
                                                              std::size_t limit) = 0;

    // A block's header, event ids and certificate.
    [[nodiscard]] virtual Result<ledger::BlockView> block_by_height(ledger::Height height) = 0;

    // not_found before the first block.
    [[nodiscard]] virtual Result<CheckpointView> latest_checkpoint() = 0;
    [[nodiscard]] virtual Result<CheckpointView> checkpoint_at(ledger::Height height) = 0;

    // The court bundle of an item (ledger::make_bundle, docs/FORMAT.md "Bundle"); not_found for
    // an unknown item. `read` is the export's read record as the API built it (the officer's key,
    // signature base and signature, action bundle, served 200; `node` empty) and `received` the
    // receipt time: a validator completes it into the record the consultation log commits for
    // this request and adds the `exported` member (FORMAT.md 11.8) that proves who exported it.
    [[nodiscard]] virtual Result<crypto::Json> item_bundle(std::string_view item_id, ledger::ReadRecord read,
                                                           ledger::TimeMs received) = 0;

    // The item's state proof (ledger::make_state_proof, docs/FORMAT.md 11.6): the latest certified
    // checkpoint, the consistency proof from `from_size` to it and the item's map proof.
    // not_found for an unknown item; invalid_argument "from_size: ..." beyond the log size.
    [[nodiscard]] virtual Result<crypto::Json> item_state_proof(std::string_view item_id,
                                                                std::uint64_t from_size) = 0;

    // RFC 9162 inclusion proof of a committed event in the log of size `size` (the latest log
    // size when nullopt). not_found for an event that is not committed; invalid_argument
    // "size: <reason>" when the size does not hold the leaf or is beyond the log.
    [[nodiscard]] virtual Result<ledger::EventInclusionProof> inclusion_proof(
        const ledger::EventId& id, std::optional<std::uint64_t> size) = 0;

    // RFC 9162 consistency proof between two log sizes, 0 < from <= to <= log size;
    // invalid_argument "from: ..." / "to: ..." otherwise.
    [[nodiscard]] virtual Result<ledger::LogConsistencyProof> consistency_proof(std::uint64_t from,
                                                                                std::uint64_t to) = 0;

    // The officer record in force for a key: nullopt when the key is unknown or revoked.
    [[nodiscard]] virtual Result<std::optional<ledger::Officer>> officer(const crypto::PublicKey& key) = 0;

    // The record of an officer key, revoked keys included (a trail names who signed each event,
    // revoked or not); nullopt for a key that never was an officer.
    [[nodiscard]] virtual Result<std::optional<ledger::OfficerRecord>> officer_record(
        const crypto::PublicKey& key) = 0;

    // The chain id of the genesis (what every event and request of this network carries).
    [[nodiscard]] virtual std::string chain_id() = 0;

    // The pending transfer offers to `agency` (the inbox), by item id in the store's key order
    // (shorter ids first, then bytewise), after `after_item` ("" from the first), at most
    // `limit` (the caller asks for one more to know whether a next page exists).
    [[nodiscard]] virtual Result<std::vector<ledger::InboxOffer>> pending_offers(std::string_view agency,
                                                                                 std::string_view after_item,
                                                                                 std::size_t limit) = 0;

    // The cases `agency` takes part in (ledger::case_participants), by case id in the store's key
    // order (shorter ids first, then bytewise), after `after_case` ("" from the first), at most
    // `limit` (the caller asks for one more to know whether a next page exists).
    [[nodiscard]] virtual Result<std::vector<std::string>> agency_cases(std::string_view agency,
                                                                        std::string_view after_case,
                                                                        std::size_t limit) = 0;

    // The committed events a search finds (ledger::EventSearch: those recording a SHA-256, or
    // signed by an officer key, or all; committed at a ledger time in [from_time, to_time); from
    // leaf `from_leaf`), in log order, at most `limit`, each with the time of the block that
    // committed it (the caller filters what the reader may see).
    [[nodiscard]] virtual Result<std::vector<ledger::SearchHit>> search_events(
        const ledger::EventSearch& search) = 0;

    // The committed height now. Cheap (the node reads it without a hop to its thread): a stream
    // (GET /v1/stream) asks it every ServerOptions::stream_poll_ms.
    [[nodiscard]] virtual Result<ledger::Height> committed_height() = 0;
    // The leaf index of the first event of block `height` (the log size after block height - 1),
    // for 1 <= height <= committed height + 1; invalid_argument "from_height: ..." otherwise.
    [[nodiscard]] virtual Result<std::uint64_t> first_leaf_of(ledger::Height height) = 0;
    // The committed events from leaf `from_leaf` on, in log order, at most `limit` (every case:
    // the caller filters what the reader may see).
    [[nodiscard]] virtual Result<std::vector<ledger::StoredEvent>> committed_events(std::uint64_t from_leaf,
                                                                                    std::size_t limit) = 0;

    // The agencies taking part in a case: every agency that registered, held, received (was
    // offered or accepted) or was granted an item of it, from the committed trails of its items.
    // not_found for an unknown case.
    [[nodiscard]] virtual Result<std::set<std::string>> case_participants(std::string_view case_id) = 0;

    // The consultation log (docs/FORMAT.md 6.7): a signed read the server answered (2xx) or
    // refused (403), with the officer's signature base and signature, and the node's receipt
    // time. The server sends that answer only once the read is recorded (R33: no evidence read
    // leaves a node without its record): `done` is called exactly once, from any thread, with
    // the name of the validator that recorded it, or an error saying why none did (the server
    // then answers 503 naming R33 and serves nothing). A validator of the latest adopted set
    // names itself, signs the record with its validator key and admits it to its own pool like
    // an event (refused, for one, when the pool's share of read records is full); a node outside
    // that set (an observer) asks a validator that lists it to record it (the node's read relay,
    // docs/FORMAT.md 8.4). Must not block the caller.
    using ReadRecorded = std::function<void(Result<std::string>)>;
    virtual void record_read(ledger::ReadRecord read, ledger::TimeMs received, ReadRecorded done) = 0;

    // The read records of an item (each event's `read` set), in log order from leaf
    // `from_leaf`, at most `limit`, with the item's state. not_found for an unknown item.
    [[nodiscard]] virtual Result<ledger::ItemReads> item_reads(std::string_view item_id,
                                                               std::uint64_t from_leaf,
                                                               std::size_t limit) = 0;

    // The case an item belongs to; not_found for an unknown item.
    [[nodiscard]] virtual Result<std::string> item_case(std::string_view item_id) = 0;

    [[nodiscard]] virtual NodeStatus status() = 0;

    // Prometheus text exposition format (version 0.0.4), each line ending in '\n'.
    [[nodiscard]] virtual std::string metrics_text() = 0;

    // True when the node can serve: store open, consensus running. /healthz answers 200 or 503.
    [[nodiscard]] virtual bool healthy() = 0;
};

}  // namespace custos::api
