// The court verifier and the audit give the same verdicts on Custos's Ed25519 table path and on
// libsodium alone (`--reference-only`), on a genuine bundle and store and on damaged copies of
// them; and the table path is really taken when it is on (issue 19).
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "crypto/ed25519_tables.hpp"
#include "crypto/encoding.hpp"
#include "ledger/audit/audit.hpp"
#include "ledger/bundle/bundle.hpp"
#include "ledger/store/store_keys.hpp"
#include "tests/ledger/bundle_fixture.hpp"
#include "tests/ledger/store_fixture.hpp"

namespace custos::test::CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)
namespace {

using crypto::Json;
namespace tables = crypto::ed25519_tables;

// Tables on or off for one scope; off forgets every table, so each run starts from nothing.
class ReferenceOnly {
public:
    explicit ReferenceOnly(bool on) { tables::set_reference_only(on); }
    ~ReferenceOnly() { tables::set_reference_only(false); }
    ReferenceOnly(const ReferenceOnly&) = delete;
    ReferenceOnly& operator=(const ReferenceOnly&) = delete;
};

// A verdict as text: "verified", or the failed check and its message.
std::string bundle_verdict(const Json& bundle, const Hash32& pinned) {
    auto report = ledger::verify_bundle(bundle, ledger::VerifyOptions{.pinned_genesis_hash = pinned});
    if (!report) return "error: " + report.error().to_string();
    return report->failure ? report->failure->message() : std::string("verified");
}

// Whether `key` is checked from a table now (a fresh signature by it answers "accepted").
bool has_table(const crypto::SecretKey& key) {
    const std::string text = "probe";
    return tables::verify(key.public_key(), as_bytes(text), key.sign(as_bytes(text))) ==
           tables::Verdict::accepted;
}

void flip_base64_byte(Json& value, std::size_t byte) {
    auto bytes = crypto::base64_decode(value.get<std::string>());
    REQUIRE(bytes.has_value());
    (*bytes)[byte % bytes->size()] ^= 0x01;
    value = crypto::base64_encode(*bytes);
}

}  // namespace

TEST_CASE("signature paths: bundle verdicts are the same with tables and with libsodium alone") {
    BundleWorld world;
    const Json genuine = world.bundle();
    const Hash32 pinned = ledger::genesis_hash(world.world.genesis);
    std::vector<std::pair<std::string, std::function<void(Json&)>>> changes = {
        {"genuine", [](Json&) {}},
        {"event signature", [](Json& b) { flip_base64_byte(b["events"][2]["envelope"]["sig"], 10); }},
        {"event signature, last byte",
         [](Json& b) { flip_base64_byte(b["events"][4]["envelope"]["sig"], 63); }},
        {"signer swapped",
         [](Json& b) { b["events"][2]["envelope"]["signer"] = b["events"][0]["envelope"]["signer"]; }},
        {"event body", [](Json& b) { b["events"][1]["envelope"]["event"]["location"] = "elsewhere"; }},
        {"governance signature", [](Json& b) { flip_base64_byte(b["governance"][0]["envelope"]["sig"], 3); }},
    };
    for (const auto& [name_entry, change] : changes) {
        const auto& name = name_entry;  // clang 14 cannot capture a structured binding
        INFO(name);
        Json bundle = genuine;
        change(bundle);
        std::string with_tables;
        {
            ReferenceOnly off(false);
            bundle_verdict(bundle, pinned);  // The first run vouches for the keys; the second uses tables.
            with_tables = bundle_verdict(bundle, pinned);
            if (name == "genuine") CHECK(has_table(world.world.key("nl.custodian")));
        }
        std::string reference;
        {
            ReferenceOnly on(true);
            reference = bundle_verdict(bundle, pinned);
            CHECK_FALSE(has_table(world.world.key("nl.custodian")));
        }
        CHECK(with_tables == reference);
        CHECK((name == "genuine") == (reference == "verified"));
    }
}

TEST_CASE("signature paths: audit verdicts are the same with tables and with libsodium alone") {
    TempDir dir;
    ledger::SyntheticWorkload workload;
    ledger::Store store = create_store(dir.store(), workload.genesis());
    fill_store(store, workload, 4, 10);
    auto audit = [&] {
        auto report = ledger::audit_store(store.db(), {});
        REQUIRE(report.has_value());
        return ledger::audit_summary(*report);
    };
    auto both = [&] {
        std::string with_tables;
        {
            ReferenceOnly off(false);
            with_tables = audit();
        }
        ReferenceOnly on(true);
        return std::pair{with_tables, audit()};
    };
    auto [tables_genuine, reference_genuine] = both();
    CHECK(tables_genuine == "verified: 4 blocks, 40 events");
    CHECK(reference_genuine == tables_genuine);

    // One signature byte changed in a stored event (leaf 25, block 3): both refuse it, at the
    // same place and rule.
    const std::string key = ledger::store::be64(25);
    auto stored = store.db().get(ledger::store::Column::events, key);
    REQUIRE(stored.has_value());
    REQUIRE(stored->has_value());
    std::string damaged = **stored;
    const auto sig_at = damaged.find("\"sig\":\"");
    REQUIRE(sig_at != std::string::npos);
    char& c = damaged[sig_at + 7 + 5];
    c = c == 'A' ? 'B' : 'A';
    REQUIRE(store.db().put_raw(ledger::store::Column::events, key, damaged).has_value());
    auto [tables_damaged, reference_damaged] = both();
    CHECK(tables_damaged.find("verified") != 0);
    CHECK(reference_damaged == tables_damaged);
}

}  // namespace custos::test::CUSTOS_TEST_FILE
