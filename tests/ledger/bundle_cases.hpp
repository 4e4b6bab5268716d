// Hands the bundle tests' cases to other verifiers: when CUSTOS_BUNDLE_CASES_DIR is set, every
// bundle a test verifies (genuine, tampered, forged) is written there with the pinned genesis hash
// and custos verify's verdict ("OK" or the failed check's name), one JSON file per case. The
// browser verifier's test (web/test/bundle_cases_test.mjs) runs the bundle tests this way and
// checks that its verdict equals custos verify's on every case. Unset, this does nothing.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/encoding.hpp"
#include "ledger/bundle.hpp"

namespace custos::test {

inline void record_bundle_case(const crypto::Json& bundle, const std::optional<Hash32>& pinned,
                               const ledger::BundleReport& report) {
    const char* directory = std::getenv("CUSTOS_BUNDLE_CASES_DIR");
    if (directory == nullptr || *directory == '\0') return;
    static int count = 0;
    crypto::Json record = {
        {"pinned", pinned ? crypto::Json(crypto::hex_encode(pinned->view())) : crypto::Json(nullptr)},
        {"verdict", report.failure ? std::string(ledger::bundle_check_name(report.failure->check)) : "OK"},
        {"message", report.failure ? report.failure->message() : std::string()},
        {"bundle", bundle},
    };
    const auto file = std::filesystem::path(directory) /
                      ("case-" + std::to_string(::getpid()) + "-" + std::to_string(++count) + ".json");
    std::ofstream(file, std::ios::binary) << record.dump();
}

}  // namespace custos::test
