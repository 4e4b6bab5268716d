// The data directory's record of the validator key it belongs to (docs/OPERATIONS.md 6, "A
// wrong key"). The signing state in a data directory records what ONE key signed: a node started
// on it with another key (two nodes' configs swapped, a key file replaced) would vote without
// its own record of what it signed, and could sign twice. `<data_dir>/validator_key` holds the
// public key (hex) the directory was first used with, written on first start; a start with
// another key is refused, naming both.
#pragma once

#include <filesystem>
#include <string_view>

#include "common/result.hpp"
#include "crypto/ed25519.hpp"

namespace custos::runtime {

inline constexpr std::string_view data_dir_pid_file_name = "custos-node.pid";
inline constexpr std::string_view data_dir_key_file_name = "validator_key";

// verification_failed when the directory belongs to another key; io_error when the record
// cannot be read or written. `key_file` is only named in the message.
[[nodiscard]] Status check_data_dir_key(const std::filesystem::path& data_dir, const crypto::PublicKey& key,
                                        const std::filesystem::path& key_file);

}  // namespace custos::runtime
