// TEST ONLY: an LD_PRELOAD library for the storage-fault tests (tests/node/faults_test.cpp).
// While the file named by the environment variable CUSTOS_EIO_TRIGGER exists, fsync() and
// fdatasync() fail with EIO without syncing, as a failing disk's do; otherwise they are the C
// library's. Every durable write of custos-node (RocksDB's write-ahead log and table files, the
// signing state) goes through one of the two.
#include <dlfcn.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>

namespace {

bool failing() {
    const char* trigger = std::getenv("CUSTOS_EIO_TRIGGER");
    struct stat info {};
    return trigger != nullptr && ::stat(trigger, &info) == 0;
}

template <typename Function>
Function next_symbol(const char* name) {
    return reinterpret_cast<Function>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

int fsync(int fd) {
    static const auto real = next_symbol<int (*)(int)>("fsync");
    if (failing()) {
        errno = EIO;
        return -1;
    }
    return real(fd);
}

int fdatasync(int fd) {
    static const auto real = next_symbol<int (*)(int)>("fdatasync");
    if (failing()) {
        errno = EIO;
        return -1;
    }
    return real(fd);
}

}  // extern "C"
