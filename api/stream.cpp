// What a GET /v1/stream sends, without a socket. See stream.hpp.
#include "api/stream.hpp"

#include <set>

#include "api/problem.hpp"
#include "api/views.hpp"

namespace custos::api {

namespace {

// The SSE reconnection delay a client is told to use.
constexpr int stream_retry_ms = 2000;

std::string event_text(const ledger::StoredEvent& entry) {
    return "id: " + std::to_string(entry.leaf_index) +
           "\nevent: committed\ndata: " + json_text(views::stored_event_json(entry)) + "\n\n";
}

}  // namespace

std::string stream_head() {
    return "HTTP/1.1 200 OK\r\n"
           "Content-Type: text/event-stream; charset=utf-8\r\n"
           "Cache-Control: no-store\r\n"
           "X-Accel-Buffering: no\r\n"
           "Connection: close\r\n"
           "\r\n"
           "retry: " +
           std::to_string(stream_retry_ms) + "\n\n";
}

StreamFeed::StreamFeed(NodeService& service, StreamStart start)
    : service_(service), start_(std::move(start)), next_leaf_(start_.from_leaf) {}

std::string StreamFeed::end_event(std::string_view reason, std::string_view detail) const {
    crypto::Json data{{"reason", reason}, {"detail", detail}, {"next_leaf", next_leaf_}};
    return "event: end\ndata: " + json_text(data) + "\n\n";
}

Result<bool> StreamFeed::may_read(const ledger::StoredEvent& entry) {
    const ledger::Event& event = entry.envelope.event;
    const std::string& case_id = event.case_id;
    if (!start_.case_id.empty() && case_id != start_.case_id) return false;
    if (start_.officer.has_role(ledger::Role::auditor)) return true;
    // A read record (the consultation log) is the serving node's agency's event but says who
    // read another agency's evidence: only GET /v1/items/{item}/reads answers it, with its rules.
    if (event.kind == ledger::EventKind::read) return false;
    if (event.agency == start_.officer.agency) return true;
    if (case_id.empty()) return false;
    auto participants = service_.case_participants(case_id);
    if (!participants) {
        if (participants.error().code == ErrorCode::not_found) return false;
        return tl::unexpected(participants.error());
    }
    return participants->contains(start_.officer.agency);
}

StreamFeed::Look StreamFeed::look(std::size_t bytes_max, bool first_always) {
    Look look;
    auto height = service_.committed_height();
    if (!height) return look;  // Not readable now: look again later.
    if (!behind_ && looked_at_ && *looked_at_ == *height) return look;
    if (!looked_at_ || *looked_at_ != *height) {
        // A new height: the key may have been revoked by it.
        auto officer = service_.officer(start_.officer.key);
        if (officer && !*officer) {
            look.end =
                end_event("key_revoked", "the key of this stream is no longer an officer key in force");
            return look;
        }
    }
    looked_at_ = *height;
    auto events = service_.committed_events(next_leaf_, stream_batch_events_max + 1);
    if (!events) {
        behind_ = true;  // Try again at the next look.
        return look;
    }
    behind_ = events->size() > stream_batch_events_max;
    std::size_t taken = 0;
    for (const auto& entry : *events) {
        if (taken == stream_batch_events_max) break;
        const std::uint64_t leaf = entry.leaf_index;
        auto readable = may_read(entry);
        if (!readable) {
            behind_ = true;  // This event again at the next look.
            return look;
        }
        if (*readable) {
            std::string text = event_text(entry);
            const bool first = look.text.empty() && first_always;
            if (!first && look.text.size() + text.size() > bytes_max) {
                look.more = true;
                behind_ = true;
                return look;
            }
            look.text += text;
        }
        next_leaf_ = leaf + 1;
        ++taken;
    }
    look.more = behind_;
    return look;
}

}  // namespace custos::api
