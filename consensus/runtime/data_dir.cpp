#include "consensus/runtime/data_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "crypto/encoding.hpp"

namespace custos::runtime {

namespace {

// Writes `text` to `file` durably: a temporary file, fsync, rename, directory fsync.
Status write_durably(const std::filesystem::path& file, const std::string& text) {
    const auto temporary = file.string() + ".tmp";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return make_error(ErrorCode::io_error, "create " + temporary);
    const bool written =
        ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written || ::rename(temporary.c_str(), file.c_str()) != 0)
        return make_error(ErrorCode::io_error, "write " + file.string());
    const int directory = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory >= 0) {
        (void)::fsync(directory);
        ::close(directory);
    }
    return {};
}

}  // namespace

Status check_data_dir_key(const std::filesystem::path& data_dir, const crypto::PublicKey& key,
                          const std::filesystem::path& key_file) {
    const auto record = data_dir / data_dir_key_file_name;
    const std::string mine = crypto::hex_encode(key.view());
    std::error_code error;
    if (!std::filesystem::exists(record, error)) return write_durably(record, mine + "\n");
    std::ifstream in(record);
    std::stringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) return make_error(ErrorCode::io_error, "read " + record.string());
    std::string recorded = text.str();
    while (!recorded.empty() && (recorded.back() == '\n' || recorded.back() == '\r'))
        recorded.pop_back();
    if (recorded == mine) return {};
    return make_error(ErrorCode::verification_failed,
                      "data_dir " + data_dir.string() + " belongs to validator key " + recorded + " (" +
                          record.string() + "), but validator_key_file " + key_file.string() + " holds key " +
                          mine +
                          ": refusing to start. The signing state in this directory records what the other "
                          "key signed; with this key the node could sign twice. Use the key this data "
                          "directory was made with, or this key's own data directory");
}

}  // namespace custos::runtime
