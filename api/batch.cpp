// POST /v1/batches: up to batch_events_max envelopes in one signed request, each admitted or
// refused on its own. What a batch saves is per-request work: one request signature check, one
// HTTP parse, one strict JSON parse (here, at the edge: the node gets ledger::Envelope values and
// never re-parses text) and one hop to the node thread (NodeService::submit_envelopes).
#include <algorithm>
#include <string>
#include <vector>

#include "api/access.hpp"
#include "api/handlers.hpp"
#include "common/assert.hpp"
#include "ledger/events/event.hpp"

namespace custos::api::handlers {

namespace {

using crypto::Json;

// Longest member name quoted back as a field (as rule R1 cuts unknown field names).
constexpr std::size_t member_name_bytes_max = 64;

ApiResponse bad_batch(std::string detail, std::string field) {
    return problem_response(Problem{
        .status = 400, .title = "Invalid batch", .detail = std::move(detail), .field = std::move(field)});
}

// The "events" array of a parsed body, or the whole-request refusal (400 naming the field).
tl::expected<const Json*, ApiResponse> batch_events(const Json& body) {
    if (!body.is_object()) return tl::unexpected(bad_batch("the body must be a JSON object", "body"));
    for (const auto& member : body.items()) {
        if (member.key() != "events") {
            return tl::unexpected(bad_batch("unknown member", member.key().substr(0, member_name_bytes_max)));
        }
    }
    auto events = body.find("events");
    if (events == body.end()) return tl::unexpected(bad_batch("missing", "events"));
    if (!events->is_array())
        return tl::unexpected(bad_batch("must be an array of event envelopes", "events"));
    if (events->empty()) return tl::unexpected(bad_batch("must hold at least one envelope", "events"));
    if (events->size() > batch_events_max) {
        return tl::unexpected(bad_batch("holds " + std::to_string(events->size()) +
                                            " envelopes, over the limit of " +
                                            std::to_string(batch_events_max),
                                        "events"));
    }
    return &*events;
}

// An entry checked at the edge as POST /v1/events checks its body: an object, rule R1, the
// officer's role for it. `size` is its length as compact JSON text.
tl::expected<ledger::Envelope, ApiResponse> check_entry(const Call& call, const Json& entry,
                                                        std::size_t size) {
    if (size > ledger::envelope_bytes_max) {
        return tl::unexpected(problem_response(Problem{.status = 400,
                                                       .title = "Invalid request",
                                                       .detail = "the envelope is " + std::to_string(size) +
                                                                 " bytes, over the limit of " +
                                                                 std::to_string(ledger::envelope_bytes_max),
                                                       .rule = "R1"}));
    }
    if (!entry.is_object()) {
        return tl::unexpected(problem_response(Problem{
            .status = 400, .title = "Malformed envelope", .detail = "each entry must be a JSON object"}));
    }
    auto envelope = ledger::envelope_from_json(entry);
    if (!envelope) return tl::unexpected(error_response(envelope.error()));
    if (auto refused = require_submit(*call.officer, *envelope)) return tl::unexpected(std::move(*refused));
    return std::move(*envelope);
}

// {"index", "status": "refused", "problem"}: the problem POST /v1/events would have answered for
// this envelope, its field prefixed with the entry ("events[3].event.item"), or the entry itself
// when the problem names no field.
Json refused_entry(std::size_t index, const ApiResponse& refusal) {
    auto problem = crypto::parse_json(refusal.body);
    CUSTOS_ASSERT(problem && problem->is_object(), "a problem document that is not a JSON object");
    const std::string entry = "events[" + std::to_string(index) + "]";
    auto field = problem->find("field");
    (*problem)["field"] = field == problem->end() ? entry : entry + "." + field->get<std::string>();
    return Json{{"index", index}, {"status", "refused"}, {"problem", std::move(*problem)}};
}

Json pending_entry(std::size_t index, const ledger::EventId& id) {
    return Json{{"index", index}, {"id", ledger::event_id_hex(id)}, {"status", "pending"}};
}

}  // namespace

ApiResponse submit_batch(const Call& call) {
    // Strict and depth-limited, as for one event (see submit_event); the server has held the body
    // to batch_body_bytes_max, the parser's own limit bounds a caller without the server.
    auto parsed =
        crypto::parse_json(call.request.body, crypto::JsonParseOptions{.bytes_max = batch_body_bytes_max});
    if (!parsed) {
        return problem_response(Problem{
            .status = 400, .title = "Malformed JSON", .detail = parsed.error().message, .field = "body"});
    }
    auto events = batch_events(*parsed);
    if (!events) return events.error();
    const Json& entries = **events;
    CUSTOS_ASSERT(entries.is_array() && !entries.empty() && entries.size() <= batch_events_max,
                  "a parsed batch outside 1..batch_events_max entries");
    // An entry's size is that of its compact JSON text (no whitespace between tokens). A body no
    // larger than one envelope's limit cannot hold a larger entry: no need to measure then.
    const bool measure = call.request.body.size() > ledger::envelope_bytes_max;

    std::vector<Json> results(entries.size());
    std::vector<ledger::Envelope> admissible;
    std::vector<std::size_t> admissible_index;
    for (std::size_t index = 0; index < entries.size(); ++index) {
        auto envelope = check_entry(call, entries[index], measure ? entries[index].dump().size() : 0);
        if (!envelope) {
            results[index] = refused_entry(index, envelope.error());
            continue;
        }
        admissible.push_back(std::move(*envelope));
        admissible_index.push_back(index);
    }
    std::vector<Result<ledger::EventId>> admitted;
    if (!admissible.empty()) admitted = call.service.submit_envelopes(std::move(admissible));
    CUSTOS_ASSERT(admitted.size() == admissible_index.size(), "submit_envelopes answered another count");

    bool retry = false;
    for (std::size_t k = 0; k < admitted.size(); ++k) {
        const std::size_t index = admissible_index[k];
        if (admitted[k]) {
            results[index] = pending_entry(index, *admitted[k]);
            continue;
        }
        ApiResponse refusal = error_response(admitted[k].error());
        retry = retry || refusal.status == 503;
        results[index] = refused_entry(index, refusal);
    }
    const auto accepted = static_cast<std::size_t>(std::count_if(
        results.begin(), results.end(), [](const Json& r) { return r.value("status", "") == "pending"; }));
    ApiResponse response = json_response(200, Json{{"accepted", accepted},
                                                   {"refused", results.size() - accepted},
                                                   {"results", std::move(results)}});
    // Entries refused because the mempool was full (or the node busy) may be sent again.
    if (retry) response.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
    return response;
}

}  // namespace custos::api::handlers
