// The validator node runtime: drives the pure consensus core (consensus/core.hpp) over the real
// transport, mempool, RocksDB store, signing-state file and block sync.
//
// Threading: ONE thread runs the node's io_context; the core, the store, the mempool and the
// transport handlers all live on it. Other threads (the REST server) reach the node only through
// call(), which posts a job to that thread and waits for its answer.
//
// Ready handling, in this order (the core's contract):
//   1. decided blocks are applied to the store (append_block verifies the certificate and writes
//      the block in one synced batch);
//   2. the core's PersistentState (locks and last signed messages) is saved durably
//      (wal.hpp) — before any message of the same Ready leaves the node;
//   3. messages are sent, timeouts scheduled, proposal and validation requests answered.
// Decisions come before the signing state so that a crash between the two never leaves a
// signing record ahead of the store (the core refuses that on restart).
// When a decision reaches a height whose validator set differs from the core's, the core is
// rebuilt after step 2 for the new set and step 3 is dropped (node_sets.cpp); a node whose key is
// not in the set of its next height runs without a core, as an observer that only syncs.
//
// Wire (over the authenticated transport), one type byte then the payload (the constants are
// runtime::wire in node_impl.hpp; every type is listed here):
//   0x01 consensus message (consensus::encode), including commits sent to laggards
//   0x02 event gossip: a JSON array of signed envelopes
//   0x03 status: 8-byte big-endian committed height
//   0x04 sync request: 8-byte big-endian first height wanted; answered with up to
//        sync_batch_max commits (0x01 messages carrying a Commit), which go through the same
//        verifier (certificate check) and core path as any other commit.
//   0x05 compact proposal (consensus::encode_compact, FORMAT.md 8.4): the proposal with its
//        events named by leaf hash; a follower rebuilds the block from its pool, exactly or not
//        at all
//   0x06 proposal request: u64 height, u32 round (big-endian), sent when a compact proposal
//        could not be rebuilt; answered with the full proposal (0x01)
//   0x07 read relay (read_relay.hpp): an observer asks a validator that lists it to record a read
//        it served (ticket, receipt time, the read record as JSON); refused from any other link
//   0x08 read relay answer: the ticket and the record's event id once admitted, or why not
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "consensus/runtime/config.hpp"
#include "consensus/runtime/deadline_call.hpp"
#include "ledger/store/store.hpp"

namespace custos::runtime {

inline constexpr std::size_t sync_batch_max = 32;
// A validator that connects gets the pending events of this node's pool (gossip goes out once,
// so a peer that was down or not yet connected would never hear of them, and as a proposer it
// would defer round after round until the rotation reached a node that holds them). Oldest
// first, up to this many canonical bytes: well inside the peer's send queue, so the pool never
// pushes consensus messages out of it.
inline constexpr std::size_t pool_resend_bytes_max = 8 * 1024 * 1024;
// A proposal carries its whole block in one consensus message (at most
// consensus::message_bytes_max) beside the header and the proof of its lock. The proposer caps
// the events' canonical bytes below that, whatever larger block_bytes_max the genesis allows:
// a block no peer can receive would be proposed again every round and stall the chain.
inline constexpr std::uint64_t proposal_event_bytes_max = 1536 * 1024;
inline constexpr std::size_t verified_cache_max = 200'000;
// Gossiped envelopes kept aside while the pool is full (NodeImpl::overflow): one default pool.
inline constexpr std::size_t overflow_events_max = 10'000;
// Admitted events the pool let go uncommitted that the node remembers (NodeImpl::dropped_events;
// past this many the oldest is forgotten): GET /v1/events/{id} says why such an event is in no
// block. Each takes well under 1 KB (DroppedRecord).
inline constexpr std::size_t dropped_events_max = 10'000;
// An admitted event the pool let go uncommitted, as the node remembers it: of its envelope only
// what the API's reader check reads (kind, item, case, agency, a read record's action and
// subject), so the record shows to whom the pending event showed; and a sentence saying when and
// by which rule it was dropped.
struct DroppedRecord {
    ledger::Envelope envelope;
    std::string why;
};
// A peer prevoting at a height this node has committed is usually only a moment behind (the
// precommits are on their way): the commit (a whole block) is sent only if, this long after, the
// peer's status still says it has not committed that height.
inline constexpr std::int64_t laggard_answer_delay_ms = 300;
inline constexpr std::chrono::seconds call_timeout{10};
// A validator whose pool refuses its read records (each read answered 503) logs the first such
// refusal and then one in this many at warn (with the running count), the others at debug: a
// read flood at a full read share must not become a log flood. custos_reads_dropped_total counts
// them all.
inline constexpr std::uint64_t read_drop_warn_every = 1000;

// Called once a read is recorded by a validator (its name: this node's own, or the validator
// that recorded an observer's read) or when none did (the pool's refusal, unavailable,
// resource_exhausted, with the reason): exactly once, on the node thread, or on the caller's
// when the node is not running.
using ReadRecorded = std::function<void(Result<std::string>)>;

struct NodeSnapshot {
    std::string chain_id;
    std::string genesis_hash_hex;
    std::string node_name;
    std::uint64_t height = 0;  // Committed.
    std::uint64_t consensus_round = 0;
    std::uint64_t log_size = 0;
    std::uint64_t mempool_events = 0;
    std::uint64_t mempool_bytes = 0;
    std::uint64_t peers_connected = 0;
    struct Peer {
        std::string name;
        std::string agency;
        std::uint64_t power = 0;
        bool connected = false;  // Always true for this node itself.
    };
    std::vector<Peer> validators;
    bool syncing = false;
    bool running = false;
};

class NodeImpl;

class Node {
public:
    [[nodiscard]] static Result<std::unique_ptr<Node>> create(const NodeConfig& config);
    ~Node();
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    // Runs the node on the calling thread until SIGINT/SIGTERM or request_stop(). Returns the
    // process exit status (0 on a clean stop).
    int run();
    // Thread-safe.
    void request_stop();

    // Runs `job` on the node thread and waits for it; unavailable if the node is not running, or
    // if the node thread had not started the job within call_timeout (then it never runs:
    // deadline_call.hpp).
    template <typename T>
    [[nodiscard]] Result<T> call(std::function<Result<T>()> job) {
        return call_with_start_deadline<T>(
            [this](std::function<void()> queued) { return post(std::move(queued)); }, std::move(job),
            call_timeout);
    }

    // Thread-safe: records a read the API served or refused in the consultation log, on the node
    // thread, and calls `done` (above) without the caller waiting: a validator of the latest
    // adopted set records it itself (submit_read); another node (an observer) asks a validator
    // that lists it under "observers" to record it (read_relay.hpp). The API answers the read
    // only once `done` says it is recorded (R33).
    void record_read(ledger::ReadRecord read, ledger::TimeMs received, ReadRecorded done);

    // Node-thread-only (use inside call()).
    // Admits parsed envelopes in order, each on its own (a later one may chain on an earlier one);
    // one result per envelope. Once the mempool is full the rest get that error untried.
    [[nodiscard]] std::vector<Result<ledger::EventId>> submit_envelopes(
        std::vector<ledger::Envelope> envelopes);
    // The court bundle of `item` (ledger::make_bundle) as this node exports it to the request
    // whose read record the API built: with the `exported` member of docs/FORMAT.md 11.8 (the
    // export's read record, completed and signed exactly as record_read() records it, and this
    // validator's signature over the bundle's digest with it). A node that is not a validator of
    // the latest adopted set exports the bundle without it ("exporter not stated").
    [[nodiscard]] Result<crypto::Json> export_bundle(std::string_view item, const ledger::ReadRecord& read,
                                                     ledger::TimeMs received);
    [[nodiscard]] const ledger::Store& store() const;
    // Pending envelope if the event is in the mempool.
    [[nodiscard]] std::optional<ledger::Envelope> pending(const ledger::EventId& id) const;
    // If this node admitted the event and its pool later let it go uncommitted (one of the last
    // dropped_events_max such events; the event_dropped line): who may read of it, and why.
    [[nodiscard]] std::optional<DroppedRecord> dropped(const ledger::EventId& id) const;
    [[nodiscard]] NodeSnapshot snapshot() const;
    [[nodiscard]] std::string metrics_text() const;

private:
    explicit Node(std::unique_ptr<NodeImpl> impl);
    [[nodiscard]] bool post(std::function<void()> job);
    std::unique_ptr<NodeImpl> impl_;
};

}  // namespace custos::runtime
