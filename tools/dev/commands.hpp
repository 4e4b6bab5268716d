// The commands of `custos-dev`, the developers' tool: benchmarks and a local network of
// validators. Kept out of `custos` so that the court's verifier carries none of it. One function
// per command that adds it to the tool, with its options and help (main.cpp calls them).
#pragma once

#include "tools/support/command.hpp"

namespace custos::cli {

// `custos-dev bench <suite>` (bench.cpp), and each suite (added to the `bench` command).
void add_bench(Tool& tool);
// `custos-dev bench ledger [--events N] [--dir DIR] ...` (bench_ledger.cpp).
void add_bench_ledger(Tool& tool, CLI::App& bench);
// `custos-dev bench verify [--dir DIR] ...` (bench_verify.cpp).
void add_bench_verify(Tool& tool, CLI::App& bench);
// `custos-dev bench tables [--seconds N] [--seed N]`: the Ed25519 table path against libsodium
// (bench_tables.cpp).
void add_bench_tables(Tool& tool, CLI::App& bench);
// `custos-dev bench api ...` (bench_api.cpp).
void add_bench_api(Tool& tool, CLI::App& bench);
// `custos-dev bench load --nodes URL,... --key FILE ...` (bench_load.cpp).
void add_bench_load(Tool& tool, CLI::App& bench);

// `custos-dev localnet init|run --dir DIR ...` (localnet*.cpp).
void add_localnet(Tool& tool);

}  // namespace custos::cli
