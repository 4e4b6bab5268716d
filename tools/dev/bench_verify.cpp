// custos-dev bench verify: time to verify court bundles of 10, 100 and 1,000 events (the issue's
// target: 1,000 events in under 200 ms on one core). Builds sample stores in a temporary
// directory, exports each bundle with make_bundle, then times verify_bundle_text on the bytes
// (parse included), best of several runs. Prints figures; asserts nothing.
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <system_error>

#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/bundle/bundle.hpp"
#include "ledger/workloads/bundle_sample.hpp"
#include "tools/dev/commands.hpp"
#include "tools/dev/thread_cpu.hpp"

namespace custos::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view bench_verify_help =
    "Times the offline bundle verifier (custos verify) on bundles of 10, 100 and 1,000 events of\n"
    "one item, with one event per block (a checkpoint and certificate per event: the slowest\n"
    "shape) and ten events per block. Each block is certified by all four validators. Prints the\n"
    "best of N runs (default 5) in milliseconds, for one thread: wall-clock time, and the\n"
    "thread's CPU time (the figure that holds on a machine other processes keep busy).";

struct BenchArgs {
    std::filesystem::path dir;
    std::filesystem::path bundles_out;
    int runs = 5;
};

struct Best {
    double wall_ms = 1e300;
    double cpu_ms = 1e300;
};

Best best_ms(const std::string& text, int runs, bool& verified) {
    Best best;
    for (int run = 0; run < runs; ++run) {
        const auto start = Clock::now();
        const double cpu_start = thread_cpu_seconds();
        auto report = ledger::verify_bundle_text(text, {});
        const double cpu = 1e3 * (thread_cpu_seconds() - cpu_start);
        double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        verified = report && report->ok();
        best.wall_ms = std::min(best.wall_ms, elapsed);
        best.cpu_ms = std::min(best.cpu_ms, cpu);
    }
    return best;
}

int run_verify_bench(const std::filesystem::path& root, int runs, const std::filesystem::path& bundles_out) {
    std::printf("custos-dev bench verify: one thread, best of %d runs, parse included\n\n", runs);
    std::printf("%-8s %-10s %12s %12s %12s %12s %10s\n", "events", "per block", "checkpoints", "bundle bytes",
                "verify ms", "CPU ms", "verified");
    int case_number = 0;
    for (std::size_t per_block : {std::size_t{1}, std::size_t{10}}) {
        for (std::size_t events : {std::size_t{10}, std::size_t{100}, std::size_t{1000}}) {
            const auto directory = root / ("store-" + std::to_string(case_number++));
            auto store = ledger::make_sample_trail_store(
                directory, ledger::SampleTrailOptions{.events = events, .events_per_block = per_block});
            if (!store) {
                std::cerr << "error: " << store.error().to_string() << "\n";
                return exit_failure;
            }
            auto bundle = ledger::make_bundle(*store, ledger::sample_item);
            if (!bundle) {
                std::cerr << "error: " << bundle.error().to_string() << "\n";
                return exit_failure;
            }
            const std::string text = bundle->dump();
            if (!bundles_out.empty()) {
                const auto file = bundles_out / ("bundle-" + std::to_string(events) + "x" +
                                                 std::to_string(per_block) + ".json");
                std::ofstream(file, std::ios::binary) << text;
                auto genesis = crypto::canonicalize((*bundle)["genesis"]);
                if (case_number == 1 && genesis)
                    std::printf(
                        "bundles in %s, genesis hash %s\n\n", bundles_out.c_str(),
                        crypto::hex_encode(crypto::sha256(std::string_view(*genesis)).view()).c_str());
            }
            bool verified = false;
            const Best best = best_ms(text, runs, verified);
            std::printf("%-8zu %-10zu %12zu %12zu %12.1f %12.1f %10s\n", events, per_block,
                        (*bundle)["checkpoints"].size(), text.size(), best.wall_ms, best.cpu_ms,
                        verified ? "yes" : "NO");
        }
    }
    return exit_ok;
}

}  // namespace

int run_bench_verify(BenchArgs& parsed) {
    bool temporary = parsed.dir.empty();
    if (temporary) {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "custos-bench-verify-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            std::cerr << "error: cannot create a temporary directory\n";
            return exit_failure;
        }
        parsed.dir = pattern;
    }
    std::error_code created;
    std::filesystem::create_directories(parsed.dir, created);
    if (created) {
        std::cerr << "error: cannot create " << parsed.dir << ": " << created.message() << "\n";
        return exit_failure;
    }
    if (!parsed.bundles_out.empty()) {
        std::filesystem::create_directories(parsed.bundles_out, created);
        if (created) {
            std::cerr << "error: cannot create " << parsed.bundles_out << ": " << created.message() << "\n";
            return exit_failure;
        }
    }
    int status = run_verify_bench(parsed.dir, parsed.runs, parsed.bundles_out);
    if (temporary) {
        std::error_code ignored;
        std::filesystem::remove_all(parsed.dir, ignored);
    }
    return status;
}

void add_bench_verify(Tool& tool, CLI::App& bench) {
    auto parsed = std::make_shared<BenchArgs>();
    auto& command =
        tool.add(bench, "verify", "offline verification of court bundles of 10, 100 and 1,000 events",
                 [parsed] { return run_bench_verify(*parsed); });
    command
        .add_option("--dir", parsed->dir,
                    "where to build the sample stores (default: a new directory under the system\n"
                    "temp directory, removed afterwards)")
        ->type_name("DIR");
    command.add_option("--runs", parsed->runs, "timed runs per bundle, 1..100 (default 5)")
        ->type_name("N")
        ->check(whole_number(1, 100));
    command
        .add_option("--bundles-out", parsed->bundles_out,
                    "also write each bundle to DIR/bundle-<events>x<per block>.json (the\n"
                    "browser verifier's benchmark, web/test, reads them); its genesis hash is printed")
        ->type_name("DIR");
    command.footer(std::string(bench_verify_help));
}

}  // namespace custos::cli
