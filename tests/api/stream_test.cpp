// GET /v1/stream against the fake service's log: committed events arrive as server-sent events in
// log order; a reader gets exactly the events of the cases it may read; Last-Event-ID resumes with
// exactly the events after it; from_height starts at a block; a reader too slow to keep up is cut
// off with a final `slow_reader` event (and the node never holds more than the bound for it); the
// caps per key and per node; bad parameters are 400 naming them.
#include <poll.h>

#include <chrono>
#include <thread>

#include "api_support.hpp"

namespace custos::api::test {

namespace {

using std::chrono::milliseconds;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// One stream over a raw socket: the signed request, then the bytes as they come.
class StreamClient {
public:
    StreamClient(Fixture& fixture, const std::string& officer, const std::string& target,
                 std::vector<std::pair<std::string, std::string>> headers = {},
                 int receive_buffer_bytes = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd_ >= 0);
        if (receive_buffer_bytes > 0)
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(fixture.port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        const std::int64_t at = fixture.now->load();
        for (auto& header : fixture.sign(fixture.service.officer_named(officer).key, "GET", target, "", at,
                                         at + 60, fixture.next_nonce()))
            headers.push_back(std::move(header));
        std::string request =
            "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(fixture.port) + "\r\n";
        for (const auto& [name, value] : headers)
            request += name + ": " + value + "\r\n";
        request += "\r\n";
        REQUIRE(::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
                static_cast<ssize_t>(request.size()));
    }
    ~StreamClient() { ::close(fd_); }
    StreamClient(const StreamClient&) = delete;
    StreamClient& operator=(const StreamClient&) = delete;

    // Reads until `done` holds for what arrived, the connection closes, or `within` passes.
    template <typename Done>
    void read_until(Done done, milliseconds within = milliseconds(5000)) {
        const auto deadline = std::chrono::steady_clock::now() + within;
        char buffer[65536];
        while (!done(*this) && !closed) {
            const auto left =
                std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return;
            pollfd ready{.fd = fd_, .events = POLLIN, .revents = 0};
            if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
            const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
            if (got <= 0) {
                closed = true;
                return;
            }
            const std::size_t from = raw.size() < 4 ? 0 : raw.size() - 4;
            raw.append(buffer, static_cast<std::size_t>(got));
            for (std::size_t at = raw.find("\nid: ", from); at != std::string::npos;
                 at = raw.find("\nid: ", at + 1))
                ++events_seen;
        }
    }
    // The ids of the committed events received, in order.
    [[nodiscard]] std::vector<std::uint64_t> ids() const {
        std::vector<std::uint64_t> out;
        for (std::size_t at = raw.find("\nid: "); at != std::string::npos; at = raw.find("\nid: ", at + 1))
            out.push_back(std::stoull(raw.substr(at + 5)));
        return out;
    }
    void read_events(std::size_t count, milliseconds within = milliseconds(5000)) {
        read_until([count](const StreamClient& c) { return c.events_seen >= count; }, within);
    }
    [[nodiscard]] std::string status_line() const { return raw.substr(0, raw.find("\r\n")); }

    std::string raw;
    std::size_t events_seen = 0;  // committed events received so far
    bool closed = false;

private:
    int fd_ = -1;
};

using Ids = std::vector<std::uint64_t>;

}  // namespace

TEST_CASE("stream: committed events in log order, only those the key may read, resumed by Last-Event-ID") {
    Fixture fixture(ServerOptions{.streams_per_key_max = 16, .stream_poll_ms = 10});
    // Leaves 0..4: CASE-1 (NL-POL takes part), CASE-2 (DE-BKA), CASE-1, CASE-2, CASE-1.
    for (const char* case_id : {"CASE-1", "CASE-2", "CASE-1", "CASE-2", "CASE-1"})
        fixture.service.commit_event(case_id, case_id == std::string("CASE-1") ? "NL-POL" : "DE-BKA");

    StreamClient auditor(fixture, "auditor", "/v1/stream?from_height=1");
    auditor.read_events(5);
    CHECK(auditor.status_line() == "HTTP/1.1 200 OK");
    CHECK(contains(auditor.raw, "Content-Type: text/event-stream"));
    CHECK(auditor.ids() == Ids{0, 1, 2, 3, 4});
    CHECK(contains(auditor.raw, "event: committed\ndata: {"));

    // Live: what commits after the stream opened arrives, in order.
    fixture.service.commit_event("CASE-2", "DE-BKA");
    fixture.service.commit_event("CASE-1", "NL-POL");
    auditor.read_events(7);
    CHECK(auditor.ids() == Ids{0, 1, 2, 3, 4, 5, 6});

    // Each reader gets only the events of the cases its agency takes part in.
    StreamClient nl(fixture, "nl.prosecutor", "/v1/stream?from_height=1");
    StreamClient de(fixture, "de.custodian", "/v1/stream?from_height=1");
    nl.read_events(4);
    de.read_events(3);
    // Anything else would have come by now too: wait a little longer and look again.
    nl.read_until([](const StreamClient&) { return false; }, milliseconds(300));
    de.read_until([](const StreamClient&) { return false; }, milliseconds(300));
    CHECK(nl.ids() == Ids{0, 2, 4, 6});
    CHECK(de.ids() == Ids{1, 3, 5});
    CHECK(!contains(nl.raw, "\"CASE-2\""));
    CHECK(!contains(de.raw, "\"CASE-1\""));
    // A case asked for narrows it further; a case not readable gives nothing, without a word.
    StreamClient only(fixture, "auditor", "/v1/stream?from_height=1&case=CASE-2");
    only.read_events(3);
    CHECK(only.ids() == Ids{1, 3, 5});
    StreamClient foreign(fixture, "de.custodian", "/v1/stream?from_height=1&case=CASE-1");
    foreign.read_until([](const StreamClient&) { return false; }, milliseconds(300));
    CHECK(foreign.status_line() == "HTTP/1.1 200 OK");
    CHECK(foreign.ids().empty());

    // Resume: exactly the events after the last one received, none again, none left out.
    StreamClient resumed(fixture, "auditor", "/v1/stream", {{"Last-Event-ID", "3"}});
    resumed.read_events(3);
    resumed.read_until([](const StreamClient&) { return false; }, milliseconds(300));
    CHECK(resumed.ids() == Ids{4, 5, 6});
    StreamClient resumed_nl(fixture, "nl.custodian", "/v1/stream?from_height=1", {{"Last-Event-ID", "2"}});
    resumed_nl.read_events(2);
    CHECK(resumed_nl.ids() == Ids{4, 6});  // Last-Event-ID wins over from_height
    // from_height: block 8 + i holds leaf i; without either, only what commits next.
    StreamClient from_block(fixture, "auditor", "/v1/stream?from_height=13");
    from_block.read_events(2);
    CHECK(from_block.ids() == Ids{5, 6});
    StreamClient from_now(fixture, "auditor", "/v1/stream");
    from_now.read_until([](const StreamClient& c) { return contains(c.raw, "retry: "); });
    fixture.service.commit_event("CASE-1", "NL-POL");
    from_now.read_events(1);
    CHECK(from_now.ids() == Ids{7});

    // A key revoked by a committed block ends its stream with a final event.
    StreamClient revoked(fixture, "de.custodian", "/v1/stream");
    revoked.read_until([](const StreamClient& c) { return contains(c.raw, "retry: "); });
    fixture.service.revoke(fixture.service.officer_named("de.custodian").key.public_key());
    fixture.service.commit_event("CASE-2", "DE-BKA");
    revoked.read_until([](const StreamClient&) { return false; });
    CHECK(revoked.closed);
    CHECK(contains(revoked.raw, "event: end\ndata: {"));
    CHECK(contains(revoked.raw, "\"reason\":\"key_revoked\""));
    CHECK(revoked.ids().empty());
}

TEST_CASE("stream: a reader too slow is cut off with a final event; the buffer stays bounded") {
    // 64 KiB may wait per stream; events of 16 KiB; 16 MB committed, far more than the socket
    // buffers of both ends hold.
    Fixture fixture(
        ServerOptions{.stream_buffer_bytes_max = 64 * 1024, .stream_poll_ms = 10, .stream_slow_ms = 1000});
    const std::size_t committed = 1000;
    for (std::size_t i = 0; i < committed; ++i)
        fixture.service.commit_event("CASE-1", "NL-POL", 16 * 1024);
    StreamClient slow(fixture, "auditor", "/v1/stream?from_height=1", {}, 4096);
    // It reads nothing for a while: the server's buffer fills, stays full, and the stream ends.
    std::this_thread::sleep_for(milliseconds(3000));
    const int reads_while_stuck = fixture.service.reads.load();
    slow.read_until([](const StreamClient&) { return false; }, milliseconds(20000));
    CHECK(slow.closed);
    const Ids ids = slow.ids();
    REQUIRE(!ids.empty());
    CHECK(ids.size() < committed);
    for (std::size_t i = 0; i < ids.size(); ++i)
        CHECK(ids[i] == i);  // in order, no gap, no repeat, up to where it was cut
    const auto end = slow.raw.rfind("event: end\ndata: ");
    REQUIRE(end != std::string::npos);
    CHECK(end > slow.raw.rfind("\nid: "));  // the last thing sent
    CHECK(contains(slow.raw.substr(end), "\"reason\":\"slow_reader\""));
    CHECK(contains(slow.raw.substr(end), "\"next_leaf\":" + std::to_string(ids.back() + 1)));
    // While it was stuck the server stopped reading the log for it (it reads only what fits).
    CHECK(fixture.service.reads.load() - reads_while_stuck < 50);

    // A reader that keeps up gets all of it.
    StreamClient fast(fixture, "auditor", "/v1/stream?from_height=1");
    fast.read_events(committed, milliseconds(30000));
    CHECK(fast.ids().size() == committed);
    CHECK(!contains(fast.raw, "event: end"));
}

TEST_CASE("stream: caps per key and per node, heartbeats, refusals naming the parameter") {
    Fixture fixture(ServerOptions{
        .streams_max = 3, .streams_per_key_max = 2, .stream_poll_ms = 10, .stream_heartbeat_ms = 50});
    StreamClient first(fixture, "auditor", "/v1/stream");
    StreamClient second(fixture, "auditor", "/v1/stream");
    first.read_until([](const StreamClient& c) { return contains(c.raw, ": heartbeat\n\n"); });
    second.read_until([](const StreamClient& c) { return contains(c.raw, "retry: "); });
    CHECK(contains(first.raw, ": heartbeat\n\n"));  // a comment line while nothing commits
    StreamClient third(fixture, "auditor", "/v1/stream");
    third.read_until([](const StreamClient&) { return false; }, milliseconds(2000));
    CHECK(third.status_line() == "HTTP/1.1 503 Service Unavailable");
    CHECK(contains(third.raw, "Retry-After: "));
    CHECK(contains(third.raw, "Too many streams"));
    StreamClient other_key(fixture, "nl.custodian", "/v1/stream");
    other_key.read_until([](const StreamClient& c) { return contains(c.raw, "retry: "); });
    CHECK(other_key.status_line() == "HTTP/1.1 200 OK");
    StreamClient over_node(fixture, "de.custodian", "/v1/stream");
    over_node.read_until([](const StreamClient&) { return false; }, milliseconds(2000));
    CHECK(over_node.status_line() == "HTTP/1.1 503 Service Unavailable");

    for (const auto& [target_entry, header_entry, field] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"/v1/stream?from_height=0", "", "from_height"},
             {"/v1/stream?from_height=99", "", "from_height"},
             {"/v1/stream?case=a*b", "", "case"},
             {"/v1/stream?limit=3", "", "limit"},
             {"/v1/stream", "x1", "Last-Event-ID"},
             {"/v1/stream", "-1", "Last-Event-ID"}}) {
        const auto& header = header_entry;  // clang 14 cannot capture a structured binding
        const auto& target = target_entry;  // clang 14 cannot capture a structured binding
        CAPTURE(target);
        CAPTURE(header);
        std::vector<std::pair<std::string, std::string>> headers;
        if (!header.empty()) headers.emplace_back("Last-Event-ID", header);
        auto refused = fixture.signed_request("nl.admin", "GET", target, {}, {}, headers);
        CHECK(refused.status == 400);
        CHECK(problem_of(refused)["field"] == field);
    }
    CHECK(fixture.request("GET", "/v1/stream").status == 401);
}

}  // namespace custos::api::test
