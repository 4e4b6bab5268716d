// The audit of the store's read indexes (meta "offer/", "case/", "digest/", "signer/", "time/",
// "read/", "read_request/", docs/FORMAT.md section 9): what each must hold is rebuilt from the replay alone
// (the replayed events and the replayed item states), and the stored entries must be exactly those, key
// and value. The indexes are not certified (no root covers them), but the inbox, an agency's cases and the
// search by digest answer from them: an entry dropped hides an offer or an event from the officer who looks
// for it, an entry added shows one that is not there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "ledger/events/event.hpp"
#include "ledger/store/store_db.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {

// The first difference between a stored index and the replay's.
struct IndexMismatch {
    std::string index;     // The audit check's name: "index.offer", "index.case", "index.digest", ...
    std::string expected;  // What the replay says is there (or "nothing").
    std::string found;     // What the store holds there (or "nothing").
    std::string message;   // One line for people.
};

// What the read indexes must hold is written into the audit's scratch store (audit_scratch.hpp)
// under the audited store's own meta keys, as the replay meets each event, so it costs no memory
// per event; check() walks each index's prefix in both stores side by side. The inbox entries
// ("offer/") and the request entries ("read_request/") are kept by AuditState (put_item,
// add_read_request), which has the state they come from; add_event's go into a batch of their
// own, for the scratch's second database (AuditScratch::indexes), which nothing reads before
// check().
class IndexReplay {
public:
    // Each replayed event, in log order: its envelope's signer, its block's time, its id and leaf;
    // its entries go into `batch` (the block's batch for the scratch's index database).
    void add_event(const Event& event, const crypto::PublicKey& signer, TimeMs block_time, const EventId& id,
                   std::uint64_t leaf, store::Batch& batch);

    // Compares every index of `db` with the replay's entries: AuditState's in `scratch`,
    // add_event's in `index_scratch`.
    [[nodiscard]] static Result<std::optional<IndexMismatch>> check(const store::Db& db,
                                                                    const store::Db& scratch,
                                                                    const store::Db& index_scratch);

private:
    // The last block with events: "time/" holds the first leaf of each.
    std::optional<TimeMs> last_block_time_;
};

}  // namespace custos::ledger
