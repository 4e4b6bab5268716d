#include "ledger/audit/audit_final.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "ledger/audit/audit_indexes.hpp"
#include "ledger/genesis.hpp"
#include "ledger/state/officers.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_keys.hpp"

namespace custos::ledger {

using store::Column;

namespace {

class FinalChecks : private AuditRecorder {
public:
    explicit FinalChecks(const FinalCheckInput& input)
        : db_(input.db),
          scratch_(input.scratch),
          index_scratch_(input.index_scratch),
          state_(input.state),
          adopted_(input.adopted),
          last_(input.last) {}

    [[nodiscard]] Result<std::optional<AuditViolation>> run() {
        for (auto check : {&FinalChecks::check_positions, &FinalChecks::check_item_states,
                           &FinalChecks::check_officer_states, &FinalChecks::check_validator_states,
                           &FinalChecks::check_indexes}) {
            auto checked = (this->*check)();
            if (!checked) return tl::unexpected(checked.error());
            if (failed()) break;
        }
        return take_violation();
    }

private:
    [[nodiscard]] Status check_positions();
    [[nodiscard]] Status check_item_states();
    [[nodiscard]] Status check_officer_states();
    [[nodiscard]] Status check_validator_states();
    [[nodiscard]] Status check_indexes();

    const store::Db& db_;
    const store::Db& scratch_;
    const store::Db& index_scratch_;
    const AuditState& state_;
    std::span<const ValidatorSetRecord> adopted_;
    Height last_;
};

// The event-id index must hold exactly the replayed events, each at its height and leaf: the
// scratch store holds the replay's entry of each (AuditState::add_event), under the same key.
Status FinalChecks::check_positions() {
    auto cursor = db_.cursor(Column::event_positions);
    cursor.seek("");
    auto replayed = scratch_.cursor(Column::event_positions);
    replayed.seek("");
    const auto describe = [](std::uint64_t height, std::uint64_t leaf) {
        return "height " + std::to_string(height) + " leaf " + std::to_string(leaf);
    };
    auto report = [&](bool placed, std::string expected, std::string found) {
        AuditViolation violation{.height = last_,
                                 .rule = std::string(audit_check::event_position),
                                 .expected = std::move(expected),
                                 .found = std::move(found)};
        if (placed) {
            const auto id = store::hash_from_value(replayed.key());
            CUSTOS_ASSERT(id.has_value(), "the scratch's event-id entries are keyed by 32-byte ids");
            violation.height = Height{*store::read_be64(replayed.value(), 0)};
            violation.leaf_index = *store::read_be64(replayed.value(), 8);
            violation.event = EventId{*id};
        }
        violation.message = "the event-id index does not match the log";
        violate(std::move(violation));
        return Status{};
    };
    for (; replayed.valid(); replayed.next()) {
        const std::string_view key = replayed.key();
        const std::string_view expected = replayed.value();
        CUSTOS_ASSERT(expected.size() == 16, "the scratch's event places are height and leaf");
        if (cursor.valid() && cursor.key() < key) {
            return report(false, "no entry for an event outside the log",
                          "an entry for event " + crypto::hex_encode(as_bytes(cursor.key())));
        }
        const std::string wanted = describe(*store::read_be64(expected, 0), *store::read_be64(expected, 8));
        if (!cursor.valid() || cursor.key() != key) {
            auto status = cursor.status();
            if (!status) return status;
            return report(true, wanted, "no entry");
        }
        if (cursor.value() != expected) {
            auto height = store::read_be64(cursor.value(), 0);
            auto leaf = store::read_be64(cursor.value(), 8);
            return report(true, wanted, height && leaf ? describe(*height, *leaf) : "a malformed entry");
        }
        cursor.next();
    }
    auto replay_status = replayed.status();
    if (!replay_status) return replay_status;
    if (cursor.valid()) {
        return report(false, "no entry for an event outside the log",
                      "an entry for event " + crypto::hex_encode(as_bytes(cursor.key())));
    }
    return cursor.status();
}

// The item states the node serves must be exactly those the replay produced: the scratch store
// holds the replay's canonical state of each item (AuditState, once it leaves the cache or at
// the end), under the same key.
Status FinalChecks::check_item_states() {
    const Height last = last_;
    std::size_t stored_count = 0;
    std::size_t replayed_count = 0;
    auto replayed = scratch_.cursor(Column::items);
    replayed.seek("");
    auto scanned = db_.scan(Column::items, "", [&](std::string_view key, std::string_view value) {
        ++stored_count;
        // Items the store lacks are counted here and reported below, as before any other
        // difference is looked for.
        for (; replayed.valid() && replayed.key() < key; replayed.next())
            ++replayed_count;
        const bool found = replayed.valid() && replayed.key() == key;
        std::string expected = found ? std::string(replayed.value()) : "no such item";
        if (expected != value) {
            violate_block(last, audit_check::item_state, expected, std::string(value),
                          "stored state of item " + std::string(key) + " differs from the replay");
            return false;
        }
        ++replayed_count;
        replayed.next();
        return true;
    });
    if (!scanned) return scanned;
    if (failed()) return {};
    for (; replayed.valid(); replayed.next())
        ++replayed_count;
    auto status = replayed.status();
    if (!status) return status;
    if (stored_count != replayed_count) {
        violate_block(last, audit_check::item_state, std::to_string(replayed_count) + " items",
                      std::to_string(stored_count) + " items",
                      "the store lacks item states the replay produced");
    }
    return {};
}

// The officer records the node serves (and checks new events against) must be exactly those the
// replayed governance events produced: one stored record per key they changed, equal to it.
Status FinalChecks::check_officer_states() {
    const Height last = last_;
    const std::string_view prefix = store::meta_key::officer_prefix;
    std::vector<const OfficerRecord*> expected;
    for (const auto& [key, record] : state_.officers().records()) {
        if (record.governed()) expected.push_back(&record);
    }
    std::size_t next = 0;  // Both sides are in raw key order.
    auto mismatch = [&](std::string want, std::string found, std::string what) {
        violate_block(last, audit_check::officer_state, std::move(want), std::move(found), std::move(what));
        return false;
    };
    auto scanned = db_.scan(Column::meta, prefix, [&](std::string_view key, std::string_view value) {
        const OfficerRecord* want = next < expected.size() ? expected[next] : nullptr;
        const std::string want_key =
            want ? store::officer_key(prefix, want->officer.key.view()) : std::string();
        if (want == nullptr || key != want_key) {
            const std::string shown =
                crypto::hex_encode(as_bytes(key.substr(std::min(key.size(), prefix.size()))));
            if (want == nullptr || want_key < key) {
                return mismatch(
                    "no record", std::string(value),
                    "stored officer record of " + shown + " matches no replayed governance event");
            }
            return mismatch(canonical_officer_record(*want), "no record",
                            "the store lacks the officer record of " + key_id(want->officer.key));
        }
        const std::string canonical = canonical_officer_record(*want);
        ++next;
        if (canonical != value) {
            return mismatch(
                canonical, std::string(value),
                "stored officer record of " + key_id(want->officer.key) + " differs from the replay");
        }
        return true;
    });
    if (!scanned) return scanned;
    if (!failed() && next < expected.size()) {
        violate_block(last, audit_check::officer_state, canonical_officer_record(*expected[next]),
                      "no record",
                      "the store lacks the officer record of " + key_id(expected[next]->officer.key));
    }
    return {};
}

// The validator-set history and proposal records the node serves (and certifies blocks with)
// must be exactly those the replayed validator governance produced.
Status FinalChecks::check_validator_states() {
    const Height last = last_;
    std::vector<std::pair<std::string, std::string>> expected;  // In key order on both sides.
    for (const auto& [id, proposal] : state_.validators().proposals()) {
        expected.emplace_back(store::officer_key(store::meta_key::proposal_prefix, id.hash.view()),
                              canonical_validator_proposal(proposal));
    }
    for (const auto& record : adopted_) {
        expected.emplace_back(
            std::string(store::meta_key::validators_prefix) + store::be64(record.in_force_from.value),
            canonical_validator_set_record(record));
    }
    std::sort(expected.begin(), expected.end());
    std::vector<std::pair<std::string, std::string>> stored;
    for (std::string_view prefix : {store::meta_key::proposal_prefix, store::meta_key::validators_prefix}) {
        auto scanned = db_.scan(Column::meta, prefix, [&](std::string_view key, std::string_view value) {
            stored.emplace_back(std::string(key), std::string(value));
            return stored.size() <= expected.size();
        });
        if (!scanned) return scanned;
    }
    std::sort(stored.begin(), stored.end());
    const auto shown = [](const std::string& key) {
        const std::size_t slash = key.find('/');
        return key.substr(0, slash + 1) +
               crypto::hex_encode(as_bytes(std::string_view(key).substr(slash + 1)));
    };
    for (std::size_t i = 0; i < std::max(expected.size(), stored.size()); ++i) {
        const auto* want = i < expected.size() ? &expected[i] : nullptr;
        const auto* have = i < stored.size() ? &stored[i] : nullptr;
        if (want && have && *want == *have) continue;
        if (want == nullptr || (have != nullptr && have->first < want->first)) {
            violate_block(last, audit_check::validator_state, "no record", have->second,
                          "stored validator record " + shown(have->first) +
                              " matches no replayed validator governance event");
        } else if (have == nullptr || want->first < have->first) {
            violate_block(last, audit_check::validator_state, want->second, "no record",
                          "the store lacks the validator record " + shown(want->first));
        } else {
            violate_block(last, audit_check::validator_state, want->second, have->second,
                          "stored validator record " + shown(want->first) + " differs from the replay");
        }
        return {};
    }
    return {};
}

// The read indexes (inbox, cases, searches, consultation log) must answer what the replay gives.
Status FinalChecks::check_indexes() {
    auto mismatch = IndexReplay::check(db_, scratch_, index_scratch_);
    if (!mismatch) return tl::unexpected(mismatch.error());
    if (*mismatch) {
        violate_block(last_, (*mismatch)->index, std::move((*mismatch)->expected),
                      std::move((*mismatch)->found), std::move((*mismatch)->message));
    }
    return {};
}

}  // namespace

Result<std::optional<AuditViolation>> check_final_state(const FinalCheckInput& input) {
    return FinalChecks(input).run();
}

}  // namespace custos::ledger
