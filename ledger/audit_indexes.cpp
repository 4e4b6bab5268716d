#include "ledger/audit_indexes.hpp"

#include <algorithm>
#include <functional>
#include <limits>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "ledger/read_record.hpp"
#include "ledger/store.hpp"
#include "ledger/store_keys.hpp"

namespace custos::ledger {

using store::Column;

namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;  // Key, value; sorted by key.
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

Next from_entries(const Entries& entries) {
    return [&entries, at = std::size_t{0}](std::string& key, std::string& value) mutable {
        if (at == entries.size()) return false;
        key = entries[at].first;
        value = entries[at].second;
        ++at;
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

// Keys `prefix` + 32 bytes + u64 leaf, from a map of each 32-byte value to its leaves in log
// order (so in key order: the map is ordered by the bytes, the leaves ascend).
template <class Map>
Next from_leaf_lists(std::string_view prefix, const Map& lists) {
    return [prefix, &lists, list = lists.begin(), at = std::size_t{0}](std::string& key,
                                                                       std::string& value) mutable {
        while (list != lists.end() && at == list->second.size()) {
            ++list;
            at = 0;
        }
        if (list == lists.end()) return false;
        key.assign(prefix);
        key.append(reinterpret_cast<const char*>(list->first.bytes.data()), list->first.bytes.size());
        store::append_be64(key, list->second[at++]);
        value.clear();
        return true;
    };
}

}  // namespace

void IndexReplay::add_event(const Event& event, const crypto::PublicKey& signer, TimeMs block_time,
                            const EventId& id, std::uint64_t leaf) {
    // "time/" holds the first leaf of each block with events; the replay meets a block's events
    // one after another, and block times strictly increase (else the replay stopped before).
    if (block_times_.empty() || block_times_.back().first != block_time)
        block_times_.emplace_back(block_time, leaf);
    signers_[signer].push_back(leaf);
    if (event.kind == EventKind::read && event.read) {
        if (reads_item(event.read->action)) item_reads_[event.read->subject].emplace_back(leaf, id);
        read_requests_.insert_or_assign(read_request_hash(*event.read), leaf);
    }
    for (const auto& agency : case_participants(event))
        cases_.insert(store::id_pair_key(store::meta_key::agency_case_prefix, agency, event.case_id));
    for (const auto& sha256 : event_digests(event))
        digests_[sha256].push_back(leaf);
}

Result<std::optional<IndexMismatch>> IndexReplay::check(const store::Db& db, const AuditState& state) const {
    Entries offers;
    state.for_each_item([&](const ItemState& item) {
        if (!item.pending_offer) return;
        offers.emplace_back(
            store::id_pair_key(store::meta_key::offer_prefix, item.pending_offer->recipient, item.item),
            store::hash_key(item.pending_offer->offer.hash));
    });
    std::sort(offers.begin(), offers.end());
    auto offer = compare(db, store::meta_key::offer_prefix, from_entries(offers), "index.offer",
                         "inbox (offer/)", describe_offer);
    if (!offer || *offer) return offer;

    Entries cases;
    cases.reserve(cases_.size());
    for (const auto& key : cases_)
        cases.emplace_back(key, std::string());
    auto in_case = compare(db, store::meta_key::agency_case_prefix, from_entries(cases), "index.case",
                           "agency cases (case/)", describe_case);
    if (!in_case || *in_case) return in_case;

    auto digest =
        compare(db, store::meta_key::digest_prefix, from_leaf_lists(store::meta_key::digest_prefix, digests_),
                "index.digest", "evidence digest (digest/)", describe_digest);
    if (!digest || *digest) return digest;

    auto signer =
        compare(db, store::meta_key::signer_prefix, from_leaf_lists(store::meta_key::signer_prefix, signers_),
                "index.signer", "officer search (signer/)", describe_signer);
    if (!signer || *signer) return signer;

    // "time/" u64 block time -> u64 first leaf, in time order (the big-endian keys sort the same).
    auto time = [list = block_times_.begin(), this](std::string& key, std::string& value) mutable {
        if (list == block_times_.end()) return false;
        CUSTOS_ASSERT(list->first.value >= 0, "a replayed block time before 1970");
        key = std::string(store::meta_key::time_prefix) +
              store::be64(static_cast<std::uint64_t>(list->first.value));
        value = store::be64(list->second);
        ++list;
        return true;
    };
    auto in_time =
        compare(db, store::meta_key::time_prefix, time, "index.time", "time search (time/)", describe_time);
    if (!in_time || *in_time) return in_time;

    // "read/" str item u64 leaf -> record id, sorted as the store orders the bytes (the
    // length-prefixed item ids do not sort as the ids themselves).
    Entries reads;
    for (const auto& [item, records] : item_reads_) {
        for (const auto& [leaf, id] : records) {
            std::string key(store::meta_key::read_prefix);
            store::append_id(key, item);
            store::append_be64(key, leaf);
            reads.emplace_back(std::move(key), store::hash_key(id.hash));
        }
    }
    std::sort(reads.begin(), reads.end());
    auto read = compare(db, store::meta_key::read_prefix, from_entries(reads), "index.read",
                        "consultation log (read/)", describe_read);
    if (!read || *read) return read;

    // "read_request/" request hash -> the record's leaf, in the map's (byte) order.
    auto request = [list = read_requests_.begin(), this](std::string& key, std::string& value) mutable {
        if (list == read_requests_.end()) return false;
        key = std::string(store::meta_key::read_request_prefix) + store::hash_key(list->first);
        value = store::be64(list->second);
        ++list;
        return true;
    };
    return compare(db, store::meta_key::read_request_prefix, request, "index.read_request",
                   "read requests (read_request/)", describe_read_request);
}

}  // namespace custos::ledger
