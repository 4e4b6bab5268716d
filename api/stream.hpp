// GET /v1/stream: committed events as server-sent events (text/event-stream), those the key may
// read. StreamFeed is what a stream reads and writes, without a socket: from a leaf index on, it
// asks the service for the events committed since its last look (only when the committed height
// moved) and turns those the officer may read into SSE text; the server's session
// (server.cpp) owns the timer, the write loop and the bounds.
//
// Wire form, one SSE event per committed event, in log order:
//     id: <leaf index>
//     event: committed
//     data: {"id","height","leaf_index","envelope"}      (one line)
// A client resumes with `Last-Event-ID: <leaf index>` (the next event is the one after it).
// The server ends a stream with one final event, `event: end`, whose data is
// {"reason","detail","next_leaf"}: reason `slow_reader` (the client read too slowly: its buffer
// passed ServerOptions::stream_buffer_bytes_max) or `key_revoked`; then it closes. Comment lines
// (": heartbeat") keep idle connections open through proxies.
//
// Reading rule (as GET /v1/events/{id}): an auditor reads every event; a custodian, prosecutor or
// admin the events of cases its agency takes part in, and the events its agency acted in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/service.hpp"
#include "ledger/genesis.hpp"

namespace custos::api {

// Events asked for per look (the rest at the next look, at once).
inline constexpr std::size_t stream_batch_events_max = 64;

// Where a stream starts and what it shows (set by the route, served by the session).
struct StreamStart {
    std::uint64_t from_leaf = 0;
    std::string case_id;  // Only this case's events when not empty.
    ledger::Officer officer;
};

class StreamFeed {
public:
    StreamFeed(NodeService& service, StreamStart start);

    struct Look {
        std::string text;                // SSE events to send (may be empty)
        bool more = false;               // more events are committed already: look again at once
        std::optional<std::string> end;  // the final event: send it and close
    };
    // The events committed since the last look that the officer may read, as SSE text of at most
    // `bytes_max` bytes (an event that does not fit is left for the next look, `more` set; the
    // first one goes whatever its size when `first_always`).
    [[nodiscard]] Look look(std::size_t bytes_max, bool first_always = false);

    // The final event with a reason and a detail (see above).
    [[nodiscard]] std::string end_event(std::string_view reason, std::string_view detail) const;
    [[nodiscard]] std::uint64_t next_leaf() const { return next_leaf_; }
    [[nodiscard]] const ledger::Officer& officer() const { return start_.officer; }

private:
    [[nodiscard]] Result<bool> may_read(const ledger::StoredEvent& entry);

    NodeService& service_;
    StreamStart start_;
    std::uint64_t next_leaf_ = 0;
    std::optional<ledger::Height> looked_at_;  // The committed height of the last look.
    bool behind_ = true;                       // events may be committed past next_leaf_
};

// The HTTP head of a stream's 200 answer (no Content-Length: the body ends when the connection
// does), with the SSE reconnection delay the client should use.
[[nodiscard]] std::string stream_head();

}  // namespace custos::api
