// Audit and bundle verification on several threads give exactly the verdicts of one thread: on a
// whole store, and on stores damaged so the first broken link is a bad signature (with a second
// one later), a broken envelope, an envelope stored in another layout (which the workers compare
// with the canonical one), a missing or an extra leaf, or a read index entry dropped or added
// (whose replayed entries a thread of their own writes with several threads); on a genuine bundle
// and on bundles with bad signatures. The store is large enough (over 2,000 events) that the signature stage
// holds several batches in flight on several workers.
#include <doctest/doctest.h>

#include "crypto/canonical_json.hpp"
#include "ledger/audit/audit.hpp"
#include "ledger/audit/audit_signatures.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_keys.hpp"
#include "tests/ledger/audit_compare.hpp"
#include "tests/ledger/bundle_fixture.hpp"
#include "tests/ledger/store_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::TempDir;
using store::Column;

namespace {

constexpr std::size_t blocks_made = 45;
constexpr std::size_t events_per_block = 50;
constexpr unsigned many_threads = 4;

struct ThreadsWorld {
    TempDir dir;
    SyntheticWorkload workload;
    Store store = test::create_store(dir.store(), workload.genesis());
    std::vector<CertifiedBlock> blocks = test::fill_store(store, workload, blocks_made, events_per_block);

    [[nodiscard]] AuditReport audit(unsigned threads) const {
        auto report = audit_store(store.db(), AuditOptions{.threads = threads});
        REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().to_string()));
        return *report;
    }
    [[nodiscard]] std::string raw(std::uint64_t leaf) const {
        auto value = store.db().get(Column::events, store::be64(leaf));
        REQUIRE(value.has_value());
        REQUIRE(value->has_value());
        return **value;
    }
    void put(std::uint64_t leaf, const std::string& value) {
        REQUIRE(store.db().put_raw(Column::events, store::be64(leaf), value).has_value());
    }
    // Changes one character inside the signature's base64 (still canonical): it no longer verifies.
    void break_signature(std::uint64_t leaf) {
        std::string stored = raw(leaf);
        const auto sig = stored.find("\"sig\":\"");
        REQUIRE(sig != std::string::npos);
        const auto at = sig + 7 + 10;
        stored[at] = stored[at] == 'A' ? 'B' : 'A';
        put(leaf, stored);
    }
};

// The same report from one thread and from several, field by field.
AuditReport same_on_threads(const ThreadsWorld& world) {
    const auto one = world.audit(1);
    const auto many = world.audit(many_threads);
    INFO("one thread: " << audit_summary(one));
    INFO(many_threads << " threads: " << audit_summary(many));
    test::check_same_report(one, many);
    return one;
}

}  // namespace

TEST_CASE("audit threads: a whole store verifies the same on one thread and on four") {
    ThreadsWorld world;
    const auto report = same_on_threads(world);
    CHECK(report.verified());
    CHECK(report.events == blocks_made * events_per_block);
}

TEST_CASE("audit threads: the first bad signature is the same broken link on one thread and on four") {
    ThreadsWorld world;
    const std::uint64_t first = 17 * events_per_block + 31;  // height 18
    world.break_signature(first);
    world.break_signature(first + 600);  // A later one, which a worker verifies first.
    const auto report = same_on_threads(world);
    REQUIRE(report.violation.has_value());
    CHECK(report.violation->rule == "R2");
    CHECK(report.violation->leaf_index == std::optional<std::uint64_t>(first));
    CHECK(report.violation->height == Height{18});
    CHECK(report.events == first);
}

TEST_CASE(
    "audit threads: broken JSON, a missing leaf and a stray leaf are the same on one thread and on four") {
    SUBCASE("broken envelope") {
        ThreadsWorld world;
        std::string stored = world.raw(1000);
        stored[0] = '[';
        world.put(1000, stored);
        CHECK(same_on_threads(world).violation->rule == "R1");
    }
    SUBCASE("missing leaf") {
        ThreadsWorld world;
        REQUIRE(world.store.db().remove_raw(Column::events, store::be64(777)).has_value());
        CHECK(same_on_threads(world).violation->rule == audit_check::leaf_missing);
    }
    SUBCASE("leaf beyond the last block") {
        ThreadsWorld world;
        world.put(blocks_made * events_per_block, world.raw(5));
        CHECK(same_on_threads(world).violation->rule == audit_check::leaf_extra);
    }
}

TEST_CASE(
    "audit threads: an envelope stored in another layout is the same broken link on one thread and on four") {
    ThreadsWorld world;
    const std::uint64_t leaf = 21 * events_per_block + 7;  // height 22
    const std::string stored = world.raw(leaf);
    REQUIRE(stored.starts_with(R"({"event":)"));
    const std::string spaced = R"({"event": )" + stored.substr(9);  // Parses to the same envelope.
    REQUIRE(parse_envelope(spaced).has_value());
    world.put(leaf, spaced);
    world.break_signature(leaf + 300);  // A later broken link, which a worker meets first.
    const auto report = same_on_threads(world);
    REQUIRE(report.violation.has_value());
    CHECK(report.violation->rule == audit_check::leaf_canonical);
    CHECK(report.violation->leaf_index == std::optional<std::uint64_t>(leaf));
    CHECK(report.violation->height == Height{22});
    CHECK(report.events == leaf);
}

TEST_CASE("audit threads: a read index entry dropped or added is found the same on one thread and on four") {
    ThreadsWorld world;
    // The first officer-search entry of the store ("signer/" key leaf -> empty).
    std::string first;
    auto scanned = world.store.db().scan(Column::meta, store::meta_key::signer_prefix,
                                         [&](std::string_view key, std::string_view /*value*/) {
                                             first = std::string(key);
                                             return false;
                                         });
    REQUIRE(scanned.has_value());
    REQUIRE_FALSE(first.empty());
    SUBCASE("dropped") {
        REQUIRE(world.store.db().remove_raw(Column::meta, first).has_value());
        const auto report = same_on_threads(world);
        REQUIRE(report.violation.has_value());
        CHECK(report.violation->rule == audit_check::index_signer);
        CHECK(report.violation->found == "nothing");
        CHECK(report.events == blocks_made * events_per_block);
    }
    SUBCASE("a digest entry added") {
        std::string digest(store::meta_key::digest_prefix);
        digest.append(32, '\x5a');
        store::append_be64(digest, 3);
        REQUIRE(world.store.db().put_raw(Column::meta, digest, "").has_value());
        const auto report = same_on_threads(world);
        REQUIRE(report.violation.has_value());
        CHECK(report.violation->rule == audit_check::index_digest);
        CHECK(report.violation->found.find("digest 5a5a5a") != std::string::npos);
    }
}

TEST_CASE("verify threads: a bundle's verdict is the same on one thread and on four") {
    custos::test::BundleWorld world;
    const auto genuine = world.bundle();
    auto verify = [](const crypto::Json& bundle, unsigned threads) {
        auto report = verify_bundle(bundle, VerifyOptions{.threads = threads});
        REQUIRE(report.has_value());
        return *report;
    };
    const auto same = [&](const crypto::Json& bundle) {
        const auto one = verify(bundle, 1);
        const auto many = verify(bundle, many_threads);
        REQUIRE(one.failure.has_value() == many.failure.has_value());
        if (one.failure) {
            CHECK(one.failure->message() == many.failure->message());
            CHECK(one.failure->where.event == many.failure->where.event);
            CHECK(one.failure->where.field == many.failure->where.field);
        }
        return one;
    };
    CHECK_FALSE(same(genuine).failure.has_value());
    // Two events whose signatures no longer match their bodies: the first is reported.
    auto tampered = genuine;
    REQUIRE(tampered["events"].size() >= 5);
    for (const std::size_t index : {std::size_t{1}, std::size_t{4}})
        tampered["events"][index]["envelope"]["sig"] = genuine["events"][0]["envelope"]["sig"];
    const auto report = same(tampered);
    REQUIRE(report.failure.has_value());
    CHECK(report.failure->check == BundleCheck::signatures);
    CHECK(report.failure->where.field.starts_with("events[1]"));
}

}  // namespace CUSTOS_TEST_FILE
