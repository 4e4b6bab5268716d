// docs/openapi.yaml against the server: the documented operations are exactly the route table
// (path, method, signed or open, query parameters), every documented (operation, status) is
// produced by a request here and every status produced is documented, and methods the document
// does not list answer 405. The YAML is read with a small reader for the layout the file keeps
// (see its header comment), not a general YAML parser.
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "api_support.hpp"
#include "crypto/encoding.hpp"

namespace custos::api::test {

namespace {

struct DocOperation {
    std::string path;
    std::string method;  // Upper case.
    bool open = false;   // security: []
    std::set<std::string> query;
    std::set<unsigned> statuses;
};

struct OpenApiDoc {
    std::vector<DocOperation> operations;
    std::set<unsigned> any_route_statuses;
};

std::size_t indent_of(const std::string& line) {
    return line.find_first_not_of(' ');
}

std::optional<unsigned> quoted_status(const std::string& text) {
    if (text.size() != 6 || text[0] != '\'' || text[4] != '\'' || text[5] != ':') return std::nullopt;
    return static_cast<unsigned>(std::stoul(text.substr(1, 3)));
}

std::string upper(std::string text) {
    for (auto& c : text)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

OpenApiDoc read_openapi(const std::string& text) {
    OpenApiDoc doc;
    std::istringstream lines(text);
    std::string line, section, block, pending_name;
    while (std::getline(lines, line)) {
        if (line.empty() || line.find_first_not_of(' ') == std::string::npos) continue;
        const std::size_t indent = indent_of(line);
        const std::string body = line.substr(indent);
        if (body.front() == '#') continue;
        if (indent == 0) {
            section = body;
            continue;
        }
        if (section == "x-custos-any-route:" && indent == 4) {
            if (auto status = quoted_status(body)) doc.any_route_statuses.insert(*status);
        }
        if (section != "paths:") continue;
        if (indent == 2) {
            REQUIRE(body.back() == ':');
            doc.operations.push_back(DocOperation{.path = body.substr(0, body.size() - 1)});
            doc.operations.back().method.clear();
        } else if (indent == 4) {
            REQUIRE(!doc.operations.empty());
            DocOperation& op = doc.operations.back();
            if (!op.method.empty()) doc.operations.push_back(DocOperation{.path = op.path});
            doc.operations.back().method = upper(body.substr(0, body.size() - 1));
            block.clear();
        } else if (indent == 6) {
            if (body == "security: []") doc.operations.back().open = true;
            block = body;
        } else if (block == "parameters:" && indent == 8) {
            pending_name = body.rfind("- name: ", 0) == 0 ? body.substr(8) : "";
        } else if (block == "parameters:" && indent == 10 && body == "in: query") {
            doc.operations.back().query.insert(pending_name);
        } else if (block == "responses:" && indent == 8) {
            if (auto status = quoted_status(body)) doc.operations.back().statuses.insert(*status);
        }
    }
    return doc;
}

OpenApiDoc load_doc() {
    std::ifstream in(std::string(CUSTOS_VECTORS_DIR) + "/../../docs/openapi.yaml");
    REQUIRE_MESSAGE(in.good(), "docs/openapi.yaml missing");
    std::stringstream text;
    text << in.rdbuf();
    auto doc = read_openapi(text.str());
    REQUIRE(doc.operations.size() >= 10);
    return doc;
}

using Seen = std::set<std::tuple<std::string, std::string, unsigned>>;

unsigned raw_status(std::uint16_t port, const std::string& bytes) {
    RawConnection connection(port);
    connection.send(bytes);
    bool closed = false;
    std::string line = status_line(connection.read_all(closed));
    return line.size() >= 12 ? static_cast<unsigned>(std::stoul(line.substr(9, 3))) : 0;
}

// Sends one request per (operation, status) the document lists, recording what was answered.
Seen exercise_routes() {
    Seen seen;
    Fixture f(ServerOptions{.commit_wait_ms = 200, .commit_poll_ms = 10});
    Fixture full(ServerOptions{.replay_entries_max = 0});  // Every signed request: 503.
    auto note = [&](const std::string& path, const std::string& method, const ClientResponse& r) {
        seen.emplace(path, method, r.status);
    };
    // Open routes.
    note("/healthz", "GET", f.request("GET", "/healthz"));
    note("/healthz", "GET", f.request("GET", "/healthz?x=1"));
    note("/metrics", "GET", f.request("GET", "/metrics"));
    note("/metrics", "GET", f.request("GET", "/metrics?x=1"));
    const std::string inclusion = "/v1/proofs/inclusion/" + event_hex;
    note("/v1/checkpoints/latest", "GET", f.request("GET", "/v1/checkpoints/latest"));
    note("/v1/checkpoints/latest", "GET", f.request("GET", "/v1/checkpoints/latest?x=1"));
    note("/v1/checkpoints/{height}", "GET", f.request("GET", "/v1/checkpoints/7"));
    note("/v1/checkpoints/{height}", "GET", f.request("GET", "/v1/checkpoints/0"));
    note("/v1/checkpoints/{height}", "GET", f.request("GET", "/v1/checkpoints/8"));
    note("/v1/proofs/inclusion/{id}", "GET", f.request("GET", inclusion + "?size=9"));
    note("/v1/proofs/inclusion/{id}", "GET", f.request("GET", inclusion + "?size=1.5"));
    note("/v1/proofs/inclusion/{id}", "GET",
         f.request("GET", "/v1/proofs/inclusion/" + std::string(64, 'c')));
    note("/v1/proofs/consistency", "GET", f.request("GET", "/v1/proofs/consistency?from=1&to=9"));
    note("/v1/proofs/consistency", "GET", f.request("GET", "/v1/proofs/consistency?from=1"));
    // Signed reads: 200, 400, 401, 403, 404, and 503 (replay cache full).
    struct Read {
        std::string path, good, bad, missing, forbidden_for;
    };
    const std::vector<Read> reads = {
        {"/v1/status", "/v1/status", "/v1/status?x=1", "", "nl.custodian"},
        {"/v1/events/{id}", "/v1/events/" + event_hex, "/v1/events/xyz", "/v1/events/" + std::string(64, 'c'),
         "de.custodian"},
        {"/v1/items/{item}/trail", "/v1/items/ITEM-1/trail", "/v1/items/a%2Fb/trail",
         "/v1/items/ITEM-9/trail", "de.prosecutor"},
        {"/v1/items/{item}/bundle", "/v1/items/ITEM-1/bundle", "/v1/items/../bundle",
         "/v1/items/ITEM-9/bundle", "nl.custodian"},
        {"/v1/items/{item}/state-proof", "/v1/items/ITEM-1/state-proof?from_size=9",
         "/v1/items/ITEM-1/state-proof?from_size=0", "/v1/items/ITEM-9/state-proof?from_size=1",
         "de.prosecutor"},
        {"/v1/cases/{case}", "/v1/cases/CASE-1", "/v1/cases/a%00b", "/v1/cases/CASE-9", "de.admin"},
        {"/v1/blocks/{height}", "/v1/blocks/3", "/v1/blocks/1.5", "/v1/blocks/4", "nl.prosecutor"},
    };
    for (const auto& read : reads) {
        note(read.path, "GET", f.signed_request("auditor", "GET", read.good));
        note(read.path, "GET", f.signed_request("auditor", "GET", read.bad));
        if (!read.missing.empty()) note(read.path, "GET", f.signed_request("auditor", "GET", read.missing));
        note(read.path, "GET", f.request("GET", read.good));
        note(read.path, "GET", f.signed_request(read.forbidden_for, "GET", read.good));
        note(read.path, "GET", full.signed_request("auditor", "GET", read.good));
    }
    // Officer records: any officer key may read them (no 403); a key no officer has is 404.
    const std::string officer_path = "/v1/officers/" + f.service.officer_named("nl.custodian").key_id();
    const std::string stranger = ledger::key_id(crypto::SecretKey::generate().public_key());
    note("/v1/officers/{key}", "GET", f.signed_request("de.prosecutor", "GET", officer_path));
    note("/v1/officers/{key}", "GET", f.signed_request("auditor", "GET", "/v1/officers/XYZ"));
    note("/v1/officers/{key}", "GET", f.signed_request("auditor", "GET", "/v1/officers/" + stranger));
    note("/v1/officers/{key}", "GET", f.request("GET", officer_path));
    note("/v1/officers/{key}", "GET", full.signed_request("auditor", "GET", officer_path));
    // Inboxes: an agency's own officers and auditors; an unknown agency's inbox is empty (200).
    const std::string inbox = "/v1/agencies/DE-BKA/offers";
    note("/v1/agencies/{agency}/offers", "GET", f.signed_request("de.custodian", "GET", inbox));
    note("/v1/agencies/{agency}/offers", "GET", f.signed_request("de.custodian", "GET", inbox + "?limit=0"));
    note("/v1/agencies/{agency}/offers", "GET", f.signed_request("nl.custodian", "GET", inbox));
    note("/v1/agencies/{agency}/offers", "GET", f.request("GET", inbox));
    note("/v1/agencies/{agency}/offers", "GET", full.signed_request("auditor", "GET", inbox));
    const std::string cases = "/v1/agencies/NL-POL/cases";
    note("/v1/agencies/{agency}/cases", "GET", f.signed_request("nl.prosecutor", "GET", cases));
    note("/v1/agencies/{agency}/cases", "GET", f.signed_request("nl.prosecutor", "GET", cases + "?after=.."));
    note("/v1/agencies/{agency}/cases", "GET", f.signed_request("de.custodian", "GET", cases));
    note("/v1/agencies/{agency}/cases", "GET", f.request("GET", cases));
    note("/v1/agencies/{agency}/cases", "GET", full.signed_request("auditor", "GET", cases));
    // Who read an item: its custodian agency, the case's prosecutors, auditors (FORMAT.md 6.7).
    const std::string reads_path = "/v1/items/ITEM-1/reads";
    note("/v1/items/{item}/reads", "GET", f.signed_request("nl.custodian", "GET", reads_path));
    note("/v1/items/{item}/reads", "GET", f.signed_request("nl.custodian", "GET", reads_path + "?limit=0"));
    note("/v1/items/{item}/reads", "GET", f.request("GET", reads_path));
    note("/v1/items/{item}/reads", "GET", f.signed_request("de.custodian", "GET", reads_path));
    note("/v1/items/{item}/reads", "GET", f.signed_request("auditor", "GET", "/v1/items/NO-SUCH/reads"));
    note("/v1/items/{item}/reads", "GET", full.signed_request("auditor", "GET", reads_path));
    // Search by digest: every role may search (no 403); what a key may not read is left out.
    const std::string search = "/v1/search?sha256=" + crypto::hex_encode(crypto::sha256("content").view());
    note("/v1/search", "GET", f.signed_request("nl.custodian", "GET", search));
    note("/v1/search", "GET", f.signed_request("nl.custodian", "GET", "/v1/search?sha256=abc"));
    note("/v1/search", "GET", f.request("GET", search));
    note("/v1/search", "GET", full.signed_request("auditor", "GET", search));
    // The stream: its 200 never ends, so it is read from a raw socket for a moment.
    auto stream_status = [&](const std::string& target) {
        RawConnection connection(f.port, 1);
        std::string request =
            "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(f.port) + "\r\n";
        const std::int64_t at = f.now->load();
        for (const auto& [name, value] : f.sign(f.service.officer_named("nl.custodian").key, "GET", target,
                                                "", at, at + 60, f.next_nonce()))
            request += name + ": " + value + "\r\n";
        connection.send(request + "\r\n");
        bool closed = false;
        std::string line = status_line(connection.read_all(closed));
        return line.size() >= 12 ? static_cast<unsigned>(std::stoul(line.substr(9, 3))) : 0u;
    };
    seen.emplace("/v1/stream", "GET", stream_status("/v1/stream"));
    note("/v1/stream", "GET", f.signed_request("nl.custodian", "GET", "/v1/stream?from_height=0"));
    note("/v1/stream", "GET", f.request("GET", "/v1/stream"));
    note("/v1/stream", "GET", full.signed_request("auditor", "GET", "/v1/stream"));
    // Submissions.
    std::string envelope = envelope_for(f.service.officer_named("nl.custodian").key, "NL-POL");
    auto post = [&](const std::string& officer, const std::string& target, const std::string& body,
                    const std::string& type = "application/json") {
        note("/v1/events", "POST", f.signed_request(officer, "POST", target, body, type));
    };
    post("nl.custodian", "/v1/events", envelope);
    post("nl.custodian", "/v1/events", "{");
    post("de.custodian", "/v1/events", envelope);
    post("nl.custodian", "/v1/events", envelope, "text/plain");
    post("nl.custodian", "/v1/events?wait=commit", envelope);  // 504: never committed.
    note("/v1/events", "POST", f.request("POST", "/v1/events", envelope, "application/json"));
    seen.emplace("/v1/events", "POST",
                 raw_status(f.port,
                            "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            "Content-Length: 65537\r\n\r\n"));
    f.service.fail_submits_with(Error{ErrorCode::rule_violation, "R5 prev: not the head"});
    post("nl.custodian", "/v1/events", envelope);
    f.service.fail_submits_with(Error{ErrorCode::resource_exhausted, "mempool full"});
    post("nl.custodian", "/v1/events", envelope);
    // Batches: 200 (entries admitted or refused alike), 400, 401, 413, 415, 503 (replay cache).
    auto batch = [&](Fixture& fixture, const std::string& officer, const std::string& target,
                     const std::string& body, const std::string& type = "application/json") {
        note("/v1/batches", "POST", fixture.signed_request(officer, "POST", target, body, type));
    };
    const std::string batch_body = R"({"events":[)" + envelope + "]}";
    batch(f, "nl.custodian", "/v1/batches", batch_body);
    batch(f, "de.custodian", "/v1/batches", batch_body);  // 200: the entry refused (403) inside.
    batch(f, "nl.custodian", "/v1/batches", R"({"events":[]})");
    batch(f, "nl.custodian", "/v1/batches?wait=commit", batch_body);
    batch(f, "nl.custodian", "/v1/batches", batch_body, "text/plain");
    batch(full, "nl.custodian", "/v1/batches", batch_body);
    note("/v1/batches", "POST", f.request("POST", "/v1/batches", batch_body, "application/json"));
    seen.emplace("/v1/batches", "POST",
                 raw_status(f.port,
                            "POST /v1/batches HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            "Content-Length: 4194305\r\n\r\n"));
    // Unavailable reads on the open routes; the unhealthy node; no block yet; the commit seen.
    f.service.reads_unavailable = true;
    note("/v1/checkpoints/latest", "GET", f.request("GET", "/v1/checkpoints/latest"));
    note("/v1/checkpoints/{height}", "GET", f.request("GET", "/v1/checkpoints/7"));
    note("/v1/proofs/inclusion/{id}", "GET", f.request("GET", inclusion));
    note("/v1/proofs/consistency", "GET", f.request("GET", "/v1/proofs/consistency?from=1&to=9"));
    f.service.reads_unavailable = false;
    f.service.is_healthy = false;
    note("/healthz", "GET", f.request("GET", "/healthz"));
    f.service.no_blocks = true;
    note("/v1/checkpoints/latest", "GET", f.request("GET", "/v1/checkpoints/latest"));
    f.service.no_blocks = false;
    f.service.clear_submit_error();
    f.service.commit_submitted();
    post("nl.custodian", "/v1/events?wait=commit", envelope);  // 201.
    return seen;
}

}  // namespace

TEST_CASE("openapi.yaml lists exactly the served routes, methods, auth and query parameters") {
    auto doc = load_doc();
    std::set<std::tuple<std::string, std::string, bool, std::set<std::string>>> documented, served;
    for (const auto& op : doc.operations)
        documented.emplace(op.path, op.method, !op.open, op.query);
    for (const auto& route : route_table()) {
        served.emplace(route.path, route.method, route.signed_request,
                       std::set<std::string>(route.query.begin(), route.query.end()));
    }
    CHECK(documented.size() == doc.operations.size());
    CHECK(documented == served);
}

TEST_CASE("every documented status of every operation is answered, and only those") {
    auto doc = load_doc();
    Seen documented;
    for (const auto& op : doc.operations) {
        for (auto status : op.statuses)
            documented.emplace(op.path, op.method, status);
    }
    Seen seen = exercise_routes();
    // A status the fake's 500 path would give is never expected; the two sets must be equal.
    for (const auto& entry : seen) {
        CAPTURE(std::get<0>(entry));
        CAPTURE(std::get<2>(entry));
        CHECK(documented.contains(entry));
    }
    for (const auto& entry : documented) {
        CAPTURE(std::get<0>(entry));
        CAPTURE(std::get<2>(entry));
        CHECK(seen.contains(entry));
    }
}

TEST_CASE("undocumented methods and paths do not answer; any-route statuses are as documented") {
    auto doc = load_doc();
    CHECK(doc.any_route_statuses == std::set<unsigned>{404, 405, 413, 431});
    Fixture fixture;
    std::map<std::string, std::set<std::string>> methods_of;
    for (const auto& op : doc.operations)
        methods_of[op.path].insert(op.method);
    auto concrete = [](std::string path) {
        for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
                 {"{id}", event_hex}, {"{item}", "ITEM-1"}, {"{case}", "CASE-1"}, {"{height}", "3"}}) {
            if (auto at = path.find(name); at != std::string::npos) path.replace(at, name.size(), value);
        }
        return path;
    };
    for (const auto& [path_entry, methods] : methods_of) {
        const auto& path = path_entry;  // clang 14 cannot capture a structured binding
        for (const std::string method : {"GET", "POST", "PUT", "DELETE", "PATCH"}) {
            if (methods.contains(method)) continue;
            CAPTURE(path);
            CAPTURE(method);
            auto response = fixture.request(method, concrete(path), "{}", "application/json");
            CHECK(response.status == 405);
            CHECK_FALSE(response.header("Allow").empty());
        }
    }
    for (const std::string path : {"/", "/v1", "/v1/items", "/v1/items/ITEM-1", "/v2/status", "/v1/proofs",
                                   "/v1/proofs/inclusion", "/healthz/x", "/v1/checkpoints"}) {
        CAPTURE(path);
        CHECK(fixture.request("GET", path).status == 404);
    }
    CHECK(raw_status(fixture.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') +
                                       "\r\n\r\n") == 431);
    CHECK(raw_status(fixture.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n") ==
          413);
}

}  // namespace custos::api::test
