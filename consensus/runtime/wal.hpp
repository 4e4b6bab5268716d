// The durable copy of the consensus core's PersistentState (its locks and the last message it
// signed of each kind): what must be on disk before any message of the same Ready is sent, so
// that a node restarted after `kill -9` never signs two different messages for one slot.
//
// Two parts, so that the step-by-step write stays small however large blocks are:
//
//   <data_dir>/consensus_blocks/<64 hex block hash>.block   one file per block the state refers to
//       "custos.consensus_block.v1\n" <64 hex SHA-256 of the JSON> "\n" <block JSON>
//     The locked block, the valid block and the block of the last signed proposal. Each is
//     written once, when the state first refers to it (temporary file, fsync, rename, directory
//     fsync), before the record that refers to it. Files no record refers to any more are deleted
//     after a later record at a higher height is durable.
//
//   <data_dir>/consensus_wal   an append-only log of small records
//       "custos.consensus_wal.v1\n" then records: u32 big-endian length || SHA-256 of the
//       payload (32 bytes) || payload (JSON: height, round, locked/valid round and block HASH,
//       the valid value's prevotes, and the last proposal (block by hash), prevote, precommit)
//     save() appends one record and fdatasyncs it (one small write and one sync per step). The
//     latest record is the state. load() rewrites the log to hold only that record (temporary
//     file, fsync, rename), and save() does the same when the log passes wal_bytes_max.
//
// Recovery rules (load):
//   - a record cut short at the end of the log (shorter than its length says), or an all-zero
//     tail, is a write that was in progress when the process died: its fdatasync never
//     returned, so no message of its Ready left the node; it is dropped and the record before
//     it is the state (logged as event=signing_state_torn_tail);
//   - a complete record whose checksum does not match, a record that does not decode, a bad
//     magic, or a block file that is missing or whose checksum, hash or events do not match is
//     corruption: load() fails and the node refuses to start. A node that lost its signing record
//     must not vote again without an operator looking.
//   - a `consensus_state` file of the previous format (v1, the whole state in one file) is read
//     once, written in this format, and removed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>

#include "common/result.hpp"
#include "consensus/core.hpp"

namespace custos::runtime {

inline constexpr std::string_view consensus_wal_file_name = "consensus_wal";
inline constexpr std::string_view consensus_blocks_dir_name = "consensus_blocks";
inline constexpr std::string_view consensus_wal_magic = "custos.consensus_wal.v1\n";
// Records are small (no blocks); anything larger is corruption.
inline constexpr std::size_t consensus_wal_record_bytes_max = 4 * 1024 * 1024;
// The log is compacted to its latest record when it grows past this.
inline constexpr std::size_t wal_bytes_max = 4 * 1024 * 1024;
// v1 (one whole-state file); read only to migrate.
inline constexpr std::string_view consensus_state_file_name = "consensus_state";
inline constexpr std::size_t consensus_state_bytes_max = 256 * 1024 * 1024;

// v1 text (migration and tests).
[[nodiscard]] std::string encode_persistent_state(const consensus::PersistentState& state);
[[nodiscard]] Result<consensus::PersistentState> decode_persistent_state(std::string_view text);
// Reads a v1 `consensus_state` file; nullopt when there is none.
[[nodiscard]] Result<std::optional<consensus::PersistentState>> load_legacy_state(
    const std::filesystem::path& file);

// One framed record of the log (length, checksum, payload), for tests and tools.
[[nodiscard]] std::string frame_wal_record(std::string_view payload);

struct SigningStateStats {
    std::uint64_t saves = 0;
    std::uint64_t record_bytes = 0;  // Bytes appended to the log in total.
    std::uint64_t blocks_written = 0;
    std::uint64_t block_bytes = 0;
    std::uint64_t compactions = 0;
    bool torn_tail_dropped = false;  // The last load() dropped a torn final record.
};

class SigningStateFile {
public:
    explicit SigningStateFile(std::filesystem::path data_dir) : dir_(std::move(data_dir)) {}
    ~SigningStateFile();
    SigningStateFile(const SigningStateFile&) = delete;
    SigningStateFile& operator=(const SigningStateFile&) = delete;

    // Call load() first (it opens the log). Durable when it returns success.
    [[nodiscard]] Status save(const consensus::PersistentState& state);
    // nullopt when no state was ever saved. Compacts the log and removes unreferenced blocks.
    [[nodiscard]] Result<std::optional<consensus::PersistentState>> load();

    [[nodiscard]] std::filesystem::path path() const { return dir_ / consensus_wal_file_name; }
    [[nodiscard]] std::filesystem::path blocks_dir() const { return dir_ / consensus_blocks_dir_name; }
    [[nodiscard]] std::filesystem::path block_path(const ledger::BlockHash& id) const;
    [[nodiscard]] const SigningStateStats& stats() const { return stats_; }

    // Where a block file's text may come from without serializing the block again: the source
    // returns canonical_block() of the block (whose hash is the id), or nullopt (then it is
    // serialized here).
    using BlockTextSource =
        std::function<std::optional<std::string>(const ledger::Block&, const ledger::BlockHash&)>;
    void set_block_text_source(BlockTextSource source) { block_text_source_ = std::move(source); }

private:
    // load()'s steps: the block files present (a temporary one removed), the log's last record
    // with the blocks it names, and (after a migration from the v1 file) the blocks not on disk.
    [[nodiscard]] Status index_block_files();
    [[nodiscard]] Result<std::optional<consensus::PersistentState>> read_log();
    [[nodiscard]] Status write_missing_blocks(const consensus::PersistentState& state);
    [[nodiscard]] Status write_block(const ledger::Block& block, const ledger::BlockHash& id);
    [[nodiscard]] Status rewrite_log(std::string_view record);
    [[nodiscard]] Status open_for_append();
    void remove_unreferenced(const std::set<ledger::BlockHash>& keep);
    void close_log();

    std::filesystem::path dir_;
    int fd_ = -1;
    std::uint64_t log_bytes_ = 0;
    std::uint64_t record_height_ = 0;
    std::set<ledger::BlockHash> on_disk_;  // Block files known to be durable.
    SigningStateStats stats_;
    BlockTextSource block_text_source_;
    bool loaded_ = false;
};

}  // namespace custos::runtime
