// `custos-dev bench ledger`: figures for the ledger on one thread. Prints, asserts nothing.
//  1. admission checks (signature + custody rules against a state) per second;
//  2. block application + synced RocksDB commit of 1,000-event blocks, events per second;
//  3. the state map (docs/FORMAT.md 7.5): its update per 1,000-event block, its stored bytes per
//     event and the size of an item's proof in the N-event store;
//  4. proofs in a map of M items (default 1,000,000, in memory): their sizes, min/median/max;
//  5. the store as it grows to N events: bytes on disk per event, this process's resident
//     memory and RocksDB's, the commit's CPU per event, at each tenth; then trail reads of random
//     items, p50/p99 latency;
//  6. audit replay of an N-event store (default 1,000,000), events per second.
// Events come from the deterministic synthetic workload (ledger/workloads/store_workload.hpp).
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <tuple>

#include "crypto/smt.hpp"
#include "ledger/audit/audit.hpp"
#include "ledger/audit/audit_signatures.hpp"
#include "ledger/rules/rules.hpp"
#include "ledger/state/state.hpp"
#include "ledger/state/state_map.hpp"
#include "ledger/store/store.hpp"
#include "ledger/workloads/store_workload.hpp"
#include "tools/dev/commands.hpp"
#include "tools/dev/thread_cpu.hpp"

namespace custos::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t default_events = 1000000;
constexpr std::uint64_t bench_events_max = 100000000;
constexpr std::size_t block_events = 1000;
constexpr std::uint64_t admission_events = 20000;
constexpr std::uint64_t timed_blocks = 10;
constexpr std::uint64_t default_map_items = 1000000;
constexpr std::uint64_t map_items_max = 10000000;
constexpr std::uint64_t map_chunk = 100000;  // Keys per update while the in-memory map is built.

constexpr std::string_view bench_ledger_help =
    "Prints events per second, on one thread, for: admission checks; block application with a\n"
    "synced commit of 1,000-event blocks; the state map (updates per block, stored bytes per\n"
    "event, proof size); the sizes of every item's proof in a map of M items (smallest, median,\n"
    "largest); the store's growth to N events (bytes on disk per event, resident memory of\n"
    "this process and of RocksDB, and the CPU of each block's commit per event, at each tenth)\n"
    "and the latency of trail reads of random items (p50, p99); audit replay of an N-event\n"
    "store, on one thread and then with N signature threads (custos audit --threads), and the\n"
    "speed-up. Asserts nothing.";

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Stopwatch {
    Clock::time_point wall = Clock::now();
    double cpu = thread_cpu_seconds();

    [[nodiscard]] double wall_seconds() const { return seconds_since(wall); }
    [[nodiscard]] double cpu_seconds() const { return thread_cpu_seconds() - cpu; }
};

double process_cpu_seconds() {
    timespec now{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

void print_figure(const std::string& name, double value, const char* unit) {
    std::printf("%-56s %12.0f %s\n", name.c_str(), value, unit);
    std::fflush(stdout);
}

// Prints a count per CPU-second of this thread and per wall-clock second.
void print_rate(const std::string& name, double count, double cpu_seconds, double wall_seconds) {
    print_figure(name + ", per CPU-second", count / cpu_seconds, "events/s");
    print_figure(name + ", per wall second", count / wall_seconds, "events/s");
}

void progress(const char* phase, std::uint64_t events, Clock::time_point start) {
    const double seconds = seconds_since(start);
    std::fprintf(stderr, "level=info event=bench_progress phase=%s events=%llu events_per_s=%.0f\n", phase,
                 static_cast<unsigned long long>(events),
                 seconds > 0 ? static_cast<double>(events) / seconds : 0.0);
}

// This process's resident memory (VmRSS), bytes; 0 when /proc cannot be read.
std::uint64_t resident_bytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
    }
    return 0;
}

// Bytes of the regular files under `directory` (the store on disk).
std::uint64_t directory_bytes(const std::filesystem::path& directory) {
    std::uint64_t bytes = 0;
    std::error_code error;
    for (std::filesystem::recursive_directory_iterator it(directory, error), end; !error && it != end;
         it.increment(error)) {
        if (it->is_regular_file(error)) bytes += it->file_size(error);
    }
    return bytes;
}

constexpr double mib = 1024.0 * 1024.0;

// One line of the growth table: the store's size on disk per event, this process's resident
// memory (which includes the workload's table of every item it made, about 190 bytes an item),
// what RocksDB holds in memory (block cache, memtables, table readers), and the CPU of
// Store::append_block per event since the last line (this thread's: the batch's build and its
// write into the log and the memtables, which RocksDB does on the writing thread).
void print_growth(const ledger::Store& store, const std::filesystem::path& directory,
                  const ledger::SyntheticWorkload& workload, double append_us_per_event) {
    const auto memory = store.db().memory();
    const auto events = store.log_size();
    std::printf(
        "growth %11llu events %10zu items %9.1f bytes/event on disk %8.1f MiB resident "
        "%7.1f MiB RocksDB (cache %.1f, memtables %.1f, table readers %.1f) append %.1f us/event\n",
        static_cast<unsigned long long>(events), workload.item_count(),
        static_cast<double>(directory_bytes(directory)) / static_cast<double>(events),
        static_cast<double>(resident_bytes()) / mib,
        static_cast<double>(memory.block_cache + memory.memtables + memory.table_readers) / mib,
        static_cast<double>(memory.block_cache) / mib, static_cast<double>(memory.memtables) / mib,
        static_cast<double>(memory.table_readers) / mib, append_us_per_event);
    std::fflush(stdout);
}

// Admission as the mempool does it: R2 then the rules against the state, which then takes the
// event's effects so the next event sees it.
int bench_admission() {
    ledger::SyntheticWorkload workload;
    ledger::MemoryState state(workload.genesis());
    std::vector<ledger::Envelope> events;
    std::uint64_t height = 1;
    while (events.size() < admission_events) {
        auto batch = workload.next_events(block_events, workload.block_time(ledger::Height{height++}));
        events.insert(events.end(), batch.begin(), batch.end());
    }
    const ledger::TimeMs now = workload.block_time(ledger::Height{height});
    const Stopwatch watch;
    for (const auto& envelope : events) {
        auto effects = ledger::admit_event(state, envelope, now, workload.genesis());
        if (!effects) {
            std::cerr << "error: synthetic event refused: " << effects.error().message() << "\n";
            return exit_failure;
        }
        for (const auto& item : effects->items)
            state.put_item(item);
        state.add_event(effects->id);
    }
    print_rate("admission check (sig + rules)", static_cast<double>(events.size()), watch.cpu_seconds(),
               watch.wall_seconds());
    return exit_ok;
}

// Fills the store up to `events` with blocks the workload signed (their signatures were just
// made, so building skips re-verifying them).
int fill(ledger::Store& store, ledger::SyntheticWorkload& workload, std::uint64_t events,
         const std::filesystem::path& directory) {
    const auto start = Clock::now();
    std::uint64_t next_report = 100000;
    const std::uint64_t tenth = std::max<std::uint64_t>(events / 10, block_events);
    std::uint64_t next_growth = (store.log_size() / tenth + 1) * tenth;
    double append_cpu_seconds = 0;
    std::uint64_t appended_events = 0;
    while (store.log_size() + block_events <= events) {
        ledger::ApplyContext base = store.next_block_context();
        ledger::ApplyContext context{.genesis = base.genesis,
                                     .validators = base.validators,
                                     .log_nodes = base.log_nodes,
                                     .previous = base.previous,
                                     .verify_signatures = false,
                                     .state_nodes = base.state_nodes,
                                     .governance = base.governance};
        auto next = workload.next_block(store, context, block_events);
        if (!next) return (std::cerr << "error: " << next.error().to_string() << "\n", exit_failure);
        const Stopwatch append_watch;
        auto appended = store.append_block(next->block, next->certificate, next->effects);
        append_cpu_seconds += append_watch.cpu_seconds();
        appended_events += next->block.events.size();
        if (!appended) return (std::cerr << "error: " << appended.error().to_string() << "\n", exit_failure);
        if (store.log_size() >= next_report) {
            progress("fill", store.log_size(), start);
            next_report += 100000;
        }
        if (store.log_size() >= next_growth) {
            print_growth(store, directory, workload,
                         1e6 * append_cpu_seconds / static_cast<double>(appended_events));
            append_cpu_seconds = 0;
            appended_events = 0;
            next_growth = (store.log_size() / tenth + 1) * tenth;
        }
    }
    return exit_ok;
}

// Trail reads as GET /v1/items/{item}/trail makes them (Store::item_trail), of `reads` items
// spread over every item of the store, on a store that was just written (its block cache warm
// with the newest blocks, cold for the oldest): latency p50, p99 and the largest, wall clock.
int bench_trail_reads(const ledger::Store& store, std::size_t items) {
    constexpr std::size_t reads = 2000;
    if (items == 0) return exit_ok;
    std::vector<double> micros;
    micros.reserve(reads);
    std::size_t events = 0;
    for (std::size_t i = 0; i < reads; ++i) {
        const std::string item = "IT-" + std::to_string((i * 104729) % items + 1);
        const auto start = Clock::now();
        auto trail = store.item_trail(item);
        micros.push_back(1e6 * seconds_since(start));
        if (!trail) return (std::cerr << "error: " << trail.error().to_string() << "\n", exit_failure);
        events += trail->size();
    }
    std::sort(micros.begin(), micros.end());
    std::printf(
        "trail reads of %zu items of %zu (mean %.1f events each): p50 %.0f us, p99 %.0f us, "
        "largest %.0f us\n",
        reads, items, static_cast<double>(events) / reads, micros[reads / 2], micros[reads * 99 / 100],
        micros.back());
    std::fflush(stdout);
    return exit_ok;
}

// The validator's path for a block it did not build: apply_block (signatures, rules, roots)
// then one synced commit. Event signing and block building are outside the timing.
int bench_apply_commit(ledger::Store& store, ledger::SyntheticWorkload& workload) {
    double apply_seconds = 0;
    double apply_cpu_seconds = 0;
    double commit_seconds = 0;
    double commit_cpu_seconds = 0;
    double map_cpu_seconds = 0;
    std::size_t map_nodes = 0;
    for (std::uint64_t i = 0; i < timed_blocks; ++i) {
        auto next = workload.next_block(store, store.next_block_context(), block_events);
        if (!next) return (std::cerr << "error: " << next.error().to_string() << "\n", exit_failure);
        const Stopwatch watch;
        auto effects = ledger::apply_block(store, next->block, store.next_block_context());
        apply_cpu_seconds += watch.cpu_seconds();
        const auto applied = Clock::now();
        if (!effects) return (std::cerr << "error: " << effects.error().to_string() << "\n", exit_failure);
        // The state map's share of apply_block, timed alone: the same update again.
        const Stopwatch map_watch;
        auto map = crypto::smt_update(
            store.state_nodes(), ledger::state_updates(ledger::StateChanges{.items = effects->items,
                                                                            .officers = effects->officers,
                                                                            .proposals = effects->proposals,
                                                                            .adopted = std::nullopt,
                                                                            .governance = std::nullopt}));
        map_cpu_seconds += map_watch.cpu_seconds();
        if (!map) return (std::cerr << "error: " << map.error().to_string() << "\n", exit_failure);
        map_nodes += effects->state_nodes.size();
        const double commit_cpu = process_cpu_seconds();
        auto appended = store.append_block(next->block, next->certificate, *effects);
        if (!appended) return (std::cerr << "error: " << appended.error().to_string() << "\n", exit_failure);
        commit_cpu_seconds += process_cpu_seconds() - commit_cpu;
        apply_seconds += std::chrono::duration<double>(applied - watch.wall).count();
        commit_seconds += seconds_since(applied);
    }
    const double events = static_cast<double>(timed_blocks * block_events);
    print_rate("apply_block of 1,000-event blocks", events, apply_cpu_seconds, apply_seconds);
    print_figure("synced commit of a 1,000-event block (wall), ms", 1000.0 * commit_seconds / timed_blocks,
                 "ms");
    print_figure("synced commit of a 1,000-event block (CPU, all threads), ms",
                 1000.0 * commit_cpu_seconds / timed_blocks, "ms");
    print_figure("apply + synced commit (wall), events/s", events / (apply_seconds + commit_seconds),
                 "events/s");
    print_figure("state map updates per 1,000-event block, per CPU-second", timed_blocks / map_cpu_seconds,
                 "blocks/s");
    print_figure("state map nodes written per 1,000-event block",
                 static_cast<double>(map_nodes) / timed_blocks, "nodes");
    return exit_ok;
}

// The stored state map after the fill: bytes (keys and values) per event in the store, and the
// proof of the last item's state (what a bundle carries per item).
int bench_map_size(const ledger::Store& store) {
    std::uint64_t bytes = 0;
    std::uint64_t nodes = 0;
    auto scanned = store.db().scan(ledger::store::Column::state_map, "",
                                   [&](std::string_view key, std::string_view value) {
                                       bytes += key.size() + value.size();
                                       ++nodes;
                                       return true;
                                   });
    if (!scanned) return (std::cerr << "error: " << scanned.error().to_string() << "\n", exit_failure);
    print_figure("state map nodes in the store", static_cast<double>(nodes), "nodes");
    print_figure("state map bytes (keys + values) per event", static_cast<double>(bytes) / store.log_size(),
                 "bytes");
    std::size_t siblings = 0;
    std::size_t depth = 0;
    std::size_t proofs = 0;
    for (int i = 1; i <= 1000; ++i) {
        auto proof =
            crypto::smt_prove(store.state_nodes(), ledger::item_state_key("IT-" + std::to_string(i)));
        if (!proof) continue;
        siblings += proof->siblings.size();
        depth += proof->depth;
        ++proofs;
    }
    if (proofs > 0) {
        print_figure("item proof, mean depth over 1,000 items",
                     static_cast<double>(depth) / static_cast<double>(proofs), "levels");
        print_figure("item proof, mean listed siblings (32 bytes each) over 1,000 items",
                     static_cast<double>(siblings) / static_cast<double>(proofs), "hashes");
    }
    return exit_ok;
}

// A map of `items` item states (in memory; the keys as the ledger makes them, FORMAT.md 7.5), and
// the proof of every item in it: depth, listed (non-empty) siblings, and bytes as a bundle
// carries them (the JSON of FORMAT.md 3.5) and raw (64 for the leaf, ceil(depth / 8) for the
// empty bitmap, 32 a listed sibling).
int bench_proof_sizes(std::uint64_t items) {
    if (items == 0) return exit_ok;
    const Stopwatch watch;
    crypto::MemorySmtNodeStore nodes;
    std::vector<Hash32> keys;
    keys.reserve(items);
    for (std::uint64_t first = 0; first < items; first += map_chunk) {
        std::vector<crypto::SmtUpdate> updates;
        for (std::uint64_t i = first; i < std::min(items, first + map_chunk); ++i) {
            keys.push_back(ledger::item_state_key("IT-" + std::to_string(i + 1)));
            updates.push_back({keys.back(), ledger::state_value_hash("item " + std::to_string(i + 1))});
        }
        auto changes = crypto::smt_update(nodes, updates);
        if (!changes) return (std::cerr << "error: " << changes.error().to_string() << "\n", exit_failure);
        nodes.apply(changes->nodes);
    }
    std::printf("map of %llu items built in memory in %.1f CPU-s (%zu nodes)\n",
                static_cast<unsigned long long>(items), watch.cpu_seconds(), nodes.node_count());
    struct Sized {
        std::size_t raw_bytes;
        std::size_t depth;
        std::size_t listed;
        std::size_t index;
    };
    std::vector<Sized> sizes;
    sizes.reserve(items);
    for (std::size_t i = 0; i < keys.size(); ++i) {
        auto proof = crypto::smt_prove(nodes, keys[i]);
        if (!proof || !proof->leaf || proof->leaf->key != keys[i]) {
            return (std::cerr << "error: no presence proof for item IT-" << i + 1 << "\n", exit_failure);
        }
        const std::size_t raw_bytes = 64 + proof->empty.size() + 32 * proof->siblings.size();
        sizes.push_back({raw_bytes, proof->depth, proof->siblings.size(), i});
    }
    std::sort(sizes.begin(), sizes.end(), [](const Sized& a, const Sized& b) {
        return std::tie(a.raw_bytes, a.depth) < std::tie(b.raw_bytes, b.depth);
    });
    std::printf("item proofs in a map of %llu items: %-10s %9s %9s %11s %10s\n",
                static_cast<unsigned long long>(items), "", "depth", "listed", "JSON bytes", "raw bytes");
    for (const auto& [name, at] :
         {std::pair{"smallest", std::size_t{0}}, std::pair{"median", sizes.size() / 2},
          std::pair{"largest", sizes.size() - 1}}) {
        const Sized& sized = sizes[at];
        auto proof = crypto::smt_prove(nodes, keys[sized.index]);
        if (!proof) return (std::cerr << "error: " << proof.error().to_string() << "\n", exit_failure);
        const std::size_t json_bytes = ledger::smt_proof_to_json(*proof).dump().size();
        std::printf("%-46s %-10s %9zu %9zu %11zu %10zu\n", "", name, sized.depth, sized.listed, json_bytes,
                    sized.raw_bytes);
    }
    const auto deepest = std::max_element(sizes.begin(), sizes.end(),
                                          [](const Sized& a, const Sized& b) { return a.depth < b.depth; });
    std::printf("%-46s %-10s %9zu %9zu %11s %10zu\n", "", "deepest", deepest->depth, deepest->listed, "",
                deepest->raw_bytes);
    std::fflush(stdout);
    return exit_ok;
}

// One audit replay with `threads` signature threads; its wall-clock seconds, or nullopt on failure.
std::optional<double> bench_audit_once(const std::filesystem::path& directory, unsigned threads) {
    const Stopwatch watch;
    const auto start = watch.wall;
    const double process_cpu_before = process_cpu_seconds();
    ledger::AuditOptions options;
    options.threads = threads;
    options.progress = [&](const ledger::AuditProgress& at) {
        progress("audit", at.events, start);
        if (at.events % 1000000 < options.progress_every_events) {
            std::fprintf(stderr, "level=info event=bench_memory phase=audit events=%llu resident_mib=%.1f\n",
                         static_cast<unsigned long long>(at.events),
                         static_cast<double>(resident_bytes()) / mib);
        }
    };
    auto report = ledger::audit_directory(directory, options);
    const double cpu_seconds = watch.cpu_seconds();
    const double process_cpu = process_cpu_seconds() - process_cpu_before;
    const double seconds = watch.wall_seconds();
    if (!report) return (std::cerr << "error: " << report.error().to_string() << "\n", std::nullopt);
    std::printf("audit, %u thread%s: %s in %.1f s (replay thread %.1f CPU-s, all threads %.1f CPU-s)\n",
                threads, threads == 1 ? "" : "s", ledger::audit_summary(*report).c_str(), seconds,
                cpu_seconds, process_cpu);
    const std::string name =
        "audit replay, " + std::to_string(threads) + " thread" + (threads == 1 ? "" : "s");
    if (threads == 1)
        print_figure(name + ", per CPU-second", static_cast<double>(report->events) / cpu_seconds,
                     "events/s");
    print_figure(name + ", per wall second", static_cast<double>(report->events) / seconds, "events/s");
    if (!report->verified()) return std::nullopt;
    return seconds;
}

// The audit on one thread, then (with more than one) on `threads`, and the wall-clock speed-up.
int bench_audit(const std::filesystem::path& directory, unsigned threads) {
    auto one = bench_audit_once(directory, 1);
    if (!one) return exit_failure;
    if (threads <= 1) return exit_ok;
    auto many = bench_audit_once(directory, threads);
    if (!many) return exit_failure;
    std::printf("%-56s %12.2f x\n",
                ("audit speed-up, " + std::to_string(threads) + " threads over 1 (wall)").c_str(),
                *one / *many);
    return exit_ok;
}

struct LedgerOptions {
    std::uint64_t events = default_events;
    std::optional<std::filesystem::path> dir;
    unsigned threads = ledger::worker_threads(0);
    std::uint64_t map_items = default_map_items;
};

int run_bench_ledger(LedgerOptions& options) {
    const std::uint64_t events = options.events;
    std::optional<std::filesystem::path>& dir = options.dir;
    const unsigned threads = options.threads;
    const std::uint64_t map_items = options.map_items;
    const bool temporary = !dir;
    if (temporary)
        dir = std::filesystem::temp_directory_path() / ("custos-bench-ledger-" + std::to_string(::getpid()));
    if (std::filesystem::exists(*dir))
        return (std::cerr << "error: " << dir->string() << " exists\n", exit_usage);

    std::printf("custos-dev bench ledger: one thread; store of %llu events in %s\n\n",
                static_cast<unsigned long long>(events), dir->string().c_str());
    int result = bench_admission();
    if (result == exit_ok) {
        ledger::SyntheticWorkload workload;
        auto store = ledger::Store::open(*dir, {.genesis = &workload.genesis(), .create_if_missing = true});
        if (!store) return (std::cerr << "error: " << store.error().to_string() << "\n", exit_failure);
        result = bench_apply_commit(*store, workload);
        if (result == exit_ok) result = fill(*store, workload, events, *dir);
        if (result == exit_ok) result = bench_map_size(*store);
        if (result == exit_ok) result = bench_trail_reads(*store, workload.item_count());
    }
    if (result == exit_ok) result = bench_proof_sizes(map_items);
    if (result == exit_ok) result = bench_audit(*dir, threads);
    if (temporary) {
        std::error_code ignored;
        std::filesystem::remove_all(*dir, ignored);
    }
    return result;
}

}  // namespace

void add_bench_ledger(Tool& tool, CLI::App& bench) {
    auto options = std::make_shared<LedgerOptions>();
    auto& command =
        tool.add(bench, "ledger", "admission checks, block application with synced commits, audit replay",
                 [options] { return run_bench_ledger(*options); });
    command
        .add_option("--events", options->events,
                    "events in the store the audit replays (default 1000000, at least 20000)")
        ->type_name("N")
        ->check(whole_number(admission_events, bench_events_max));
    command
        .add_option("--dir", options->dir,
                    "where to build the store (must not exist; default: a temporary directory,\n"
                    "removed afterwards)")
        ->type_name("DIR");
    command
        .add_option("--threads", options->threads,
                    "signature threads for the second audit run, 1..256 (default: one per core;\n"
                    "1 runs the audit once)")
        ->type_name("N")
        ->check(whole_number(1, threads_option_max));
    command
        .add_option("--map-items", options->map_items,
                    "items in the map whose proofs are measured, built in memory (default\n"
                    "1000000, at most 10000000; 0 skips it; about 300 bytes of memory per item)")
        ->type_name("M")
        ->check(whole_number(0, map_items_max));
    command.footer(std::string(bench_ledger_help));
}

}  // namespace custos::cli
