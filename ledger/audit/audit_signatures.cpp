#include "ledger/audit/audit_signatures.hpp"

#include <algorithm>
#include <atomic>

#include "common/assert.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/merkle.hpp"
#include "crypto/sha256.hpp"

namespace custos::ledger {

void prepare_events(std::span<PreparedEvent> events) {
    std::vector<crypto::VerifyRequest> requests;
    std::vector<PreparedEvent*> parsed;
    // Each parsed event's canonical bytes, signed over: needed only until the batch is verified.
    // Sized once, so the requests' views into it stay valid.
    std::vector<std::string> event_bytes(events.size());
    requests.reserve(events.size());
    parsed.reserve(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        PreparedEvent& event = events[i];
        event.leaf_hash = crypto::merkle_leaf_hash(as_bytes(event.stored));
        event.envelope = parse_envelope(event.stored);
        if (!event.envelope) continue;
        event_bytes[i] = canonical_event(event.envelope->event);
        event.id = EventId{crypto::sha256(event_bytes[i])};
        // The one layout of a stored envelope (event.hpp).
        event.canonical = event.stored == canonical_envelope_of(event_bytes[i], *event.envelope);
        requests.push_back({&event.envelope->signer, as_bytes(event_bytes[i]), &event.envelope->signature});
        parsed.push_back(&event);
    }
    // verify_many's verdict for each request is exactly verify()'s (crypto/ed25519.hpp).
    const std::vector<bool> verdicts = crypto::verify_many(requests);
    for (std::size_t i = 0; i < parsed.size(); ++i)
        parsed[i]->signature_ok = verdicts[i];
}

unsigned worker_threads(unsigned requested) {
    if (requested != 0) return requested;
    return std::max(1u, std::thread::hardware_concurrency());
}

void parallel_for(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& body) {
    const std::size_t helpers = std::min<std::size_t>(threads > 0 ? threads - 1 : 0, count / 2);
    if (helpers == 0) {
        for (std::size_t index = 0; index < count; ++index)
            body(index);
        return;
    }
    constexpr std::size_t chunk = 16;
    std::atomic<std::size_t> next{0};
    auto run = [&] {
        for (std::size_t first = next.fetch_add(chunk); first < count; first = next.fetch_add(chunk)) {
            for (std::size_t index = first; index < std::min(count, first + chunk); ++index)
                body(index);
        }
    };
    std::vector<std::thread> pool;
    pool.reserve(helpers);
    for (std::size_t index = 0; index < helpers; ++index)
        pool.emplace_back(run);
    run();
    for (auto& thread : pool)
        thread.join();
}

SignatureStage::SignatureStage(store::Cursor cursor, unsigned threads) : cursor_(std::move(cursor)) {
    in_flight_max_ = batches_in_flight_per_thread * std::max(1u, threads);
    if (threads > 1) {
        workers_.reserve(threads);
        for (unsigned index = 0; index < threads; ++index)
            workers_.emplace_back([this] { work(); });
    }
}

SignatureStage::~SignatureStage() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_ready_.notify_all();
    for (auto& worker : workers_)
        worker.join();
}

void SignatureStage::work() {
    while (true) {
        std::shared_ptr<Batch> batch;
        {
            std::unique_lock lock(mutex_);
            work_ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            batch = std::move(jobs_.front());
            jobs_.pop_front();
        }
        prepare_events(batch->events);
        {
            std::lock_guard lock(mutex_);
            batch->done = true;
        }
        batch_done_.notify_all();
    }
}

void SignatureStage::fill() {
    while (batches_.size() < in_flight_max_ && !exhausted_) {
        auto batch = std::make_shared<Batch>();
        batch->events.reserve(batch_events_max);
        while (batch->events.size() < batch_events_max && cursor_.valid()) {
            PreparedEvent event;
            event.key = std::string(cursor_.key());
            event.stored = std::string(cursor_.value());
            batch->events.push_back(std::move(event));
            cursor_.next();
        }
        if (!cursor_.valid()) {
            exhausted_ = true;
            cursor_status_ = cursor_.status();
        }
        if (batch->events.empty()) break;
        if (workers_.empty()) {
            prepare_events(batch->events);
            batch->done = true;
        } else {
            std::lock_guard lock(mutex_);
            jobs_.push_back(batch);
        }
        batches_.push_back(std::move(batch));
        if (!workers_.empty()) work_ready_.notify_one();
    }
}

bool SignatureStage::valid() {
    if (!batches_.empty() && position_ >= batches_.front()->events.size()) {
        batches_.pop_front();
        position_ = 0;
    }
    fill();
    return !batches_.empty();
}

const PreparedEvent& SignatureStage::current() {
    CUSTOS_ASSERT(valid(), "the signature stage is read only while it holds a record");
    return batches_.front()->events[position_];
}

std::string_view SignatureStage::key() {
    return current().key;  // Set when read: no need to wait for the worker.
}

std::string_view SignatureStage::value() {
    return current().stored;
}

void SignatureStage::next() {
    CUSTOS_ASSERT(valid(), "next() only while a record is held");
    ++position_;
}

const PreparedEvent& SignatureStage::prepared() {
    CUSTOS_ASSERT(valid(), "prepared() only while a record is held");
    const auto& front = batches_.front();
    if (!workers_.empty()) {
        std::unique_lock lock(mutex_);
        batch_done_.wait(lock, [&] { return front->done; });
    }
    return current();
}

}  // namespace custos::ledger
