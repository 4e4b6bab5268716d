// Hands the bundle tests' cases to other verifiers: when CUSTOS_BUNDLE_CASES_DIR is set, every
// bundle a test verifies (genuine, tampered, forged) is written there with the pinned genesis hash
// and custos verify's verdict ("OK" or the failed check's name), one JSON file per case. The
// browser verifier's test (web/test/bundle_cases_test.mjs) runs the bundle tests this way and
// checks that its verdict equals custos verify's on every case. Unset, this does nothing.
// python_verdict() runs the Python verifier of tests/ledger/bundle_verify.py on a bundle.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <array>
#include <cstdio>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/encoding.hpp"
#include "ledger/bundle/bundle.hpp"

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

// Runs tests/ledger/bundle_verify.py (a verifier written in Python from docs/FORMAT.md alone) on
// `bundle`; returns its verdict: "OK" or the name of the check it failed; on OK, `statement` gets
// the line it prints of who exported the bundle, on a failure the reason it gives.
inline std::string python_verdict(const crypto::Json& bundle, const Hash32& pinned,
                                  std::string* statement = nullptr) {
    const std::string file = (std::filesystem::temp_directory_path() /
                              ("custos-bundle-py-" + std::to_string(::getpid()) + ".json"))
                                 .string();
    std::ofstream(file, std::ios::binary) << bundle.dump();
    const std::string script = std::string(CUSTOS_VECTORS_DIR) + "/../ledger/bundle_verify.py";
    const std::string command =
        "timeout 60 python3 " + script + " " + file + " " + crypto::hex_encode(pinned.view()) + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    std::array<char, 512> chunk{};
    while (std::fgets(chunk.data(), chunk.size(), pipe) != nullptr)
        output += chunk.data();
    const int status = ::pclose(pipe);
    std::filesystem::remove(file);
    INFO(output);
    if (status == 0) {
        CHECK(output.starts_with("OK\n"));
        if (statement != nullptr) *statement = output.substr(3, output.size() - 4);
        return "OK";
    }
    REQUIRE(output.starts_with("FAIL "));
    const std::size_t end = output.find(' ', 5);
    if (statement != nullptr && end != std::string::npos) *statement = output.substr(end + 1);
    return output.substr(5, end - 5);
}

}  // namespace custos::test
