// A batch of event gossip (wire 0x02, node.hpp): the JSON array text of canonical envelopes,
// built from the bytes admission already computed (no re-serialization). It is sent when it
// reaches gossip_batch_max events or gossip_batch_bytes_max bytes, or when its flush timer
// fires (the node arms that timer: this class holds no clock). The pool sent to a peer that
// connects (NodeImpl::send_pool) is cut into batches the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace custos::runtime {

inline constexpr std::size_t gossip_batch_max = 512;
// A gossip batch is sent before it grows past this (well under consensus::message_bytes_max).
inline constexpr std::size_t gossip_batch_bytes_max = 1024 * 1024;
inline constexpr std::int64_t gossip_flush_ms = 5;

class GossipBatch {
public:
    // Appends one canonical envelope; true when the batch is now full and must be sent at once.
    bool add(std::string_view canonical_envelope) {
        text_ += count_ == 0 ? '[' : ',';
        text_ += canonical_envelope;
        ++count_;
        return count_ >= gossip_batch_max || text_.size() >= gossip_batch_bytes_max;
    }
    // True when a flush timer must be armed: the first call since the batch was last flushed.
    [[nodiscard]] bool schedule_flush() {
        if (flush_scheduled_) return false;
        flush_scheduled_ = true;
        return true;
    }
    // Hands the batch (a closed JSON array) to `send` unless it is empty, then starts a new one,
    // with no flush scheduled.
    template <typename Send>
    void flush(Send&& send) {
        flush_scheduled_ = false;
        if (count_ == 0) return;
        text_ += ']';
        send(std::string_view(text_));
        text_.clear();  // Keeps its capacity for the next batch.
        count_ = 0;
    }
    [[nodiscard]] std::size_t count() const { return count_; }
    [[nodiscard]] bool empty() const { return count_ == 0; }

private:
    std::string text_;  // The JSON array so far, without its closing bracket.
    std::size_t count_ = 0;
    bool flush_scheduled_ = false;
};

}  // namespace custos::runtime
