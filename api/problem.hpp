// Responses and RFC 9457 problem documents: what every route answers with, and how a
// NodeService error becomes an HTTP status (table in api/service.hpp).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "crypto/canonical_json.hpp"
#include "ledger/events/event.hpp"
#include "ledger/types.hpp"

namespace custos::api {

struct StreamStart;  // api/stream.hpp

// Seconds a client is told to wait when the mempool is full or the node is not ready.
inline constexpr int retry_after_seconds = 1;

// A read the consultation log must record before it is answered (NodeService::record_read),
// with the authenticator's receipt time.
struct PendingRead {
    ledger::ReadRecord read;
    ledger::TimeMs received{0};
};

// The media type of every JSON answer and of the request bodies the API takes.
inline constexpr std::string_view json_media_type = "application/json";

struct ApiResponse {
    unsigned status = 200;
    std::string content_type;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // Extra headers (Allow, ...).
    // Set by POST /v1/events?wait=commit once the event is admitted: the server then waits for
    // the commit (without blocking its thread) and answers with committed_response() or
    // commit_timeout_response() instead of this response.
    std::optional<ledger::EventId> await_commit;
    // Set by GET /v1/stream once the request is authorized: the server then answers with a
    // stream of server-sent events (api/stream.hpp) instead of this response.
    std::shared_ptr<const StreamStart> stream;
    // Set when this answer is a read the consultation log records: the server sends it only once
    // a validator has recorded the read (NodeService::record_read: this node if it is one, else a
    // validator that lists this observer), and read_not_recorded_response() otherwise.
    std::optional<PendingRead> await_record;
};

// 503 naming rule R33: no validator recorded the read, so it is not served (`reason` says why:
// the pool's share of read records full, no validator answering, ...).
[[nodiscard]] ApiResponse read_not_recorded_response(std::string_view reason);

// An RFC 9457 problem document (application/problem+json). `field` and `rule`, when not empty,
// are added as extension members so a client can point at what was wrong; `id` names the event
// a 504 is about.
struct Problem {
    unsigned status = 500;
    std::string title;
    std::string detail;
    std::string field;
    std::string rule;
    std::string id;
};
[[nodiscard]] ApiResponse problem_response(const Problem& problem);

// Maps a NodeService error to its problem (status table in api/service.hpp). The message's
// leading "R<n> <field>:" is split into rule and field; a plain "<field>: <reason>" (a word
// without spaces before the colon) names the field.
[[nodiscard]] ApiResponse error_response(const Error& error);

[[nodiscard]] ApiResponse json_response(unsigned status, const crypto::Json& body);
// The body json_response() sends for `body` (compact, invalid UTF-8 replaced), for services that
// keep serialized answers.
[[nodiscard]] std::string json_text(const crypto::Json& body);

}  // namespace custos::api
