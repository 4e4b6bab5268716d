// One process at a time on a directory: a pid file under an exclusive flock() held for the
// process's life. A second process is refused with "already running (pid N)" before it touches
// anything. The kernel drops the lock when the holder ends, kill -9 and power loss included, so
// a stale pid file never blocks. custos-node locks `<data_dir>/custos-node.pid`, `custos-dev localnet
// run` locks `DIR/localnet.pid` (docs/OPERATIONS.md, "When something goes wrong").
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

#include "common/result.hpp"

namespace custos {

class PidLock {
public:
    // Errors: unavailable ("<file>: already running (pid N)") when another process holds it,
    // io_error when the file cannot be made.
    [[nodiscard]] static Result<PidLock> acquire(const std::filesystem::path& file) {
        const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return make_error(ErrorCode::io_error, file.string() + ": " + std::strerror(errno));
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int error = errno;
            std::string holder = read_pid(fd);
            ::close(fd);
            if (error == EWOULDBLOCK) {
                return make_error(ErrorCode::unavailable, file.parent_path().string() +
                                                              " is in use: already running (pid " +
                                                              (holder.empty() ? "unknown" : holder) + ")");
            }
            return make_error(ErrorCode::io_error, "lock " + file.string() + ": " + std::strerror(error));
        }
        const std::string pid = std::to_string(::getpid()) + "\n";
        if (::ftruncate(fd, 0) != 0 ||
            ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
            const int error = errno;
            ::close(fd);
            return make_error(ErrorCode::io_error, "write " + file.string() + ": " + std::strerror(error));
        }
        return PidLock(fd);
    }

    PidLock(PidLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    PidLock& operator=(PidLock&& other) noexcept {
        if (this != &other) {
            release();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    PidLock(const PidLock&) = delete;
    PidLock& operator=(const PidLock&) = delete;
    ~PidLock() { release(); }

private:
    explicit PidLock(int fd) : fd_(fd) {}
    void release() {
        if (fd_ >= 0) ::close(fd_);  // Closing the last descriptor drops the flock.
        fd_ = -1;
    }
    // The holder's pid as written (digits only), or empty.
    static std::string read_pid(int fd) {
        char buffer[32] = {};
        const ssize_t read = ::pread(fd, buffer, sizeof buffer - 1, 0);
        std::string pid;
        for (ssize_t i = 0; i < read && buffer[i] >= '0' && buffer[i] <= '9'; ++i)
            pid += buffer[i];
        return pid;
    }
    int fd_ = -1;
};

}  // namespace custos
