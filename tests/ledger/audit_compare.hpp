// Two audit reports of one store that must agree (a cache on or off, one thread or several):
// their summaries, counts, head and first violation, field by field.
#pragma once

#include <doctest/doctest.h>

#include "ledger/audit/audit.hpp"

namespace custos::test {

inline void check_same_report(const ledger::AuditReport& a, const ledger::AuditReport& b) {
    CHECK(ledger::audit_summary(a) == ledger::audit_summary(b));
    CHECK(a.blocks == b.blocks);
    CHECK(a.events == b.events);
    CHECK(a.reads == b.reads);
    CHECK(a.head.block_hash == b.head.block_hash);
    REQUIRE(a.violation.has_value() == b.violation.has_value());
    if (!a.violation) return;
    const auto& first = *a.violation;
    const auto& second = *b.violation;
    CHECK(first.height == second.height);
    CHECK(first.leaf_index == second.leaf_index);
    CHECK(first.event == second.event);
    CHECK(first.rule == second.rule);
    CHECK(first.field == second.field);
    CHECK(first.expected == second.expected);
    CHECK(first.found == second.found);
    CHECK(first.message == second.message);
}

}  // namespace custos::test
