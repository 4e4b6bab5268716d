// Result<T>: the return type of every operation that can fail for an expected reason
// (bad input, bad peer, I/O). A small closed set of codes plus a human message, like
// RocksDB's Status. No exception crosses a room's boundary.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace custos {

enum class ErrorCode {
    invalid_argument,     // Input is malformed or breaks a limit.
    not_found,            // The thing asked for does not exist.
    already_exists,       // A duplicate (event id, key, signer).
    verification_failed,  // A signature, hash, proof or certificate does not check out.
    rule_violation,       // A custody rule refuses the input.
    permission_denied,    // A key lacks the role or rights.
    io_error,             // The disk or the network failed.
    corruption,           // Stored data contradicts itself.
    resource_exhausted,   // A bounded queue or pool is full.
    unavailable,          // Try again later.
    internal,             // A bug that was caught rather than asserted.
};

[[nodiscard]] constexpr std::string_view error_code_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::invalid_argument:
            return "invalid_argument";
        case ErrorCode::not_found:
            return "not_found";
        case ErrorCode::already_exists:
            return "already_exists";
        case ErrorCode::verification_failed:
            return "verification_failed";
        case ErrorCode::rule_violation:
            return "rule_violation";
        case ErrorCode::permission_denied:
            return "permission_denied";
        case ErrorCode::io_error:
            return "io_error";
        case ErrorCode::corruption:
            return "corruption";
        case ErrorCode::resource_exhausted:
            return "resource_exhausted";
        case ErrorCode::unavailable:
            return "unavailable";
        case ErrorCode::internal:
            return "internal";
    }
    return "unknown";
}

struct Error {
    ErrorCode code = ErrorCode::internal;
    std::string message;

    [[nodiscard]] std::string to_string() const {
        return std::string(error_code_name(code)) + ": " + message;
    }
};

template <typename T>
using Result = tl::expected<T, Error>;

// Status is a Result that carries no value.
using Status = tl::expected<void, Error>;

[[nodiscard]] inline tl::unexpected<Error> make_error(ErrorCode code, std::string message) {
    return tl::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace custos
