// The signing-state log and its block files (wal.hpp).
#include "consensus/runtime/wal.hpp"

#include "consensus/runtime/state_fields.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <tuple>

#include "common/assert.hpp"
#include "consensus/runtime/log.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/blocks/block.hpp"

namespace custos::runtime {
namespace {

using crypto::Json;
constexpr std::string_view block_magic = "custos.consensus_block.v1\n";
constexpr std::size_t length_bytes = 4;
constexpr std::size_t checksum_bytes = 32;
constexpr std::size_t record_header_bytes = length_bytes + checksum_bytes;
constexpr std::size_t hash_hex_chars = 64;

Status io_failure(std::string_view what, const std::filesystem::path& path) {
    return make_error(ErrorCode::io_error,
                      std::string(what) + " " + path.string() + ": " + std::strerror(errno));
}

Status write_all(int fd, std::string_view data, const std::filesystem::path& path) {
    std::size_t done = 0;
    while (done < data.size()) {
        auto wrote = ::write(fd, data.data() + done, data.size() - done);
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote <= 0) return io_failure("write", path);
        done += static_cast<std::size_t>(wrote);
    }
    return {};
}

Status sync_directory(const std::filesystem::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_failure("open", dir);
    Status synced;
    if (::fsync(fd) != 0) synced = io_failure("fsync", dir);
    ::close(fd);
    return synced;
}

// Temporary file, fsync, rename over `path`, fsync of the directory: all or nothing.
Status replace_file_synced(const std::filesystem::path& path, std::string_view data) {
    auto temporary = path;
    temporary += ".tmp";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return io_failure("open", temporary);
    auto written = write_all(fd, data, temporary);
    if (written && ::fsync(fd) != 0) written = io_failure("fsync", temporary);
    ::close(fd);
    if (!written) return written;
    if (::rename(temporary.c_str(), path.c_str()) != 0) return io_failure("rename", temporary);
    return sync_directory(path.parent_path());
}

Result<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::io_error, "cannot read " + path.string());
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

using crypto::hex;

// A signed proposal with its block named by hash (the block is in its own file).
struct ProposalRef {
    consensus::Height height;
    consensus::Round round;
    std::optional<consensus::Round> pol_round;
    ledger::BlockHash block;
    std::string validator;
    crypto::Signature signature;
};

// A decoded record: the state without its blocks, and the hashes of the blocks it needs.
struct Record {
    consensus::PersistentState state;
    std::optional<ledger::BlockHash> locked_block;
    std::optional<ledger::BlockHash> valid_block;
    std::optional<ProposalRef> proposal;
};

std::set<ledger::BlockHash> referenced_blocks(const consensus::PersistentState& state) {
    std::set<ledger::BlockHash> ids;
    if (state.locked_block) ids.insert(ledger::block_hash(state.locked_block->header));
    if (state.valid_block) ids.insert(ledger::block_hash(state.valid_block->header));
    if (state.last_proposal) ids.insert(std::get<consensus::Proposal>(state.last_proposal->body).block_id);
    return ids;
}

std::string encode_record(const consensus::PersistentState& state) {
    Json proof = Json::array();
    for (const auto& message : state.valid_proof)
        proof.push_back(consensus::encode(message));
    auto block_ref = [](const std::optional<ledger::Block>& block) {
        return block ? Json(hex(ledger::block_hash(block->header).hash)) : Json(nullptr);
    };
    Json proposal = nullptr;
    if (state.last_proposal) {
        const auto& body = std::get<consensus::Proposal>(state.last_proposal->body);
        proposal = Json{{"height", body.height.value},
                        {"round", body.round.value},
                        {"pol_round", round_or_null(body.pol_round)},
                        {"block", hex(body.block_id.hash)},
                        {"validator", state.last_proposal->validator},
                        {"sig", crypto::base64_encode(state.last_proposal->signature.view())}};
    }
    Json json = {{"height", state.height.value},
                 {"round", state.round.value},
                 {"locked_round", round_or_null(state.locked_round)},
                 {"locked_block", block_ref(state.locked_block)},
                 {"valid_round", round_or_null(state.valid_round)},
                 {"valid_block", block_ref(state.valid_block)},
                 {"valid_proof", proof},
                 {"last_proposal", proposal},
                 {"last_prevote", message_or_null(state.last_prevote)},
                 {"last_precommit", message_or_null(state.last_precommit)}};
    return json.dump();
}

tl::unexpected<Error> corrupt(std::string_view what) {
    return make_error(ErrorCode::corruption, "signing state: " + std::string(what));
}

const StateFields record_fields{"signing state: a log record's "};
const StateFields proposal_fields{"signing state: a log record's last_proposal."};

Result<std::optional<ledger::BlockHash>> read_block_hash(const Json& json, std::string_view key) {
    return record_fields.optional_hash(json, key).map([](const std::optional<Hash32>& hash) {
        return hash ? std::optional<ledger::BlockHash>{ledger::BlockHash{*hash}} : std::nullopt;
    });
}

Result<ProposalRef> read_proposal(const Json& json) {
    const auto& fields = proposal_fields;
    auto height = fields.whole(json, "height");
    if (!height) return tl::unexpected(height.error());
    auto round = fields.round(json, "round");
    if (!round) return tl::unexpected(round.error());
    auto pol_round = fields.optional_round(json, "pol_round");
    if (!pol_round) return tl::unexpected(pol_round.error());
    auto block = fields.hash(json, "block");
    if (!block) return tl::unexpected(block.error());
    auto validator = fields.member(json, "validator").and_then([&](const Json* value) {
        return fields.string(*value, "validator");
    });
    if (!validator) return tl::unexpected(validator.error());
    auto sig =
        fields.member(json, "sig").and_then([&](const Json* value) { return fields.string(*value, "sig"); });
    if (!sig) return tl::unexpected(sig.error());
    auto bytes = crypto::base64_decode(*sig);
    if (!bytes) return fields.fail("sig", "is not base64");
    auto signature = crypto::signature_from_bytes(*bytes);
    if (!signature) return fields.fail("sig", "is not an Ed25519 signature");
    return ProposalRef{ledger::Height{*height}, *round,    *pol_round, ledger::BlockHash{*block},
                       std::move(*validator),   *signature};
}

Result<Record> decode_record(std::string_view payload) {
    auto parsed = crypto::parse_json(payload, {.bytes_max = consensus_wal_record_bytes_max});
    if (!parsed || !parsed->is_object()) return corrupt("a log record is not a JSON object");
    const Json& json = *parsed;
    const auto& fields = record_fields;
    Record record;
    auto& state = record.state;
    if (auto head = fields.head(json, state); !head) return tl::unexpected(head.error());
    auto locked_block = read_block_hash(json, "locked_block");
    if (!locked_block) return tl::unexpected(locked_block.error());
    record.locked_block = *locked_block;
    auto valid_block = read_block_hash(json, "valid_block");
    if (!valid_block) return tl::unexpected(valid_block.error());
    record.valid_block = *valid_block;
    auto proof = fields.array(json, "valid_proof");
    if (!proof) return tl::unexpected(proof.error());
    for (std::size_t index = 0; index < (*proof)->size(); ++index) {
        auto message = fields.optional_message((**proof)[index], ledger::path_index("valid_proof", index),
                                               StateFields::Kind::any_vote);
        if (!message) return tl::unexpected(message.error());
        if (!*message) return corrupt("a null vote in valid_proof");
        state.valid_proof.push_back(std::move(**message));
    }
    auto proposal = fields.member(json, "last_proposal");
    if (!proposal) return tl::unexpected(proposal.error());
    if (!(*proposal)->is_null()) {
        auto ref = read_proposal(**proposal);
        if (!ref) return tl::unexpected(ref.error());
        record.proposal = std::move(*ref);
    }
    using Kind = StateFields::Kind;
    for (auto [key, target, kind] : {std::tuple{"last_prevote", &state.last_prevote, Kind::prevote},
                                     std::tuple{"last_precommit", &state.last_precommit, Kind::precommit}}) {
        auto message = fields.member(json, key).and_then([&, key = key, kind = kind](const Json* value) {
            return fields.optional_message(*value, key, kind);
        });
        if (!message) return tl::unexpected(message.error());
        *target = std::move(*message);
    }
    return record;
}

bool all_zero(std::string_view bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

std::uint32_t read_length(std::string_view bytes) {
    std::uint32_t length = 0;
    for (std::size_t index = 0; index < length_bytes; ++index)
        length = (length << 8) | static_cast<std::uint8_t>(bytes[index]);
    return length;
}

// The payload of the last whole record (nullopt when there is none) and whether a torn record
// followed it. Fails on anything a torn write cannot explain.
struct ScannedLog {
    std::optional<std::string> last;
    bool torn = false;
};

Result<ScannedLog> scan_log(std::string_view text, const std::filesystem::path& path) {
    if (text.substr(0, consensus_wal_magic.size()) != consensus_wal_magic) {
        return corrupt(path.string() + " is not a consensus log (bad magic)");
    }
    ScannedLog scanned;
    std::size_t offset = consensus_wal_magic.size();
    while (offset < text.size()) {
        const auto rest = text.substr(offset);
        if (all_zero(rest) || rest.size() < record_header_bytes) {
            scanned.torn = true;
            break;
        }
        const std::size_t length = read_length(rest);
        if (length > consensus_wal_record_bytes_max) {
            return corrupt(path.string() + ": record at offset " + std::to_string(offset) + " announces " +
                           std::to_string(length) + " bytes");
        }
        if (rest.size() < record_header_bytes + length) {
            scanned.torn = true;
            break;
        }
        const auto payload = rest.substr(record_header_bytes, length);
        const auto checksum = crypto::sha256(payload);
        if (std::memcmp(checksum.bytes.data(), rest.data() + length_bytes, checksum_bytes) != 0) {
            return corrupt(path.string() + ": record at offset " + std::to_string(offset) +
                           " fails its checksum");
        }
        scanned.last = std::string(payload);
        offset += record_header_bytes + length;
    }
    return scanned;
}

std::string block_file_text(std::string body) {
    std::string text(block_magic);
    text += hex(crypto::sha256(body));
    text += '\n';
    text += body;
    return text;
}

Result<ledger::Block> read_block_file(const std::filesystem::path& path, const ledger::BlockHash& id) {
    std::error_code error;
    if (!std::filesystem::exists(path, error)) return corrupt(path.string() + " is missing");
    auto text = read_file(path);
    if (!text) return tl::unexpected(text.error());
    const std::size_t header = block_magic.size() + hash_hex_chars + 1;
    if (text->size() < header || text->compare(0, block_magic.size(), block_magic) != 0 ||
        (*text)[header - 1] != '\n') {
        return corrupt(path.string() + " is not a consensus block file");
    }
    std::string_view body = std::string_view(*text).substr(header);
    if (hex(crypto::sha256(body)) != text->substr(block_magic.size(), hash_hex_chars)) {
        return corrupt(path.string() + ": checksum mismatch");
    }
    auto parsed = crypto::parse_json(body, {.bytes_max = ledger::block_json_bytes_max});
    if (!parsed) return corrupt(path.string() + ": " + parsed.error().message);
    auto block = ledger::block_from_json(*parsed);
    if (!block) return corrupt(path.string() + ": " + block.error().message);
    if (ledger::block_hash(block->header) != id ||
        ledger::events_hash(block->events) != block->header.events_hash) {
        return corrupt(path.string() + ": the block does not match its hash");
    }
    return std::move(*block);
}

}  // namespace

std::string frame_wal_record(std::string_view payload) {
    CUSTOS_ASSERT(payload.size() <= consensus_wal_record_bytes_max, "signing-state records are small");
    std::string out;
    out.reserve(record_header_bytes + payload.size());
    const auto length = static_cast<std::uint32_t>(payload.size());
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((length >> shift) & 0xff));
    const auto checksum = crypto::sha256(payload);
    out.append(reinterpret_cast<const char*>(checksum.bytes.data()), checksum_bytes);
    out.append(payload);
    return out;
}

SigningStateFile::~SigningStateFile() {
    close_log();
}

void SigningStateFile::close_log() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

std::filesystem::path SigningStateFile::block_path(const ledger::BlockHash& id) const {
    return blocks_dir() / (hex(id.hash) + ".block");
}

Status SigningStateFile::write_block(const ledger::Block& block, const ledger::BlockHash& id) {
    std::optional<std::string> body = block_text_source_ ? block_text_source_(block, id) : std::nullopt;
    auto text = block_file_text(body ? std::move(*body) : ledger::canonical_block(block));
    if (auto written = replace_file_synced(block_path(id), text); !written) return written;
    on_disk_.insert(id);
    ++stats_.blocks_written;
    stats_.block_bytes += text.size();
    return {};
}

Status SigningStateFile::open_for_append() {
    close_log();
    fd_ = ::open(path().c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) return io_failure("open", path());
    return {};
}

Status SigningStateFile::rewrite_log(std::string_view record) {
    std::string text(consensus_wal_magic);
    text += record;
    if (auto written = replace_file_synced(path(), text); !written) return written;
    log_bytes_ = text.size();
    ++stats_.compactions;
    return open_for_append();
}

void SigningStateFile::remove_unreferenced(const std::set<ledger::BlockHash>& keep) {
    // A deletion lost in a crash only leaves a stray file, removed at the next start.
    for (auto it = on_disk_.begin(); it != on_disk_.end();) {
        if (keep.contains(*it)) {
            ++it;
            continue;
        }
        std::error_code error;
        std::filesystem::remove(block_path(*it), error);
        it = on_disk_.erase(it);
    }
}

Status SigningStateFile::save(const consensus::PersistentState& state) {
    CUSTOS_ASSERT(loaded_ && fd_ >= 0, "load() opens the signing-state log before any save()");
    // Blocks first: a record is only ever written after the blocks it names are durable.
    auto write_if_new = [this](const ledger::Block& block, const ledger::BlockHash& id) -> Status {
        return on_disk_.contains(id) ? Status{} : write_block(block, id);
    };
    std::set<ledger::BlockHash> keep;
    if (state.locked_block) {
        const auto id = ledger::block_hash(state.locked_block->header);
        keep.insert(id);
        if (auto ok = write_if_new(*state.locked_block, id); !ok) return ok;
    }
    if (state.valid_block) {
        const auto id = ledger::block_hash(state.valid_block->header);
        keep.insert(id);
        if (auto ok = write_if_new(*state.valid_block, id); !ok) return ok;
    }
    if (state.last_proposal) {
        const auto& proposal = std::get<consensus::Proposal>(state.last_proposal->body);
        keep.insert(proposal.block_id);
        if (auto ok = write_if_new(proposal.block, proposal.block_id); !ok) return ok;
    }
    const auto record = frame_wal_record(encode_record(state));
    if (log_bytes_ + record.size() > wal_bytes_max) {
        if (auto rewritten = rewrite_log(record); !rewritten) return rewritten;
    } else {
        if (auto written = write_all(fd_, record, path()); !written) return written;
        if (::fdatasync(fd_) != 0) return io_failure("fdatasync", path());
        log_bytes_ += record.size();
    }
    ++stats_.saves;
    stats_.record_bytes += record.size();
    if (state.height.value > record_height_) {
        record_height_ = state.height.value;
        remove_unreferenced(keep);
    }
    return {};
}

Result<std::optional<consensus::PersistentState>> SigningStateFile::load() {
    if (auto indexed = index_block_files(); !indexed) return tl::unexpected(indexed.error());
    std::optional<consensus::PersistentState> state;
    bool migrated = false;
    std::error_code error;
    if (std::filesystem::exists(path(), error)) {
        auto read = read_log();
        if (!read) return read;
        state = std::move(*read);
    } else {
        auto legacy = load_legacy_state(dir_ / consensus_state_file_name);
        if (!legacy) return tl::unexpected(legacy.error());
        state = std::move(*legacy);
        migrated = state.has_value();
    }

    // Start a fresh log holding only the current record (this also drops a torn tail).
    const auto keep = state ? referenced_blocks(*state) : std::set<ledger::BlockHash>{};
    if (migrated) {
        if (auto written = write_missing_blocks(*state); !written) return tl::unexpected(written.error());
    }
    if (auto rewritten = rewrite_log(state ? frame_wal_record(encode_record(*state)) : std::string());
        !rewritten)
        return tl::unexpected(rewritten.error());
    stats_.compactions = 0;
    if (migrated) {
        std::filesystem::remove(dir_ / consensus_state_file_name, error);
        log_line(LogLevel::info, "signing_state_migrated").field("file", path().string());
    }
    remove_unreferenced(keep);
    record_height_ = state ? state->height.value : 0;
    loaded_ = true;
    return state;
}

Status SigningStateFile::index_block_files() {
    std::error_code error;
    std::filesystem::create_directories(blocks_dir(), error);
    if (error)
        return make_error(ErrorCode::io_error, "create " + blocks_dir().string() + ": " + error.message());
    if (auto synced = sync_directory(dir_); !synced) return synced;
    // Every block file present is a candidate for removal unless the state names it.
    for (const auto& entry : std::filesystem::directory_iterator(blocks_dir(), error)) {
        const auto name = entry.path().filename().string();
        if (name.size() == hash_hex_chars + 6 && name.ends_with(".block")) {
            if (auto hash = crypto::hash_from_hex(name.substr(0, hash_hex_chars))) {
                on_disk_.insert(ledger::BlockHash{*hash});
                continue;
            }
        }
        std::filesystem::remove(entry.path(), error);  // A temporary file from an interrupted write.
    }
    return {};
}

Result<std::optional<consensus::PersistentState>> SigningStateFile::read_log() {
    auto text = read_file(path());
    if (!text) return tl::unexpected(text.error());
    auto scanned = scan_log(*text, path());
    if (!scanned) return tl::unexpected(scanned.error());
    if (scanned->torn) {
        stats_.torn_tail_dropped = true;
        log_line(LogLevel::warn, "signing_state_torn_tail").field("file", path().string());
    }
    if (!scanned->last) return std::optional<consensus::PersistentState>();
    auto record = decode_record(*scanned->last);
    if (!record) return tl::unexpected(record.error());
    // The blocks the record names by hash, from their files.
    auto block_of = [this](const ledger::BlockHash& id) { return read_block_file(block_path(id), id); };
    if (record->locked_block) {
        auto block = block_of(*record->locked_block);
        if (!block) return tl::unexpected(block.error());
        record->state.locked_block = std::move(*block);
    }
    if (record->valid_block) {
        auto block = block_of(*record->valid_block);
        if (!block) return tl::unexpected(block.error());
        record->state.valid_block = std::move(*block);
    }
    if (record->proposal) {
        auto block = block_of(record->proposal->block);
        if (!block) return tl::unexpected(block.error());
        auto& ref = *record->proposal;
        record->state.last_proposal = consensus::SignedMessage{
            consensus::Proposal{ref.height, ref.round, ref.pol_round, std::move(*block), ref.block},
            ref.validator, ref.signature};
    }
    return std::optional<consensus::PersistentState>(std::move(record->state));
}

Status SigningStateFile::write_missing_blocks(const consensus::PersistentState& state) {
    for (const auto* block : {&state.locked_block, &state.valid_block}) {
        if (*block && !on_disk_.contains(ledger::block_hash((*block)->header))) {
            if (auto ok = write_block(**block, ledger::block_hash((*block)->header)); !ok) return ok;
        }
    }
    if (state.last_proposal) {
        const auto& proposal = std::get<consensus::Proposal>(state.last_proposal->body);
        if (!on_disk_.contains(proposal.block_id)) {
            if (auto ok = write_block(proposal.block, proposal.block_id); !ok) return ok;
        }
    }
    return {};
}

}  // namespace custos::runtime
