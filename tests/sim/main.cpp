// custos-sim: runs the deterministic consensus simulator over one seed or a range of seeds.
// Exit 0 only when every run held every invariant; a failing run prints its seed and the first
// broken invariant, and `custos-sim --seed N` (same options) replays it exactly.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>

#include "common/version.hpp"
#include "sim/simulation.hpp"

namespace {

using custos::sim::ByzantineMode;
using custos::sim::SimConfig;

constexpr std::string_view usage = R"(usage: custos-sim [options]
  --seed N             run one seed (replays it exactly)
  --seeds A..B         run seeds A through B inclusive
  --validators N       validators, 4 to 10 (default 4)
  --unequal-power      random voting powers 1..9 instead of equal
  --byzantine F        Byzantine validators, at most f (default 0)
  --byzantine-mode M   mixed|equivocate|invalid|garbage|silent (default: chosen per seed)
  --loss P             message loss probability during faults (default 0.05)
  --duplicate P        duplication probability (default 0.05)
  --reorder P          probability of a long extra delay (default 0.1)
  --partition P        partition probability per fault tick (default 0.3)
  --crash P            crash probability per fault tick (default 0.1)
  --no-faults          no network faults, crashes or partitions
  --heights N          heights to decide before the faults heal (default 6)
  --steps N            bound on simulator events per run (default 2000000)
  --fault-ms N         longest fault phase in simulated ms (default 30000)
  --set-change         validator-set changes by governance events: one more agency's validator
                       is added from height K, later one genesis validator is removed and
                       another's power doubled; cores are rebuilt at each boundary and nodes
                       catch up by block sync (equal powers only)
  --set-change-height K  first height whose proposer includes the changes (default 2)
  --heartbeat-ms N     quiet when idle: the cores run with this heartbeat; clients submit events
                       in bursts with idle gaps, every empty block must come a heartbeat after
                       the one before, and after healing, two idle heartbeats, a probe event must
                       be committed within half a heartbeat (not with --set-change)
  --sabotage-double-sign  make node 0 sign two prevotes (the check must catch it)
  --sabotage-ignore-events  cores never hear of pending events (the probe's bound must catch it)
  --sabotage-eager-empty    cores run without the heartbeat (the quiet check must catch it)
  --bench              no delay, no faults: print heights per CPU second and core votes/s
  --verbose            print every run
  --version            print the version
  --help               this text
)";

bool parse_range(std::string_view text, std::uint64_t& first, std::uint64_t& last) {
    const auto dots = text.find("..");
    if (dots == std::string_view::npos) return false;
    first = std::strtoull(std::string(text.substr(0, dots)).c_str(), nullptr, 10);
    last = std::strtoull(std::string(text.substr(dots + 2)).c_str(), nullptr, 10);
    return first <= last;
}

std::optional<ByzantineMode> parse_mode(std::string_view text) {
    if (text == "mixed") return ByzantineMode::mixed;
    if (text == "equivocate") return ByzantineMode::equivocate;
    if (text == "invalid") return ByzantineMode::invalid_votes;
    if (text == "garbage") return ByzantineMode::garbage;
    if (text == "silent") return ByzantineMode::silent;
    return std::nullopt;
}

double cpu_seconds() {
    return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

}  // namespace

int main(int argc, char** argv) {
    SimConfig config;
    std::uint64_t first = 1;
    std::uint64_t last = 1;
    bool bench = false;
    bool verbose = false;
    for (int index = 1; index < argc; ++index) {
        const std::string_view arg = argv[index];
        const char* value = index + 1 < argc ? argv[index + 1] : nullptr;
        auto need = [&]() {
            if (value == nullptr) {
                std::fprintf(stderr, "custos-sim: %s needs a value\n", argv[index]);
                std::exit(2);
            }
            ++index;
            return std::string_view(value);
        };
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage.data(), stdout);
            return 0;
        } else if (arg == "--version") {
            std::printf("custos-sim %s\n", std::string(custos::version).c_str());
            return 0;
        } else if (arg == "--seed") {
            first = last = std::strtoull(need().data(), nullptr, 10);
        } else if (arg == "--seeds") {
            if (!parse_range(need(), first, last)) {
                std::fprintf(stderr, "custos-sim: --seeds wants A..B\n");
                return 2;
            }
        } else if (arg == "--validators") {
            config.validators = std::strtoul(need().data(), nullptr, 10);
        } else if (arg == "--unequal-power") {
            config.unequal_power = true;
        } else if (arg == "--byzantine") {
            config.byzantine = std::strtoul(need().data(), nullptr, 10);
        } else if (arg == "--byzantine-mode") {
            config.byzantine_mode = parse_mode(need());
            if (!config.byzantine_mode) {
                std::fprintf(stderr, "custos-sim: unknown Byzantine mode\n");
                return 2;
            }
        } else if (arg == "--loss") {
            config.loss = std::strtod(need().data(), nullptr);
        } else if (arg == "--duplicate") {
            config.duplicate = std::strtod(need().data(), nullptr);
        } else if (arg == "--reorder") {
            config.reorder = std::strtod(need().data(), nullptr);
        } else if (arg == "--partition") {
            config.partition = std::strtod(need().data(), nullptr);
        } else if (arg == "--crash") {
            config.crash = std::strtod(need().data(), nullptr);
        } else if (arg == "--no-faults") {
            config.loss = config.duplicate = config.reorder = config.partition = config.crash = 0;
            config.crash_mid_ready = 0;
        } else if (arg == "--heights") {
            config.heights = std::strtoull(need().data(), nullptr, 10);
        } else if (arg == "--steps") {
            config.steps_max = std::strtoull(need().data(), nullptr, 10);
        } else if (arg == "--fault-ms") {
            config.fault_ms = std::strtoll(need().data(), nullptr, 10);
        } else if (arg == "--set-change") {
            config.set_change = true;
        } else if (arg == "--set-change-height") {
            config.set_change_height = std::strtoull(need().data(), nullptr, 10);
        } else if (arg == "--sabotage-double-sign") {
            config.sabotage_double_sign = true;
        } else if (arg == "--heartbeat-ms") {
            config.heartbeat_ms = std::strtoll(need().data(), nullptr, 10);
        } else if (arg == "--sabotage-ignore-events") {
            config.sabotage_ignore_events = true;
        } else if (arg == "--sabotage-eager-empty") {
            config.sabotage_eager_empty = true;
        } else if (arg == "--bench") {
            bench = true;
        } else if (arg == "--verbose") {
            verbose = true;
        } else {
            std::fprintf(stderr, "custos-sim: unknown option %s (try --help)\n", argv[index]);
            return 2;
        }
    }
    if (config.validators < 4 || config.validators > 10) {
        std::fprintf(stderr, "custos-sim: --validators must be 4 to 10\n");
        return 2;
    }
    if (config.set_change && (config.unequal_power || config.validators > 9)) {
        std::fprintf(stderr, "custos-sim: --set-change needs equal powers and at most 9 validators\n");
        return 2;
    }
    if (config.heartbeat_ms < 0 || (config.heartbeat_ms > 0 && config.set_change)) {
        std::fprintf(stderr, "custos-sim: --heartbeat-ms wants a non-negative value, and not --set-change\n");
        return 2;
    }
    if ((config.sabotage_ignore_events || config.sabotage_eager_empty) && config.heartbeat_ms == 0) {
        std::fprintf(stderr, "custos-sim: the idle sabotages need --heartbeat-ms\n");
        return 2;
    }
    if (config.byzantine * 3 >= config.validators) {
        std::fprintf(stderr, "custos-sim: --byzantine must be at most f = (n-1)/3\n");
        return 2;
    }
    if (bench) {
        config.loss = config.duplicate = config.reorder = config.partition = config.crash = 0;
        config.crash_mid_ready = 0;
        config.delay_max_ms = 0;
        config.byzantine = 0;
    }

    const double cpu_begin = cpu_seconds();
    std::uint64_t failures = 0;
    custos::sim::SimStats total;
    for (std::uint64_t seed = first; seed <= last; ++seed) {
        config.seed = seed;
        const auto result = custos::sim::run_simulation(config, bench);
        total.heights_decided += result.stats.heights_decided;
        total.votes_processed += result.stats.votes_processed;
        total.messages_delivered += result.stats.messages_delivered;
        total.core_seconds += result.stats.core_seconds;
        total.sign_seconds += result.stats.sign_seconds;
        total.evidence_found += result.stats.evidence_found;
        total.crashes += result.stats.crashes;
        total.set_changes += result.stats.set_changes;
        if (result.violation) {
            ++failures;
            std::printf("FAIL seed=%llu invariant=%s: %s\n", static_cast<unsigned long long>(seed),
                        std::string(custos::sim::invariant_name(result.violation->invariant)).c_str(),
                        result.violation->detail.c_str());
            std::fflush(stdout);
        } else if (verbose) {
            std::printf(
                "ok seed=%llu heights=%llu steps=%llu simulated_ms=%lld evidence=%llu crashes=%llu "
                "events=%llu empty_blocks=%llu\n",
                static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(result.stats.heights_decided),
                static_cast<unsigned long long>(result.stats.steps),
                static_cast<long long>(result.stats.simulated_ms),
                static_cast<unsigned long long>(result.stats.evidence_found),
                static_cast<unsigned long long>(result.stats.crashes),
                static_cast<unsigned long long>(result.stats.events_submitted),
                static_cast<unsigned long long>(result.stats.empty_blocks));
        }
    }
    const double cpu = cpu_seconds() - cpu_begin;
    const std::uint64_t runs = last - first + 1;
    std::printf(
        "custos-sim: %llu runs, %llu failed, validators=%zu byzantine=%zu, %.1f s CPU, "
        "%llu heights, %llu evidence, %llu crashes, %llu set changes\n",
        static_cast<unsigned long long>(runs), static_cast<unsigned long long>(failures), config.validators,
        config.byzantine, cpu, static_cast<unsigned long long>(total.heights_decided),
        static_cast<unsigned long long>(total.evidence_found), static_cast<unsigned long long>(total.crashes),
        static_cast<unsigned long long>(total.set_changes));
    if (bench) {
        const double core_logic = total.core_seconds - total.sign_seconds;
        std::printf(
            "bench: %.0f decided heights per CPU second (whole simulation, with signing and "
            "verification); core logic %.0f votes/s (%llu votes in %.3f s of Core::step, "
            "excluding %.3f s of signing)\n",
            static_cast<double>(total.heights_decided) / cpu,
            core_logic > 0 ? static_cast<double>(total.votes_processed) / core_logic : 0.0,
            static_cast<unsigned long long>(total.votes_processed), core_logic, total.sign_seconds);
    }
    return failures == 0 ? 0 : 1;
}
