#include "api_support.hpp"

#include "ledger/time.hpp"

#include <chrono>
#include <tuple>

#include "ledger/time.hpp"

namespace custos::api::test {

namespace {

// A committed event of the fake: id event_hex (or `hex`), at `height` and `leaf`.
ledger::StoredEvent stored_event(std::uint64_t height, std::uint64_t leaf, ledger::Event event = {},
                                 const std::string& hex = event_hex) {
    return ledger::StoredEvent{.envelope = {.event = std::move(event)},
                               .id = ledger::event_id_from_hex(hex).value(),
                               .height = ledger::Height{height},
                               .leaf_index = leaf};
}

}  // namespace

FakeService::FakeService() {
    using ledger::Role;
    const std::vector<std::tuple<std::string, std::string, Role>> people = {
        {"nl.custodian", "NL-POL", Role::custodian},   {"de.custodian", "DE-BKA", Role::custodian},
        {"nl.prosecutor", "NL-POL", Role::prosecutor}, {"de.prosecutor", "DE-BKA", Role::prosecutor},
        {"nl.admin", "NL-POL", Role::admin},           {"de.admin", "DE-BKA", Role::admin},
        {"auditor", "EU-AUD", Role::auditor},
    };
    for (const auto& [name, agency, role] : people)
        officers_.emplace(name, std::make_unique<TestOfficer>(make_officer(agency, role)));
}

std::vector<Result<ledger::EventId>> FakeService::submit_envelopes(std::vector<ledger::Envelope> envelopes) {
    std::lock_guard lock(mutex_);
    ++submit_calls;
    last_envelopes_ = envelopes;
    std::vector<Result<ledger::EventId>> results;
    std::optional<Error> full;
    for (const auto& envelope : envelopes) {
        ++submits;
        const ledger::EventId id = ledger::event_id(envelope.event);
        if (!full && mempool_room_ && *mempool_room_ == 0) {
            full = Error{ErrorCode::resource_exhausted, "mempool full (2 events, 900 bytes)"};
        }
        if (full) {
            results.emplace_back(tl::unexpected(*full));
        } else if (submit_error_) {
            results.emplace_back(tl::unexpected(*submit_error_));
        } else if (auto refused = refused_events_.find(id); refused != refused_events_.end()) {
            results.emplace_back(tl::unexpected(refused->second));
        } else {
            if (mempool_room_) --*mempool_room_;
            results.emplace_back(real_ids ? id : ledger::event_id_from_hex(event_hex).value());
        }
    }
    return results;
}

Result<FoundEvent> FakeService::event_by_id(const ledger::EventId& id) {
    ++reads;
    if (reads_unavailable) return make_error(ErrorCode::unavailable, "node is busy");
    if (ledger::event_id_hex(id) == read_event_hex) {
        ledger::Event event;
        event.kind = ledger::EventKind::read;
        event.agency = "NL-POL";
        event.read = read_record;
        return FoundEvent{stored_event(9, 12, std::move(event), read_event_hex), true};
    }
    if (ledger::event_id_hex(id) != event_hex) return make_error(ErrorCode::not_found, "no such event");
    auto event = stored_event(7, 8, ledger::Event{.item = "ITEM-1", .case_id = "CASE-1", .agency = "NL-POL"});
    if (!committed) {
        event.height = ledger::Height{0};
        event.leaf_index = 0;
    }
    return FoundEvent{std::move(event), committed.load(), dropped};
}

// ITEM-1's trail holds the events at leaves 3, 9 and 10; ITEM-2's none. CASE-1 holds ITEM-1,
// ITEM-5 and ITEM-10 (in the store's key order: shorter ids first); CASE-2 ITEM-2.
Result<ledger::TrailPage> FakeService::item_trail(std::string_view item_id, std::uint64_t from_leaf,
                                                  std::size_t limit) {
    ++reads;
    if (reads_unavailable) return make_error(ErrorCode::unavailable, "node is busy");
    if (item_id != "ITEM-1" && item_id != "ITEM-2") return make_error(ErrorCode::not_found, "no such item");
    const bool first = item_id == "ITEM-1";
    ledger::TrailPage page{.item = std::string(item_id),
                           .state = ledger::ItemState{.item = std::string(item_id),
                                                      .case_id = first ? "CASE-1" : "CASE-2",
                                                      .custodian = first ? "NL-POL" : "DE-BKA"}};
    const std::vector<std::uint64_t> leaves =
        first ? std::vector<std::uint64_t>{3, 9, 10} : std::vector<std::uint64_t>{};
    for (std::uint64_t leaf : leaves) {
        if (leaf < from_leaf) continue;
        if (page.events.size() == limit) {
            page.next_leaf = page.events.back().leaf_index + 1;
            break;
        }
        page.events.push_back(stored_event(7, leaf));
    }
    return page;
}

Result<ledger::CasePage> FakeService::case_items(std::string_view case_id, std::string_view after_item,
                                                 std::size_t limit) {
    ++reads;
    if (reads_unavailable) return make_error(ErrorCode::unavailable, "node is busy");
    if (case_id != "CASE-1" && case_id != "CASE-2") return make_error(ErrorCode::not_found, "no such case");
    const std::vector<std::string> items = case_id == "CASE-1"
                                               ? std::vector<std::string>{"ITEM-1", "ITEM-5", "ITEM-10"}
                                               : std::vector<std::string>{"ITEM-2"};
    ledger::CasePage page{.case_id = std::string(case_id)};
    bool past = after_item.empty();
    for (const auto& item : items) {
        if (!past) {
            past = item == after_item;
            continue;
        }
        if (page.items.size() == limit) {
            page.next_after = page.items.back().item;
            break;
        }
        page.items.push_back(ledger::CaseItem{
            item, ledger::ItemState{.item = item, .case_id = std::string(case_id), .custodian = "NL-POL"}});
    }
    return page;
}

Result<ledger::BlockView> FakeService::block_by_height(ledger::Height height) {
    ++reads;
    if (reads_unavailable) return make_error(ErrorCode::unavailable, "node is busy");
    if (height.value != 3) return make_error(ErrorCode::not_found, "no such block");
    ledger::BlockView block;
    block.header.height = ledger::Height{3};
    return block;
}

Result<CheckpointView> FakeService::latest_checkpoint() {
    ++reads;
    if (reads_unavailable) return make_error(ErrorCode::unavailable, "node is busy");
    if (no_blocks) return make_error(ErrorCode::not_found, "no block committed yet");
    return CheckpointView{
        .height = ledger::Height{7}, .log_size = 9, .note = "custos-test\n9\nroot=\n\n— v1 sig\n"};
}

Result<CheckpointView> FakeService::checkpoint_at(ledger::Height height) {
    ++reads;
    if (reads_unavailable) return make_error(ErrorCode::unavailable, "node is busy");
    if (height.value != 7) return make_error(ErrorCode::not_found, "no such checkpoint");
    return latest_checkpoint();
}

Result<Json> FakeService::item_bundle(std::string_view item_id, ledger::ReadRecord read,
                                      ledger::TimeMs received) {
    (void)read;
    (void)received;
    ++reads;
    if (reads_unavailable) return make_error(ErrorCode::unavailable, "node is busy");
    if (item_id != "ITEM-1" && item_id != "ITEM-2") return make_error(ErrorCode::not_found, "no such item");
    return Json{{"type", "custos.bundle.v3"}, {"item", item_id}};
}

Result<Json> FakeService::item_state_proof(std::string_view item_id, std::uint64_t from_size) {
    ++reads;
    if (reads_unavailable) return make_error(ErrorCode::unavailable, "node is busy");
    if (item_id != "ITEM-1" && item_id != "ITEM-2") return make_error(ErrorCode::not_found, "no such item");
    if (from_size > 9) return make_error(ErrorCode::invalid_argument, "from_size: must be 1..9");
    return Json{{"type", "custos.state_proof.v2"}, {"item", item_id}, {"from_size", from_size}};
}

Result<ledger::EventInclusionProof> FakeService::inclusion_proof(const ledger::EventId& id,
                                                                 std::optional<std::uint64_t> size) {
    ++reads;
    if (reads_unavailable) return make_error(ErrorCode::unavailable, "node is busy");
    if (ledger::event_id_hex(id) != event_hex) return make_error(ErrorCode::not_found, "no such event");
    if (size && (*size <= 8 || *size > 9))
        return make_error(ErrorCode::invalid_argument, "size: out of the log");
    return ledger::EventInclusionProof{id, 8, size.value_or(9), {}};
}

Result<ledger::LogConsistencyProof> FakeService::consistency_proof(std::uint64_t from, std::uint64_t to) {
    ++reads;
    if (reads_unavailable) return make_error(ErrorCode::unavailable, "node is busy");
    if (to > 9) return make_error(ErrorCode::invalid_argument, "to: beyond the log size 9");
    return ledger::LogConsistencyProof{from, to, {}};
}

Result<std::optional<ledger::Officer>> FakeService::officer(const crypto::PublicKey& key) {
    std::lock_guard lock(mutex_);
    if (revoked_.contains(key)) return std::optional<ledger::Officer>();
    for (const auto& [name, officer] : officers_) {
        if (officer->record.key == key) return std::optional<ledger::Officer>(officer->record);
    }
    return std::optional<ledger::Officer>();
}

Result<std::optional<ledger::OfficerRecord>> FakeService::officer_record(const crypto::PublicKey& key) {
    std::lock_guard lock(mutex_);
    for (const auto& [name, officer] : officers_) {
        if (officer->record.key != key) continue;
        ledger::OfficerRecord record{
            .officer = officer->record, .added_by = std::nullopt, .revoked_by = std::nullopt};
        if (revoked_.contains(key)) record.revoked_by = ledger::event_id_from_hex(event_hex).value();
        return std::optional<ledger::OfficerRecord>(record);
    }
    return std::optional<ledger::OfficerRecord>();
}

// DE-BKA's inbox holds offers of OFFER-1..OFFER-3 (CASE-1, from NL-POL); no other agency has any.
Result<std::vector<ledger::InboxOffer>> FakeService::pending_offers(std::string_view agency,
                                                                    std::string_view after_item,
                                                                    std::size_t limit) {
    ++reads;
    if (reads_unavailable) return make_error(ErrorCode::unavailable, "node is busy");
    std::vector<ledger::InboxOffer> offers;
    if (agency != "DE-BKA") return offers;
    for (const std::string item : {"OFFER-1", "OFFER-2", "OFFER-3"}) {
        if (!after_item.empty() && item <= after_item) continue;
        if (offers.size() == limit) break;
        offers.push_back(ledger::InboxOffer{
            item, ledger::ItemState{.item = item, .case_id = "CASE-1", .custodian = "NL-POL"},
            stored_event(7, 8)});
    }
    return offers;
}

// NL-POL takes part in CASE-1 and CASE-10, DE-BKA in CASE-2, BE-POL in CASE-10 (the participants
// of case_participants below); no other agency in any.
Result<std::vector<std::string>> FakeService::agency_cases(std::string_view agency,
                                                           std::string_view after_case, std::size_t limit) {
    ++reads;
    if (reads_unavailable) return make_error(ErrorCode::unavailable, "node is busy");
    std::vector<std::string> all;
    if (agency == "NL-POL") all = {"CASE-1", "CASE-10"};  // Key order: shorter ids first.
    if (agency == "DE-BKA") all = {"CASE-2"};
    if (agency == "BE-POL") all = {"CASE-10"};
    std::vector<std::string> cases;
    bool after = after_case.empty();
    for (const auto& id : all) {
        if (after && cases.size() < limit) cases.push_back(id);
        if (id == after_case) after = true;
    }
    return cases;
}

// The committed events a search sees: SHA-256("content") is recorded by leaves 3 (ITEM-1,
// CASE-1), 5 (ITEM-2, CASE-2) and 9 (ITEM-1), no digest by leaf 10 (ITEM-1); nl.custodian signed
// 3 and 9, de.custodian 5, nl.prosecutor 10; they were committed on 1, 2, 3 and 4 February 2026.
Result<std::vector<ledger::SearchHit>> FakeService::search_events(const ledger::EventSearch& search) {
    ++reads;
    if (reads_unavailable) return make_error(ErrorCode::unavailable, "node is busy");
    struct Recorded {
        std::uint64_t leaf;
        std::string item, case_id, signer, ledger_time;
        bool content;
    };
    const std::vector<Recorded> recorded = {
        {3, "ITEM-1", "CASE-1", "nl.custodian", "2026-02-01T10:00:00.000Z", true},
        {5, "ITEM-2", "CASE-2", "de.custodian", "2026-02-02T10:00:00.000Z", true},
        {9, "ITEM-1", "CASE-1", "nl.custodian", "2026-02-03T10:00:00.000Z", true},
        {10, "ITEM-1", "CASE-1", "nl.prosecutor", "2026-02-04T10:00:00.000Z", false}};
    std::vector<Recorded> padded;
    const std::vector<Recorded>* entries = &recorded;
    if (search_padding > 0) {
        padded = recorded;
        for (std::uint64_t i = 0; i < search_padding; ++i)
            padded.push_back({100 + i, "ITEM-2", "CASE-2", "de.custodian", "2026-02-05T10:00:00.000Z", true});
        entries = &padded;
    }
    std::vector<ledger::SearchHit> events;
    for (const auto& entry : *entries) {
        const TestOfficer& signer = officer_named(entry.signer);
        const ledger::TimeMs at = ledger::parse_time(entry.ledger_time).value();
        if (entry.leaf < search.from_leaf || events.size() == search.limit) continue;
        if (search.sha256 && !(entry.content && *search.sha256 == crypto::sha256("content"))) continue;
        if (search.signer && *search.signer != signer.key.public_key()) continue;
        if (search.from_time && at < *search.from_time) continue;
        if (search.to_time && !(at < *search.to_time)) continue;
        ledger::Event event{.item = entry.item, .case_id = entry.case_id, .agency = signer.record.agency};
        event.kind = ledger::EventKind::verify;
        event.time = ledger::parse_time("2026-02-01T10:00:00.000Z").value();
        auto stored = stored_event(7, entry.leaf, std::move(event));
        stored.envelope.signer = signer.key.public_key();
        events.push_back(ledger::SearchHit{std::move(stored), at});
    }
    return events;
}

void FakeService::commit_event(const std::string& case_id, const std::string& agency, std::size_t padding) {
    std::lock_guard lock(mutex_);
    const std::uint64_t leaf = log_.size();
    ledger::Event event{
        .item = case_id == "CASE-1" ? "ITEM-1" : "ITEM-2", .case_id = case_id, .agency = agency};
    event.kind = ledger::EventKind::verify;
    event.description = std::string(padding, 'x');
    log_.push_back(stored_event(8 + leaf, leaf, std::move(event)));
}

Result<ledger::Height> FakeService::committed_height() {
    std::lock_guard lock(mutex_);
    return ledger::Height{7 + log_.size()};
}

Result<std::uint64_t> FakeService::first_leaf_of(ledger::Height height) {
    std::lock_guard lock(mutex_);
    if (height.value == 0 || height.value > 8 + log_.size())
        return make_error(ErrorCode::invalid_argument, "from_height: beyond the next height");
    return height.value <= 8 ? 0 : height.value - 8;
}

Result<std::vector<ledger::StoredEvent>> FakeService::committed_events(std::uint64_t from_leaf,
                                                                       std::size_t limit) {
    ++reads;
    if (reads_unavailable) return make_error(ErrorCode::unavailable, "node is busy");
    std::lock_guard lock(mutex_);
    std::vector<ledger::StoredEvent> events;
    for (std::uint64_t leaf = from_leaf; leaf < log_.size() && events.size() < limit; ++leaf)
        events.push_back(log_[leaf]);
    return events;
}

Result<std::set<std::string>> FakeService::case_participants(std::string_view case_id) {
    if (case_id == "CASE-1") return std::set<std::string>{"NL-POL"};
    if (case_id == "CASE-2") return std::set<std::string>{"DE-BKA"};
    if (case_id == "CASE-10") return std::set<std::string>{"BE-POL", "NL-POL"};
    return make_error(ErrorCode::not_found, "no such case");
}

Result<std::string> FakeService::item_case(std::string_view item_id) {
    if (item_id == "ITEM-1") return std::string("CASE-1");
    if (item_id == "ITEM-2") return std::string("CASE-2");
    return make_error(ErrorCode::not_found, "no such item");
}

void FakeService::record_read(ledger::ReadRecord read, ledger::TimeMs received, ReadRecorded done) {
    if (observer) return relay_read(std::move(read), received, std::move(done));
    if (read_share_full) {
        // The node's own words (consensus/runtime/mempool.cpp): the record is not admitted.
        return done(
            make_error(ErrorCode::resource_exhausted, "mempool's share of read records full (16 pending)"));
    }
    {
        std::lock_guard lock(mutex_);
        reads_recorded_.emplace_back(std::move(read), received);
    }
    done(std::string(validator_name));
}

void FakeService::relay_read(ledger::ReadRecord read, ledger::TimeMs received, ReadRecorded done) {
    {
        std::lock_guard lock(mutex_);
        reads_relayed_.emplace_back(std::move(read), received);
        if (relay == Relay::silent) {
            relays_unanswered_.push_back(std::move(done));
            return;
        }
    }
    if (relay == Relay::recorded) return done(std::string("NL-POL.validator-1"));
    done(make_error(ErrorCode::unavailable, "no validator recorded the read (2 asked)"));
}

std::vector<std::pair<ledger::ReadRecord, ledger::TimeMs>> FakeService::relayed_reads() {
    std::lock_guard lock(mutex_);
    return reads_relayed_;
}

std::vector<std::pair<ledger::ReadRecord, ledger::TimeMs>> FakeService::recorded_reads() {
    std::lock_guard lock(mutex_);
    return reads_recorded_;
}

Result<ledger::ItemReads> FakeService::item_reads(std::string_view item_id, std::uint64_t from_leaf,
                                                  std::size_t limit) {
    ++reads;
    if (reads_unavailable) return make_error(ErrorCode::unavailable, "node is busy");
    auto case_id = item_case(item_id);
    if (!case_id) return tl::unexpected(case_id.error());
    std::lock_guard lock(mutex_);
    ledger::ItemReads out{.item = std::string(item_id),
                          .state = ledger::ItemState{.item = std::string(item_id),
                                                     .case_id = *case_id,
                                                     .custodian = item_id == "ITEM-1" ? "NL-POL" : "DE-BKA"}};
    for (std::size_t i = 0; i < reads_recorded_.size(); ++i) {
        const auto& [read, received] = reads_recorded_[i];
        if (read.subject != item_id || i < from_leaf || out.reads.size() == limit) continue;
        ledger::Event event;
        event.kind = ledger::EventKind::read;
        event.agency = "NL-POL";
        event.time = received;
        event.read = read;
        event.read->node = "validator-1";
        out.reads.push_back(stored_event(7, i, std::move(event)));
    }
    return out;
}

NodeStatus FakeService::status() {
    ++reads;
    return NodeStatus{
        .chain_id = "custos-test", .genesis_hash_hex = std::string(64, 'b'), .height = ledger::Height{7}};
}

std::vector<ledger::Envelope> FakeService::submitted() {
    std::lock_guard lock(mutex_);
    return last_envelopes_;
}

void FakeService::refuse_event(const ledger::EventId& id, Error error) {
    std::lock_guard lock(mutex_);
    refused_events_.insert_or_assign(id, std::move(error));
}

void FakeService::set_mempool_room(std::size_t room) {
    std::lock_guard lock(mutex_);
    mempool_room_ = room;
}

void FakeService::fail_submits_with(Error error) {
    std::lock_guard lock(mutex_);
    submit_error_ = std::move(error);
}

void FakeService::clear_submit_error() {
    std::lock_guard lock(mutex_);
    submit_error_.reset();
}

void FakeService::revoke(const crypto::PublicKey& key) {
    std::lock_guard lock(mutex_);
    revoked_.insert(key);
}

std::string envelope_for(const crypto::SecretKey& key, const std::string& agency, const std::string& item) {
    ledger::Event event;
    event.chain_id = "custos-test";
    event.kind = ledger::EventKind::register_item;
    event.item = item;
    event.case_id = "CASE-1";
    event.agency = agency;
    event.time = ledger::TimeMs{test_now * 1000};
    event.digests = ledger::Digests{crypto::sha256("content"), std::nullopt, std::nullopt};
    event.description = "Laptop, black";
    event.location = "Amsterdam, evidence room 3";
    event.legal_authority = ledger::LegalAuthority{ledger::AuthorityKind::warrant, "W-2026-001"};
    auto text = crypto::canonicalize(ledger::envelope_to_json(ledger::sign_event(event, key)));
    REQUIRE(text.has_value());
    return *text;
}

Fixture::Fixture(ServerOptions options) {
    auto clock = now;
    options.clock = [clock] { return clock->load(); };
    auto started = Server::start(service, options);
    REQUIRE(started.has_value());
    server = std::move(*started);
    port = server->port();
}

std::vector<std::pair<std::string, std::string>> Fixture::sign(
    const crypto::SecretKey& key, const std::string& method, const std::string& target,
    const std::string& body, std::int64_t created, std::int64_t expires, const std::string& nonce) const {
    std::string uri = "http://127.0.0.1:" + std::to_string(port) + target;
    auto headers =
        sign_request(key, ledger::key_id(key.public_key()), method, uri, body, created, expires, nonce);
    return {{"Content-Digest", headers.content_digest},
            {"Signature-Input", headers.signature_input},
            {"Signature", headers.signature}};
}

ClientResponse Fixture::signed_request(const std::string& officer, std::string method, std::string target,
                                       std::string body, std::string content_type,
                                       std::vector<std::pair<std::string, std::string>> headers) {
    const std::int64_t at = now->load();
    for (auto& header :
         sign(service.officer_named(officer).key, method, target, body, at, at + 60, next_nonce()))
        headers.push_back(std::move(header));
    return request(std::move(method), std::move(target), std::move(body), std::move(content_type),
                   std::move(headers));
}

ClientResponse Fixture::request(std::string method, std::string target, std::string body,
                                std::string content_type,
                                std::vector<std::pair<std::string, std::string>> headers) {
    auto response = http_request(ClientRequest{.port = port,
                                               .method = std::move(method),
                                               .target = std::move(target),
                                               .content_type = std::move(content_type),
                                               .body = std::move(body),
                                               .headers = std::move(headers),
                                               // Not a speed check: under the sanitizers on a busy
                                               // machine an answer took more than the 5 s default.
                                               .timeout_ms = 30000});
    REQUIRE(response.has_value());
    return *response;
}

Json problem_of(const ClientResponse& response) {
    CHECK(response.content_type == "application/problem+json");
    auto json = crypto::parse_json(response.body);
    REQUIRE(json.has_value());
    CHECK((*json)["status"] == response.status);
    CHECK((*json)["type"].get<std::string>().rfind("urn:custos:problem:", 0) == 0);
    return *json;
}

RawConnection::RawConnection(std::uint16_t port, int receive_timeout_s) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    timeval timeout{.tv_sec = receive_timeout_s, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
}

RawConnection::~RawConnection() {
    ::close(fd);
}

bool RawConnection::send(const std::string& bytes) const {
    return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

std::string RawConnection::read_all(bool& closed) const {
    std::string out;
    char buffer[4096];
    while (true) {
        ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got > 0) {
            out.append(buffer, static_cast<std::size_t>(got));
            continue;
        }
        closed = got == 0 || errno == ECONNRESET;
        return out;
    }
}

}  // namespace custos::api::test
