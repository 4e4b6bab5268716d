// Loading the signing state from disk (consensus/runtime/wal.hpp SigningStateFile::load): the
// write-ahead log, the block files it names and the v1 state file it migrates, as a node reads
// them at start after a crash or from a damaged disk. Load either fails with an error or gives a
// state; a state loaded once loads again the same from what load() rewrote.
//
// Input: sections separated by the two bytes 0x01 0x02, each starting with a letter:
//   R<payload>  a log record, framed here with its length and checksum (frame_wal_record);
//   T<bytes>    bytes appended to the log as they are (a torn tail, or damage);
//   W<bytes>    the whole log file as it is (the magic included or not), instead of the above;
//   B<json>     a block file of this block JSON, with its checksum, named by the block's hash;
//   L<json>     a v1 `consensus_state` file (read only when there is no log).
// The checksums are computed here so that the fuzzer reaches the decoders behind them.
#include <unistd.h>

#include <fstream>

#include "consensus/runtime/wal.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "fuzz/fuzz_support.hpp"
#include "ledger/blocks/block.hpp"

using namespace custos;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    FUZZ_CHECK(out.good(), "writing a file of the fuzz directory");
}

// The directory each input is written to (in memory where /dev/shm exists), removed when the
// fuzzer exits normally (not after a crash: its files are then part of what to look at).
struct FuzzDirectory {
    fs::path path;
    FuzzDirectory() {
        const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
        path = base / ("custos-fuzz-signing-state-" + std::to_string(::getpid()));
    }
    ~FuzzDirectory() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    FuzzDirectory(const FuzzDirectory&) = delete;
    FuzzDirectory& operator=(const FuzzDirectory&) = delete;
};

const fs::path& directory() {
    static const FuzzDirectory made;
    return made.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    const fs::path& dir = directory();
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    fs::create_directories(dir / runtime::consensus_blocks_dir_name);

    std::string log;
    std::optional<std::string> whole_log;
    bool has_log = false;
    std::size_t at = 0;
    while (at <= text.size()) {
        const auto end = std::min(text.find("\x01\x02", at), text.size());
        const auto section = text.substr(at, end - at);
        at = end + 2;
        if (section.empty()) continue;
        const auto body = section.substr(1);
        switch (section[0]) {
            case 'R':
                log += runtime::frame_wal_record(body);
                has_log = true;
                break;
            case 'T':
                log += body;
                has_log = true;
                break;
            case 'W':
                whole_log = std::string(body);
                break;
            case 'B':
                if (auto block = ledger::parse_block(body)) {
                    runtime::SigningStateFile paths(dir);
                    write_file(paths.block_path(ledger::block_hash(block->header)),
                               "custos.consensus_block.v1\n" +
                                   crypto::hex_encode(crypto::sha256(body).view()) + "\n" +
                                   std::string(body));
                }
                break;
            case 'L':
                write_file(dir / runtime::consensus_state_file_name, body);
                break;
            default:
                break;
        }
    }
    if (whole_log) {
        write_file(dir / runtime::consensus_wal_file_name, *whole_log);
    } else if (has_log) {
        write_file(dir / runtime::consensus_wal_file_name, std::string(runtime::consensus_wal_magic) + log);
    }

    std::optional<std::string> first;
    {
        runtime::SigningStateFile file(dir);
        auto state = file.load();
        if (!state) return 0;
        if (*state) first = runtime::encode_persistent_state(**state);
    }
    runtime::SigningStateFile again(dir);
    auto state = again.load();
    FUZZ_CHECK(state.has_value(), "a state that loaded once loads again");
    FUZZ_CHECK(state->has_value() == first.has_value(), "the same presence of a state");
    if (first) FUZZ_CHECK(runtime::encode_persistent_state(**state) == *first, "the same state");
    return 0;
}
