// The audit's signature stage: reads the log's records ahead of the replay and, on a pool of
// worker threads, parses each envelope, computes its canonical event bytes and id, compares the
// stored bytes with the canonical envelope, hashes the Merkle leaf and verifies the signature
// (rule R2). The replay (audit.cpp) consumes the records strictly in key order, one
// at a time, through a cursor-like interface, and makes every check itself in the same order as
// before: the stage only does the replay's per-event work earlier and elsewhere, so verdicts and
// the first violation are those of a one-thread replay (a test compares them).
//
// Bounded: at most `batches_in_flight_per_thread` batches of `batch_events_max` records per
// worker are read ahead. With 0 or 1 threads the work runs on the caller's thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "ledger/events/event.hpp"
#include "ledger/store/store_db.hpp"

namespace custos::ledger {

inline constexpr std::size_t batch_events_max = 256;
inline constexpr std::size_t batches_in_flight_per_thread = 4;

// One stored record of the log and what the stage computed from it.
struct PreparedEvent {
    std::string key;
    std::string stored;
    Result<Envelope> envelope;  // parse_envelope(stored)
    // "The event bytes": canonical_event(envelope->event), when it parsed; prepare_events keeps
    // them only until the batch's signatures are verified.
    EventId id;                 // SHA-256 of the event bytes
    bool canonical = false;     // stored == canonical_envelope_of(event bytes, *envelope)
    bool signature_ok = false;  // R2: the signature verifies over the event bytes
    Hash32 leaf_hash;           // crypto::merkle_leaf_hash(stored), whatever stored is
};

// Every record is prepared the same way on any thread, in batches: a pure function of its bytes.
// The signatures of a batch are checked together (crypto::verify_many: one field inversion for
// the batch, each verdict exactly crypto::verify's).
void prepare_events(std::span<PreparedEvent> events);

// Worker threads for `requested` (0: all cores), at least 1.
[[nodiscard]] unsigned worker_threads(unsigned requested);

// Calls body(0) .. body(count - 1), each once, on `threads` threads (the caller's included; 1:
// in order on the caller's thread). For independent work only: the bundle verifier prepares each
// record's envelope and signature verdict this way, then reports failures in record order.
void parallel_for(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& body);

class SignatureStage {
public:
    // `cursor` is positioned at the first record to read (the replay seeks it to leaf 0).
    SignatureStage(store::Cursor cursor, unsigned threads);
    ~SignatureStage();
    SignatureStage(const SignatureStage&) = delete;
    SignatureStage& operator=(const SignatureStage&) = delete;

    // As store::Cursor: whether a record is at the current position, its key and bytes.
    [[nodiscard]] bool valid();
    [[nodiscard]] std::string_view key();
    [[nodiscard]] std::string_view value();
    void next();
    // io_error/corruption if reading stopped because the store failed (once records ran out).
    [[nodiscard]] Status status() const { return cursor_status_; }
    // The current record, prepared (waits for its worker).
    [[nodiscard]] const PreparedEvent& prepared();

private:
    struct Batch {
        std::vector<PreparedEvent> events;
        bool done = false;  // Guarded by mutex_.
    };
    void fill();
    void work();
    const PreparedEvent& current();

    store::Cursor cursor_;
    Status cursor_status_;
    bool exhausted_ = false;
    std::size_t in_flight_max_ = 1;
    std::deque<std::shared_ptr<Batch>> batches_;  // Read ahead, in key order.
    std::size_t position_ = 0;                    // In batches_.front().

    std::mutex mutex_;
    std::condition_variable work_ready_;
    std::condition_variable batch_done_;
    std::deque<std::shared_ptr<Batch>> jobs_;  // Guarded by mutex_.
    bool stopping_ = false;                    // Guarded by mutex_.
    std::vector<std::thread> workers_;
};

}  // namespace custos::ledger
