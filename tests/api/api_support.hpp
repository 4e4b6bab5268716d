// Shared by the API tests: a fake NodeService with officers of every role and two cases, a
// server fixture on 127.0.0.1 whose clock the test drives, request signing, and a raw socket for
// requests the client would never send.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/http_client.hpp"
#include "api/http_signature.hpp"
#include "api/routes.hpp"
#include "api/server.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/sha256.hpp"
#include "ledger/events/event.hpp"
#include "ledger/genesis.hpp"

namespace custos::api::test {

using crypto::Json;

inline const std::string event_hex(64, 'a');
// A read record (kind `read`, served by NL-POL's validator) whose `read` member is
// FakeService::read_record: GET /v1/events/{read_event_hex} answers it.
inline const std::string read_event_hex(64, 'd');
inline constexpr std::int64_t test_now = 1'800'000'000;  // The clock the fixture's server reads.

// An officer of the fake: its key, agency and roles.
struct TestOfficer {
    crypto::SecretKey key;
    ledger::Officer record;
    [[nodiscard]] std::string key_id() const { return ledger::key_id(key.public_key()); }
};

inline TestOfficer make_officer(std::string agency, ledger::Role role) {
    auto key = crypto::SecretKey::generate();
    ledger::Officer record{
        key.public_key(), agency, {role}, agency + "." + std::string(ledger::role_name(role))};
    return TestOfficer{std::move(key), std::move(record)};
}

// Officers: custodians, prosecutors and admins of NL-POL and DE-BKA, one auditor (EU). Cases:
// CASE-1 (ITEM-1) takes in NL-POL; CASE-2 (ITEM-2) takes in DE-BKA. The event `event_hex` is
// an NL-POL event of CASE-1.
class FakeService final : public NodeService {
public:
    FakeService();

    std::vector<Result<ledger::EventId>> submit_envelopes(std::vector<ledger::Envelope> envelopes) override;
    Result<FoundEvent> event_by_id(const ledger::EventId& id) override;
    Result<ledger::TrailPage> item_trail(std::string_view item_id, std::uint64_t from_leaf,
                                         std::size_t limit) override;
    Result<ledger::CasePage> case_items(std::string_view case_id, std::string_view after_item,
                                        std::size_t limit) override;
    Result<ledger::BlockView> block_by_height(ledger::Height height) override;
    Result<CheckpointView> latest_checkpoint() override;
    Result<CheckpointView> checkpoint_at(ledger::Height height) override;
    Result<Json> item_bundle(std::string_view item_id, ledger::ReadRecord read,
                             ledger::TimeMs received) override;
    Result<Json> item_state_proof(std::string_view item_id, std::uint64_t from_size) override;
    Result<ledger::EventInclusionProof> inclusion_proof(const ledger::EventId& id,
                                                        std::optional<std::uint64_t> size) override;
    Result<ledger::LogConsistencyProof> consistency_proof(std::uint64_t from, std::uint64_t to) override;
    Result<std::optional<ledger::Officer>> officer(const crypto::PublicKey& key) override;
    Result<std::optional<ledger::OfficerRecord>> officer_record(const crypto::PublicKey& key) override;
    std::string chain_id() override { return "custos-test"; }
    Result<std::vector<std::string>> agency_cases(std::string_view agency, std::string_view after_case,
                                                  std::size_t limit) override;
    Result<std::vector<ledger::InboxOffer>> pending_offers(std::string_view agency,
                                                           std::string_view after_item,
                                                           std::size_t limit) override;
    Result<std::vector<ledger::SearchHit>> search_events(const ledger::EventSearch& search) override;
    Result<ledger::Height> committed_height() override;
    Result<std::uint64_t> first_leaf_of(ledger::Height height) override;
    Result<std::vector<ledger::StoredEvent>> committed_events(std::uint64_t from_leaf,
                                                              std::size_t limit) override;
    Result<std::set<std::string>> case_participants(std::string_view case_id) override;
    Result<std::string> item_case(std::string_view item_id) override;
    // As a validator: keeps each read record (see recorded_reads()) and answers that
    // `validator_name` recorded it, or refuses it as a full read share does (read_share_full);
    // item_reads answers the kept records back for ITEM-1 (custodian NL-POL, case CASE-1) and
    // ITEM-2 (DE-BKA, CASE-2). As an observer (`observer`): relays it (relay_read below).
    void record_read(ledger::ReadRecord read, ledger::TimeMs received, ReadRecorded done) override;
    static constexpr std::string_view validator_name = "NL-POL.validator-0";
    // An observer's relay: keeps each read (see relayed_reads()) and answers as `relay` says:
    // recorded by "NL-POL.validator-1", refused, or never.
    enum class Relay { recorded, refused, silent };
    void relay_read(ledger::ReadRecord read, ledger::TimeMs received, ReadRecorded done);
    std::vector<std::pair<ledger::ReadRecord, ledger::TimeMs>> relayed_reads();
    Result<ledger::ItemReads> item_reads(std::string_view item_id, std::uint64_t from_leaf,
                                         std::size_t limit) override;
    NodeStatus status() override;
    std::string metrics_text() override { return "custos_height 7\n"; }
    bool healthy() override { return is_healthy.load(); }

    // The envelopes of the last submit_envelopes() call, as the service received them.
    std::vector<ledger::Envelope> submitted();
    // Every submitted envelope is refused with `error` (until cleared).
    void fail_submits_with(Error error);
    void clear_submit_error();
    // The envelope whose event has this id is refused with `error`.
    void refuse_event(const ledger::EventId& id, Error error);
    // The mempool holds `room` more events: the envelopes after that are refused as full, the
    // node's way (each later one of the call gets the same 503 error, untried).
    void set_mempool_room(std::size_t room);
    void revoke(const crypto::PublicKey& key);
    // The submitted event becomes committed (height 7, leaf 8) on the next read.
    void commit_submitted() { committed = true; }

    const TestOfficer& officer_named(const std::string& name) const { return *officers_.at(name); }
    // The read records the server handed over, with their receipt times, in order.
    std::vector<std::pair<ledger::ReadRecord, ledger::TimeMs>> recorded_reads();
    // The stream's log (GET /v1/stream): commits one event of `case_id` by `agency`, in a block
    // of its own (blocks 1..7 hold no event; leaf i is in block 8 + i), with a description of
    // `padding` bytes.
    void commit_event(const std::string& case_id, const std::string& agency, std::size_t padding = 0);

    std::atomic<int> submits{0};  // Envelopes submitted.
    std::atomic<int> submit_calls{0};
    // Answer each envelope's own event id (batches); otherwise every submission answers
    // `event_hex`, the event the read routes know.
    std::atomic<bool> real_ids{false};
    std::atomic<int> reads{0};
    std::atomic<bool> is_healthy{true};
    std::atomic<bool> observer{false};         // Not a validator: its reads go to relay_read.
    std::atomic<bool> read_share_full{false};  // As a validator: its pool refuses read records.
    std::atomic<Relay> relay{Relay::recorded};
    std::atomic<bool> committed{false};
    // Not empty: `event_hex` is an event the node's pool dropped, and this says why.
    std::string dropped;
    ledger::ReadRecord read_record{.action = ledger::ReadAction::trail,
                                   .subject = "ITEM-2"};  // read_event_hex's
    // Extra CASE-2 events that match every search (de.custodian's, at leaves 100.., ledger time
    // 2026-02-05), for the search's scan bound.
    std::uint64_t search_padding = 0;
    std::atomic<bool> reads_unavailable{false};  // Reads answer unavailable (503).
    std::atomic<bool> no_blocks{false};          // latest_checkpoint() is not_found.

private:
    std::mutex mutex_;
    std::vector<ledger::Envelope> last_envelopes_;
    std::optional<Error> submit_error_;
    std::map<ledger::EventId, Error> refused_events_;
    std::optional<std::size_t> mempool_room_;
    std::vector<std::pair<ledger::ReadRecord, ledger::TimeMs>> reads_relayed_;
    std::vector<ReadRecorded> relays_unanswered_;  // Relay::silent: never called.
    std::map<std::string, std::unique_ptr<TestOfficer>> officers_;
    std::set<crypto::PublicKey> revoked_;
    std::vector<std::pair<ledger::ReadRecord, ledger::TimeMs>> reads_recorded_;
    std::vector<ledger::StoredEvent> log_;  // The stream's committed events, by leaf.
};

// A valid envelope of an event of `agency` registering `item` of CASE-1, signed by `key`
// (canonical JSON text).
std::string envelope_for(const crypto::SecretKey& key, const std::string& agency,
                         const std::string& item = "ITEM-1");

struct Fixture {
    explicit Fixture(ServerOptions options = {});

    // Sends a request signed by the named officer (see FakeService), with a fresh nonce.
    ClientResponse signed_request(const std::string& officer, std::string method, std::string target,
                                  std::string body = {}, std::string content_type = {},
                                  std::vector<std::pair<std::string, std::string>> headers = {});
    // Sends a request without a signature.
    ClientResponse request(std::string method, std::string target, std::string body = {},
                           std::string content_type = {},
                           std::vector<std::pair<std::string, std::string>> headers = {});
    // The signature headers for a request (Content-Digest, Signature-Input, Signature).
    std::vector<std::pair<std::string, std::string>> sign(const crypto::SecretKey& key,
                                                          const std::string& method,
                                                          const std::string& target, const std::string& body,
                                                          std::int64_t created, std::int64_t expires,
                                                          const std::string& nonce) const;
    [[nodiscard]] std::string next_nonce() { return "nonce-" + std::to_string(++nonces_); }

    std::shared_ptr<std::atomic<std::int64_t>> now = std::make_shared<std::atomic<std::int64_t>>(test_now);
    FakeService service;
    std::unique_ptr<Server> server;
    std::uint16_t port = 0;

private:
    std::atomic<std::uint64_t> nonces_{0};
};

// The problem document of a response; checks its content type, status and type URI.
Json problem_of(const ClientResponse& response);

// A raw socket, for requests the client would never send. Reads until the server closes (or 5 s).
struct RawConnection {
    explicit RawConnection(std::uint16_t port, int receive_timeout_s = 5);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    // False when the server has closed the connection (a reset or broken pipe).
    bool send(const std::string& bytes) const;
    // Everything until the server closes; `closed` tells whether it did (rather than timing out).
    std::string read_all(bool& closed) const;
    int fd = -1;
};

inline std::string status_line(const std::string& raw) {
    return raw.substr(0, raw.find("\r\n"));
}

// The JSON body of a 200 answer (the test stops, showing the body, on any other status).
inline crypto::Json json_of(const ClientResponse& response) {
    REQUIRE_MESSAGE(response.status == 200, response.body);
    auto json = crypto::parse_json(response.body);
    REQUIRE(json.has_value());
    return *json;
}

}  // namespace custos::api::test
