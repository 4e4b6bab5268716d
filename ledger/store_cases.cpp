// The cases of each agency (meta "case/", docs/FORMAT.md section 9): every case an agency takes
// part in (ledger::case_participants of any of its events), so that an officer's front end lists
// its agency's cases without scanning the log. Written in the block's own batch; read by
// Store::agency_cases.
#include <string>

#include "ledger/store_impl.hpp"
#include "ledger/store_keys.hpp"

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
    std::string prefix(store::meta_key::agency_case_prefix);
    store::append_id(prefix, agency);
    // The first key after `after_case`'s: its own key followed by a zero byte.
    const std::string start =
        after_case.empty() ? prefix : agency_case_key(agency, after_case) + std::string(1, '\0');
    std::vector<std::string> cases;
    Status bad = {};
    auto scanned = impl_->db.scan_from(Column::meta, start, [&](std::string_view key, std::string_view) {
        if (!key.starts_with(prefix) || cases.size() >= limit) return false;
        const std::string_view rest = key.substr(prefix.size());
        if (rest.size() < 2 ||
            static_cast<std::size_t>((static_cast<std::uint8_t>(rest[0]) << 8) |
                                     static_cast<std::uint8_t>(rest[1])) != rest.size() - 2) {
            bad = make_error(ErrorCode::corruption, "a malformed case index entry");
            return false;
        }
        cases.emplace_back(rest.substr(2));
        return true;
    });
    if (!scanned) return tl::unexpected(scanned.error());
    if (!bad) return tl::unexpected(bad.error());
    return cases;
}

}  // namespace custos::ledger
