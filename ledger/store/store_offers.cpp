// The inbox index: pending transfer offers by recipient agency (meta "offer/", docs/FORMAT.md
// section 9), written in the block's own batch and read by Store::pending_offers.
#include <map>
#include <string>

#include "common/assert.hpp"
#include "ledger/store/store_impl.hpp"
#include "ledger/store/store_keys.hpp"

namespace custos::ledger {

using store::Column;

namespace {

// "offer/" str recipient str item.
std::string offer_key(std::string_view recipient, std::string_view item) {
    return store::id_pair_key(store::meta_key::offer_prefix, recipient, item);
}

}  // namespace

void put_offer_index(store::Batch& batch, const Block& block, const BlockEffects& effects,
                     const Store& store) {
    CUSTOS_ASSERT(effects.events.size() == block.events.size(), "block effects miss events");
    // The recipient of each offer made earlier in this block, by item: a cancel in the same block
    // ends an offer the store does not hold yet. Batch writes apply in order, so an offer ended
    // and made again in one block leaves the last one.
    std::map<std::string, std::string, std::less<>> offered_here;
    for (std::size_t i = 0; i < block.events.size(); ++i) {
        const Event& event = block.events[i].event;
        switch (event.kind) {
            case EventKind::transfer_offer: {
                CUSTOS_ASSERT(event.recipient.has_value(), "an offer names its recipient (R1)");
                const std::string& recipient = *event.recipient;
                batch.put(Column::meta, offer_key(recipient, event.item),
                          store::hash_key(effects.events[i].id.hash));
                offered_here.insert_or_assign(event.item, recipient);
                break;
            }
            case EventKind::transfer_accept:
            case EventKind::transfer_reject:
                // Only the recipient answers an offer (R16): the acting agency is the recipient.
                batch.remove(Column::meta, offer_key(event.agency, event.item));
                offered_here.erase(event.item);
                break;
            case EventKind::transfer_cancel: {
                std::string recipient;
                if (auto here = offered_here.find(event.item); here != offered_here.end()) {
                    recipient = here->second;
                    offered_here.erase(here);
                } else {
                    // The offer is older than this block: the stored state (before this batch)
                    // names its recipient. The rules admitted the cancel, so the offer is there.
                    auto state = store.item(event.item);
                    CUSTOS_ASSERT(state && *state && (*state)->pending_offer,
                                  "a committed cancel ends a stored pending offer");
                    recipient = (*state)->pending_offer->recipient;
                }
                batch.remove(Column::meta, offer_key(recipient, event.item));
                break;
            }
            default:
                break;
        }
    }
}

Result<std::vector<PendingOfferEntry>> Store::pending_offers(std::string_view agency,
                                                             std::string_view after_item,
                                                             std::size_t limit) const {
    limit = std::min(limit, store_read_entries_max);
    std::vector<PendingOfferEntry> entries;
    auto scanned =
        scan_id_pairs(impl_->db, store::meta_key::offer_prefix, agency, after_item, limit, "offer",
                      [&](std::string_view item, std::string_view value) {
                          auto offer = store::hash_from_value(value);
                          if (offer) entries.push_back(PendingOfferEntry{std::string(item), EventId{*offer}});
                          return offer.has_value();
                      });
    if (!scanned) return tl::unexpected(scanned.error());
    return entries;
}

}  // namespace custos::ledger
