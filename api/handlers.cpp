// One function per route: the NodeService call, the role/case check and the JSON answer.
// Reached only through handle_request() (routes.cpp), after check_head() and authentication.
#include "api/handlers.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "api/access.hpp"
#include "api/stream.hpp"
#include "api/views.hpp"
#include "common/assert.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "ledger/events/event.hpp"
#include "ledger/state/officers.hpp"
#include "ledger/time.hpp"

namespace custos::api::handlers {

namespace {

using crypto::Json;
using ledger::Role;

constexpr std::string_view text_type = "text/plain; charset=utf-8";
constexpr std::string_view metrics_type = "text/plain; version=0.0.4; charset=utf-8";
// Roles that read a case's data when their agency takes part in it (auditors read all).
constexpr std::initializer_list<Role> case_readers = {Role::custodian, Role::prosecutor, Role::admin};
// Pages of GET /v1/agencies/{agency}/offers: `limit` by default and at most.
constexpr std::uint64_t offers_page_default = 100;
constexpr std::uint64_t offers_page_max = 1000;
// Index entries one search request reads at most (its page is filled with readable events
// before it is cut: the entries of cases the reader may not read are read and left out).
constexpr std::uint64_t search_scan_max = 10'000;
// Entries read from the node at a time while a search page fills (at least the page and one).
constexpr std::uint64_t search_chunk_min = 256;
static_assert(trail_page_max == offers_page_max, "one page limit for every list");

// 200 with the value's JSON (`view`), or the service's error.
template <typename T, typename View>
ApiResponse json_or_error(const Result<T>& result, View view) {
    if (!result) return error_response(result.error());
    return json_response(200, view(*result));
}

ApiResponse bad_request(std::string title, std::string detail, std::string field) {
    return problem_response(Problem{
        .status = 400, .title = std::move(title), .detail = std::move(detail), .field = std::move(field)});
}

tl::expected<ledger::Height, ApiResponse> height_of(std::string_view text) {
    auto value = parse_integer_parameter("height", text, 1);
    if (!value) return tl::unexpected(value.error());
    return ledger::Height{*value};
}

tl::expected<ledger::EventId, ApiResponse> event_id_of(std::string_view text) {
    auto id = ledger::event_id_from_hex(text);
    if (!id)
        return tl::unexpected(
            bad_request("Invalid event id", "an event id is 64 lowercase hex digits", "id"));
    return *id;
}

// Item routes: the item's case decides who may read it.
std::optional<ApiResponse> check_item_access(const Call& call, std::initializer_list<Role> roles,
                                             std::string_view what) {
    // The role first (403), then whether the item exists (404), then the case (403).
    if (!call.officer->has_role(Role::auditor)) {
        if (auto refused = require_role(*call.officer, roles, what)) return refused;
    }
    auto case_id = call.service.item_case(call.parameter);
    if (!case_id) return error_response(case_id.error());
    return require_case_access(call.service, *call.officer, roles, *case_id);
}

// `limit` of a paginated route: `absent` when absent, 1..offers_page_max.
tl::expected<std::uint64_t, ApiResponse> page_limit(const Call& call,
                                                    std::uint64_t absent = offers_page_default) {
    auto found = call.query.find("limit");
    if (found == call.query.end()) return absent;
    auto value = parse_integer_parameter("limit", found->second, 1);
    if (!value) return tl::unexpected(value.error());
    if (*value > offers_page_max) {
        return tl::unexpected(bad_request("Invalid query parameter",
                                          "limit is at most " + std::to_string(offers_page_max), "limit"));
    }
    CUSTOS_ASSERT(*value >= 1 && *value <= offers_page_max, "a page limit outside 1..offers_page_max");
    return *value;
}

// An agency's own lists (its inbox, its cases): its own officers read them (a custodian,
// prosecutor or admin), auditors every agency's. `what` is plural: "the offers to", "the cases of".
std::optional<ApiResponse> require_own_agency(const Call& call, const std::string& agency,
                                              std::string_view what) {
    if (call.officer->has_role(Role::auditor)) return std::nullopt;
    if (auto refused =
            require_role(*call.officer, case_readers, "reading " + std::string(what) + " an agency"))
        return refused;
    if (call.officer->agency == agency) return std::nullopt;
    const std::string_view preposition = what.substr(what.rfind(' ') + 1);
    return problem_response(Problem{.status = 403,
                                    .title = "Forbidden",
                                    .detail = "an officer of " + call.officer->agency + " reads " +
                                              std::string(what) + " its own agency only, not " +
                                              std::string(preposition) + " " + agency,
                                    .field = "agency"});
}

// The `cursor` of a leaf-ordered page (0 when absent): a leaf index, at least 1.
tl::expected<std::uint64_t, ApiResponse> leaf_cursor(const Call& call) {
    auto found = call.query.find("cursor");
    if (found == call.query.end()) return 0;
    auto value = parse_integer_parameter("cursor", found->second, 1);
    if (!value) return tl::unexpected(value.error());
    return *value;
}

// The `after` cursor of an id-ordered page ("" when absent): an id of the kind named.
tl::expected<std::string, ApiResponse> after_cursor(const Call& call, std::string_view kind) {
    auto found = call.query.find("after");
    if (found == call.query.end()) return std::string();
    if (!is_valid_path_id(found->second)) {
        return tl::unexpected(bad_request("Invalid query parameter",
                                          "after is " + std::string(kind) + " id ([A-Za-z0-9._:-]{1,128})",
                                          "after"));
    }
    return found->second;
}

// The search of GET /v1/search from its query, and the terms to echo in the answer. One of
// `sha256` and `officer` at most; `from` and `to` (ledger time, RFC 3339 as the ledger writes it)
// each optional; at least one of the four; `case` narrows any of them; `cursor` is a leaf index.
tl::expected<std::pair<ledger::EventSearch, Json>, ApiResponse> search_terms(const Call& call) {
    ledger::EventSearch search;
    Json echo = Json::object();
    auto text = [&](std::string_view name) -> const std::string* {
        auto found = call.query.find(std::string(name));
        return found == call.query.end() ? nullptr : &found->second;
    };
    if (const std::string* sha256 = text("sha256")) {
        std::string lower = *sha256;
        for (char& c : lower)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto hash = crypto::hash_from_hex(lower);
        if (!hash)
            return tl::unexpected(
                bad_request("Invalid query parameter", "sha256 is 64 hex digits", "sha256"));
        search.sha256 = *hash;
        echo["sha256"] = lower;
    }
    if (const std::string* officer = text("officer")) {
        auto key = crypto::public_key_from_hex(*officer);
        if (!key) {
            return tl::unexpected(bad_request(
                "Invalid query parameter", "officer is an officer key, 64 lowercase hex digits", "officer"));
        }
        if (search.sha256) {
            return tl::unexpected(bad_request("Invalid query parameter",
                                              "search by sha256 or by officer, not both", "officer"));
        }
        search.signer = *key;
        echo["officer"] = *officer;
    }
    for (std::string_view name : {"from", "to"}) {
        const std::string* time_text = text(name);
        if (time_text == nullptr) continue;
        auto time = ledger::parse_time(*time_text);
        if (!time) {
            return tl::unexpected(bad_request(
                "Invalid query parameter",
                std::string(name) + " is a UTC time as the ledger writes it, e.g. 2026-11-27T21:00:00.000Z",
                std::string(name)));
        }
        (name == "from" ? search.from_time : search.to_time) = *time;
        echo[std::string(name)] = *time_text;
    }
    if (search.from_time && search.to_time && !(*search.from_time < *search.to_time))
        return tl::unexpected(bad_request("Invalid query parameter", "from must be before to", "from"));
    if (!search.sha256 && !search.signer && !search.from_time && !search.to_time) {
        return tl::unexpected(bad_request(
            "Invalid query parameter", "sha256 is required unless officer, from or to is given", "sha256"));
    }
    if (const std::string* case_id = text("case")) {
        if (!is_valid_path_id(*case_id)) {
            return tl::unexpected(
                bad_request("Invalid query parameter", "case is a case id ([A-Za-z0-9._:-]{1,128})", "case"));
        }
        echo["case"] = *case_id;
    }
    auto cursor = leaf_cursor(call);
    if (!cursor) return tl::unexpected(cursor.error());
    search.from_leaf = *cursor;
    return std::pair{std::move(search), std::move(echo)};
}

// The entries of `page` that the reader may read, and of `only_case` when it is not "", as JSON:
// an auditor reads all, anyone else the cases its agency takes part in.
tl::expected<Json, ApiResponse> readable_events(const Call& call, const std::vector<ledger::SearchHit>& page,
                                                const std::string& only_case) {
    Json readable = Json::array();
    std::map<std::string, bool> may_read;  // By case, for this page.
    for (const auto& entry : page) {
        const std::string& case_id = entry.event.envelope.event.case_id;
        if (!only_case.empty() && case_id != only_case) continue;
        if (!call.officer->has_role(Role::auditor)) {
            auto known = may_read.find(case_id);
            if (known == may_read.end()) {
                auto participants = call.service.case_participants(case_id);
                if (!participants && participants.error().code != ErrorCode::not_found)
                    return tl::unexpected(error_response(participants.error()));
                known =
                    may_read.emplace(case_id, participants && participants->contains(call.officer->agency))
                        .first;
            }
            if (!known->second) continue;
        }
        readable.push_back(views::search_hit_json(entry));
    }
    return readable;
}

// Who may see who read an item (the consultation log, docs/FORMAT.md 6.7): auditors, the officers of
// its custodian agency, and the prosecutors of agencies taking part in its case. `item` is an
// answer of NodeService::item_reads (its state's custodian and case).
std::optional<ApiResponse> require_item_reads_reader(const Call& call, const ledger::ItemReads& item) {
    if (call.officer->has_role(Role::auditor)) return std::nullopt;
    if (auto refused = require_role(*call.officer, case_readers, "reading who read an item")) return refused;
    const std::string& custodian = item.state.custodian;
    if (call.officer->agency == custodian) return std::nullopt;
    if (call.officer->has_role(Role::prosecutor)) {
        auto participants = call.service.case_participants(item.state.case_id);
        if (!participants) return error_response(participants.error());
        if (participants->contains(call.officer->agency)) return std::nullopt;
    }
    return problem_response(Problem{.status = 403,
                                    .title = "Forbidden",
                                    .detail = "who read an item is for auditors, the prosecutors of its case "
                                              "and its custodian agency (" +
                                              custodian + ")",
                                    .field = "item"});
}

// Who may see one read record (GET /v1/events/{id}): of a read of an item, the readers of that
// item's consultation log; of a read of a case or a search, auditors only (what an agency looked
// for is not shown to another agency, nor to the agency of the node that served it).
std::optional<ApiResponse> require_read_record_reader(const Call& call,
                                                      const std::optional<ledger::ReadRecord>& read) {
    if (call.officer->has_role(Role::auditor)) return std::nullopt;
    if (!read || !ledger::reads_item(read->action)) {
        return problem_response(Problem{.status = 403,
                                        .title = "Forbidden",
                                        .detail = "a read record of a case or a search is for auditors",
                                        .field = "role"});
    }
    auto item = call.service.item_reads(read->subject, 0, 0);
    if (!item) {
        if (item.error().code == ErrorCode::not_found)
            return problem_response(
                Problem{.status = 403,
                        .title = "Forbidden",
                        .detail = "a read record of an item that is not on the ledger is for auditors",
                        .field = "role"});
        return error_response(item.error());
    }
    return require_item_reads_reader(call, *item);
}

}  // namespace

ApiResponse healthz(const Call& call) {
    bool healthy = call.service.healthy();
    return ApiResponse{.status = healthy ? 200u : 503u,
                       .content_type = std::string(text_type),
                       .body = healthy ? "ok\n" : "unhealthy\n"};
}

ApiResponse metrics(const Call& call) {
    return ApiResponse{
        .status = 200, .content_type = std::string(metrics_type), .body = call.service.metrics_text()};
}

ApiResponse status(const Call& call) {
    if (auto refused = require_role(*call.officer, {Role::admin, Role::auditor}, "reading node status")) {
        return *refused;
    }
    return json_response(200, views::status_json(call.service.status()));
}

ApiResponse submit_event(const Call& call) {
    bool wait = false;
    if (auto found = call.query.find("wait"); found != call.query.end()) {
        if (found->second != "commit")
            return bad_request("Invalid query parameter", "wait must be 'commit'", "wait");
        wait = true;
    }
    // The strict, depth-limited parse runs here, at the edge, so a hostile document (nested 100,000
    // deep, duplicate keys, bad UTF-8, lone surrogates) is refused before any other code sees it
    // and never exists as a nlohmann value.
    // (The server has already held the body to request_body_bytes_max; the parser's own limit is
    // the envelope's, so a caller of handle_request() without the server is bounded too.)
    auto parsed = crypto::parse_json(call.request.body,
                                     crypto::JsonParseOptions{.bytes_max = ledger::envelope_bytes_max});
    if (!parsed) return bad_request("Malformed JSON", parsed.error().message, "body");
    if (!parsed->is_object())
        return bad_request("Malformed envelope", "the body must be a JSON object", "body");
    // Rule R1 (schema, unknown fields by name) here too: the role check needs the acting agency.
    auto envelope = ledger::envelope_from_json(*parsed);
    if (!envelope) return error_response(envelope.error());
    if (auto refused = require_submit(*call.officer, *envelope)) return *refused;
    // The parsed envelope goes to the node, which so never parses the text again.
    std::vector<ledger::Envelope> one;
    one.push_back(std::move(*envelope));
    auto admitted = call.service.submit_envelopes(std::move(one));
    CUSTOS_ASSERT(admitted.size() == 1, "submit_envelopes answered another count");
    const Result<ledger::EventId>& id = admitted.front();
    if (!id) return error_response(id.error());
    std::string hex = ledger::event_id_hex(*id);
    ApiResponse response = json_response(202, Json{{"id", hex}, {"status", "pending"}});
    response.headers.emplace_back("Location", "/v1/events/" + hex);
    if (wait) response.await_commit = *id;
    return response;
}

ApiResponse event(const Call& call) {
    if (auto refused =
            require_role(*call.officer, {Role::auditor, Role::custodian, Role::prosecutor, Role::admin},
                         "reading an event")) {
        return *refused;
    }
    auto id = event_id_of(call.parameter);
    if (!id) return id.error();
    auto found = call.service.event_by_id(*id);
    if (!found) return error_response(found.error());
    const ledger::Event& event = found->event.envelope.event;
    if (event.kind == ledger::EventKind::read) {
        // A read record is in no case: it shows what the item's consultation log shows, to whom it
        // shows it (GET /v1/items/{item}/reads); a record of a case or search read, to auditors.
        if (auto refused = require_read_record_reader(call, event.read)) return *refused;
    } else if (auto refused = require_case_access(call.service, *call.officer, case_readers, event.case_id,
                                                  event.agency)) {
        return *refused;
    }
    // An event the node's pool let go uncommitted is in no block: 404, saying why.
    if (!found->dropped.empty()) return error_response(Error{ErrorCode::not_found, found->dropped});
    return json_response(200, views::found_event_json(*found));
}

ApiResponse item_trail(const Call& call) {
    if (auto refused = check_item_access(call, case_readers, "reading a trail")) return *refused;
    if (!call.query.contains("cursor") && !call.query.contains("limit")) {
        // The first page, which is the whole trail up to trail_page_max events: the node may
        // answer it from its cache.
        auto text = call.service.item_trail_text(call.parameter);
        if (!text) return error_response(text.error());
        return ApiResponse{
            .status = 200, .content_type = std::string(json_media_type), .body = std::move(*text)};
    }
    auto cursor = leaf_cursor(call);
    if (!cursor) return cursor.error();
    auto limit = page_limit(call, trail_page_max);
    if (!limit) return limit.error();
    return json_or_error(call.service.item_trail(call.parameter, *cursor, *limit), views::trail_json);
}

ApiResponse item_bundle(const Call& call) {
    if (auto refused = check_item_access(call, {Role::prosecutor}, "exporting a bundle")) return *refused;
    // The export's read record (docs/FORMAT.md 11.8): the node completes it (its name, agency and
    // signature) into the same record the consultation log commits for this request.
    ledger::ReadRecord read{.node = {},
                            .officer = call.signed_request->officer.key,
                            .action = ledger::ReadAction::bundle,
                            .subject = std::string(call.parameter),
                            .outcome = ledger::ReadOutcome::served,
                            .status = 200,
                            .signature_base = call.signed_request->signature_base,
                            .signature = call.signed_request->signature};
    auto bundle = call.service.item_bundle(call.parameter, std::move(read),
                                           ledger::TimeMs{call.signed_request->received_s * 1000});
    if (!bundle) return error_response(bundle.error());
    return json_response(200, *bundle);
}

// The same readers as the trail: the answer shows the item's state, which the trail shows too.
ApiResponse item_state_proof(const Call& call) {
    if (auto refused = check_item_access(call, case_readers, "reading a state proof")) return *refused;
    auto found = call.query.find("from_size");
    if (found == call.query.end())
        return bad_request("Invalid query parameter", "from_size is required", "from_size");
    auto from_size = parse_integer_parameter("from_size", found->second, 1);
    if (!from_size) return from_size.error();
    auto proof = call.service.item_state_proof(call.parameter, *from_size);
    if (!proof) return error_response(proof.error());
    return json_response(200, *proof);
}

ApiResponse case_items(const Call& call) {
    if (auto refused =
            require_role(*call.officer, {Role::auditor, Role::custodian, Role::prosecutor, Role::admin},
                         "reading a case")) {
        return *refused;
    }
    auto cursor = after_cursor(call, "an item");
    if (!cursor) return cursor.error();
    auto limit = page_limit(call, trail_page_max);
    if (!limit) return limit.error();
    auto items = call.service.case_items(call.parameter, *cursor, *limit);
    if (!items) return error_response(items.error());
    if (auto refused =
            require_case_access(call.service, *call.officer, case_readers, std::string(call.parameter))) {
        return *refused;
    }
    return json_response(200, views::case_json(*items));
}

ApiResponse officer(const Call& call) {
    // Any officer in force may look a key up: every event names its signer's key, and a client
    // filling in an event needs its own key's agency and the chain id.
    auto key = crypto::public_key_from_hex(call.parameter);
    if (!key) return bad_request("Invalid key", "an officer key is 64 lowercase hex digits", "key");
    auto record = call.service.officer_record(*key);
    if (!record) return error_response(record.error());
    if (!*record) {
        return problem_response(Problem{
            .status = 404, .title = "Not found", .detail = "no officer has this key", .field = "key"});
    }
    Json answer = ledger::officer_record_to_json(**record);
    answer["status"] = (*record)->revoked() ? "revoked" : "in_force";
    answer["chain_id"] = call.service.chain_id();
    return json_response(200, answer);
}

ApiResponse agency_offers(const Call& call) {
    // The inbox of an agency: its own officers read it; auditors read every agency's.
    const std::string agency(call.parameter);
    if (auto refused = require_own_agency(call, agency, "the offers to")) return *refused;
    auto cursor = after_cursor(call, "an item");
    if (!cursor) return cursor.error();
    const std::string& after = *cursor;
    auto page_size = page_limit(call);
    if (!page_size) return page_size.error();
    const std::uint64_t limit = *page_size;
    auto offers = call.service.pending_offers(agency, after, limit + 1);
    if (!offers) return error_response(offers.error());
    Json answer{{"agency", agency}};
    if (offers->size() > limit) {
        offers->resize(limit);
        answer["next"] = offers->back().item;
    }
    Json page = Json::array();
    for (const auto& offer : *offers)
        page.push_back(views::offer_json(offer));
    answer["offers"] = std::move(page);
    return json_response(200, answer);
}

ApiResponse agency_cases(const Call& call) {
    // The cases an agency takes part in (its officers' front page); same readers as its inbox.
    const std::string agency(call.parameter);
    if (auto refused = require_own_agency(call, agency, "the cases of")) return *refused;
    auto cursor = after_cursor(call, "a case");
    if (!cursor) return cursor.error();
    auto limit = page_limit(call);
    if (!limit) return limit.error();
    auto cases = call.service.agency_cases(agency, *cursor, *limit + 1);
    if (!cases) return error_response(cases.error());
    Json answer{{"agency", agency}};
    if (cases->size() > *limit) {
        cases->resize(*limit);
        answer["next"] = cases->back();
    }
    Json page = Json::array();
    for (const auto& id : *cases) {
        auto participants = call.service.case_participants(id);
        if (!participants) return error_response(participants.error());
        page.push_back(Json{{"case", id}, {"participants", *participants}});
    }
    answer["cases"] = std::move(page);
    return json_response(200, answer);
}

ApiResponse item_reads(const Call& call) {
    // Who read or exported an item (the consultation log, docs/FORMAT.md 6.7): auditors,
    // prosecutors of agencies taking part in its case, and the officers of its custodian agency.
    // The role first (403), then whether the item exists (404), then the item (403); this read
    // is itself recorded, refused or served.
    const bool auditor = call.officer->has_role(Role::auditor);
    if (!auditor) {
        if (auto refused = require_role(*call.officer, case_readers, "reading who read an item"))
            return *refused;
    }
    std::uint64_t from_leaf = 0;
    if (auto found = call.query.find("cursor"); found != call.query.end()) {
        auto value = parse_integer_parameter("cursor", found->second, 1);
        if (!value) return value.error();
        from_leaf = *value;
    }
    auto limit = page_limit(call);
    if (!limit) return limit.error();
    auto found = call.service.item_reads(call.parameter, from_leaf, *limit + 1);
    if (!found) return error_response(found.error());
    if (auto refused = require_item_reads_reader(call, *found)) return *refused;
    std::vector<ledger::StoredEvent>& reads = found->reads;
    Json answer{{"item", std::string(call.parameter)}, {"custodian", found->state.custodian}};
    if (reads.size() > *limit) {
        reads.resize(*limit);
        answer["next"] = std::to_string(reads.back().leaf_index + 1);
    }
    Json page = Json::array();
    for (const auto& read : reads)
        page.push_back(views::read_entry_json(read));
    // Each reader's agency, roles and name from its officer record (revoked keys included).
    std::map<std::string, Json> officers;
    for (auto& entry : page) {
        const std::string key_hex = entry.value("officer", "");
        auto known = officers.find(key_hex);
        if (known == officers.end()) {
            Json officer{{"key", key_hex}};
            auto key = crypto::public_key_from_hex(key_hex);
            auto record =
                key ? call.service.officer_record(*key) : Result<std::optional<ledger::OfficerRecord>>();
            if (!record) return error_response(record.error());
            if (*record) {
                officer["agency"] = (*record)->officer.agency;
                officer["roles"] = Json::array();
                for (Role role : (*record)->officer.roles)
                    officer["roles"].push_back(ledger::role_name(role));
                officer["name"] = (*record)->officer.name;
            }
            known = officers.emplace(key_hex, std::move(officer)).first;
        }
        entry["officer"] = known->second;
    }
    answer["reads"] = std::move(page);
    return json_response(200, answer);
}

ApiResponse search(const Call& call) {
    // Committed events by evidence digest (an examiner holding a file's SHA-256 finds its item),
    // by officer key (what a key signed) and/or by ledger time (what was committed in [from, to)),
    // within one case when `case` is given. Only the events of cases the reader may read are
    // answered (auditors: all), so a search tells nothing of the others, not even that they exist.
    // Every role may search (an officer holds at least one of the case readers' roles or is an
    // auditor); what it finds is filtered by case below.
    auto terms = search_terms(call);
    if (!terms) return terms.error();
    auto& [search, echo] = *terms;
    auto limit = page_limit(call);
    if (!limit) return limit.error();
    Json answer = std::move(echo);
    const std::string only_case = answer.value("case", "");
    // The page is filled with readable events before it is cut, so that neither a short page nor
    // `next` tells the reader that events it may not read match the search. The store is read in
    // chunks until the page (and one more, to know whether there is a next page) is full, the
    // matches end, or search_scan_max entries were read; only then does `next` show (the place
    // the scan stopped), whatever was found unreadable.
    Json page = Json::array();
    std::uint64_t scanned = 0;
    std::optional<std::uint64_t> scan_stopped_at;  // The leaf after the last one read, if matches may follow.
    while (page.size() <= *limit) {
        const std::uint64_t chunk = std::min<std::uint64_t>(
            std::max<std::uint64_t>(*limit + 1, search_chunk_min), search_scan_max - scanned);
        search.limit = chunk;
        auto events = call.service.search_events(search);
        if (!events) return error_response(events.error());
        scanned += events->size();
        const bool more = events->size() == chunk;
        if (!events->empty()) search.from_leaf = events->back().event.leaf_index + 1;
        auto readable = readable_events(call, *events, only_case);
        if (!readable) return readable.error();
        for (auto& event : *readable)
            page.push_back(std::move(event));
        if (!more) break;
        if (scanned >= search_scan_max) {
            scan_stopped_at = search.from_leaf;
            break;
        }
    }
    if (page.size() > *limit) {
        page.erase(page.begin() + static_cast<std::ptrdiff_t>(*limit), page.end());
        answer["next"] = std::to_string(page.back().value("leaf_index", std::uint64_t{0}) + 1);
    } else if (scan_stopped_at) {
        answer["next"] = std::to_string(*scan_stopped_at);
    }
    answer["events"] = std::move(page);
    return json_response(200, answer);
}

ApiResponse stream(const Call& call) {
    // Committed events as server-sent events, those the key may read (api/stream.hpp): from the
    // event after `Last-Event-ID` (a leaf index), else from block `from_height`, else from now.
    if (auto refused =
            require_role(*call.officer, {Role::auditor, Role::custodian, Role::prosecutor, Role::admin},
                         "following the ledger")) {
        return *refused;
    }
    auto start = std::make_shared<StreamStart>();
    start->officer = *call.officer;
    if (auto found = call.query.find("case"); found != call.query.end()) {
        if (!is_valid_path_id(found->second))
            return bad_request("Invalid query parameter", "case is a case id ([A-Za-z0-9._:-]{1,128})",
                               "case");
        start->case_id = found->second;
    }
    if (!call.request.last_event_id.empty()) {
        auto last = parse_integer_parameter("Last-Event-ID", call.request.last_event_id, 0);
        if (!last) return last.error();
        if (*last == UINT64_MAX)
            return bad_request("Invalid header", "Last-Event-ID is past every leaf", "Last-Event-ID");
        start->from_leaf = *last + 1;
    } else {
        ledger::Height from{0};
        if (auto found = call.query.find("from_height"); found != call.query.end()) {
            auto value = parse_integer_parameter("from_height", found->second, 1);
            if (!value) return value.error();
            from = ledger::Height{*value};
        } else {
            auto height = call.service.committed_height();
            if (!height) return error_response(height.error());
            from = ledger::Height{height->value + 1};
        }
        auto leaf = call.service.first_leaf_of(from);
        if (!leaf) return error_response(leaf.error());
        start->from_leaf = *leaf;
    }
    ApiResponse response{.status = 200, .content_type = "text/event-stream; charset=utf-8"};
    response.stream = std::move(start);
    return response;
}

ApiResponse block(const Call& call) {
    if (auto refused = require_role(*call.officer, {Role::auditor, Role::admin}, "reading blocks"))
        return *refused;
    auto height = height_of(call.parameter);
    if (!height) return height.error();
    return json_or_error(call.service.block_by_height(*height), views::block_json);
}

ApiResponse checkpoint(const Call& call) {
    Result<CheckpointView> found = make_error(ErrorCode::internal, "unset");
    if (call.parameter.empty()) {
        found = call.service.latest_checkpoint();
    } else {
        auto height = height_of(call.parameter);
        if (!height) return height.error();
        found = call.service.checkpoint_at(*height);
    }
    if (!found) return error_response(found.error());
    // The signed note as text/plain for tools that verify notes as they are, when Accept names
    // text/plain and not application/json; JSON otherwise (no q-value weighing).
    const std::string& accept = call.request.accept;
    if (accept.find("text/plain") != std::string::npos &&
        accept.find("application/json") == std::string::npos) {
        return ApiResponse{.status = 200, .content_type = std::string(text_type), .body = found->note};
    }
    return json_response(200, views::checkpoint_json(*found));
}

ApiResponse inclusion_proof(const Call& call) {
    auto id = event_id_of(call.parameter);
    if (!id) return id.error();
    std::optional<std::uint64_t> size;
    if (auto found = call.query.find("size"); found != call.query.end()) {
        auto value = parse_integer_parameter("size", found->second, 1);
        if (!value) return value.error();
        size = *value;
    }
    return json_or_error(call.service.inclusion_proof(*id, size), views::inclusion_proof_json);
}

ApiResponse consistency_proof(const Call& call) {
    std::uint64_t sizes[2] = {0, 0};
    const char* names[2] = {"from", "to"};
    for (int i = 0; i < 2; ++i) {
        auto found = call.query.find(names[i]);
        if (found == call.query.end()) {
            return bad_request("Invalid query parameter", std::string(names[i]) + " is required", names[i]);
        }
        auto value = parse_integer_parameter(names[i], found->second, 1);
        if (!value) return value.error();
        sizes[i] = *value;
    }
    if (sizes[0] > sizes[1]) return bad_request("Invalid query parameter", "from must be at most to", "from");
    return json_or_error(call.service.consistency_proof(sizes[0], sizes[1]), views::consistency_proof_json);
}

}  // namespace custos::api::handlers

namespace custos::api {

Result<std::string> NodeService::item_trail_text(std::string_view item_id) {
    auto page = item_trail(item_id, 0, trail_page_max);
    if (!page) return tl::unexpected(page.error());
    return json_text(views::trail_json(*page));
}

std::optional<ApiResponse> committed_response(NodeService& service, const ledger::EventId& id) {
    auto found = service.event_by_id(id);
    if (!found || !found->committed || found->event.height.value < 1) return std::nullopt;
    const ledger::Height height = found->event.height;
    auto checkpoint = service.checkpoint_at(height);
    if (!checkpoint) return std::nullopt;
    crypto::Json body{{"id", ledger::event_id_hex(id)},
                      {"status", "committed"},
                      {"height", height.value},
                      {"leaf_index", found->event.leaf_index},
                      {"checkpoint", views::checkpoint_json(*checkpoint)}};
    ApiResponse response = json_response(201, body);
    response.headers.emplace_back("Location", "/v1/events/" + ledger::event_id_hex(id));
    return response;
}

ApiResponse commit_timeout_response(const ledger::EventId& id, std::uint32_t waited_ms) {
    std::string hex = ledger::event_id_hex(id);
    ApiResponse response = problem_response(
        Problem{.status = 504,
                .title = "Commit not seen in time",
                .detail = "the event was admitted but not committed within " + std::to_string(waited_ms) +
                          " ms; its outcome is unknown: poll GET /v1/events/" + hex,
                .id = hex});
    response.headers.emplace_back("Location", "/v1/events/" + hex);
    return response;
}

}  // namespace custos::api
