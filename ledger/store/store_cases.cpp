// The cases of each agency (meta "case/", docs/FORMAT.md section 9): every case an agency takes
// part in (ledger::case_participants of any of its events), so that an officer's front end lists
// its agency's cases without scanning the log. Written in the block's own batch; read by
// Store::agency_cases.
#include <string>

#include "ledger/store/store_impl.hpp"
#include "ledger/store/store_keys.hpp"

namespace custos::ledger {

using store::Column;

namespace {

// "case/" str agency str case.
std::string agency_case_key(std::string_view agency, std::string_view case_id) {
    return store::id_pair_key(store::meta_key::agency_case_prefix, agency, case_id);
}

}  // namespace

void put_case_index(store::Batch& batch, const Block& block) {
    // A put of a key already there changes nothing: no read needed to know whether it is new.
    for (const auto& envelope : block.events) {
        for (const auto& agency : case_participants(envelope.event))
            batch.put(Column::meta, agency_case_key(agency, envelope.event.case_id), {});
    }
}

Result<std::vector<std::string>> Store::agency_cases(std::string_view agency, std::string_view after_case,
                                                     std::size_t limit) const {
    limit = std::min(limit, store_read_entries_max);
    std::vector<std::string> cases;
    auto scanned = scan_id_pairs(impl_->db, store::meta_key::agency_case_prefix, agency, after_case, limit,
                                 "case", [&](std::string_view case_id, std::string_view) {
                                     cases.emplace_back(case_id);
                                     return true;
                                 });
    if (!scanned) return tl::unexpected(scanned.error());
    return cases;
}

}  // namespace custos::ledger
