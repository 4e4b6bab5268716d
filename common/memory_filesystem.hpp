// Whether a directory is on a filesystem held in memory (tmpfs, ramfs): what is written there
// takes RAM (or swap), not disk. custos audit warns when its scratch store would go there
// (tools/cli/audit.cpp), since that store grows with the ledger (about 210 bytes an event).
#pragma once

#include <sys/vfs.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace custos {

// statfs(2) f_type values (linux/magic.h).
inline constexpr std::uint32_t tmpfs_magic = 0x01021994;
inline constexpr std::uint32_t ramfs_magic = 0x858458f6;

// "tmpfs" or "ramfs" when `path` is on one, "" when it is on another filesystem, nullopt when
// statfs fails (the path does not exist, say). One system call.
[[nodiscard]] inline std::optional<std::string_view> memory_filesystem_of(const std::filesystem::path& path) {
    struct statfs info {};
    if (::statfs(path.c_str(), &info) != 0) return std::nullopt;
    // f_type is a signed word; the magic numbers are 32-bit (ramfs's has the top bit set).
    const auto type = static_cast<std::uint32_t>(info.f_type);
    if (type == tmpfs_magic) return std::string_view("tmpfs");
    if (type == ramfs_magic) return std::string_view("ramfs");
    return std::string_view();
}

}  // namespace custos
