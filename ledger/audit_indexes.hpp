// The audit of the store's read indexes (meta "offer/", "case/", "digest/", "signer/", "time/",
// "read/", "read_request/", docs/FORMAT.md section 9): what each must hold is rebuilt from the replay alone
// (the replayed events and the final replayed item states), and the stored entries must be exactly those, key
// and value. The indexes are not certified (no root covers them), but the inbox, an agency's cases and the
// search by digest answer from them: an entry dropped hides an offer or an event from the officer who looks
// for it, an entry added shows one that is not there.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "ledger/audit_state.hpp"
#include "ledger/event.hpp"
#include "ledger/store_db.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {

// The first difference between a stored index and the replay's.
struct IndexMismatch {
    std::string index;     // The audit check's name: "index.offer", "index.case", "index.digest", ...
    std::string expected;  // What the replay says is there (or "nothing").
    std::string found;     // What the store holds there (or "nothing").
    std::string message;   // One line for people.
};

class IndexReplay {
public:
    // Each replayed event, in log order: its envelope's signer, its block's time, its id and leaf.
    void add_event(const Event& event, const crypto::PublicKey& signer, TimeMs block_time, const EventId& id,
                   std::uint64_t leaf);

    // Compares every index with the store. The offers come from `state`: the pending offer of
    // every item after the last block.
    [[nodiscard]] Result<std::optional<IndexMismatch>> check(const store::Db& db,
                                                             const AuditState& state) const;

private:
    std::set<std::string> cases_;                           // Keys ("case/" agency case), each once.
    std::map<Hash32, std::vector<std::uint64_t>> digests_;  // Each SHA-256's leaves, in log order.
    std::map<crypto::PublicKey, std::vector<std::uint64_t>> signers_;  // Each signer's leaves, in log order.
    // Each block with events: its time and its first leaf, in log order (block times increase).
    std::vector<std::pair<TimeMs, std::uint64_t>> block_times_;
    // Read records: each item's (leaf, record id) in log order ("read/"), and each signed
    // request's record leaf ("read_request/").
    std::map<std::string, std::vector<std::pair<std::uint64_t, EventId>>> item_reads_;
    std::map<Hash32, std::uint64_t> read_requests_;
};

}  // namespace custos::ledger
