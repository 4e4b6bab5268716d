// Strict readers for the JSON objects Custos parses: the ledger's (genesis, events, blocks, item
// states), the consensus messages and the runtime's signing state. Every reader names the field it
// refuses, with the document's prefix ("R1 " for events, "genesis " for the genesis...) so errors
// read "R1 event.item: ...". None throws: a value of the wrong type is a refusal like any other.
// FieldReader and the path helpers are for every room above the ledger; the rest (detail::) is
// internal to ledger/.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/encoding.hpp"
#include "ledger/genesis.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {
struct Digests;
}  // namespace custos::ledger

namespace custos::ledger {

class FieldReader {
public:
    using Json = crypto::Json;

    FieldReader(std::string prefix, ErrorCode code = ErrorCode::invalid_argument)
        : prefix_(std::move(prefix)), code_(code) {}

    [[nodiscard]] tl::unexpected<Error> fail(std::string_view path, std::string_view reason) const;

    // `value` at `path` must be an object whose keys are all in `allowed`.
    [[nodiscard]] Status object(const Json& value, std::string_view path,
                                std::initializer_list<std::string_view> allowed) const;
    [[nodiscard]] Result<const Json*> required(const Json& object, std::string_view key,
                                               std::string_view path) const;
    [[nodiscard]] const Json* optional(const Json& object, std::string_view key) const;

    // `value` at `path` must be an object (any keys).
    [[nodiscard]] Status any_object(const Json& value, std::string_view path) const;
    // Any JSON string of at most bytes_max bytes (the strict parser checked its UTF-8).
    [[nodiscard]] Result<std::string> string(const Json& value, std::string_view path,
                                             std::size_t bytes_max) const;
    // Text: a JSON string of 1..bytes_max bytes, valid UTF-8, no control characters.
    [[nodiscard]] Result<std::string> text(const Json& value, std::string_view path,
                                           std::size_t bytes_max) const;
    // Id: [A-Za-z0-9._:-]{1,bytes_max}.
    [[nodiscard]] Result<std::string> id(const Json& value, std::string_view path,
                                         std::size_t bytes_max = 128) const;
    [[nodiscard]] Result<std::uint64_t> unsigned_integer(const Json& value, std::string_view path,
                                                         std::uint64_t max) const;
    [[nodiscard]] Result<bool> boolean(const Json& value, std::string_view path) const;
    [[nodiscard]] Result<TimeMs> time(const Json& value, std::string_view path) const;
    [[nodiscard]] Result<Hash32> hash(const Json& value, std::string_view path) const;
    [[nodiscard]] Result<crypto::PublicKey> key(const Json& value, std::string_view path) const;
    [[nodiscard]] Result<const Json*> array(const Json& value, std::string_view path,
                                            std::size_t items_max) const;

private:
    std::string prefix_;
    ErrorCode code_;
};

[[nodiscard]] std::string path_join(std::string_view path, std::string_view key);
[[nodiscard]] std::string path_index(std::string_view path, std::size_t index);

}  // namespace custos::ledger

namespace custos::ledger::detail {

using crypto::Json;

// One hex writer for hashes in the whole tree: crypto's.
using crypto::hex;

// Roles: a non-empty JSON array of role names in enum order (custodian, prosecutor, auditor,
// admin), no duplicates. Shared by officer.add events and stored officer records.
[[nodiscard]] Result<std::vector<Role>> roles_from_json(const FieldReader& fields, const Json& json,
                                                        const std::string& path);
[[nodiscard]] Json roles_to_json(const std::vector<Role>& roles);

// A validator entry {"name","agency","key","power","address"} (genesis validators, stored
// validator sets, validator.propose). Power is read as 0..validator_power_max: callers that need
// it positive (genesis, sets) check that; the name must be a valid id and the address text of at
// most address_bytes_max bytes (well-formedness of both is checked with the set they join).
[[nodiscard]] Result<Validator> validator_from_json(const FieldReader& fields, const Json& json,
                                                    const std::string& path);
[[nodiscard]] Json validator_to_json(const Validator& validator);

// Digests {"sha256", "md5"?, "sha1"?}: the SHA-256 as a hash, MD5 and SHA-1 as exactly 32 and 40
// lowercase hex digits. Shared by events (evidence digests, analysis results) and stored item
// states, which hold what the events gave. Defined in events/event.cpp, beside Digests.
[[nodiscard]] Result<Digests> digests_from_json(const FieldReader& reader, const Json& json,
                                                const std::string& path);
[[nodiscard]] Json digests_to_json(const Digests& digests);

// Canonical text of a value the ledger itself built; failure is a bug.
[[nodiscard]] std::string canonical_text(const Json& value);

}  // namespace custos::ledger::detail
