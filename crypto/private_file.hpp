// Files only their owner may read (secret and sealed key files, passphrase files), read into and
// written from guarded memory. Internal to crypto/ (ed25519.cpp, sealed_key.cpp).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

#include "common/result.hpp"

namespace custos::crypto::detail {

// A buffer in libsodium guarded memory (sodium_malloc), wiped and freed when dropped.
class SecretBuffer {
public:
    explicit SecretBuffer(std::size_t capacity);
    SecretBuffer(const SecretBuffer&) = delete;
    SecretBuffer& operator=(const SecretBuffer&) = delete;
    ~SecretBuffer();

    [[nodiscard]] char* data() { return data_; }
    [[nodiscard]] std::size_t capacity() const { return capacity_; }

private:
    char* data_ = nullptr;
    std::size_t capacity_;
};

// Reads the whole file into `out` after checking that it is owned by the user running this and
// that group and others have no access to it; `what` names the file's kind in errors ("key file").
[[nodiscard]] Result<std::size_t> read_private_file(const std::filesystem::path& path, SecretBuffer& out,
                                                    std::string_view what);

// Creates the file with mode 0600 (never over an existing one), writes and fsyncs it; on failure
// nothing is left behind.
[[nodiscard]] Status write_private_file(const std::filesystem::path& path, std::string_view bytes);

}  // namespace custos::crypto::detail
