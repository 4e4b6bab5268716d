#include "ledger/audit/audit_indexes.hpp"

#include <algorithm>
#include <functional>
#include <limits>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "ledger/events/read_record.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_keys.hpp"

namespace custos::ledger {

using store::Column;

namespace {

// An entry in words, for a mismatch: decodes the key after the index's prefix.
using Describe = std::function<std::string(std::string_view rest, std::string_view value)>;

std::string bytes_hex(std::string_view bytes) {
    return crypto::hex_encode(ByteView(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

// Reads one length-prefixed id (store::append_id) off the front of `rest`.
std::optional<std::string_view> take_id(std::string_view& rest) {
    if (rest.size() < 2) return std::nullopt;
    const std::size_t size = (static_cast<std::size_t>(static_cast<std::uint8_t>(rest[0])) << 8) |
                             static_cast<std::uint8_t>(rest[1]);
    if (rest.size() < 2 + size) return std::nullopt;
    const std::string_view id = rest.substr(2, size);
    rest.remove_prefix(2 + size);
    return id;
}

std::string malformed(std::string_view key) {
    return "an entry that is no key of this index (" + bytes_hex(key) + ")";
}

std::string describe_offer(std::string_view key, std::string_view value) {
    std::string_view rest = key;
    auto recipient = take_id(rest);
    auto item = recipient ? take_id(rest) : std::nullopt;
    if (!item || !rest.empty()) return malformed(key);
    return "a pending offer of item " + std::string(*item) + " to " + std::string(*recipient) + " (offer " +
           (value.size() == 32 ? bytes_hex(value) : "of a malformed id " + bytes_hex(value)) + ")";
}

std::string describe_case(std::string_view key, std::string_view value) {
    std::string_view rest = key;
    auto agency = take_id(rest);
    auto case_id = agency ? take_id(rest) : std::nullopt;
    if (!case_id || !rest.empty() || !value.empty()) return malformed(key);
    return std::string(*agency) + " taking part in case " + std::string(*case_id);
}

std::string describe_digest(std::string_view rest, std::string_view value) {
    if (rest.size() != 32 + 8 || !value.empty()) return malformed(rest);
    return "digest " + bytes_hex(rest.substr(0, 32)) + " at leaf " +
           std::to_string(store::read_be64(rest, 32).value_or(0));
}

std::string describe_signer(std::string_view rest, std::string_view value) {
    if (rest.size() != 32 + 8 || !value.empty()) return malformed(rest);
    return "an event signed by " + bytes_hex(rest.substr(0, 32)) + " at leaf " +
           std::to_string(store::read_be64(rest, 32).value_or(0));
}

std::string describe_time(std::string_view rest, std::string_view value) {
    if (rest.size() != 8 || value.size() != 8) return malformed(rest);
    const auto time = store::read_be64(rest).value_or(0);
    const std::string when = time <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                                 ? format_time(TimeMs{static_cast<std::int64_t>(time)})
                                 : "time " + std::to_string(time);
    return "a block of " + when + " starting at leaf " + std::to_string(store::read_be64(value).value_or(0));
}

// The replay's entries of one index, one at a time in key order: false when there are no more.
using Next = std::function<bool(std::string& key, std::string& value)>;

// The scratch store's entries under `prefix`, in key order. Reading stops at the first error,
// which `status` then holds.
Next from_scratch(store::Cursor& cursor, std::string_view prefix) {
    return [&cursor, prefix](std::string& key, std::string& value) {
        if (!cursor.valid() || !cursor.key().starts_with(prefix)) return false;
        key.assign(cursor.key());
        value.assign(cursor.value());
        cursor.next();
        return true;
    };
}

std::string describe_read(std::string_view key, std::string_view value) {
    std::string_view rest = key;
    auto item = take_id(rest);
    if (!item || rest.size() != 8 || value.size() != 32) return malformed(key);
    return "a read record of item " + std::string(*item) + " at leaf " +
           std::to_string(store::read_be64(rest).value_or(0)) + " (record " + bytes_hex(value) + ")";
}

std::string describe_read_request(std::string_view key, std::string_view value) {
    if (key.size() != 32 || value.size() != 8) return malformed(key);
    return "the signed request " + bytes_hex(key) + " recorded at leaf " +
           std::to_string(store::read_be64(value).value_or(0));
}

// Walks the stored entries under `prefix` beside the replay's, both in key order; the first
// entry one side has and the other has not (or has with another value) is the mismatch.
Result<std::optional<IndexMismatch>> compare(const store::Db& db, std::string_view prefix, const Next& next,
                                             std::string_view index, std::string_view what,
                                             const Describe& describe) {
    std::optional<IndexMismatch> mismatch;
    std::string key_expected;
    std::string value_expected;
    bool more = next(key_expected, value_expected);
    auto words = [&](std::string_view key, std::string_view value) {
        return describe(key.substr(prefix.size()), value);
    };
    auto differ = [&](std::string expected_text, std::string found_text, std::string message) {
        mismatch = IndexMismatch{.index = std::string(index),
                                 .expected = std::move(expected_text),
                                 .found = std::move(found_text),
                                 .message = std::move(message)};
    };
    auto lacks = [&] {
        differ(words(key_expected, value_expected), "nothing",
               "the " + std::string(what) + " index lacks " + words(key_expected, value_expected));
    };
    auto scanned = db.scan(Column::meta, prefix, [&](std::string_view key, std::string_view value) {
        if (more && key_expected == key) {
            if (value_expected != value) {
                differ(words(key, value_expected), words(key, value),
                       "the " + std::string(what) + " index holds another value for " +
                           words(key, value_expected));
                return false;
            }
            more = next(key_expected, value_expected);
            return true;
        }
        if (!more || key < std::string_view(key_expected)) {
            differ(more ? words(key_expected, value_expected) : "nothing", words(key, value),
                   "the " + std::string(what) + " index holds " + words(key, value) +
                       ", which the replay does not give");
        } else {
            lacks();
        }
        return false;
    });
    if (!scanned) return tl::unexpected(scanned.error());
    if (!mismatch && more) lacks();
    return mismatch;
}

}  // namespace

void IndexReplay::add_event(const Event& event, const crypto::PublicKey& signer, TimeMs block_time,
                            const EventId& id, std::uint64_t leaf, store::Batch& batch) {
    // "time/" holds the first leaf of each block with events; the replay meets a block's events
    // one after another, and block times strictly increase (else the replay stopped before).
    if (last_block_time_ != block_time) {
        CUSTOS_ASSERT(block_time.value >= 0, "a replayed block time before 1970");
        batch.put(Column::meta,
                  std::string(store::meta_key::time_prefix) +
                      store::be64(static_cast<std::uint64_t>(block_time.value)),
                  store::be64(leaf));
        last_block_time_ = block_time;
    }
    std::string key(store::meta_key::signer_prefix);
    key.append(reinterpret_cast<const char*>(signer.bytes.data()), signer.bytes.size());
    store::append_be64(key, leaf);
    batch.put(Column::meta, key, {});
    if (event.kind == EventKind::read && event.read && reads_item(event.read->action)) {
        // "read/" str item u64 leaf -> record id.
        key.assign(store::meta_key::read_prefix);
        store::append_id(key, event.read->subject);
        store::append_be64(key, leaf);
        batch.put(Column::meta, key, store::hash_key(id.hash));
    }
    for (const auto& agency : case_participants(event))
        batch.put(Column::meta,
                  store::id_pair_key(store::meta_key::agency_case_prefix, agency, event.case_id), {});
    for (const auto& sha256 : event_digests(event)) {
        key.assign(store::meta_key::digest_prefix);
        key.append(reinterpret_cast<const char*>(sha256.bytes.data()), sha256.bytes.size());
        store::append_be64(key, leaf);
        batch.put(Column::meta, key, {});
    }
}

Result<std::optional<IndexMismatch>> IndexReplay::check(const store::Db& db, const store::Db& scratch,
                                                        const store::Db& index_scratch) {
    struct Index {
        std::string_view prefix;
        std::string_view name;
        std::string_view what;
        Describe describe;
        const store::Db& replayed;  // AuditState's entries are in `scratch`, add_event's apart.
    };
    const Index indexes[] = {
        {store::meta_key::offer_prefix, "index.offer", "inbox (offer/)", describe_offer, scratch},
        {store::meta_key::agency_case_prefix, "index.case", "agency cases (case/)", describe_case,
         index_scratch},
        {store::meta_key::digest_prefix, "index.digest", "evidence digest (digest/)", describe_digest,
         index_scratch},
        {store::meta_key::signer_prefix, "index.signer", "officer search (signer/)", describe_signer,
         index_scratch},
        {store::meta_key::time_prefix, "index.time", "time search (time/)", describe_time, index_scratch},
        {store::meta_key::read_prefix, "index.read", "consultation log (read/)", describe_read,
         index_scratch},
        {store::meta_key::read_request_prefix, "index.read_request", "read requests (read_request/)",
         describe_read_request, scratch},
    };
    for (const Index& index : indexes) {
        auto cursor = index.replayed.cursor(Column::meta);
        cursor.seek(index.prefix);
        auto mismatch = compare(db, index.prefix, from_scratch(cursor, index.prefix), index.name, index.what,
                                index.describe);
        auto status = cursor.status();
        if (!status) return tl::unexpected(status.error());
        if (!mismatch || *mismatch) return mismatch;
    }
    return std::optional<IndexMismatch>();
}

}  // namespace custos::ledger
