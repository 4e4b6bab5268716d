// Store::append_block: one block, its certificate and its effects in one synced WriteBatch.
#include <string>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "ledger/store/store_impl.hpp"
#include "ledger/store/store_keys.hpp"

namespace custos::ledger {

using store::Column;

namespace {

// The effects must be apply_block()'s output for this very block: anything else is a bug in
// the caller, so it is asserted rather than reported.
void assert_effects_match(const Block& block, const BlockHash& hash, const BlockEffects& effects,
                          std::uint64_t log_size_before) {
    const BlockHeader& header = block.header;
    CUSTOS_ASSERT(effects.height == header.height, "block effects belong to another height");
    CUSTOS_ASSERT(effects.hash == hash, "block effects belong to another block");
    CUSTOS_ASSERT(effects.events.size() == block.events.size(), "block effects miss events");
    CUSTOS_ASSERT(effects.log_size == header.log_size, "block effects disagree on the log size");
    CUSTOS_ASSERT(effects.log_root == header.log_root, "block effects disagree on the log root");
    CUSTOS_ASSERT(effects.state_root == header.state_root, "block effects disagree on the state root");
    CUSTOS_ASSERT(header.log_size == log_size_before + block.events.size(), "log size does not add up");
    CUSTOS_ASSERT(!effects.adopted_validators || effects.adopted_validators->adopted_in == header.height,
                  "an adopted validator set belongs to another height");
    for (std::size_t i = 0; i < effects.events.size(); ++i) {
        CUSTOS_ASSERT(effects.events[i].leaf_index == log_size_before + i,
                      "event leaf indexes are not contiguous");
        CUSTOS_ASSERT(!effects.events[i].leaf_data.empty(), "an event has no leaf data");
    }
    // The index entries the batch writes point into this block's leaves only.
    auto in_block = [&](std::uint64_t leaf) { return leaf >= log_size_before && leaf < header.log_size; };
    for (const auto& entry : effects.item_events)
        CUSTOS_ASSERT(in_block(entry.leaf_index), "an item's trail entry points outside the block");
    for (const auto& entry : effects.agency_events)
        CUSTOS_ASSERT(in_block(entry.leaf_index), "an agency's event entry points outside the block");
    for (const auto& entry : effects.reads)
        CUSTOS_ASSERT(in_block(entry.leaf_index), "a read index entry points outside the block");
}

// What apply_block checked of the header against the stored head, and the governance head it
// carried on from the stored one.
void assert_follows_head(const BlockHeader& header, const BlockEffects& effects, const std::string& chain_id,
                         const std::optional<BlockHeader>& last_header, const GovernanceHead& governance) {
    CUSTOS_ASSERT(header.chain_id == chain_id, "a block of another chain");
    CUSTOS_ASSERT(!last_header || last_header->time < header.time,
                  "a block's time is not after the stored block's");
    CUSTOS_ASSERT(effects.governance.count >= governance.count, "the governance count went down");
}

// Checks the certificate against the validator set in force and that it certifies this block.
Status check_certificate(const Certificate& certificate, const BlockHeader& header, const BlockHash& hash,
                         const std::string& chain_id, const ValidatorSet& validators) {
    auto verified = verify_certificate(certificate, chain_id, validators);
    if (!verified) return tl::unexpected(verified.error());
    if (verified->height != header.height || verified->block != hash ||
        verified->log_size != header.log_size || verified->log_root != header.log_root) {
        return make_error(ErrorCode::verification_failed,
                          "certificate is for height " + std::to_string(verified->height.value) + " block " +
                              block_hash_hex(verified->block) + ", not for height " +
                              std::to_string(header.height.value) + " block " + block_hash_hex(hash));
    }
    return {};
}

void put_effects(store::Batch& batch, const BlockEffects& effects) {
    for (const auto& event : effects.events) {
        batch.put(Column::events, store::be64(event.leaf_index), event.leaf_data);
        std::string position = store::be64(effects.height.value);
        store::append_be64(position, event.leaf_index);
        batch.put(Column::event_positions, store::hash_key(event.id.hash), position);
    }
    for (const auto& [key, hash] : effects.log_nodes) {
        batch.put(Column::merkle, store::merkle_key(key.level, key.index), store::hash_key(hash));
    }
    batch.put(Column::meta, store::meta_key::governance, canonical_governance_head(effects.governance));
    for (const auto& state : effects.items)
        batch.put(Column::items, state.item, canonical_item_state(state));
    for (const auto& entry : effects.item_events) {
        batch.put(Column::item_events, store::id_number_key(entry.item, entry.leaf_index),
                  store::hash_key(entry.event.hash));
    }
    for (const auto& entry : effects.case_items) {
        batch.put(Column::case_items, store::id_prefix(entry.case_id) + store::id_prefix(entry.item), {});
    }
    for (const auto& entry : effects.agency_events) {
        batch.put(Column::agency_events, store::id_number_key(entry.agency, entry.leaf_index),
                  store::hash_key(entry.event.hash));
    }
    for (const auto& record : effects.officers) {
        batch.put(Column::meta,
                  store::officer_key(store::meta_key::officer_prefix, record.officer.key.view()),
                  canonical_officer_record(record));
    }
    for (const auto& proposal : effects.proposals) {
        batch.put(Column::meta, store::officer_key(store::meta_key::proposal_prefix, proposal.id.hash.view()),
                  canonical_validator_proposal(proposal));
    }
    if (effects.adopted_validators) {
        batch.put(Column::meta,
                  std::string(store::meta_key::validators_prefix) +
                      store::be64(effects.adopted_validators->in_force_from.value),
                  canonical_validator_set_record(*effects.adopted_validators));
    }
}

}  // namespace

Status Store::append_block(const Block& block, const Certificate& certificate, const BlockEffects& effects) {
    const BlockHeader& header = block.header;
    const Height expected{impl_->height.value + 1};
    if (header.height != expected) {
        return make_error(ErrorCode::invalid_argument, "block height " + std::to_string(header.height.value) +
                                                           " but the store's next height is " +
                                                           std::to_string(expected.value));
    }
    if (impl_->last_header && header.previous != ledger::block_hash(*impl_->last_header)) {
        return make_error(ErrorCode::invalid_argument, "block " + std::to_string(header.height.value) +
                                                           " does not link to the stored block " +
                                                           std::to_string(impl_->height.value));
    }
    const BlockHash hash = ledger::block_hash(header);
    assert_effects_match(block, hash, effects, impl_->log_size());
    assert_follows_head(header, effects, impl_->genesis.chain_id, impl_->last_header, impl_->governance);
    const auto validators = validators_at(header.height);
    CUSTOS_ASSERT(validators != nullptr, "the set of the next height is known");
    auto certified = check_certificate(certificate, header, hash, impl_->genesis.chain_id, *validators);
    if (!certified) return certified;

    store::Batch batch;
    batch.put(Column::blocks, store::be64(header.height.value), canonical_block_header(header));
    batch.put(Column::certificates, store::be64(header.height.value), certificate.note);
    put_effects(batch, effects);
    impl_->state_nodes.put_changes(batch, effects.state_nodes);
    put_offer_index(batch, block, effects, *this);
    put_search_index(batch, block, effects);
    put_case_index(batch, block);
    put_read_index(batch, effects);
    batch.put(Column::meta, store::meta_key::height, store::be64(header.height.value));
    // From the write until the copy of the top has the block's changes, no proof reads the map.
    auto map_lock = impl_->state_nodes.write_lock();
    auto written = impl_->db.write(std::move(batch), true);
    if (!written) return written;
    impl_->height = header.height;
    impl_->last_header = header;
    impl_->governance = effects.governance;
    // The copy of the map's top takes the changes and must then have the header's root (the
    // paired check on the read side, from the stored records alone, is load_top's at each open).
    impl_->state_nodes.apply(effects.state_nodes);
    auto root = crypto::smt_root(impl_->state_nodes);
    CUSTOS_ASSERT(root.has_value() && *root == header.state_root,
                  "the state map after the block just written does not have its root");
    map_lock.unlock();
    {
        std::lock_guard lock(impl_->item_cache_mutex);
        ++impl_->item_cache_generation;
        for (const auto& state : effects.items)
            impl_->item_cache.insert_or_assign(state.item, state);
    }
    for (const auto& record : effects.officers)
        impl_->officers.put(record);
    for (const auto& count : effects.admin_counts)
        impl_->officers.put(count);
    for (const auto& proposal : effects.proposals)
        impl_->validators.put(proposal);
    if (const auto& adopted = effects.adopted_validators) {
        auto set = std::make_shared<const ValidatorSet>(adopted->set);
        impl_->validator_sets.insert_or_assign(adopted->in_force_from.value, set);
        impl_->validators.put(ValidatorEpoch{adopted->adoptions, std::move(set)});
    }
    return {};
}

}  // namespace custos::ledger
