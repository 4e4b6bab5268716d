// Not a test: writes the seed inputs of the API's fuzz targets (http_fields, api_request) from the
// fixtures; skipped unless asked (see tests/runtime/fuzz_seeds_test.cpp and docs/FUZZING.md):
//   CUSTOS_FUZZ_SEEDS=DIR build/bin/custos-test-api -tc='fuzz seeds*' --no-skip
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "api/http_signature.hpp"
#include "tests/ledger/ledger_fixture.hpp"

namespace {

using namespace custos;
namespace fs = std::filesystem;

void write_seed(const std::string& target, const std::string& name, std::string_view bytes) {
    const char* root = std::getenv("CUSTOS_FUZZ_SEEDS");
    REQUIRE_MESSAGE(root != nullptr, "set CUSTOS_FUZZ_SEEDS to the directory to write");
    fs::create_directories(fs::path(root) / target);
    std::ofstream out(fs::path(root) / target / name, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out.good());
}

std::string byte(std::uint8_t value) {
    return std::string(1, static_cast<char>(value));
}

// "METHOD TARGET\n" + body for the api_request target, which signs it as officer `officer`
// (0 nl.custodian, 1 nl.prosecutor, 2 nl.auditor, 3 nl.admin, 4 de.custodian: fuzz/api_request.cpp).
std::string signed_api(std::size_t officer, const std::string& line, const std::string& body = {}) {
    return byte(static_cast<std::uint8_t>(officer * 2 + 1)) + line + "\n" + body;
}

}  // namespace

TEST_CASE("fuzz seeds: write the API fuzz targets' seed inputs" * doctest::skip()) {
    test::LedgerWorld ledger_world;
    struct Seeds {
        void write(const std::string& target, const std::string& name, std::string_view bytes) {
            write_seed(target, name, bytes);
        }
    } seeds;
    // Request signatures and requests (officer numbers as in fuzz/api_request.cpp).
    {
        const auto key_id = ledger::key_id(ledger_world.key("nl.custodian").public_key());
        const std::string body = ledger::canonical_envelope(
            ledger_world.sign(ledger_world.register_event("ITEM-9"), "nl.custodian"));
        auto headers =
            api::sign_request(ledger_world.key("nl.custodian"), key_id, "POST",
                              "http://127.0.0.1:8081/v1/events", body, 1'800'000'000, 1'800'000'060, "n1");
        seeds.write("http_fields", "signed-post",
                    headers.signature_input + "\n" + headers.signature + "\n" + body);
        seeds.write("http_fields", "digest", headers.content_digest + "\n\n" + body);
        seeds.write("api_request", "post-event", signed_api(0, "POST /v1/events", body));
        seeds.write("api_request", "post-event-wait", signed_api(0, "POST /v1/events?wait=commit", body));
        seeds.write("api_request", "post-batch",
                    signed_api(0, "POST /v1/batches", "[" + body + "," + body + "]"));
        seeds.write("api_request", "trail", signed_api(1, "GET /v1/items/ITEM-1/trail"));
        seeds.write("api_request", "bundle", signed_api(1, "GET /v1/items/ITEM-2/bundle"));
        seeds.write("api_request", "state-proof",
                    signed_api(2, "GET /v1/items/ITEM-1/state-proof?from_size=3"));
        seeds.write("api_request", "case", signed_api(3, "GET /v1/cases/CASE-1"));
        seeds.write("api_request", "event", signed_api(0, "GET /v1/events/" + std::string(64, 'a')));
        seeds.write("api_request", "offers",
                    signed_api(4, "GET /v1/agencies/DE-BKA/offers?after=OFFER-1&limit=1"));
        seeds.write("api_request", "search",
                    signed_api(1, "GET /v1/search?sha256=" + std::string(64, 'c') + "&cursor=2&limit=5"));
        seeds.write("api_request", "officer", signed_api(0, "GET /v1/officers/" + key_id));
        seeds.write("api_request", "status", signed_api(2, "GET /v1/status"));
        seeds.write("api_request", "block", signed_api(2, "GET /v1/blocks/3"));
        seeds.write("api_request", "raw-healthz",
                    byte(0) + "GET /healthz HTTP/1.1\r\nHost: node.test:8081\r\n\r\n");
        seeds.write("api_request", "raw-checkpoint",
                    byte(0) + "GET /v1/checkpoints/latest HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\n\r\n");
        seeds.write("api_request", "raw-consistency",
                    byte(0) + "GET /v1/proofs/consistency?from=1&to=9 HTTP/1.1\r\nHost: x\r\n\r\n");
        seeds.write("api_request", "raw-inclusion",
                    byte(0) + "GET /v1/proofs/inclusion/" + std::string(64, 'a') +
                        "?size=9 HTTP/1.1\r\nHost: x\r\n\r\n");
        seeds.write("api_request", "raw-chunked",
                    byte(0) +
                        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n");
        seeds.write("api_request", "raw-unsigned-post",
                    byte(0) +
                        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Content-Length: 2\r\n\r\n{}");
    }
}
