#include "ledger/audit/audit.hpp"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "crypto/merkle.hpp"
#include "crypto/sha256.hpp"
#include "crypto/smt.hpp"
#include "ledger/audit/audit_checkpoint.hpp"
#include "ledger/audit/audit_final.hpp"
#include "ledger/audit/audit_indexes.hpp"
#include "ledger/audit/audit_scratch.hpp"
#include "ledger/audit/audit_signatures.hpp"
#include "ledger/audit/audit_state.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/events/event.hpp"
#include "ledger/genesis.hpp"
#include "ledger/rules/rules.hpp"
#include "ledger/state/state.hpp"
#include "ledger/state/state_map.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_keys.hpp"
#include "ledger/store/store_nodes.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {

using store::Column;

namespace {

using crypto::hex;

// Audit only needs the root after each block, which MerkleTree keeps in its frontier: interior
// nodes are dropped instead of kept, so replaying a large log costs no memory per leaf.
class FrontierOnlyNodeStore final : public crypto::NodeStore {
public:
    [[nodiscard]] Result<Hash32> get(crypto::NodeKey /*key*/) const override {
        return make_error(ErrorCode::not_found, "audit keeps no merkle nodes");
    }
    void put(crypto::NodeKey /*key*/, const Hash32& /*hash*/) override {}
};

// The block replay; its violations go to the AuditRecorder it is (the first one stops it).
class Auditor : private AuditRecorder {
public:
    Auditor(const store::Db& db, AuditScratch& scratch, const AuditOptions& options, Genesis genesis,
            Hash32 hash)
        : db_(db),
          scratch_(scratch.db()),
          index_scratch_(scratch.indexes()),
          options_(options),
          genesis_(std::move(genesis)),
          state_(genesis_, scratch_, options.item_cache_max),
          history_(genesis_.validators),
          tree_(open_tree(nodes_)),
          events_(log_cursor(db), worker_threads(options.threads)),
          index_writer_(index_scratch_, worker_threads(options.threads) > 1),
          state_map_(scratch_) {
        report_.genesis_hash = hash;
        report_.head.log_root = tree_.root();
        set_hashes_.emplace(1, genesis_.validators.hash());
        next_progress_ = options_.progress_every_events;
    }

    [[nodiscard]] Result<AuditReport> run();

private:
    // Every block, then the final checks and the expected checkpoints, until the first violation.
    [[nodiscard]] Status replay();
    // The genesis state map, in the scratch store.
    [[nodiscard]] Status start_state_map();
    // Writes the block's scratch batch; then what it wrote is read from the scratch store. Hands
    // its index entries to the write-behind.
    [[nodiscard]] Status commit_block();
    static store::Cursor log_cursor(const store::Db& db) {
        auto cursor = db.cursor(Column::events);
        cursor.seek(store::be64(0));
        return cursor;
    }
    static crypto::MerkleTree open_tree(crypto::NodeStore& nodes) {
        auto tree = crypto::MerkleTree::open(nodes, 0);
        CUSTOS_ASSERT(tree.has_value(), "an empty merkle tree always opens");
        return std::move(*tree);
    }

    void read_totals();
    [[nodiscard]] Status audit_block(Height height, const std::string& header_text);
    void check_header(const BlockHeader& header, Height height);
    [[nodiscard]] Status check_certificate(const BlockHeader& header, const BlockHash& hash);
    [[nodiscard]] Status audit_event(const BlockHeader& header, std::uint64_t leaf,
                                     std::vector<EventId>& ids);
    [[nodiscard]] Status check_rules(const BlockHeader& header, std::uint64_t leaf, const EventId& id,
                                     const Envelope& envelope);
    [[nodiscard]] Status check_tail();
    [[nodiscard]] Status check_expected_checkpoints();
    // The set in force at `height` and its hash (computed once per set).
    [[nodiscard]] const ValidatorSet& set_at(Height height) const { return *history_.at(height); }
    [[nodiscard]] const Hash32& set_hash_at(Height height) const {
        return std::prev(set_hashes_.upper_bound(height.value))->second;
    }
    // After a block's events: a validator change its events adopted is in force from height + 2.
    void record_adoption(Height height, std::uint64_t adoptions_before);
    // After a block's events: the state map they give must have the header's state_root.
    [[nodiscard]] Status check_state_root(const BlockHeader& header, std::uint64_t adoptions_before);

    const store::Db& db_;
    store::Db& scratch_;        // What the replay keeps on disk (audit_scratch.hpp).
    store::Db& index_scratch_;  // The read index entries nothing reads before the final checks.
    const AuditOptions& options_;
    Genesis genesis_;
    AuditState state_;
    ValidatorHistory history_;
    std::map<std::uint64_t, Hash32> set_hashes_;       // Hash of each set of history_, same keys.
    std::vector<ValidatorSetRecord> adopted_records_;  // What meta "validators/" must hold.
    FrontierOnlyNodeStore nodes_;
    crypto::MerkleTree tree_;
    std::optional<BlockHeader> previous_;
    BlockHash previous_hash_;
    AuditReport report_;
    std::uint64_t next_progress_ = 0;
    std::uint64_t blocks_total_ = 0;  // For progress only: what the store says it holds.
    std::uint64_t events_total_ = 0;
    // Leaves are read in order through one cursor rather than a lookup each, parsed and their
    // signatures verified ahead of the replay on worker threads (audit_signatures.hpp).
    SignatureStage events_;
    // What the read indexes must hold, from the replayed events (into index_scratch_, by
    // index_writer_, from index_batch_).
    IndexReplay indexes_;
    store::Batch index_batch_;
    WriteBehind index_writer_;
    // The block's writes to the scratch store: item states, event places, the inbox and request
    // entries, state map nodes.
    store::Batch batch_;
    // The state map recomputed from the replay alone (docs/FORMAT.md 7.5), kept in the scratch
    // store as a store keeps its own (its top in memory), and what the current block's events
    // changed in it.
    store::DbSmtNodeStore state_map_;
    GovernanceHead governance_;
    std::map<std::string, ItemState, std::less<>> block_items_;
    std::map<crypto::PublicKey, OfficerRecord> block_officers_;
    std::map<EventId, ValidatorProposal> block_proposals_;
    bool block_governance_ = false;
};

void Auditor::read_totals() {
    auto meta = db_.get(Column::meta, store::meta_key::height);
    if (!meta || !meta->has_value()) return;
    blocks_total_ = store::read_be64(**meta).value_or(0);
    auto text = db_.get(Column::blocks, store::be64(blocks_total_));
    if (!text || !text->has_value()) return;
    auto json = crypto::parse_json(**text);
    auto header = json ? block_header_from_json(*json) : tl::unexpected(json.error());
    if (header) events_total_ = header->log_size;
}

Status Auditor::start_state_map() {
    auto loaded = state_map_.load_top();  // The scratch store is new: an empty map.
    if (!loaded) return loaded;
    auto map = crypto::smt_update(state_map_, genesis_state_updates(genesis_));
    if (!map) return tl::unexpected(map.error());
    state_map_.put_changes(batch_, map->nodes);
    auto written = commit_block();
    if (!written) return written;
    state_map_.apply(map->nodes);
    return {};
}

Status Auditor::commit_block() {
    auto indexed = index_writer_.write(std::exchange(index_batch_, store::Batch{}));
    if (!indexed) return indexed;
    state_.end_block(batch_);
    return scratch_.write(std::exchange(batch_, store::Batch{}), false);
}

Result<AuditReport> Auditor::run() {
    auto replayed = replay();
    if (!replayed) return tl::unexpected(replayed.error());
    report_.violation = take_violation();
    return report_;
}

Status Auditor::replay() {
    auto started = start_state_map();
    if (!started) return tl::unexpected(started.error());
    if (options_.progress) read_totals();
    for (std::uint64_t height = 1; height < height_max; ++height) {
        auto text = db_.get(Column::blocks, store::be64(height));
        if (!text) return tl::unexpected(text.error());
        if (!text->has_value()) break;
        auto audited = audit_block(Height{height}, **text);
        if (!audited) return tl::unexpected(audited.error());
        if (failed()) return {};
        ++report_.blocks;
    }
    state_.flush_items(batch_);  // The item states still in the cache, for check_item_states.
    auto flushed = scratch_.write(std::exchange(batch_, store::Batch{}), false);
    if (!flushed) return tl::unexpected(flushed.error());
    auto indexed = index_writer_.finish();  // Every block's index entries, for check_final_state.
    if (!indexed) return tl::unexpected(indexed.error());
    auto tail = check_tail();
    if (!tail) return tl::unexpected(tail.error());
    if (failed()) return {};
    auto final_state = check_final_state(FinalCheckInput{.db = db_,
                                                         .scratch = scratch_,
                                                         .index_scratch = index_scratch_,
                                                         .state = state_,
                                                         .adopted = adopted_records_,
                                                         .last = Height{report_.blocks}});
    if (!final_state) return tl::unexpected(final_state.error());
    if (*final_state) {
        violate(std::move(**final_state));
        return {};
    }
    auto expected = check_expected_checkpoints();
    if (!expected) return tl::unexpected(expected.error());
    return {};
}

void Auditor::check_header(const BlockHeader& header, Height height) {
    const std::string at = "block " + std::to_string(height.value) + ": ";
    // previous_ is the block stored at height - 1, so the expected height is the place read.
    auto mismatch = check_header_links(header, HeaderLinks{.genesis = genesis_,
                                                           .previous = previous_ ? &*previous_ : nullptr,
                                                           .previous_hash = previous_hash_,
                                                           .validators = set_at(height),
                                                           .validators_hash = set_hash_at(height)});
    if (mismatch) {
        return violate_block(height, mismatch->check, std::move(mismatch->expected),
                             std::move(mismatch->found), at + mismatch->message);
    }
    const std::uint64_t first = tree_.size();
    if (header.log_size < first || header.log_size - first > genesis_.params.block_events_max) {
        return violate_block(height, audit_check::block_log_size,
                             "between " + std::to_string(first) + " and " +
                                 std::to_string(first + genesis_.params.block_events_max),
                             std::to_string(header.log_size),
                             at + "log size does not follow the previous block");
    }
}

Status Auditor::check_certificate(const BlockHeader& header, const BlockHash& hash) {
    const Height height = header.height;
    const std::string at = "block " + std::to_string(height.value) + ": ";
    auto note = db_.get(Column::certificates, store::be64(height.value));
    if (!note) return tl::unexpected(note.error());
    if (!note->has_value()) {
        violate_block(height, audit_check::certificate, "a commit certificate", "none",
                      at + "no commit certificate");
        return {};
    }
    auto verified = verify_certificate(Certificate{**note}, genesis_.chain_id, set_at(height));
    if (!verified) {
        violate_block(height, audit_check::certificate,
                      "signatures of validators holding more than 2/3 of the power", verified.error().message,
                      at + "commit certificate does not verify: " + verified.error().message);
        return {};
    }
    if (verified->height != height || verified->block != hash || verified->log_size != header.log_size ||
        verified->log_root != header.log_root) {
        violate_block(
            height, audit_check::certificate,
            "height " + std::to_string(height.value) + " block " + hex(hash.hash),
            "height " + std::to_string(verified->height.value) + " block " + hex(verified->block.hash),
            at + "commit certificate certifies another block");
    }
    return {};
}

Status Auditor::audit_block(Height height, const std::string& header_text) {
    auto json = crypto::parse_json(header_text);
    auto header = json ? block_header_from_json(*json) : tl::unexpected(json.error());
    if (!header) {
        violate_block(height, audit_check::block_format, "a block header", header.error().message,
                      "block " + std::to_string(height.value) + ": " + header.error().message);
        return {};
    }
    check_header(*header, height);
    if (failed()) return {};
    const BlockHash hash = block_hash(*header);
    auto certified = check_certificate(*header, hash);
    if (!certified || failed()) return certified;

    const std::uint64_t adoptions_before = state_.validators().latest()->adoptions;
    std::vector<EventId> ids;
    ids.reserve(header->log_size - tree_.size());
    for (std::uint64_t leaf = tree_.size(); leaf < header->log_size; ++leaf) {
        auto audited = audit_event(*header, leaf, ids);
        if (!audited || failed()) return audited;
    }
    const Hash32 ids_hash = events_hash(ids);
    if (ids_hash != header->events_hash) {
        violate_block(
            height, audit_check::block_events_hash, hex(header->events_hash), hex(ids_hash),
            "block " + std::to_string(height.value) + ": its events do not hash to the header's events hash");
        return {};
    }
    const Hash32 root = tree_.root();
    if (root != header->log_root) {
        violate_block(
            height, audit_check::block_log_root, hex(header->log_root), hex(root),
            "block " + std::to_string(height.value) + ": recomputed log root differs from the header");
        return {};
    }
    auto state_root = check_state_root(*header, adoptions_before);
    if (!state_root || failed()) return state_root;
    record_adoption(height, adoptions_before);
    report_.head =
        AuditHead{.height = height, .block_hash = hash, .log_size = header->log_size, .log_root = root};
    previous_ = std::move(*header);
    previous_hash_ = hash;
    return {};
}

Status Auditor::check_state_root(const BlockHeader& header, std::uint64_t adoptions_before) {
    StateChanges changes;
    for (auto& [id, item] : block_items_)
        changes.items.push_back(std::move(item));
    for (auto& [key, record] : block_officers_)
        changes.officers.push_back(std::move(record));
    for (auto& [id, proposal] : block_proposals_)
        changes.proposals.push_back(std::move(proposal));
    const ValidatorEpoch& latest = *state_.validators().latest();
    if (latest.adoptions != adoptions_before) changes.adopted = latest;
    if (block_governance_) changes.governance = governance_;
    block_items_.clear();
    block_officers_.clear();
    block_proposals_.clear();
    block_governance_ = false;
    auto map = crypto::smt_update(state_map_, state_updates(changes));
    if (!map) return tl::unexpected(map.error());
    state_map_.put_changes(batch_, map->nodes);
    auto written = commit_block();
    if (!written) return written;
    state_map_.apply(map->nodes);
    if (map->root != header.state_root) {
        violate_block(header.height, audit_check::block_state_root, hex(map->root), hex(header.state_root),
                      "block " + std::to_string(header.height.value) +
                          ": the state root recomputed from the replay differs from the header");
    }
    return {};
}

void Auditor::record_adoption(Height height, std::uint64_t adoptions_before) {
    const ValidatorEpoch& latest = *state_.validators().latest();
    if (latest.adoptions == adoptions_before) return;
    history_.adopt(height, latest.set);
    set_hashes_.emplace(height.value + validator_change_delay, latest.set->hash());
    adopted_records_.push_back(
        ValidatorSetRecord{.in_force_from = Height{height.value + validator_change_delay},
                           .adopted_in = height,
                           .adoptions = latest.adoptions,
                           .set = *latest.set});
}

Status Auditor::audit_event(const BlockHeader& header, std::uint64_t leaf, std::vector<EventId>& ids) {
    const Height height = header.height;
    // Only a violation needs the place as text: built then, not for every event.
    const auto at = [&] {
        return "block " + std::to_string(height.value) + " leaf " + std::to_string(leaf) + ": ";
    };
    const std::string key = store::be64(leaf);
    if (!events_.valid() || events_.key() != key) {
        auto status = events_.status();
        if (!status) return status;
        const bool stray = events_.valid() && events_.key() < key;
        violate(
            AuditViolation{.height = height,
                           .leaf_index = leaf,
                           .rule = std::string(stray ? audit_check::leaf_extra : audit_check::leaf_missing),
                           .expected = "the event at leaf " + std::to_string(leaf),
                           .found = stray ? "a record under a key that is no leaf index" : "nothing",
                           .message = at() + (stray ? "stray record in the log" : "event missing")});
        return {};
    }
    const PreparedEvent& prepared = events_.prepared();
    const auto& envelope = prepared.envelope;  // parse_envelope(prepared.stored)
    if (!envelope) {
        violate(AuditViolation{.height = height,
                               .leaf_index = leaf,
                               .rule = "R1",
                               .expected = "a well-formed event envelope",
                               .found = envelope.error().message,
                               .message = at() + envelope.error().message});
        return {};
    }
    const EventId id = prepared.id;  // SHA-256 of canonical_event(envelope->event)
    auto place = [&](std::string rule) {
        return AuditViolation{.height = height, .leaf_index = leaf, .event = id, .rule = std::move(rule)};
    };
    if (!prepared.canonical) {  // The one layout of a stored envelope (event.hpp).
        auto violation = place(std::string(audit_check::leaf_canonical));
        violation.expected = "the canonical envelope";
        violation.found = "other bytes";
        violation.message = at() + "event " + event_id_hex(id) + " is not stored in canonical form";
        violate(std::move(violation));
        return {};
    }
    if (!prepared.signature_ok) {  // verify(signer, canonical_event(envelope->event), sig)
        auto violation = place("R2");
        violation.field = "sig";
        violation.expected = "a signature by " + key_id(envelope->signer);
        violation.found = "a signature that does not verify";
        violation.message = at() + "event " + event_id_hex(id) + ": R2 sig: the signature does not verify";
        violate(std::move(violation));
        return {};
    }
    auto ruled = check_rules(header, leaf, id, *envelope);
    if (!ruled || failed()) return ruled;
    tree_.append(prepared.leaf_hash);  // crypto::merkle_leaf_hash(prepared.stored)
    indexes_.add_event(envelope->event, envelope->signer, header.time, id, leaf, index_batch_);
    state_.add_event(id, height, leaf, batch_);
    ids.push_back(id);
    events_.next();
    if (++report_.events >= next_progress_) {
        if (options_.progress)
            options_.progress(AuditProgress{height, report_.events, blocks_total_, events_total_});
        next_progress_ += options_.progress_every_events;
    }
    return {};
}

Status Auditor::check_rules(const BlockHeader& header, std::uint64_t leaf, const EventId& id,
                            const Envelope& envelope) {
    // The id is the one audit_event computed from this envelope's canonical bytes: passing it
    // saves the rule engine canonicalizing and hashing the event a second time.
    auto effects = check_event(state_, envelope, id, header.time, genesis_);
    if (!effects) {
        const RuleError& error = effects.error();
        violate(AuditViolation{.height = header.height,
                               .leaf_index = leaf,
                               .event = id,
                               .rule = error.rule == 0 ? "state" : "R" + std::to_string(error.rule),
                               .field = error.field,
                               .found = error.reason,
                               .message = "block " + std::to_string(header.height.value) + " leaf " +
                                          std::to_string(leaf) + " event " + event_id_hex(id) + ": " +
                                          error.message()});
        return {};
    }
    CUSTOS_ASSERT(effects->id == id, "the rule engine and the audit agree on the event id");
    for (const auto& item : effects->items)
        block_items_.insert_or_assign(item.item, item);
    if (effects->officer) block_officers_.insert_or_assign(effects->officer->officer.key, *effects->officer);
    if (effects->proposal) block_proposals_.insert_or_assign(effects->proposal->id, *effects->proposal);
    if (is_governance(envelope.event.kind)) {
        governance_ = GovernanceHead{id, governance_.count + 1};
        block_governance_ = true;
    }
    for (auto& item : effects->items) {
        auto put = state_.put_item(std::move(item), batch_);
        if (!put) return put;
    }
    if (effects->officer) state_.put_officer(*effects->officer);
    if (effects->admins) state_.put_admin_count(*effects->admins);
    if (effects->proposal) state_.put_validator_proposal(*effects->proposal);
    if (effects->adopted) state_.put_validator_epoch(*effects->adopted);
    if (effects->read_request) {
        state_.add_read_request(*effects->read_request, leaf, batch_);
        ++report_.reads;
    }
    return {};
}

// Nothing may be stored beyond the last verified block, and the committed height must be it.
Status Auditor::check_tail() {
    const Height last{report_.blocks};
    if (events_.valid()) {
        violate(AuditViolation{.height = last,
                               .leaf_index = store::read_be64(events_.key()),
                               .rule = std::string(audit_check::leaf_extra),
                               .expected = "no event beyond leaf " + std::to_string(tree_.size()),
                               .found = "a record at key " + crypto::hex_encode(as_bytes(events_.key())),
                               .message = "an event is stored outside every block"});
        return {};
    }
    auto status = events_.status();
    if (!status) return status;
    auto meta = db_.get(Column::meta, store::meta_key::height);
    if (!meta) return tl::unexpected(meta.error());
    auto committed = meta->has_value() ? store::read_be64(**meta) : std::nullopt;
    if (committed != last.value) {
        violate_block(last, audit_check::meta_height, std::to_string(last.value),
                      committed ? std::to_string(*committed) : "none",
                      "the committed height does not name the last stored block");
    }
    return {};
}

// The store must hold the block of every certified checkpoint the auditor brought
// (ledger/audit/audit_checkpoint.hpp).
Status Auditor::check_expected_checkpoints() {
    for (const Certificate& checkpoint : options_.expected_checkpoints) {
        auto compared = compare_with_checkpoint(db_, checkpoint, genesis_.chain_id, history_, report_.head);
        if (!compared) return tl::unexpected(compared.error());
        if (compared->violation) {
            violate(std::move(*compared->violation));
            return {};
        }
        report_.checkpoints.push_back(*compared->match);
    }
    return {};
}

// Reads the genesis the store holds; a violation if it is not the one the auditor trusts.
Result<std::pair<std::optional<Genesis>, AuditReport>> load_genesis(const store::Db& db,
                                                                    const AuditOptions& options) {
    AuditReport report;
    auto text = db.get(Column::meta, store::meta_key::genesis);
    if (!text) return tl::unexpected(text.error());
    if (!text->has_value()) return make_error(ErrorCode::not_found, "the store holds no genesis");
    auto genesis = parse_genesis(**text);
    auto fail = [&](std::string expected, std::string found, std::string message) {
        report.violation = AuditViolation{.rule = std::string(audit_check::genesis),
                                          .expected = std::move(expected),
                                          .found = std::move(found),
                                          .message = std::move(message)};
        return std::pair{std::optional<Genesis>(), report};
    };
    if (!genesis)
        return fail("a valid genesis", genesis.error().message, "stored genesis: " + genesis.error().message);
    report.genesis_hash = genesis_hash(*genesis);
    if (options.expected_genesis_hash && *options.expected_genesis_hash != report.genesis_hash) {
        return fail(hex(*options.expected_genesis_hash), hex(report.genesis_hash),
                    "the store's genesis is not the trusted genesis");
    }
    return std::pair{std::optional<Genesis>(std::move(*genesis)), report};
}

}  // namespace

void AuditRecorder::violate(AuditViolation violation) {
    if (!first_) first_ = std::move(violation);
}

void AuditRecorder::violate_block(Height height, std::string_view rule, std::string expected,
                                  std::string found, std::string message) {
    violate(AuditViolation{.height = height,
                           .rule = std::string(rule),
                           .expected = std::move(expected),
                           .found = std::move(found),
                           .message = std::move(message)});
}

Result<AuditReport> audit_store(const store::Db& db, const AuditOptions& options) {
    auto loaded = load_genesis(db, options);
    if (!loaded) return tl::unexpected(loaded.error());
    if (!loaded->first) return loaded->second;
    auto scratch = AuditScratch::create(options.scratch_directory);
    if (!scratch) return tl::unexpected(scratch.error());
    Auditor auditor(db, **scratch, options, std::move(*loaded->first), loaded->second.genesis_hash);
    return auditor.run();
}

Result<AuditReport> audit_directory(const std::filesystem::path& directory, const AuditOptions& options) {
    std::error_code error;
    if (!std::filesystem::exists(directory / "CURRENT", error)) {
        return make_error(ErrorCode::not_found, "no store at " + directory.string());
    }
    auto db = store::Db::open(directory, store::DbOptions{.read_only = true});
    if (!db) return tl::unexpected(db.error());
    // The replay reads some families only (not the Merkle nodes or the read indexes); a damaged
    // table file must be an error wherever it is.
    auto checked = db->verify_checksums();
    if (!checked) return tl::unexpected(checked.error());
    return audit_store(*db, options);
}

std::string audit_summary(const AuditReport& report) {
    if (!report.violation) {
        return "verified: " + std::to_string(report.blocks) + " blocks, " + std::to_string(report.events) +
               " events";
    }
    const AuditViolation& v = *report.violation;
    std::string text = "violation at height " + std::to_string(v.height.value);
    if (v.leaf_index) text += " leaf " + std::to_string(*v.leaf_index);
    if (v.event) text += " event " + event_id_hex(*v.event);
    text += " rule " + v.rule;
    if (!v.field.empty()) text += " field " + v.field;
    text += ": " + v.message;
    if (!v.expected.empty()) text += " (expected " + v.expected + ", found " + v.found + ")";
    return text;
}

}  // namespace custos::ledger
