// The court bundle parser and verifier (ledger/bundle/bundle.hpp verify_bundle_text), as `custos verify`
// runs it on a file from anyone: a report for every input (the Result fails only for a bug), and
// the report renders as JSON.
#include "ledger/bundle/bundle.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace custos;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ledger::VerifyOptions options;  // No pinned genesis: the bundle's own is used, as far as it goes.
    auto report = ledger::verify_bundle_text(fuzz::as_text(data, size), options);
    FUZZ_CHECK(report.has_value(), "verify_bundle_text gives a report");
    FUZZ_CHECK(report->ok() || report->failure.has_value(), "a verdict");
    (void)ledger::bundle_report_to_json(*report);
    return 0;
}
