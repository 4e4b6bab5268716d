// Multi-process: the node's API read cache (tools/node/node_service.cpp) against a localnet made
// by `custos-dev localnet init` and run by `custos-dev localnet run --no-demo`. Between commits the node
// answers officer lookups, item cases, case participants and trail bodies from a cache; these
// check that a commit is seen by the very next request on the same node: a trail read after a new
// event commits shows it, and a key revoked by a committed officer.revoke is refused at once.
// Also, on a localnet of its own: a batch (POST /v1/batches) of chained events admitted in order
// by the real node, one entry refused alone, and every admitted one committed in that order.
#include <doctest/doctest.h>
#include <sodium.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "api/http_client.hpp"
#include "cli_support.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/sha256.hpp"
#include "ledger/events/event.hpp"

namespace {

namespace fs = std::filesystem;
using namespace custos;
using namespace custos::node_test;

ledger::TimeMs two_seconds_ago() {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    return ledger::TimeMs{ms - 2000};
}

ledger::Event base_event(ledger::EventKind kind) {
    ledger::Event event;
    event.chain_id = "custos-localnet";
    event.kind = kind;
    event.agency = "NL-POL";
    event.time = two_seconds_ago();
    return event;
}

struct Client {
    std::uint16_t port = 0;

    api::ClientResponse send(const crypto::SecretKey& key, std::string method, std::string target,
                             std::string body = {}) const {
        api::ClientRequest request{.port = port,
                                   .method = std::move(method),
                                   .target = std::move(target),
                                   .content_type = body.empty() ? "" : "application/json",
                                   .body = std::move(body),
                                   .timeout_ms = 30000,
                                   .signing_key = &key};
        auto response = api::http_request(request);
        REQUIRE_MESSAGE(response.has_value(), (response ? "" : response.error().message));
        return *response;
    }

    // POST ?wait=commit; returns the event id once this node has committed it.
    std::string commit(const crypto::SecretKey& key, const ledger::Event& event) const {
        auto envelope = ledger::sign_event(event, key);
        auto response = send(key, "POST", "/v1/events?wait=commit", ledger::canonical_envelope(envelope));
        REQUIRE_MESSAGE(response.status == 201, response.body);
        return ledger::event_id_hex(ledger::event_id(envelope.event));
    }

    crypto::Json trail(const crypto::SecretKey& key, const std::string& item) const {
        auto response = send(key, "GET", "/v1/items/" + item + "/trail");
        REQUIRE_MESSAGE(response.status == 200, response.body);
        auto parsed = crypto::parse_json(response.body);
        REQUIRE(parsed.has_value());
        return *parsed;
    }
};

crypto::SecretKey key_of(const fs::path& net, std::string_view role, std::string_view agency = "NL-POL") {
    auto file = crypto::read_secret_key_file(net / "keys" / agency / (std::string(role) + ".key"));
    REQUIRE_MESSAGE(file.has_value(), (file ? "" : file.error().message));
    return std::move(file->key);
}

}  // namespace

TEST_CASE("api read cache: a commit is seen by the next request (new trail event, revoked key refused)") {
    REQUIRE(sodium_init() >= 0);  // Key files are read into libsodium's guarded memory.
    fs::path work = fs::temp_directory_path() / ("custos-api-cache-test-" + std::to_string(::getpid()));
    fs::remove_all(work);
    fs::create_directories(work);
    const fs::path net = work / "net";
    const auto rest_base = static_cast<std::uint16_t>(3000 + (::getpid() % 250) * 8);
    const auto peer_base = static_cast<std::uint16_t>(rest_base + 2000);
    Run init = init_localnet(work, net, rest_base, peer_base);
    REQUIRE_MESSAGE(init.exit_code == 0, init.err);
    {
        RunningLocalnet running(work, net, /*demo=*/false);
        REQUIRE_MESSAGE(wait_healthy(rest_base, 4), read_file(work / "run.log"));
        const Client node{rest_base};
        const auto custodian = key_of(net, "custodian");
        const auto prosecutor = key_of(net, "prosecutor");
        const auto admin = key_of(net, "admin");
        const std::string item = "CACHE-ITEM-" + std::to_string(::getpid());

        auto registered = base_event(ledger::EventKind::register_item);
        registered.item = item;
        registered.case_id = item + "-CASE";
        registered.location = "Room 1";
        registered.legal_authority = ledger::LegalAuthority{ledger::AuthorityKind::warrant, "W-1"};
        registered.digests = ledger::Digests{.sha256 = crypto::sha256(item)};
        registered.description = "a phone";
        const std::string first = node.commit(custodian, registered);

        // Read twice: the second read is answered from the cache the first filled.
        auto before = node.trail(prosecutor, item);
        REQUIRE(before["events"].size() == 1);
        CHECK(node.trail(prosecutor, item) == before);

        auto verified = registered;
        verified.kind = ledger::EventKind::verify;
        verified.prev = *ledger::event_id_from_hex(first);
        verified.time = two_seconds_ago();
        verified.location.reset();
        verified.legal_authority.reset();
        verified.description.reset();
        const std::string second = node.commit(custodian, verified);

        // The next read on the same node shows the new event.
        auto after = node.trail(prosecutor, item);
        REQUIRE(after["events"].size() == 2);
        CHECK(after["events"][0]["id"] == first);
        CHECK(after["events"][1]["id"] == second);

        // The consultation log: the prosecutor's trail reads above and a DE-BKA prosecutor's
        // refused one each become a committed read record, signed by the node, carrying the
        // reader's request signature; the custodian lists them (GET /v1/items/{item}/reads).
        const auto outsider = key_of(net, "prosecutor", "DE-BKA");
        REQUIRE(node.send(outsider, "GET", "/v1/items/" + item + "/trail").status == 403);
        crypto::Json served_read, refused_read;
        for (int attempt = 0; attempt < 100 && (served_read.is_null() || refused_read.is_null()); ++attempt) {
            if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
            auto listed = node.send(custodian, "GET", "/v1/items/" + item + "/reads");
            REQUIRE_MESSAGE(listed.status == 200, listed.body);
            const auto page = crypto::parse_json(listed.body);
            REQUIRE(page.has_value());
            for (const auto& read : (*page)["reads"]) {
                if (read["action"] != "trail") continue;
                if (read["outcome"] == "served" &&
                    read["officer"]["key"] == ledger::key_id(prosecutor.public_key()))
                    served_read = read;
                if (read["outcome"] == "refused") refused_read = read;
            }
        }
        REQUIRE_MESSAGE(!served_read.is_null(), "the prosecutor's trail read was never committed");
        REQUIRE_MESSAGE(!refused_read.is_null(), "the refused read was never committed");
        CHECK(served_read["status"] == 200);
        CHECK(served_read["officer"]["agency"] == "NL-POL");
        CHECK(served_read["officer"]["roles"] == crypto::Json::array({"prosecutor"}));
        CHECK(served_read["node"].get<std::string>().starts_with("NL-POL"));
        CHECK(refused_read["status"] == 403);
        CHECK(refused_read["officer"]["key"] == ledger::key_id(outsider.public_key()));
        CHECK(refused_read["officer"]["agency"] == "DE-BKA");
        // The committed record is the node's envelope around the officer's own signature.
        auto record = node.send(custodian, "GET", "/v1/events/" + served_read["id"].get<std::string>());
        // (A read record is readable by id by the officers of the serving node's agency.)
        REQUIRE_MESSAGE(record.status == 200, record.body);
        auto envelope = crypto::parse_json(record.body).value()["envelope"];
        auto parsed = ledger::envelope_from_json(envelope);
        REQUIRE(parsed.has_value());
        REQUIRE(parsed->event.read.has_value());
        CHECK(parsed->event.read->node == served_read["node"]);
        CHECK(crypto::verify(prosecutor.public_key(), as_bytes(parsed->event.read->signature_base),
                             parsed->event.read->signature));
        // A list of reads is itself recorded; DE-BKA (neither custodian nor in the case) is refused.
        CHECK(node.send(outsider, "GET", "/v1/items/" + item + "/reads").status == 403);

        // The prosecutor's key authenticated (and was cached); once its revocation commits, the
        // next request with it is refused, while other keys still read.
        auto revoke = base_event(ledger::EventKind::officer_revoke);
        revoke.officer = prosecutor.public_key();
        revoke.reason = "left the unit";
        node.commit(admin, revoke);
        auto refused = node.send(prosecutor, "GET", "/v1/items/" + item + "/trail");
        CHECK(refused.status == 401);
        auto problem = crypto::parse_json(refused.body);
        REQUIRE(problem.has_value());
        CHECK((*problem)["field"] == "keyid");
        CHECK(node.trail(custodian, item)["events"].size() == 2);
    }
    fs::remove_all(work);
}

TEST_CASE(
    "batch: 20 chained events of one item in one POST /v1/batches are admitted in order and commit; of two "
    "conflicting events on two nodes one commits and the other's node says why it dropped it") {
    REQUIRE(sodium_init() >= 0);
    fs::path work = fs::temp_directory_path() / ("custos-batch-test-" + std::to_string(::getpid()));
    fs::remove_all(work);
    fs::create_directories(work);
    const fs::path net = work / "net";
    // The upper half of this process's slot of 8 ports in the test above (which uses the lower).
    const auto rest_base = static_cast<std::uint16_t>(3000 + (::getpid() % 250) * 8 + 4);
    const auto peer_base = static_cast<std::uint16_t>(rest_base + 2000);
    Run init = init_localnet(work, net, rest_base, peer_base);
    REQUIRE_MESSAGE(init.exit_code == 0, init.err);
    {
        RunningLocalnet running(work, net, /*demo=*/false);
        REQUIRE_MESSAGE(wait_healthy(rest_base, 4), read_file(work / "run.log"));
        const auto custodian = key_of(net, "custodian");
        const std::string item = "BATCH-ITEM-" + std::to_string(::getpid());

        // A register, then verifies each chained on the one before it: a later entry chains on an
        // earlier one of the same batch, still pending. Entry 10 names a wrong prev and is refused
        // alone; entry 11 chains on entry 9.
        const ledger::TimeMs start = two_seconds_ago();
        std::vector<std::string> entries;
        std::vector<std::string> admitted_ids;
        ledger::EventId head;
        for (int index = 0; index <= 20; ++index) {
            auto event =
                base_event(index == 0 ? ledger::EventKind::register_item : ledger::EventKind::verify);
            event.item = item;
            event.case_id = item + "-CASE";
            event.time = ledger::TimeMs{start.value + index};
            event.digests = ledger::Digests{.sha256 = crypto::sha256(item)};
            if (index == 0) {
                event.location = "Room 1";
                event.legal_authority = ledger::LegalAuthority{ledger::AuthorityKind::warrant, "W-1"};
                event.description = "a phone";
            } else {
                event.prev = index == 10 ? ledger::EventId{} : head;
            }
            auto envelope = ledger::sign_event(event, custodian);
            entries.push_back(ledger::canonical_envelope(envelope));
            if (index == 10) continue;
            head = ledger::event_id(envelope.event);
            admitted_ids.push_back(ledger::event_id_hex(head));
        }
        std::string body = R"({"events":[)";
        for (std::size_t index = 0; index < entries.size(); ++index)
            body += (index == 0 ? "" : ",") + entries[index];
        body += "]}";

        auto response = Client{rest_base}.send(custodian, "POST", "/v1/batches", body);
        REQUIRE_MESSAGE(response.status == 200, response.body);
        auto answer = crypto::parse_json(response.body);
        REQUIRE(answer.has_value());
        CHECK((*answer)["accepted"] == 20);
        CHECK((*answer)["refused"] == 1);
        const auto& results = (*answer)["results"];
        REQUIRE(results.size() == 21);
        const auto& refused = results[10];
        CHECK(refused["status"] == "refused");
        CHECK(refused["problem"]["status"] == 409);
        CHECK(refused["problem"]["field"] == "events[10].event.prev");
        std::vector<std::string> answered_ids;
        for (std::size_t index = 0; index < results.size(); ++index) {
            if (index == 10) continue;
            CHECK(results[index]["status"] == "pending");
            answered_ids.push_back(results[index].value("id", ""));
        }
        CHECK(answered_ids == admitted_ids);

        // All 20 commit, in batch order, as another node sees them.
        const Client other{static_cast<std::uint16_t>(rest_base + 1)};
        std::vector<std::string> committed_ids;
        for (int attempt = 0; attempt < 300 && committed_ids.size() < admitted_ids.size(); ++attempt) {
            auto trail = other.send(custodian, "GET", "/v1/items/" + item + "/trail");
            if (trail.status == 200) {
                auto parsed = crypto::parse_json(trail.body);
                REQUIRE(parsed.has_value());
                committed_ids.clear();
                for (const auto& event : (*parsed)["events"])
                    committed_ids.push_back(event.value("id", ""));
            }
            if (committed_ids.size() < admitted_ids.size())
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        CHECK(committed_ids == admitted_ids);

        // Two verifies chained on the same head, sent at once to two nodes: each admits its own
        // (202), at most one commits, and the node that let the other go says why on a GET.
        bool raced = false;
        for (int attempt = 0; attempt < 10 && !raced; ++attempt) {
            std::array<std::string, 2> ids;
            std::array<api::ClientRequest, 2> posts;
            for (std::size_t k = 0; k < 2; ++k) {
                auto event = base_event(ledger::EventKind::verify);
                event.item = item;
                event.case_id = item + "-CASE";
                event.time = ledger::TimeMs{two_seconds_ago().value + static_cast<std::int64_t>(k)};
                event.digests = ledger::Digests{.sha256 = crypto::sha256(item)};
                event.prev = head;
                auto envelope = ledger::sign_event(event, custodian);
                ids[k] = ledger::event_id_hex(ledger::event_id(envelope.event));
                posts[k] = api::ClientRequest{.port = static_cast<std::uint16_t>(rest_base + 2 * k),
                                              .method = "POST",
                                              .target = "/v1/events",
                                              .content_type = "application/json",
                                              .body = ledger::canonical_envelope(envelope),
                                              .timeout_ms = 30000,
                                              .signing_key = &custodian};
            }
            std::array<unsigned, 2> status{0, 0};
            {
                std::thread second([&] {
                    auto sent = api::http_request(posts[1]);
                    if (sent) status[1] = sent->status;
                });
                auto sent = api::http_request(posts[0]);
                if (sent) status[0] = sent->status;
                second.join();
            }
            // The one that commits is the item's head for the next attempt.
            std::string winner;
            for (int wait = 0; wait < 300 && winner.empty(); ++wait) {
                auto trail = other.send(custodian, "GET", "/v1/items/" + item + "/trail");
                auto parsed = crypto::parse_json(trail.body);
                REQUIRE(parsed.has_value());
                for (const auto& event : (*parsed)["events"]) {
                    const std::string id = event.value("id", "");
                    if (id == ids[0] || id == ids[1]) winner = id;
                }
                if (winner.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            REQUIRE_MESSAGE(!winner.empty(), "neither of two admitted verifies committed");
            head = ledger::event_id_from_hex(winner).value();
            if (status[0] != 202 || status[1] != 202) continue;  // A node saw the other first.
            raced = true;
            const std::size_t loser = winner == ids[0] ? 1 : 0;
            const Client loser_node{static_cast<std::uint16_t>(rest_base + 2 * loser)};
            api::ClientResponse looked_up;
            for (int wait = 0; wait < 100; ++wait) {
                looked_up = loser_node.send(custodian, "GET", "/v1/events/" + ids[loser]);
                if (looked_up.status == 404) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            CAPTURE(looked_up.body);
            CHECK(looked_up.status == 404);
            CHECK(looked_up.body.find(
                      "this node admitted the event and later let it go from its pool uncommitted") !=
                  std::string::npos);
            // The problem document names the rule and the field, as for a refusal.
            auto problem = crypto::parse_json(looked_up.body);
            REQUIRE(problem.has_value());
            CHECK((*problem)["rule"] == "R10");
            CHECK((*problem)["field"] == "event.prev");
        }
        CHECK_MESSAGE(raced, "in 10 attempts, no two conflicting verifies were both admitted");
    }
    fs::remove_all(work);
}
