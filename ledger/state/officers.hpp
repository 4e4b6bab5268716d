// Officer keys in force: the genesis officers as changed by the governance events officer.add and
// officer.revoke (docs/CUSTODY_RULES.md R23..R27). The rule engine reads them through StateView,
// so admission, block application, audit replay and the bundle verifier all see a key change at
// the same place in the log.
//
// Persisted records are canonical JSON (docs/FORMAT.md section 6, "Officer record"); a genesis
// officer nobody changed has no stored record.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/genesis.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

// What the ledger knows of one officer key. A revoked record stays for ever: a revoked key is
// never added again (R25) and its later events are refused (R23).
struct OfficerRecord {
    Officer officer;
    std::optional<EventId> added_by;    // The officer.add event; nullopt for a genesis officer.
    std::optional<EventId> revoked_by;  // The officer.revoke event, once revoked.

    [[nodiscard]] bool revoked() const { return revoked_by.has_value(); }
    // A record governance wrote (the genesis alone does not need storing).
    [[nodiscard]] bool governed() const { return added_by.has_value() || revoked_by.has_value(); }
    friend bool operator==(const OfficerRecord&, const OfficerRecord&) = default;
};

// Keys in force with the admin role in one agency, after an event (R27 keeps it above zero).
struct AdminCount {
    std::string agency;
    std::uint64_t count = 0;
    friend bool operator==(const AdminCount&, const AdminCount&) = default;
};

[[nodiscard]] crypto::Json officer_record_to_json(const OfficerRecord& record);
[[nodiscard]] Result<OfficerRecord> officer_record_from_json(const crypto::Json& json);
[[nodiscard]] std::string canonical_officer_record(const OfficerRecord& record);

// The officer of a record while in force; nullopt when absent or revoked (StateView::officer).
[[nodiscard]] std::optional<Officer> officer_in_force(const std::optional<OfficerRecord>& record);

// Officer records keyed by public key, with admin counts per agency. Seeded from a genesis it is
// a whole officer state; unseeded it is an overlay of changes (find() nullptr = not changed here).
class OfficerTable {
public:
    OfficerTable() = default;
    explicit OfficerTable(const Genesis& genesis);

    [[nodiscard]] const OfficerRecord* find(const crypto::PublicKey& key) const;
    // nullopt when this table holds no count for the agency.
    [[nodiscard]] std::optional<std::uint64_t> admin_keys(std::string_view agency) const;

    void put(const OfficerRecord& record);
    void put(const AdminCount& count);
    // Recomputes every agency's admin count from the records (after loading stored records).
    void recount_admins();

    [[nodiscard]] const std::map<crypto::PublicKey, OfficerRecord>& records() const { return records_; }
    [[nodiscard]] const std::map<std::string, std::uint64_t, std::less<>>& admin_counts() const {
        return admins_;
    }

private:
    std::map<crypto::PublicKey, OfficerRecord> records_;
    std::map<std::string, std::uint64_t, std::less<>> admins_;
};

}  // namespace custos::ledger
