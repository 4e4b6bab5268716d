// Audit of the read indexes (ledger/audit/audit_indexes.hpp): the inbox ("offer/"), the agencies' cases
// ("case/"), the searches by digest ("digest/"), officer ("signer/") and ledger time ("time/"), and
// the consultation log ("read/", "read_request/") of
// a store written through append_block verify;
// an entry dropped, added or changed on purpose in each is reported under its index's check,
// naming the entry.
#include <doctest/doctest.h>

#include <string>

#include "crypto/encoding.hpp"
#include "ledger/audit/audit.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_keys.hpp"
#include "ledger/time.hpp"
#include "tests/ledger/bundle_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using store::Column;

namespace {

// The bundle world (offers answered, a derived image verified, two cases) with one offer still
// pending at the end: ITEM-1.image offered by DE-BKA to NL-POL.
struct IndexWorld {
    test::BundleWorld world;

    IndexWorld() {
        Event offer = world.world.next_event(EventKind::transfer_offer, "ITEM-1.image", "DE-BKA",
                                             "2026-02-10T08:00:00.000Z");
        offer.recipient = "NL-POL";
        world.add_block({world.world.sign(offer, "de.custodian")}, "2026-02-10T08:00:01.000Z");
        // A prosecutor's read of ITEM-1's trail, recorded by validator-1: the consultation log.
        const auto& ledger = world.world;
        const char* received = "2026-02-10T09:00:00.000Z";
        world.add_block(
            {ledger.sign_read(ledger.read_event(
                ledger.signed_read("nl.prosecutor", ReadAction::trail, "ITEM-1", received), received))},
            "2026-02-10T09:00:01.000Z");
    }

    [[nodiscard]] store::Db& db() { return world.store().db(); }
    [[nodiscard]] AuditReport audit() {
        auto report = audit_store(db(), AuditOptions{});
        REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().to_string()));
        return *report;
    }
    // Every stored entry under `prefix`, key and value.
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> entries(std::string_view prefix) {
        std::vector<std::pair<std::string, std::string>> found;
        REQUIRE(db().scan(Column::meta, prefix,
                          [&](std::string_view key, std::string_view value) {
                              found.emplace_back(key, value);
                              return true;
                          })
                    .has_value());
        return found;
    }
};

const AuditViolation& violation_of(const AuditReport& report) {
    REQUIRE_MESSAGE(report.violation.has_value(), audit_summary(report));
    return *report.violation;
}

std::string digest_key(const Hash32& sha256, std::uint64_t leaf) {
    std::string key(store::meta_key::digest_prefix);
    key += store::hash_key(sha256);
    store::append_be64(key, leaf);
    return key;
}

}  // namespace

TEST_CASE("audit indexes: the inbox, the agencies' cases and the digest search of a store verify") {
    IndexWorld world;
    // The history fills each index, so each comparison below has entries to compare.
    const auto offers = world.entries(store::meta_key::offer_prefix);
    REQUIRE(offers.size() == 1);
    CHECK(offers[0].first == store::id_pair_key(store::meta_key::offer_prefix, "NL-POL", "ITEM-1.image"));
    CHECK(world.entries(store::meta_key::agency_case_prefix).size() >= 3);
    CHECK(world.entries(store::meta_key::digest_prefix).size() >= 3);
    CHECK(world.entries(store::meta_key::signer_prefix).size() >= 3);
    CHECK(world.entries(store::meta_key::time_prefix).size() >= 3);
    const auto report = world.audit();
    CHECK_MESSAGE(report.verified(), audit_summary(report));
}

TEST_CASE("audit indexes: an inbox entry dropped, added or pointing at another offer is reported") {
    IndexWorld world;
    const auto offers = world.entries(store::meta_key::offer_prefix);
    REQUIRE(offers.size() == 1);
    const auto& [key, value] = offers[0];

    SUBCASE("dropped: the pending offer no longer shows in NL-POL's inbox") {
        REQUIRE(world.db().remove_raw(Column::meta, key).has_value());
        const auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.rule == audit_check::index_offer);
        CHECK(violation.found == "nothing");
        CHECK(violation.expected.find("a pending offer of item ITEM-1.image to NL-POL") == 0);
    }
    SUBCASE("added: an offer that was answered long ago") {
        REQUIRE(world.db()
                    .put_raw(Column::meta,
                             store::id_pair_key(store::meta_key::offer_prefix, "DE-BKA", "ITEM-1"), value)
                    .has_value());
        const auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.rule == audit_check::index_offer);
        CHECK(violation.found.find("a pending offer of item ITEM-1 to DE-BKA") == 0);
    }
    SUBCASE("changed: the entry names another event as the offer") {
        std::string other = value;
        other[0] = static_cast<char>(other[0] ^ 1);
        REQUIRE(world.db().put_raw(Column::meta, key, other).has_value());
        const auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.rule == audit_check::index_offer);
        CHECK(violation.expected != violation.found);
        CHECK(violation.message.find("another value") != std::string::npos);
    }
}

TEST_CASE("audit indexes: an agency's case dropped or added is reported") {
    IndexWorld world;
    const auto cases = world.entries(store::meta_key::agency_case_prefix);
    REQUIRE(!cases.empty());

    SUBCASE("dropped") {
        REQUIRE(world.db().remove_raw(Column::meta, cases.back().first).has_value());
        const auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.rule == audit_check::index_case);
        CHECK(violation.found == "nothing");
        CHECK(violation.expected.find("taking part in case") != std::string::npos);
    }
    SUBCASE("added: an agency shown in a case it never touched") {
        REQUIRE(world.db()
                    .put_raw(Column::meta,
                             store::id_pair_key(store::meta_key::agency_case_prefix, "BE-POL", "CASE-2"), "")
                    .has_value());
        const auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.rule == audit_check::index_case);
        CHECK(violation.found == "BE-POL taking part in case CASE-2");
    }
}

TEST_CASE("audit indexes: a digest search entry dropped, moved to another leaf or malformed is reported") {
    IndexWorld world;
    const auto digests = world.entries(store::meta_key::digest_prefix);
    REQUIRE(!digests.empty());
    const std::string& key = digests.front().first;
    const auto sha256 =
        store::hash_from_value(std::string_view(key).substr(store::meta_key::digest_prefix.size(), 32));
    REQUIRE(sha256.has_value());
    const auto leaf = store::read_be64(key, store::meta_key::digest_prefix.size() + 32);
    REQUIRE(leaf.has_value());

    SUBCASE("dropped: an examiner holding the file's SHA-256 would not find its event") {
        REQUIRE(world.db().remove_raw(Column::meta, key).has_value());
        const auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.rule == audit_check::index_digest);
        CHECK(violation.found == "nothing");
        CHECK(violation.expected ==
              "digest " + crypto::hex_encode(sha256->view()) + " at leaf " + std::to_string(*leaf));
    }
    SUBCASE("moved: the digest pointed at another event") {
        REQUIRE(world.db().remove_raw(Column::meta, key).has_value());
        REQUIRE(world.db().put_raw(Column::meta, digest_key(*sha256, *leaf + 1000), "").has_value());
        const auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.rule == audit_check::index_digest);
    }
    SUBCASE("malformed: a key of the wrong length") {
        REQUIRE(world.db().put_raw(Column::meta, key + "x", "").has_value());
        const auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.rule == audit_check::index_digest);
        CHECK(violation.found.find("no key of this index") != std::string::npos);
    }
}

TEST_CASE("audit indexes: a consultation log entry or a read request entry dropped or moved is reported") {
    IndexWorld world;
    const auto reads = world.entries(store::meta_key::read_prefix);
    const auto requests = world.entries(store::meta_key::read_request_prefix);
    REQUIRE(reads.size() == 1);
    REQUIRE(requests.size() == 1);
    CHECK(world.audit().verified());

    SUBCASE("the read of ITEM-1 dropped: the custodian would not see who read its trail") {
        REQUIRE(world.db().remove_raw(Column::meta, reads[0].first).has_value());
        const auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.rule == audit_check::index_read);
        CHECK(violation.found == "nothing");
        CHECK(violation.expected.find("a read record of item ITEM-1 at leaf ") == 0);
    }
    SUBCASE("the request's entry names another leaf: R37 would answer from it") {
        REQUIRE(world.db().put_raw(Column::meta, requests[0].first, store::be64(0)).has_value());
        const auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.rule == audit_check::index_read_request);
        CHECK(violation.found.find("recorded at leaf 0") != std::string::npos);
    }
}

TEST_CASE("audit indexes: an officer search entry dropped, or one crediting another key, is reported") {
    IndexWorld world;
    const auto signers = world.entries(store::meta_key::signer_prefix);
    REQUIRE(signers.size() >= 3);
    const std::string& key = signers.front().first;
    const std::string_view prefix = store::meta_key::signer_prefix;
    const std::string signer_hex =
        crypto::hex_encode(ByteView(reinterpret_cast<const std::uint8_t*>(key.data()) + prefix.size(), 32));
    const auto leaf = store::read_be64(key, prefix.size() + 32);
    REQUIRE(leaf.has_value());

    SUBCASE("dropped: a search by this officer would not show one of the events the key signed") {
        REQUIRE(world.db().remove_raw(Column::meta, key).has_value());
        const auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.rule == audit_check::index_signer);
        CHECK(violation.found == "nothing");
        CHECK(violation.expected == "an event signed by " + signer_hex + " at leaf " + std::to_string(*leaf));
    }
    SUBCASE("credited to another key: the event would show under an officer who never signed it") {
        std::string other = key;
        other[prefix.size()] = static_cast<char>(other[prefix.size()] ^ 0x80);
        REQUIRE(world.db().remove_raw(Column::meta, key).has_value());
        REQUIRE(world.db().put_raw(Column::meta, other, "").has_value());
        const auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.rule == audit_check::index_signer);
        CHECK(violation.message.find("an event signed by") != std::string::npos);
    }
}

TEST_CASE("audit indexes: a time search entry dropped, moved to another time or leaf is reported") {
    IndexWorld world;
    const auto times = world.entries(store::meta_key::time_prefix);
    REQUIRE(times.size() >= 3);
    const auto& [key, value] = times[1];
    const std::string_view prefix = store::meta_key::time_prefix;
    const auto time = store::read_be64(key, prefix.size());
    const auto leaf = store::read_be64(value);
    REQUIRE(time.has_value());
    REQUIRE(leaf.has_value());

    SUBCASE("dropped: a search by time would miss the block's events") {
        REQUIRE(world.db().remove_raw(Column::meta, key).has_value());
        const auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.rule == audit_check::index_time);
        CHECK(violation.found == "nothing");
        CHECK(violation.expected == "a block of " + format_time(TimeMs{static_cast<std::int64_t>(*time)}) +
                                        " starting at leaf " + std::to_string(*leaf));
    }
    SUBCASE("another first leaf: the search would start the block's events elsewhere") {
        REQUIRE(world.db().put_raw(Column::meta, key, store::be64(*leaf + 1)).has_value());
        const auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.rule == audit_check::index_time);
        CHECK(violation.message.find("another value") != std::string::npos);
    }
    SUBCASE("another time: the block's events would answer a search for a time they were not committed at") {
        REQUIRE(world.db().remove_raw(Column::meta, key).has_value());
        REQUIRE(world.db()
                    .put_raw(Column::meta, std::string(prefix) + store::be64(*time + 1), value)
                    .has_value());
        const auto report = world.audit();
        const auto& violation = violation_of(report);
        CHECK(violation.rule == audit_check::index_time);
    }
}

}  // namespace CUSTOS_TEST_FILE
