// Slow and greedy clients: connection caps that make room by closing the connection waiting
// longest for a header, busy connections never dropped, and 300 dribbling clients that neither
// lock out nor slow down a normal one (the header deadline closes them all).
#include <memory>
#include <thread>

#include "api_support.hpp"

namespace custos::api::test {

TEST_CASE("at the per-address cap, the idle connection waiting longest is closed to make room") {
    Fixture fixture(ServerOptions{.connections_per_address_max = 2});
    RawConnection first(fixture.port);
    RawConnection second(fixture.port);
    // A third connection from the same address: served, at the cost of the oldest idle one.
    CHECK(fixture.request("GET", "/healthz").status == 200);
    bool closed = false;
    CHECK(first.read_all(closed).empty());
    CHECK(closed);
    // The second is still open and served.
    CHECK(second.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    CHECK(status_line(second.read_all(closed)) == "HTTP/1.1 200 OK");
}

TEST_CASE("at the cap with every connection busy, a new connection is closed at once") {
    Fixture fixture(ServerOptions{.connections_max = 2, .body_timeout_ms = 20000});
    // Both send a header announcing a body that never comes: they are busy (reading a body).
    RawConnection first(fixture.port);
    RawConnection second(fixture.port);
    const std::string header =
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n";
    CHECK(first.send(header));
    CHECK(second.send(header));
    // Give the server's thread the two headers (no result depends on how long this takes beyond
    // the headers having been read).
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    RawConnection third(fixture.port, 2);
    third.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    bool closed = false;
    CHECK(third.read_all(closed).empty());
    CHECK(closed);
    // The busy ones were kept: finishing the body gets an answer (here: unsigned, so 401).
    CHECK(first.send("{\"a\":1234}"));
    CHECK(status_line(first.read_all(closed)) == "HTTP/1.1 401 Unauthorized");
}

TEST_CASE("300 clients dribbling a byte a second do not lock out or stall a normal client") {
    // Header deadline 1.5 s (production: 10 s); per-address cap 256 as in production. All clients
    // are on 127.0.0.1, so the 300 dribblers are over the per-address cap by themselves.
    Fixture fixture(ServerOptions{.header_timeout_ms = 1500});
    constexpr std::size_t dribbler_count = 300;
    std::vector<std::unique_ptr<RawConnection>> dribblers;
    for (std::size_t i = 0; i < dribbler_count; ++i) {
        dribblers.push_back(std::make_unique<RawConnection>(fixture.port, 4));
        dribblers.back()->send("GET /healthz HTTP/1.1\r\nX-Slow: ");
    }
    std::atomic<bool> stop{false};
    std::thread dribble([&] {
        while (!stop) {
            for (auto& connection : dribblers)
                connection->send("a");  // Fails once the server has closed it; that is expected.
            for (int tick = 0; tick < 10 && !stop; ++tick)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    // Normal clients, each request on its own connection with the client's 5 s deadline.
    int served = 0;
    for (int i = 0; i < 100; ++i) {
        auto response =
            http_request(ClientRequest{.port = fixture.port, .target = "/healthz", .timeout_ms = 5000});
        if (response && response->status == 200) ++served;
    }
    CHECK(served == 100);
    CHECK(fixture.signed_request("auditor", "GET", "/v1/items/ITEM-1/trail").status == 200);
    // Every dribbler is closed by the server (its header deadline, or evicted to make room), with
    // no answer; read_all() would give up after 4 s.
    std::size_t closed_count = 0;
    for (auto& connection : dribblers) {
        bool closed = false;
        std::string got = connection->read_all(closed);
        if (closed && got.empty()) ++closed_count;
    }
    stop = true;
    dribble.join();
    CHECK(closed_count == dribbler_count);
    CHECK(fixture.request("GET", "/healthz").status == 200);
}

}  // namespace custos::api::test
