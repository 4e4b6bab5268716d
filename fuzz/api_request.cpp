// The whole request path of the REST API in memory (api/http_exchange.hpp serve_request_bytes):
// HTTP/1.1 parsing with the server's limits, check_head, authentication, roles, body parsing,
// the handlers, over a small fake node; then the answer written as the server writes it.
//
// Input: a first byte, then the rest.
//   - first byte even: the rest is the raw request bytes, as a client on the socket sends them.
//   - first byte odd: the rest is "METHOD TARGET\n" then the body; the request is built and
//     signed here (RFC 9421, fresh nonce, valid window) by the fixtures' officer number
//     (first byte / 2) % 7, so the fuzzer reaches the routes behind authentication.
// Every answer has a status 200..599 and, for 4xx/5xx, a problem+json body that parses.
#include <boost/beast/core/ostream.hpp>
#include <boost/beast/http/write.hpp>

#include <map>
#include <sstream>

#include "api/http_exchange.hpp"
#include "api/http_signature.hpp"
#include "fuzz/fuzz_support.hpp"
#include "ledger/genesis.hpp"

using namespace custos;
using crypto::Json;

namespace {

constexpr std::int64_t now_s = 1'800'000'000;
const std::string known_event(64, 'a');

// The fixtures' officers (tests/ledger/ledger_fixture.hpp: keys seeded 1..7), so envelopes signed
// in the ledger fixtures (fuzz/corpus/envelope) are admitted by the routes' role checks here.
struct Person {
    crypto::SecretKey key;
    ledger::Officer record;
};

std::vector<Person> make_people() {
    using ledger::Role;
    const std::vector<std::tuple<std::string, std::string, Role>> specs = {
        {"nl.custodian", "NL-POL", Role::custodian}, {"nl.prosecutor", "NL-POL", Role::prosecutor},
        {"nl.auditor", "NL-POL", Role::auditor},     {"nl.admin", "NL-POL", Role::admin},
        {"de.custodian", "DE-BKA", Role::custodian}, {"de.prosecutor", "DE-BKA", Role::prosecutor},
        {"be.custodian", "BE-POL", Role::custodian},
    };
    std::vector<Person> people;
    std::uint8_t seed = 1;
    for (const auto& [name, agency, role] : specs) {
        auto key = fuzz::seeded_key(seed++);
        ledger::Officer record{key.public_key(), agency, {role}, name};
        people.push_back(Person{std::move(key), std::move(record)});
    }
    return people;
}

const std::vector<Person>& people() {
    static const std::vector<Person> made = make_people();
    return made;
}

bool known_item(std::string_view item) {
    return item == "ITEM-1" || item == "ITEM-2";
}

// A committed event of the fake node: id known_event, at `height` and `leaf`.
ledger::StoredEvent stored_event(std::uint64_t height, std::uint64_t leaf, ledger::Event event = {}) {
    return ledger::StoredEvent{.envelope = {.event = std::move(event)},
                               .id = ledger::event_id_from_hex(known_event).value(),
                               .height = ledger::Height{height},
                               .leaf_index = leaf};
}

class FuzzService final : public api::NodeService {
public:
    std::vector<Result<ledger::EventId>> submit_envelopes(std::vector<ledger::Envelope> envelopes) override {
        std::vector<Result<ledger::EventId>> results;
        for (const auto& envelope : envelopes) {
            const auto id = ledger::event_id(envelope.event);
            if (envelope.event.item == "FULL") {
                results.emplace_back(make_error(ErrorCode::resource_exhausted, "mempool full"));
                continue;
            }
            submitted_.insert_or_assign(ledger::event_id_hex(id), envelope);
            results.emplace_back(id);
        }
        return results;
    }
    Result<api::FoundEvent> event_by_id(const ledger::EventId& id) override {
        const auto hex = ledger::event_id_hex(id);
        if (auto found = submitted_.find(hex); found != submitted_.end()) {
            api::FoundEvent pending;
            pending.event.id = id;
            pending.event.envelope = found->second;
            return pending;
        }
        if (hex != known_event) return make_error(ErrorCode::not_found, "no such event");
        return api::FoundEvent{
            stored_event(7, 8, ledger::Event{.item = "ITEM-1", .case_id = "CASE-1", .agency = "NL-POL"}),
            true};
    }
    Result<ledger::TrailPage> item_trail(std::string_view item, std::uint64_t, std::size_t) override {
        if (!known_item(item)) return make_error(ErrorCode::not_found, "no such item");
        return ledger::TrailPage{.item = std::string(item),
                                 .state = ledger::ItemState{.item = std::string(item),
                                                            .case_id = item == "ITEM-1" ? "CASE-1" : "CASE-2",
                                                            .custodian = "NL-POL"}};
    }
    Result<ledger::CasePage> case_items(std::string_view case_id, std::string_view, std::size_t) override {
        if (case_id != "CASE-1" && case_id != "CASE-2")
            return make_error(ErrorCode::not_found, "no such case");
        return ledger::CasePage{.case_id = std::string(case_id)};
    }
    Result<ledger::BlockView> block_by_height(ledger::Height height) override {
        if (height.value != 3) return make_error(ErrorCode::not_found, "no such block");
        ledger::BlockView block;
        block.header.height = height;
        return block;
    }
    Result<api::CheckpointView> latest_checkpoint() override {
        return api::CheckpointView{
            .height = ledger::Height{7}, .log_size = 9, .note = "custos-test\n9\nroot=\n\n— v1 sig\n"};
    }
    Result<api::CheckpointView> checkpoint_at(ledger::Height height) override {
        if (height.value != 7) return make_error(ErrorCode::not_found, "no such checkpoint");
        return latest_checkpoint();
    }
    Result<Json> item_bundle(std::string_view item, ledger::ReadRecord, ledger::TimeMs) override {
        if (!known_item(item)) return make_error(ErrorCode::not_found, "no such item");
        return Json{{"type", "custos.bundle.v3"}, {"item", item}};
    }
    Result<Json> item_state_proof(std::string_view item, std::uint64_t from_size) override {
        if (!known_item(item)) return make_error(ErrorCode::not_found, "no such item");
        if (from_size > 9) return make_error(ErrorCode::invalid_argument, "from_size: must be 1..9");
        return Json{{"type", "custos.state_proof.v2"}, {"item", item}, {"from_size", from_size}};
    }
    Result<ledger::EventInclusionProof> inclusion_proof(const ledger::EventId& id,
                                                        std::optional<std::uint64_t> size) override {
        if (ledger::event_id_hex(id) != known_event) return make_error(ErrorCode::not_found, "no such event");
        if (size && (*size <= 8 || *size > 9))
            return make_error(ErrorCode::invalid_argument, "size: out of the log");
        return ledger::EventInclusionProof{id, 8, size.value_or(9), {}};
    }
    Result<ledger::LogConsistencyProof> consistency_proof(std::uint64_t from, std::uint64_t to) override {
        if (to > 9) return make_error(ErrorCode::invalid_argument, "to: beyond the log size 9");
        return ledger::LogConsistencyProof{from, to, {}};
    }
    Result<std::optional<ledger::Officer>> officer(const crypto::PublicKey& key) override {
        for (const auto& person : people()) {
            if (person.record.key == key) return std::optional<ledger::Officer>(person.record);
        }
        return std::optional<ledger::Officer>();
    }
    Result<std::optional<ledger::OfficerRecord>> officer_record(const crypto::PublicKey& key) override {
        auto found = officer(key);
        if (!*found) return std::optional<ledger::OfficerRecord>();
        return std::optional<ledger::OfficerRecord>(ledger::OfficerRecord{.officer = **found});
    }
    std::string chain_id() override { return std::string(fuzz::fixture_chain); }
    Result<std::vector<ledger::InboxOffer>> pending_offers(std::string_view agency, std::string_view after,
                                                           std::size_t limit) override {
        std::vector<ledger::InboxOffer> offers;
        if (agency != "DE-BKA") return offers;
        for (const std::string item : {"OFFER-1", "OFFER-2", "OFFER-3"}) {
            if ((!after.empty() && item <= after) || offers.size() == limit) continue;
            offers.push_back(ledger::InboxOffer{
                item, ledger::ItemState{.item = item, .case_id = "CASE-1", .custodian = "NL-POL"},
                stored_event(7, 8)});
        }
        return offers;
    }
    Result<std::vector<std::string>> agency_cases(std::string_view agency, std::string_view after,
                                                  std::size_t limit) override {
        std::vector<std::string> cases;
        if (agency != "NL-POL" && agency != "DE-BKA") return cases;
        for (const std::string id : {"CASE-1", "CASE-2"}) {
            if ((!after.empty() && id <= after) || cases.size() == limit) continue;
            if (agency == "NL-POL" && id == "CASE-2") continue;
            cases.push_back(id);
        }
        return cases;
    }
    Result<std::vector<ledger::SearchHit>> search_events(const ledger::EventSearch& search) override {
        std::vector<ledger::SearchHit> events;
        for (std::uint64_t leaf : {3, 5, 9}) {
            if (leaf < search.from_leaf || events.size() == search.limit) continue;
            ledger::Event event = ledger::Event{.item = leaf == 5 ? "ITEM-2" : "ITEM-1",
                                                .case_id = leaf == 5 ? "CASE-2" : "CASE-1",
                                                .agency = "NL-POL"};
            event.kind = ledger::EventKind::verify;
            events.push_back(ledger::SearchHit{stored_event(7, leaf, std::move(event)), ledger::TimeMs{0}});
        }
        return events;
    }
    Result<ledger::Height> committed_height() override { return ledger::Height{7}; }
    Result<std::uint64_t> first_leaf_of(ledger::Height height) override {
        if (height.value == 0 || height.value > 8)
            return make_error(ErrorCode::invalid_argument, "from_height: beyond the next height");
        return std::uint64_t{9};
    }
    Result<std::vector<ledger::StoredEvent>> committed_events(std::uint64_t, std::size_t) override {
        return std::vector<ledger::StoredEvent>();
    }
    Result<std::set<std::string>> case_participants(std::string_view case_id) override {
        if (case_id == "CASE-1") return std::set<std::string>{"NL-POL", "DE-BKA"};
        if (case_id == "CASE-2") return std::set<std::string>{"DE-BKA"};
        return make_error(ErrorCode::not_found, "no such case");
    }
    Result<std::string> item_case(std::string_view item) override {
        if (item == "ITEM-1") return std::string("CASE-1");
        if (item == "ITEM-2") return std::string("CASE-2");
        return make_error(ErrorCode::not_found, "no such item");
    }
    void record_read(ledger::ReadRecord, ledger::TimeMs, ReadRecorded done) override {
        done(std::string("NL-POL.validator-0"));
    }
    Result<ledger::ItemReads> item_reads(std::string_view item, std::uint64_t, std::size_t) override {
        auto case_id = item_case(item);
        if (!case_id) return tl::unexpected(case_id.error());
        return ledger::ItemReads{.item = std::string(item),
                                 .state = ledger::ItemState{
                                     .item = std::string(item), .case_id = *case_id, .custodian = "NL-POL"}};
    }
    api::NodeStatus status() override {
        return api::NodeStatus{.chain_id = std::string(fuzz::fixture_chain),
                               .genesis_hash_hex = std::string(64, 'b'),
                               .height = ledger::Height{7}};
    }
    std::string metrics_text() override { return "custos_height 7\n"; }
    bool healthy() override { return true; }

private:
    std::map<std::string, ledger::Envelope> submitted_;
};

// "METHOD TARGET\n" + body, signed by `person`, as a client would send it.
std::string signed_request_bytes(std::string_view text, const Person& person, std::uint64_t nonce) {
    const auto line_end = std::min(text.find('\n'), text.size());
    const auto line = text.substr(0, line_end);
    const auto body = text.substr(std::min(line_end + 1, text.size()));
    const auto space = std::min(line.find(' '), line.size());
    const auto method = line.substr(0, space);
    const auto target = line.substr(std::min(space + 1, line.size()));
    const std::string host = "node.test:8081";
    const auto key_id = ledger::key_id(person.key.public_key());
    auto headers = api::sign_request(person.key, key_id, method, "http://" + host + std::string(target), body,
                                     now_s - 1, now_s + 59, "n" + std::to_string(nonce));
    std::string out = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: " + host +
                      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\nContent-Digest: " + headers.content_digest +
                      "\r\nSignature-Input: " + headers.signature_input +
                      "\r\nSignature: " + headers.signature + "\r\n\r\n";
    out += body;
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static std::uint64_t nonces = 0;
    const auto text = fuzz::as_text(data + 1, size - 1);
    FuzzService service;
    // A fresh replay cache for each input, so an input answers the same whenever it runs.
    api::Authenticator auth([] { return now_s; }, api::AuthOptions{.public_names = {"node.test:8081"}});
    std::string bytes;
    if (data[0] % 2 == 1) {
        bytes = signed_request_bytes(text, people()[(data[0] / 2) % people().size()], ++nonces);
    } else {
        bytes = std::string(text);
    }
    auto answer = api::serve_request_bytes(service, auth, bytes);
    if (!answer) return 0;
    FUZZ_CHECK(answer->status >= 200 && answer->status <= 599, "an HTTP status");
    if (answer->status >= 400) {
        FUZZ_CHECK(answer->content_type == "application/problem+json", "errors are problem+json");
        auto problem = crypto::parse_json(answer->body);
        FUZZ_CHECK(problem.has_value() && problem->is_object() && problem->contains("status"),
                   "a problem document");
    }
    api::HttpResponse response;
    api::fill_response(response, std::move(*answer), false);
    std::ostringstream written;
    written << response;
    FUZZ_CHECK(!written.str().empty(), "the response is written");
    return 0;
}
