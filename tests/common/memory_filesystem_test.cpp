// common/memory_filesystem.hpp against the kernel's own list of mounts (/proc/self/mounts): a
// second source for what statfs(2) says.
#include "common/memory_filesystem.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace {

// The first mount point of filesystem type `type` that statfs can read, or "".
std::string mount_point_of_type(const std::string& type) {
    std::ifstream mounts("/proc/self/mounts");
    std::string line;
    while (std::getline(mounts, line)) {
        std::istringstream fields(line);
        std::string device, point, fstype;
        fields >> device >> point >> fstype;
        // Mount points with a space or other escaped byte (\040) are skipped, not decoded.
        if (fstype != type || point.find('\\') != std::string::npos) continue;
        if (custos::memory_filesystem_of(point).has_value()) return point;
    }
    return {};
}

}  // namespace

TEST_CASE("memory_filesystem_of: a tmpfs mount is tmpfs, /proc is not, a missing path is an error") {
    // Negative control: procfs, mounted on every Linux system this runs on, is not in memory in
    // the sense asked (it holds no files one writes).
    auto proc = custos::memory_filesystem_of("/proc");
    REQUIRE(proc.has_value());
    CHECK(proc->empty());
    CHECK_FALSE(custos::memory_filesystem_of("/no/such/directory/for/custos").has_value());

    const std::string tmpfs = mount_point_of_type("tmpfs");
    if (tmpfs.empty()) {
        MESSAGE("no tmpfs mounted here: the positive case is skipped");
        return;
    }
    CAPTURE(tmpfs);
    CHECK(custos::memory_filesystem_of(tmpfs) == std::optional<std::string_view>("tmpfs"));
    const std::string ramfs = mount_point_of_type("ramfs");
    if (!ramfs.empty())
        CHECK(custos::memory_filesystem_of(ramfs) == std::optional<std::string_view>("ramfs"));
}
