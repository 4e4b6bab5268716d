// Internal state of the node runtime (node.hpp); shared by node.cpp and node_net.cpp.
#pragma once

#include <array>
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <variant>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/bounded_fifo_map.hpp"
#include "common/pid_lock.hpp"
#include "consensus/core.hpp"
#include "consensus/runtime/byzantine.hpp"
#include "consensus/runtime/gossip_batch.hpp"
#include "consensus/runtime/laggard_answers.hpp"
#include "consensus/runtime/mempool.hpp"
#include "consensus/runtime/node.hpp"
#include "consensus/runtime/node_metrics.hpp"
#include "consensus/runtime/own_proposals.hpp"
#include "consensus/runtime/proposal_batch.hpp"
#include "consensus/runtime/read_relay.hpp"
#include "consensus/runtime/relay_table.hpp"
#include "consensus/runtime/sync_tracker.hpp"
#include "consensus/runtime/transport.hpp"
#include "consensus/runtime/voting_gate.hpp"
#include "consensus/runtime/wal.hpp"
#include "consensus/verifier.hpp"

namespace custos::runtime {

namespace wire {
inline constexpr std::uint8_t consensus = 0x01;
inline constexpr std::uint8_t events = 0x02;
inline constexpr std::uint8_t status = 0x03;
inline constexpr std::uint8_t sync_request = 0x04;
inline constexpr std::uint8_t compact_proposal = 0x05;   // FORMAT.md 8.4
inline constexpr std::uint8_t proposal_request = 0x06;   // u64 height, u32 round (big-endian)
inline constexpr std::uint8_t read_relay = 0x07;         // observer -> validator (read_relay.hpp)
inline constexpr std::uint8_t read_relay_answer = 0x08;  // validator -> observer
}  // namespace wire

// The node's signing identity. Its name is the validator name the key has in the set in force
// (which a validator-set change may give it later: an observer has the key file's name until
// then); it is renamed only while no core exists, so a core never sees its signer change.
class NodeSigner final : public consensus::Signer {
public:
    NodeSigner(std::string name, crypto::SecretKey key) : name_(std::move(name)), key_(std::move(key)) {}
    [[nodiscard]] const std::string& name() const override { return name_; }
    [[nodiscard]] const crypto::PublicKey& public_key() const override { return key_.public_key(); }
    [[nodiscard]] crypto::Signature sign(std::string_view bytes) const override {
        return key_.sign(as_bytes(bytes));
    }
    void rename(std::string name) { name_ = std::move(name); }

private:
    std::string name_;
    crypto::SecretKey key_;
};

// A validator set the store returned, with what the runtime derives from it once: its hash and
// a verifier of consensus messages signed by its members.
// Copied out of the cache (shared pointers), so an entry stays valid when the cache is cleared.
struct SetEntry {
    std::shared_ptr<const ledger::ValidatorSet> set;
    Hash32 hash;
    std::shared_ptr<const consensus::MessageVerifier> verifier;
};
// Distinct sets cached at once (the sets of the heights around the store's top; older entries
// are dropped wholesale when this is exceeded).
inline constexpr std::size_t set_cache_max = 8;

class NodeImpl {
public:
    NodeConfig config;
    boost::asio::io_context io{1};
    std::atomic<bool> running{false};
    std::atomic<bool> stopping{false};
    // Set once the disk refused a write (storage_failed): no more commits or signatures.
    std::atomic<bool> halted{false};
    std::string halt_reason;  // Node thread only.
    int exit_status = 0;

    ledger::Genesis genesis;
    std::string genesis_hash_hex;
    // Held for the node's life: one process per data directory ("already running (pid N)").
    std::optional<PidLock> data_dir_lock;
    std::optional<ledger::Store> store;
    std::unique_ptr<NodeSigner> signer;
    // Timeouts and chain id of the core; `params.validators` is the set of the core in force.
    consensus::Params params;
    // Set cache keyed by the store's shared pointer (the entry holds it, so the address cannot be
    // reused while cached).
    std::map<const ledger::ValidatorSet*, SetEntry> set_cache;
    // The core for the height store.height() + 1, built with the set in force at that height;
    // null while this node's key is not in that set (an observer: it syncs, never signs).
    std::unique_ptr<consensus::Core> core;
    Hash32 core_set_hash;          // hash() of params.validators while a core exists.
    std::uint64_t core_epoch = 0;  // Bumped by each core rebuild; older timeouts are dropped.
    // The last PersistentState saved (moved from the Ready after it is durable): a rebuilt core
    // starts from it exactly as after a restart.
    std::optional<consensus::PersistentState> persisted_state;
    // Sets the transport allow-list and dial targets were last made from (heights top+1, top+2).
    std::pair<const ledger::ValidatorSet*, const ledger::ValidatorSet*> peer_sets{nullptr, nullptr};
    // Configured observers ("observers") not in those sets: allowed inbound, never dialed, never
    // asked for block sync (an observer's claimed height is only its word); their event gossip is
    // admitted like an API submission (on_gossip). By key, their config entries (the names a
    // read they relay must be signed for).
    std::map<crypto::PublicKey, ObserverConfig> observer_links;
    std::uint64_t commit_refused_height = 0;  // The last height a refused commit was logged for.
    std::unique_ptr<SigningStateFile> signing_state;
    std::unique_ptr<Mempool> mempool;
    std::unique_ptr<Transport> transport;
    std::optional<boost::asio::signal_set> signals;
    std::set<std::shared_ptr<boost::asio::steady_timer>> timers;

    // Envelopes whose signature this node verified (once per node), oldest first for eviction,
    // by leaf hash: the hash of the whole canonical envelope, not the event id, which leaves out
    // the signer and the signature. Keyed by id, a proposer could put a verified event in its
    // block under a forged signature or another officer's key, and followers would not look.
    BoundedFifoMap<Hash32, std::monostate, LeafHashHash> verified_leaves{verified_cache_max};
    // The envelopes of the last compact proposal rebuilt from the pool (a list shared with the
    // block handed to the core) and their canonical bytes, kept from admission: validate_block
    // uses them for that very list instead of computing them again.
    struct Rebuilt {
        ledger::BlockEvents events;
        std::vector<ledger::EventBytes> bytes;
    };
    std::optional<Rebuilt> rebuilt_proposal;
    // Gossiped envelopes this node's pool refused (full, or the rules against its pending state;
    // not necessarily verified), by leaf hash, oldest first for eviction: a compact proposal naming them is
    // rebuilt from here, and its block's validation then verifies them. Under overload the pools are full and
    // a proposer's events are often not in a follower's pool; asking for each full proposal costs a round
    // trip per height just when heights should be fast.
    BoundedFifoMap<Hash32, ledger::Envelope, LeafHashHash> overflow{overflow_events_max};
    // The admitted events the pool let go uncommitted (log_pool_drops), by event id, as
    // Node::dropped() answers them; forgotten when one is admitted again.
    BoundedFifoMap<Hash32, DroppedRecord, LeafHashHash> dropped_events{dropped_events_max};
    // Effects of the latest validated or built block, reused at commit.
    std::optional<std::pair<ledger::BlockHash, ledger::BlockEffects>> cached_effects;
    // A proposal request waiting for more events until proposal_timer fires.
    ProposalBatch proposal_batch;
    std::shared_ptr<boost::asio::steady_timer> proposal_timer;
    bool events_nudge_posted = false;  // An EventsPending for the core is posted (admit()).
    GossipBatch gossip;                // Admitted envelopes (local submissions) not yet gossiped.
    SyncTracker sync;            // Connected peers, their committed heights, and when to ask them for blocks.
    OwnProposals own_proposals;  // For peers that could not rebuild one (wire::proposal_request).
    LaggardAnswers laggard_answers;  // Commits owed to peers behind, waiting for their delay.
    std::map<ledger::EventId, std::int64_t> submit_times;  // local submissions awaiting commit
    // An observer's reads waiting for a validator to record them (node_relay.cpp): by ticket,
    // each asked of one validator at a time (relay_table.hpp), with its callback and attempt timer.
    struct RelayWaiter {
        ReadRecorded done;
        std::shared_ptr<boost::asio::steady_timer> timer;
    };
    RelayTable<RelayWaiter> relays;
    NodeCounters counters;
    VotingGate voting_gate;  // Whether to vote now; the signing-state rollback guard too.
    // Signatures of the last proposal, prevote and precommit persisted, to log new ones.
    std::array<std::optional<crypto::Signature>, 3> last_signed;
    ByzantineMode byzantine;  // TEST ONLY (config "test_byzantine").

    // node.cpp
    Status open();
    // open()'s steps, in order: the genesis; the key, its transport and signer; the data
    // directory's guards; the store; the signing state and the mempool.
    Status open_genesis();
    Status open_identity();
    Status open_data_dir();
    Status open_store();
    Status open_signing_state();
    void start();
    void stop();
    void drive(consensus::Input input);
    void carry_out(consensus::Ready& ready, std::deque<consensus::Input>& follow_ups);
    void commit_decision(const consensus::Decision& decision);
    void schedule_timeout(const consensus::Timeout& timeout);
    void handle_proposal_request(const consensus::ProposalRequest& request,
                                 std::deque<consensus::Input>& follow_ups);
    void arm_proposal_timer(std::int64_t wait_ms);
    [[nodiscard]] ProposalBatch::Pool proposal_pool() const;  // What the proposal batch looks at.
    // After an admission: the first event of an idle height wakes the core, and a waiting
    // proposal is built at once (a full block) or gets its batching window.
    void nudge_core();
    void cut_proposal_wait();
    std::optional<consensus::Input> build_proposal(const consensus::ProposalRequest& request);
    // One warn line (event_dropped) per admitted event the pool let go without committing it:
    // `dropped` (build_block left them out), then what the pool's re-check dropped. `cause` says
    // when: "commit" (a block at `height` committed) or "proposal" (building one for `height`).
    // Each is also remembered in dropped_events.
    void log_pool_drops(std::string_view cause, std::uint64_t height, std::vector<PoolDrop> dropped = {});
    // EventsPending when the pool holds events the core does not know of (quiet when idle).
    [[nodiscard]] std::optional<consensus::Input> pool_change() const;
    bool validate_block(const ledger::Block& block, const ledger::BlockHash& id);
    // event_bytes() of each of the block's events, nullopt when a signature does not verify.
    std::optional<std::vector<ledger::EventBytes>> verify_signatures(const ledger::Block& block);
    // An envelope's canonical bytes and leaf hash, and its signature's verdict when it was checked
    // with others' (prepare_all), for admit().
    struct Prepared {
        ledger::EventBytes bytes;
        Hash32 leaf;
        std::optional<bool> signature_ok;
    };
    [[nodiscard]] static Prepared prepare(const ledger::Envelope& envelope);
    // prepare() of each, and, when the pool has room for them all, the signatures admit() would
    // check (not pending, not verified before, not read records) checked together
    // (ledger::verify_envelope_signatures: the same verdicts, one field inversion for all).
    // With too little room, nothing is checked here: a full pool refuses before any check.
    [[nodiscard]] std::vector<Prepared> prepare_all(const std::vector<ledger::Envelope>& envelopes) const;
    Result<ledger::EventId> admit(ledger::Envelope envelope, bool local);
    Result<ledger::EventId> admit(ledger::Envelope envelope, Prepared prepared, bool local);
    [[nodiscard]] std::int64_t now_ms() const;
    void fatal(const std::string& what);
    // The disk refused a block or the signing state (full, or an I/O error such as a failed
    // fsync): stop taking part in consensus, keep serving what is committed (node.cpp).
    void storage_failed(const std::string& what);

    // node_sets.cpp: validator-set changes.
    // The entry for the set in force at `height`; nullptr beyond store height + 2.
    std::optional<SetEntry> set_at(ledger::Height height);
    // Verifies a consensus message against the set of its height and hands it on: to the core
    // when that set is the core's, applied directly when it is the next commit of an observer.
    void on_consensus_message(std::string_view payload);
    void handle_consensus(Result<consensus::SignedMessage> decoded);
    // Builds the core for store height + 1 when there is none or its set is not the one in force
    // there (or drops it when this key is not in that set). Returns whether it changed anything.
    // With `run`, the new core's start() Ready is carried out at once (not yet while opening).
    bool refresh_core(std::deque<consensus::Input>& follow_ups, bool run = true);
    // Allow-list and dial targets from the sets of heights top + 1 and top + 2 (when changed).
    void refresh_peers();

    // node_net.cpp
    void on_message(const crypto::PublicKey& peer, Bytes message);
    void send_consensus(const consensus::Outbound& outbound);
    void send_commit(const crypto::PublicKey& peer, ledger::Height height);
    // Broadcasts this node's proposal in compact form (FORMAT.md 8.4) when the leaf hashes of its
    // block's events are at hand (the block it built or validated last); false otherwise.
    bool broadcast_compact(const consensus::SignedMessage& message);
    // A compact proposal from `peer`: rebuilt from the pool and handled as the full one, or, when
    // the pool lacks an event, the full proposal is asked of `peer`.
    void on_compact_proposal(const crypto::PublicKey& peer, std::string_view payload);
    // The full proposal from the pool's envelopes (their canonical bytes kept in `rebuilt_proposal`);
    // nullopt when one is missing or the leaves do not give the header's events_hash.
    [[nodiscard]] std::optional<consensus::SignedMessage> rebuild_compact(consensus::CompactProposal compact);
    void answer_proposal_request(const crypto::PublicKey& peer, std::string_view payload);
    // Sends `peer` the commit of `height` after laggard_answer_delay_ms unless its status shows
    // it has committed that height by then.
    void answer_laggard(const crypto::PublicKey& peer, ledger::Height height);
    void send_status(const std::optional<crypto::PublicKey>& peer);
    void maybe_request_sync();
    void queue_gossip(std::string_view canonical_envelope);
    void flush_gossip();
    void send_pool(const crypto::PublicKey& peer);  // On peer up: this node's pending events.
    void on_gossip(const crypto::PublicKey& peer, std::string_view payload);
    void schedule_status();
    [[nodiscard]] bool syncing() const;
    // What the voting gate looks at now.
    [[nodiscard]] VotingGate::View voting_view() const;
    // The SetVoting input to give the core when the voting gate's verdict changed (logged).
    [[nodiscard]] std::optional<consensus::Input> voting_change();
    void update_voting();
    // At start: whether the store's latest certificate holding this validator's own precommit
    // (within the last signing_check_heights_max) is later than the signing state's last
    // precommit (then the state was restored from an old copy or lost: the voting gate is silenced).
    void check_signing_state();
    // Logs (debug) and counts the messages in `state` signed since the last call; with
    // log = false only remembers them (the state loaded at start).
    void note_signed(const consensus::PersistentState& state, bool log = true);
    [[nodiscard]] std::string metrics() const;

    // node_relay.cpp: the read relay (read_relay.hpp).
    // The read record event of `read` as this validator signs it (its name, its agency, the
    // receipt time): nullopt when this node is not a validator of the latest adopted set.
    [[nodiscard]] Result<std::optional<ledger::Envelope>> sign_read_record(ledger::ReadRecord read,
                                                                           ledger::TimeMs received) const;
    // A validator: records an observer's read (0x07) and answers (0x08).
    void on_read_relay(const crypto::PublicKey& peer, std::string_view payload);
    // An observer: asks the validators, one at a time, until one records the read or
    // read_relay_wait_ms passes; `done` is called exactly once, on the node thread.
    void relay_read(ledger::ReadRecord read, ledger::TimeMs received, ReadRecorded done);
    // Node::record_read: a validator of the latest adopted set signs the record of a read it
    // served and admits it to its pool like a submitted event (gossiped, proposed, committed),
    // and `done` names it, or says why the pool refused it (its share of read records full);
    // another node relays it (relay_read). Counted either way, never retried.
    void record_read(ledger::ReadRecord read, ledger::TimeMs received, ReadRecorded done);
    void relay_next(std::uint64_t ticket);
    void on_read_relay_answer(const crypto::PublicKey& peer, std::string_view payload);
    void finish_relay(std::uint64_t ticket, Result<std::string> recorded_by);
    void fail_relays();  // At stop: every waiting read is answered "not recorded".
};

[[nodiscard]] Bytes frame_message(std::uint8_t type, std::string_view payload);

}  // namespace custos::runtime
