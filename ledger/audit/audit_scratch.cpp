#include "ledger/audit/audit_scratch.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <system_error>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"

namespace custos::ledger {

Result<std::unique_ptr<AuditScratch>> AuditScratch::create(const std::filesystem::path& parent) {
    std::error_code error;
    std::filesystem::path base = parent;
    if (base.empty()) {
        base = std::filesystem::temp_directory_path(error);
        if (error)
            return make_error(ErrorCode::io_error,
                              "no temporary directory for the audit's scratch: " + error.message());
    }
    if (!std::filesystem::is_directory(base, error)) {
        return make_error(ErrorCode::io_error, "scratch directory " + base.string() + " does not exist");
    }
    CUSTOS_ASSERT(sodium_init() >= 0, "libsodium failed to initialise");
    std::array<std::uint8_t, 8> random{};
    randombytes_buf(random.data(), random.size());
    std::filesystem::path directory =
        base / ("custos-audit-" + crypto::hex_encode(ByteView(random.data(), random.size())));
    if (!std::filesystem::create_directory(directory, error) || error) {
        return make_error(ErrorCode::io_error, "cannot make the audit's scratch directory " +
                                                   directory.string() +
                                                   (error ? ": " + error.message() : ": it exists"));
    }
    auto db = store::Db::open(directory, store::DbOptions{.create_if_missing = true, .scratch = true});
    auto indexes = db ? store::Db::open(directory / "indexes",
                                        store::DbOptions{.create_if_missing = true, .scratch = true})
                      : tl::unexpected(db.error());
    if (!indexes) {
        db = tl::unexpected(indexes.error());  // Closes the first before the directory goes.
        std::filesystem::remove_all(directory, error);
        return tl::unexpected(indexes.error());
    }
    return std::unique_ptr<AuditScratch>(new AuditScratch(std::move(directory),
                                                          std::make_unique<store::Db>(std::move(*db)),
                                                          std::make_unique<store::Db>(std::move(*indexes))));
}

AuditScratch::~AuditScratch() {
    indexes_.reset();
    db_.reset();
    std::error_code error;
    std::filesystem::remove_all(directory_, error);  // Best effort: nothing to report it to.
}

WriteBehind::WriteBehind(store::Db& db, bool own_thread) : db_(db) {
    if (own_thread) thread_ = std::thread([this] { run(); });
}

WriteBehind::~WriteBehind() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
}

Status WriteBehind::write(store::Batch batch) {
    if (!thread_.joinable()) {
        if (status_ && batch.count() > 0) status_ = db_.write(std::move(batch), false);
        return status_;
    }
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return queue_.size() < write_behind_batches_max; });
    if (status_ && batch.count() > 0) {
        queue_.push_back(std::move(batch));
        changed_.notify_all();
    }
    return status_;
}

Status WriteBehind::finish() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return queue_.empty() && !writing_; });
    return status_;
}

void WriteBehind::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        store::Batch batch = std::move(queue_.front());
        queue_.pop_front();
        writing_ = true;
        lock.unlock();
        auto written = db_.write(std::move(batch), false);
        lock.lock();
        writing_ = false;
        if (!written && status_) status_ = std::move(written);
        if (!status_) queue_.clear();  // Dropped: the audit stops at the first failed write.
        changed_.notify_all();
    }
}

}  // namespace custos::ledger
