#include "ledger/store/store.hpp"

#include <utility>

#include "common/assert.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "ledger/store/store_impl.hpp"
#include "ledger/store/store_keys.hpp"

namespace custos::ledger {

using store::Column;

namespace {

using crypto::hex;

Result<std::uint64_t> read_meta_u64(const store::Db& db, std::string_view key) {
    auto value = get_required(db, Column::meta, key, "meta " + std::string(key));
    if (!value) return tl::unexpected(value.error());
    auto number = store::read_be64(*value);
    if (!number || value->size() != 8)
        return tl::unexpected(corrupt("meta " + std::string(key) + " is not 8 bytes"));
    return *number;
}

}  // namespace

Error corrupt(std::string message) {
    return Error{ErrorCode::corruption, std::move(message)};
}

Result<std::string> get_required(const store::Db& db, store::Column column, std::string_view key,
                                 std::string_view what) {
    auto value = db.get(column, key);
    if (!value) return tl::unexpected(value.error());
    if (!value->has_value()) return make_error(ErrorCode::not_found, std::string(what) + " not found");
    return std::move(**value);
}

Result<BlockHeader> parse_stored_header(std::string_view text, Height height) {
    auto json = crypto::parse_json(text);
    if (!json)
        return tl::unexpected(corrupt("block " + std::to_string(height.value) + ": " + json.error().message));
    auto header = block_header_from_json(*json);
    if (!header)
        return tl::unexpected(
            corrupt("block " + std::to_string(height.value) + ": " + header.error().message));
    return header;
}

Status scan_id_pairs(const store::Db& db, std::string_view prefix, std::string_view first,
                     std::string_view after, std::size_t limit, std::string_view what,
                     const std::function<bool(std::string_view second, std::string_view value)>& take) {
    std::string under(prefix);
    store::append_id(under, first);
    // The first key after `after`'s: its own key followed by a zero byte.
    const std::string start =
        after.empty() ? under : store::id_pair_key(prefix, first, after) + std::string(1, '\0');
    std::size_t taken = 0;
    Status bad = {};
    auto scanned = db.scan_from(Column::meta, start, [&](std::string_view key, std::string_view value) {
        if (!key.starts_with(under) || taken >= limit) return false;
        const std::string_view rest = key.substr(under.size());
        const bool well_formed =
            rest.size() >= 2 &&
            static_cast<std::size_t>((static_cast<std::uint8_t>(rest[0]) << 8) |
                                     static_cast<std::uint8_t>(rest[1])) == rest.size() - 2 &&
            take(rest.substr(2), value);
        if (!well_formed) {
            bad = make_error(ErrorCode::corruption, "a malformed " + std::string(what) + " index entry");
            return false;
        }
        ++taken;
        return true;
    });
    if (!scanned) return scanned;
    return bad;
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

namespace {

// Writes the meta records of a new store in one synced batch.
Status initialise(store::Db& db, const Genesis& genesis, bool test_without_state_map) {
    store::Batch batch;
    batch.put(Column::meta, store::meta_key::format, store::be64(store_format_version));
    batch.put(Column::meta, store::meta_key::genesis, canonical_genesis(genesis));
    batch.put(Column::meta, store::meta_key::genesis_hash, store::hash_key(genesis_hash(genesis)));
    batch.put(Column::meta, store::meta_key::height, store::be64(0));
    batch.put(Column::meta, store::meta_key::governance, canonical_governance_head(GovernanceHead{}));
    if (test_without_state_map) {  // TEST ONLY: no map, and a record that there is none.
        batch.put(Column::meta, store::meta_key::test_without_state_map, "1");
        return db.write(std::move(batch), true);
    }
    // The state map before the first block (docs/FORMAT.md 7.5), over an empty family.
    store::DbSmtNodeStore nodes(db);
    if (auto top = nodes.load_top(); !top) return top;
    auto map = crypto::smt_update(nodes, genesis_state_updates(genesis));
    if (!map) return tl::unexpected(map.error());
    nodes.put_changes(batch, map->nodes);
    return db.write(std::move(batch), true);
}

// Reads the genesis the store holds and checks it against itself and what the caller expects.
Result<std::pair<Genesis, Hash32>> load_genesis(const store::Db& db, const std::filesystem::path& directory,
                                                const StoreOpenOptions& options) {
    auto format = read_meta_u64(db, store::meta_key::format);
    if (!format) return tl::unexpected(format.error());
    if (*format != store_format_version) {
        return make_error(ErrorCode::invalid_argument,
                          "store " + directory.string() + " has format version " + std::to_string(*format) +
                              ", this build reads " + std::to_string(store_format_version) + ": " +
                              store::other_format_advice(*format));
    }
    auto text = get_required(db, Column::meta, store::meta_key::genesis, "meta genesis");
    auto stored_hash = get_required(db, Column::meta, store::meta_key::genesis_hash, "meta genesis_hash");
    if (!text) return tl::unexpected(text.error());
    if (!stored_hash) return tl::unexpected(stored_hash.error());
    auto genesis = parse_genesis(*text);
    if (!genesis) return tl::unexpected(corrupt("stored genesis: " + genesis.error().message));
    Hash32 hash = genesis_hash(*genesis);
    if (store::hash_key(hash) != *stored_hash) {
        return tl::unexpected(corrupt("stored genesis hashes to " + hex(hash) +
                                      " but meta genesis_hash says " +
                                      crypto::hex_encode(as_bytes(*stored_hash))));
    }
    auto refuse = [&](const Hash32& wanted) {
        return make_error(ErrorCode::verification_failed,
                          "store " + directory.string() + " belongs to genesis " + hex(hash) +
                              ", not to the expected genesis " + hex(wanted) + "; refusing to open it");
    };
    if (options.expected_genesis_hash && *options.expected_genesis_hash != hash) {
        return refuse(*options.expected_genesis_hash);
    }
    if (options.genesis != nullptr) {
        Hash32 given = genesis_hash(*options.genesis);
        if (given != hash) return refuse(given);
    }
    return std::pair{std::move(*genesis), hash};
}

// Loads every stored officer record over the genesis officers, then recounts admin keys.
Status load_officers(const store::Db& db, OfficerTable& officers) {
    const std::string_view prefix = store::meta_key::officer_prefix;
    Status status;
    auto scanned = db.scan(Column::meta, prefix, [&](std::string_view key, std::string_view value) {
        auto json = crypto::parse_json(value);
        auto record = json ? officer_record_from_json(*json) : tl::unexpected(json.error());
        if (!record) {
            status = tl::unexpected(corrupt("stored officer record: " + record.error().message));
            return false;
        }
        if (key != store::officer_key(prefix, record->officer.key.view())) {
            status = tl::unexpected(
                corrupt("stored officer record of " + key_id(record->officer.key) + " is under another key"));
            return false;
        }
        officers.put(*record);
        return true;
    });
    if (!scanned) return scanned;
    if (!status) return status;
    officers.recount_admins();
    return {};
}

// Loads the validator-set history ("validators/", in height order) and every proposal record.
Status load_validators(const store::Db& db,
                       std::map<std::uint64_t, std::shared_ptr<const ValidatorSet>>& sets,
                       ValidatorTable& table) {
    const std::string_view history = store::meta_key::validators_prefix;
    Status status;
    auto scanned = db.scan(Column::meta, history, [&](std::string_view key, std::string_view value) {
        auto json = crypto::parse_json(value);
        auto record = json ? validator_set_record_from_json(*json) : tl::unexpected(json.error());
        if (!record) {
            status = tl::unexpected(corrupt("stored validator set: " + record.error().message));
            return false;
        }
        if (key != std::string(history) + store::be64(record->in_force_from.value)) {
            status = tl::unexpected(corrupt("stored validator set in force from " +
                                            std::to_string(record->in_force_from.value) +
                                            " is under another key"));
            return false;
        }
        auto set = std::make_shared<const ValidatorSet>(std::move(record->set));
        sets.insert_or_assign(record->in_force_from.value, set);
        table.put(ValidatorEpoch{record->adoptions, std::move(set)});
        return true;
    });
    if (!scanned) return scanned;
    if (!status) return status;
    const std::string_view proposals = store::meta_key::proposal_prefix;
    scanned = db.scan(Column::meta, proposals, [&](std::string_view key, std::string_view value) {
        auto json = crypto::parse_json(value);
        auto record = json ? validator_proposal_from_json(*json) : tl::unexpected(json.error());
        if (!record) {
            status = tl::unexpected(corrupt("stored validator proposal: " + record.error().message));
            return false;
        }
        if (key != store::officer_key(proposals, record->id.hash.view())) {
            status = tl::unexpected(
                corrupt("stored validator proposal " + event_id_hex(record->id) + " is under another key"));
            return false;
        }
        table.put(*record);
        return true;
    });
    if (!scanned) return scanned;
    return status;
}

// A store made without the state map (test only) opens only with that setting, and the other way.
Status check_state_map_setting(const store::Db& db, const std::filesystem::path& directory,
                               const StoreOpenOptions& options) {
    auto without_map = db.get(Column::meta, store::meta_key::test_without_state_map);
    if (!without_map) return tl::unexpected(without_map.error());
    if (without_map->has_value() != options.test_without_state_map) {
        return make_error(ErrorCode::invalid_argument,
                          "store " + directory.string() +
                              (options.test_without_state_map
                                   ? " keeps the state map: the test-only setting test_without_state_map "
                                     "cannot be turned on for it"
                                   : " was made by a test-only network without the state map "
                                     "(test_without_state_map): it opens only with that setting"));
    }
    return {};
}

// What the store says its committed head is: the height, the last block's header and the
// governance head after it.
struct StoredHead {
    Height height;
    std::optional<BlockHeader> last_header;
    GovernanceHead governance;
};

Result<StoredHead> load_head(const store::Db& db) {
    StoredHead head;
    auto height = read_meta_u64(db, store::meta_key::height);
    if (!height) return tl::unexpected(height.error());
    head.height = Height{*height};
    if (*height > 0) {
        auto text =
            get_required(db, Column::blocks, store::be64(*height), "block " + std::to_string(*height));
        if (!text)
            return tl::unexpected(
                corrupt("meta height is " + std::to_string(*height) + ": " + text.error().message));
        auto header = parse_stored_header(*text, head.height);
        if (!header) return tl::unexpected(header.error());
        // Store::header() refuses such a block when it is read; the head is refused at open.
        if (header->height != head.height) {
            return tl::unexpected(corrupt("meta height is " + std::to_string(*height) +
                                          ": the block stored there says height " +
                                          std::to_string(header->height.value)));
        }
        head.last_header = std::move(*header);
    }
    auto governance = get_required(db, Column::meta, store::meta_key::governance, "meta governance");
    if (!governance) return tl::unexpected(governance.error());
    auto governance_json = crypto::parse_json(*governance);
    auto governance_head = governance_json ? governance_head_from_json(*governance_json)
                                           : tl::unexpected(governance_json.error());
    if (!governance_head)
        return tl::unexpected(corrupt("meta governance: " + governance_head.error().message));
    head.governance = *governance_head;
    return head;
}

}  // namespace

Result<Store> Store::open(const std::filesystem::path& directory, StoreOpenOptions options) {
    auto db = store::Db::open(directory, store::DbOptions{.create_if_missing = options.create_if_missing});
    if (!db) return tl::unexpected(db.error());
    auto format = db->get(Column::meta, store::meta_key::format);
    if (!format) return tl::unexpected(format.error());
    if (!format->has_value()) {
        if (options.genesis == nullptr) {
            return make_error(ErrorCode::not_found, "store " + directory.string() + " holds no genesis");
        }
        auto valid = validate_genesis(*options.genesis);
        if (!valid) return tl::unexpected(valid.error());
        auto written = initialise(*db, *options.genesis, options.test_without_state_map);
        if (!written) return tl::unexpected(written.error());
    }
    auto loaded = load_genesis(*db, directory, options);
    if (!loaded) return tl::unexpected(loaded.error());
    if (auto setting = check_state_map_setting(*db, directory, options); !setting)
        return tl::unexpected(setting.error());
    auto impl = std::make_unique<Impl>(std::move(*db), std::move(loaded->first), loaded->second);
    impl->test_without_state_map = options.test_without_state_map;

    auto head = load_head(impl->db);
    if (!head) return tl::unexpected(head.error());
    const std::uint64_t height = head->height.value;
    impl->height = head->height;
    impl->last_header = std::move(head->last_header);
    impl->governance = head->governance;
    // The stored map, its top rebuilt in memory, must have the root the last header certifies
    // (or the genesis map's).
    if (auto top = impl->state_nodes.load_top(); !top) return tl::unexpected(top.error());
    auto root = crypto::smt_root(impl->state_nodes);
    if (!root) return tl::unexpected(root.error());
    if (impl->last_header && *root != impl->last_header->state_root) {
        return tl::unexpected(corrupt("the stored state map has root " + hex(*root) + ", block " +
                                      std::to_string(height) + " certifies " +
                                      hex(impl->last_header->state_root)));
    }
    if (auto officers = load_officers(impl->db, impl->officers); !officers)
        return tl::unexpected(officers.error());
    if (auto validators = load_validators(impl->db, impl->validator_sets, impl->validators); !validators)
        return tl::unexpected(validators.error());
    // The height record is written in the same batch as its block: a block above it means the
    // store was written outside append_block.
    auto above = impl->db.get(Column::blocks, store::be64(height + 1));
    if (!above) return tl::unexpected(above.error());
    if (above->has_value()) {
        return tl::unexpected(corrupt("block " + std::to_string(height + 1) +
                                      " is stored above meta height " + std::to_string(height)));
    }
    return Store(std::move(impl));
}

Result<std::optional<ItemState>> Store::item(std::string_view item_id) const {
    std::uint64_t generation = 0;
    {
        std::lock_guard lock(impl_->item_cache_mutex);
        if (const ItemState* cached = impl_->item_cache.find(std::string(item_id)))
            return std::optional<ItemState>(*cached);
        generation = impl_->item_cache_generation;
    }
    auto value = impl_->db.get(Column::items, item_id);
    if (!value) return tl::unexpected(value.error());
    if (!value->has_value()) return std::optional<ItemState>();
    auto json = crypto::parse_json(**value);
    if (!json) return tl::unexpected(corrupt("item " + std::string(item_id) + ": " + json.error().message));
    auto state = item_state_from_json(*json);
    if (!state) return tl::unexpected(corrupt("item " + std::string(item_id) + ": " + state.error().message));
    {
        std::lock_guard lock(impl_->item_cache_mutex);
        if (impl_->item_cache_generation == generation) {
            impl_->item_cache.insert(std::string(item_id), *state);
        }
    }
    return std::optional<ItemState>(std::move(*state));
}

Result<bool> Store::has_event(const EventId& id) const {
    auto value = impl_->db.get(Column::event_positions, store::hash_key(id.hash));
    if (!value) return tl::unexpected(value.error());
    return value->has_value();
}

Result<std::optional<Officer>> Store::officer(const crypto::PublicKey& key) const {
    const OfficerRecord* record = impl_->officers.find(key);
    if (record == nullptr || record->revoked()) return std::optional<Officer>();
    return std::optional<Officer>(record->officer);
}

Result<std::optional<OfficerRecord>> Store::officer_record(const crypto::PublicKey& key) const {
    const OfficerRecord* record = impl_->officers.find(key);
    if (record == nullptr) return std::optional<OfficerRecord>();
    return std::optional<OfficerRecord>(*record);
}

Result<std::uint64_t> Store::admin_keys(std::string_view agency) const {
    return impl_->officers.admin_keys(agency).value_or(0);
}

Result<std::optional<ValidatorProposal>> Store::validator_proposal(const EventId& id) const {
    const ValidatorProposal* proposal = impl_->validators.find(id);
    if (proposal == nullptr) return std::optional<ValidatorProposal>();
    return std::optional<ValidatorProposal>(*proposal);
}

Result<ValidatorEpoch> Store::latest_validators() const {
    CUSTOS_ASSERT(impl_->validators.latest().has_value(),
                  "the store's governance is seeded from its genesis");
    return *impl_->validators.latest();
}

const Genesis& Store::genesis() const {
    return impl_->genesis;
}
const Hash32& Store::genesis_hash() const {
    return impl_->genesis_hash;
}
std::shared_ptr<const ValidatorSet> Store::validators_at(Height height) const {
    if (height.value == 0 || height.value > impl_->height.value + 2) return nullptr;
    auto next = impl_->validator_sets.upper_bound(height.value);
    CUSTOS_ASSERT(next != impl_->validator_sets.begin(), "a validator set is in force from height 1");
    return std::prev(next)->second;
}
Height Store::height() const {
    return impl_->height;
}
std::uint64_t Store::log_size() const {
    return impl_->log_size();
}
const BlockHeader* Store::last_header() const {
    return impl_->last_header ? &*impl_->last_header : nullptr;
}
const crypto::NodeStore& Store::log_nodes() const {
    return impl_->nodes;
}
const crypto::SmtNodeStore& Store::state_nodes() const {
    return impl_->state_nodes;
}
Result<crypto::SmtProof> Store::state_proof(const Hash32& key) const {
    return impl_->state_nodes.prove(key);
}
const GovernanceHead& Store::governance() const {
    return impl_->governance;
}
store::Db& Store::db() {
    return impl_->db;
}
const store::Db& Store::db() const {
    return impl_->db;
}

ApplyContext Store::next_block_context() const {
    return ApplyContext{
        .genesis = impl_->genesis,
        .validators = *validators_at(Height{impl_->height.value + 1}),
        .log_nodes = impl_->nodes,
        .previous = last_header(),
        .state_nodes = &impl_->state_nodes,
        .governance = impl_->governance,
        .test_without_state_map = impl_->test_without_state_map,
    };
}

}  // namespace custos::ledger
