// The reads an observer waits to have recorded (consensus/runtime/relay_table.hpp): each asked of
// one connected validator at a time, each validator at most once, within read_relay_wait_ms, at
// most read_relays_max at once, under tickets never given twice.
#include <doctest/doctest.h>

#include <set>

#include "consensus/runtime/relay_table.hpp"
#include "tests/runtime/test_support.hpp"

using namespace custos;
using namespace custos::runtime;
using runtime::testing::peer_key;
using runtime::testing::validator_set;

namespace {

using Table = RelayTable<int>;  // The waiter: a number the test recognises its read by.

const auto everyone = [](const crypto::PublicKey&) { return true; };

ledger::ReadRecord a_read(std::string subject = "ITEM-1") {
    return ledger::ReadRecord{.node = "observer", .subject = std::move(subject)};
}

std::uint64_t open_at(Table& table, std::int64_t now_ms, int waiter = 0) {
    auto ticket = table.open(a_read(), ledger::TimeMs{now_ms}, now_ms, waiter);
    REQUIRE(ticket.has_value());
    return *ticket;
}

}  // namespace

TEST_CASE("relay table: a read is asked of one validator at a time, each at most once") {
    const auto set = validator_set({1, 1, 1});
    Table table;
    const auto ticket = open_at(table, 0);
    std::set<crypto::PublicKey> asked;
    std::optional<crypto::PublicKey> previous;
    for (std::uint64_t attempt = 1; attempt <= 3; ++attempt) {
        auto ask = table.next(ticket, 0, set.validators, everyone);
        REQUIRE(ask.has_value());
        CHECK(ask->attempt == attempt);
        CHECK(asked.insert(ask->validator).second);  // Never the same validator twice.
        // Only the validator asked now is heard; the one asked before is late.
        CHECK(table.asked_of(ticket, ask->validator) != nullptr);
        if (previous) CHECK(table.asked_of(ticket, *previous) == nullptr);
        CHECK(table.find(ticket)->asked_name ==
              set.validators[ask->validator.bytes[0] - 1].name);  // peer_key(n) is validator-n.
        previous = ask->validator;
    }
    CHECK(asked.size() == 3);
    // Everyone was asked: the read ends, saying how many refused or did not answer.
    auto done = table.next(ticket, 0, set.validators, everyone);
    REQUIRE_FALSE(done.has_value());
    CHECK(done.error().code == ErrorCode::unavailable);
    CHECK(done.error().message == "no validator recorded the read (3 asked)");
    // A validator never asked is not heard either.
    CHECK(table.asked_of(ticket, peer_key(9)) == nullptr);
}

TEST_CASE("relay table: only connected validators are asked") {
    const auto set = validator_set({1, 1, 1});
    Table table;
    const auto ticket = open_at(table, 0);
    auto only_two = [](const crypto::PublicKey& key) { return key == peer_key(2); };
    auto ask = table.next(ticket, 0, set.validators, only_two);
    REQUIRE(ask.has_value());
    CHECK(ask->validator == peer_key(2));
    auto done = table.next(ticket, 0, set.validators, only_two);
    REQUIRE_FALSE(done.has_value());
    CHECK(done.error().message == "no validator recorded the read (1 asked)");

    // Nobody connected (or no set): the read ends at once, before any validator is asked.
    const auto lonely = open_at(table, 0);
    auto none = table.next(lonely, 0, set.validators, [](const crypto::PublicKey&) { return false; });
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().message == "no validator that lists this observer is connected");
    CHECK(table.find(lonely)->tried.empty());
    auto no_set = table.next(lonely, 0, {}, everyone);
    REQUIRE_FALSE(no_set.has_value());
    CHECK(no_set.error().message == "no validator that lists this observer is connected");
}

TEST_CASE("relay table: each attempt waits at most read_relay_attempt_ms, the read read_relay_wait_ms") {
    const auto set = validator_set({1, 1, 1, 1});
    Table table;
    const std::int64_t start_ms = 1'000'000;
    const auto ticket = open_at(table, start_ms);
    auto first = table.next(ticket, start_ms, set.validators, everyone);
    REQUIRE(first.has_value());
    CHECK(first->wait_ms == read_relay_attempt_ms);
    // Less than an attempt's wait left: the attempt gets what is left.
    auto second = table.next(ticket, start_ms + read_relay_wait_ms - 700, set.validators, everyone);
    REQUIRE(second.has_value());
    CHECK(second->wait_ms == 700);
    // The wait is over, validators or not.
    auto over = table.next(ticket, start_ms + read_relay_wait_ms, set.validators, everyone);
    REQUIRE_FALSE(over.has_value());
    CHECK(over.error().code == ErrorCode::unavailable);
    CHECK(over.error().message ==
          "no validator recorded the read within " + std::to_string(read_relay_wait_ms) + " ms");
    CHECK(table.find(ticket)->tried.size() == 2);  // The ended attempt asked no one.
}

TEST_CASE("relay table: at most read_relays_max reads wait, and a ticket is never given twice") {
    Table table;
    std::set<std::uint64_t> tickets;
    for (std::size_t i = 0; i < read_relays_max; ++i) {
        const auto ticket = open_at(table, 0, static_cast<int>(i));
        CHECK(tickets.insert(ticket).second);
        CHECK(table.find(ticket)->request.ticket == ticket);  // The request carries its ticket.
    }
    CHECK(table.size() == read_relays_max);
    CHECK_FALSE(table.open(a_read("ITEM-2"), ledger::TimeMs{0}, 0, -1).has_value());
    CHECK(table.size() == read_relays_max);  // The refused read is not kept.

    // One ends: room for one more, under a new ticket (a late answer to the old one finds nothing).
    const auto ended = *table.first();
    auto relay = table.finish(ended);
    REQUIRE(relay.has_value());
    CHECK(relay->waiter == 0);                     // The oldest read's.
    CHECK_FALSE(table.finish(ended).has_value());  // Ended once.
    const auto again = open_at(table, 0, 7);
    CHECK(again != ended);
    CHECK(tickets.insert(again).second);
    CHECK(table.find(ended) == nullptr);
    CHECK(table.find(again)->waiter == 7);
    CHECK_FALSE(table.open(a_read(), ledger::TimeMs{0}, 0, -1).has_value());
}

TEST_CASE("relay table: a timer of an earlier attempt, or of a read that ended, is stale") {
    const auto set = validator_set({1, 1});
    Table table;
    const auto ticket = open_at(table, 0);
    CHECK_FALSE(table.current(ticket, 1));  // Nobody asked yet.
    REQUIRE(table.next(ticket, 0, set.validators, everyone).has_value());
    CHECK(table.current(ticket, 1));
    REQUIRE(table.next(ticket, 0, set.validators, everyone).has_value());
    CHECK_FALSE(table.current(ticket, 1));
    CHECK(table.current(ticket, 2));
    REQUIRE(table.finish(ticket).has_value());
    CHECK_FALSE(table.current(ticket, 2));
    CHECK(table.asked_of(ticket, peer_key(1)) == nullptr);
    CHECK(table.asked_of(ticket, peer_key(2)) == nullptr);
}

TEST_CASE("relay table: successive reads start at different validators, and every read ends") {
    const auto set = validator_set({1, 1, 1});
    Table table;
    std::set<crypto::PublicKey> first_asked;
    for (int i = 0; i < 3; ++i) {
        const auto ticket = open_at(table, 0, i);
        auto ask = table.next(ticket, 0, set.validators, everyone);
        REQUIRE(ask.has_value());
        first_asked.insert(ask->validator);
    }
    CHECK(first_asked.size() == 3);  // The records spread over the validators.
    // What the node does at stop: end the oldest until none waits, each once.
    std::vector<int> ended;
    while (auto ticket = table.first())
        ended.push_back(table.finish(*ticket)->waiter);
    CHECK(ended == std::vector<int>{0, 1, 2});
    CHECK(table.size() == 0);
}
