// The commands of `custos-dev`, the developers' tool: benchmarks and a local network of
// validators. Kept out of `custos` so that the court's verifier carries none of it. One function
// per command, each taking the arguments after its name (the command table is in main.cpp).
#pragma once

#include "tools/support/command.hpp"

namespace custos::cli {

// `custos-dev bench <suite>` (bench.cpp), and each suite: the arguments after its name.
int run_bench(const Args& args);
// `custos-dev bench ledger [--events N] [--dir DIR] ...` (bench_ledger.cpp).
int run_bench_ledger(const Args& args);
// `custos-dev bench verify [--dir DIR] ...` (bench_verify.cpp).
int run_bench_verify(const Args& args);
// `custos-dev bench tables [--seconds N] [--seed N]`: the Ed25519 table path against libsodium
// (bench_tables.cpp).
int run_bench_tables(const Args& args);
// `custos-dev bench load ...` (bench_load.cpp) and `custos-dev bench api ...` (bench_api.cpp).
int run_bench_load(const Args& args);
int run_bench_api(const Args& args);

// `custos-dev localnet init|run --dir DIR ...` (localnet*.cpp).
int run_localnet(const Args& args);

}  // namespace custos::cli
