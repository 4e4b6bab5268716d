// The durable copy of the consensus core's PersistentState (its locks and the last message it
// signed of each kind): what must be on disk before any message of the same Ready is sent, so
// that a node restarted after `kill -9` never signs two different messages for one slot.
//
// Format: one file `<data_dir>/consensus_state`, replaced atomically on every save:
//   "custos.consensus_state.v1\n" <64 hex SHA-256 of the JSON> "\n" <JSON>
// written to a temporary file, fsync'd, renamed over the old one, and the directory fsync'd.
// A file whose checksum does not match is refused (corruption), never silently ignored: a node
// that lost its signing record must not vote again without an operator looking.
#pragma once

#include <filesystem>
#include <optional>

#include "common/result.hpp"
#include "consensus/core.hpp"

namespace custos::runtime {

inline constexpr std::string_view consensus_state_file_name = "consensus_state";
inline constexpr std::size_t consensus_state_bytes_max = 256 * 1024 * 1024;

[[nodiscard]] std::string encode_persistent_state(const consensus::PersistentState& state);
[[nodiscard]] Result<consensus::PersistentState> decode_persistent_state(std::string_view text);

class SigningStateFile {
public:
    explicit SigningStateFile(std::filesystem::path data_dir) : dir_(std::move(data_dir)) {}
    // Durable when it returns success (data and rename both synced).
    [[nodiscard]] Status save(const consensus::PersistentState& state) const;
    // nullopt when no state was ever saved.
    [[nodiscard]] Result<std::optional<consensus::PersistentState>> load() const;
    [[nodiscard]] std::filesystem::path path() const { return dir_ / consensus_state_file_name; }

private:
    std::filesystem::path dir_;
};

}  // namespace custos::runtime
