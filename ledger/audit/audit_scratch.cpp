#include "ledger/audit/audit_scratch.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <system_error>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"

namespace custos::ledger {

Result<std::unique_ptr<AuditScratch>> AuditScratch::create(const std::filesystem::path& parent) {
    std::error_code error;
    std::filesystem::path base = parent;
    if (base.empty()) {
        base = std::filesystem::temp_directory_path(error);
        if (error)
            return make_error(ErrorCode::io_error,
                              "no temporary directory for the audit's scratch: " + error.message());
    }
    if (!std::filesystem::is_directory(base, error)) {
        return make_error(ErrorCode::io_error, "scratch directory " + base.string() + " does not exist");
    }
    CUSTOS_ASSERT(sodium_init() >= 0, "libsodium failed to initialise");
    std::array<std::uint8_t, 8> random{};
    randombytes_buf(random.data(), random.size());
    std::filesystem::path directory =
        base / ("custos-audit-" + crypto::hex_encode(ByteView(random.data(), random.size())));
    if (!std::filesystem::create_directory(directory, error) || error) {
        return make_error(ErrorCode::io_error, "cannot make the audit's scratch directory " +
                                                   directory.string() +
                                                   (error ? ": " + error.message() : ": it exists"));
    }
    auto db = store::Db::open(directory, store::DbOptions{.create_if_missing = true, .scratch = true});
    if (!db) {
        std::filesystem::remove_all(directory, error);
        return tl::unexpected(db.error());
    }
    return std::unique_ptr<AuditScratch>(
        new AuditScratch(std::move(directory), std::make_unique<store::Db>(std::move(*db))));
}

AuditScratch::~AuditScratch() {
    db_.reset();
    std::error_code error;
    std::filesystem::remove_all(directory_, error);  // Best effort: nothing to report it to.
}

}  // namespace custos::ledger
