// Storage faults and operator mistakes on real custos-node processes (issue 20). Each refusal is
// paired with the same thing done right passing.
#include <signal.h>
#include <sys/mount.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <unistd.h>

#include "api/http_client.hpp"
#include "cli_support.hpp"
#include "ledger/genesis.hpp"
#include "ledger/store/store.hpp"
#include "localnet.hpp"
#include "net_checks.hpp"

using custos::node_test::all_reach;
using custos::node_test::check_identical_blocks;
using custos::node_test::contains;
using custos::node_test::Localnet;
using custos::node_test::LocalnetOptions;
using custos::node_test::run_command;
using custos::node_test::run_custos;
using custos::node_test::run_custos_dev;
using custos::node_test::validator_count;

namespace {

// No node saw an equivocation (no honest validator signed twice) and none stopped on a fatal error.
void check_no_double_sign(Localnet& net) {
    for (std::size_t index = 0; index < validator_count; ++index) {
        CHECK_FALSE_MESSAGE(net.log_contains(index, "event=equivocation"), net.log_tail(index));
        CHECK_FALSE_MESSAGE(net.log_contains(index, "event=fatal"), net.log_tail(index));
    }
}

std::filesystem::path largest_log(const std::filesystem::path& store) {
    std::optional<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::directory_iterator(store)) {
        if (!entry.path().filename().string().ends_with(".log")) continue;
        if (!found || entry.file_size() > std::filesystem::file_size(*found)) found = entry.path();
    }
    REQUIRE(found.has_value());
    REQUIRE(std::filesystem::file_size(*found) > 0);
    return *found;
}

void flip_byte(const std::filesystem::path& file, std::uintmax_t offset) {
    std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
    stream.seekg(static_cast<std::streamoff>(offset));
    char byte = 0;
    REQUIRE(stream.get(byte));
    stream.seekp(static_cast<std::streamoff>(offset));
    stream.put(static_cast<char>(byte ^ 0x10));
    REQUIRE(stream.good());
}

// Submits `count` new events to the first three nodes in turn and waits until those three
// committed them; returns the new total.
std::uint64_t load_three(Localnet& net, std::uint64_t submitted, int count) {
    for (int event = 0; event < count; ++event) {
        REQUIRE(net.submit(static_cast<std::size_t>(event) % 3, net.next_register_envelope()) == 202);
        ++submitted;
    }
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2}, submitted, 30), net.log_tail(0));
    return submitted;
}

// A small tmpfs mounted over a directory for the test's life (CI runs as root). Detached on
// exit even while a process still has files open in it.
class Tmpfs {
public:
    Tmpfs(std::filesystem::path where, const std::string& size) : where_(std::move(where)) {
        std::filesystem::create_directories(where_);
        const std::string options = "size=" + size;
        mounted_ = ::mount("tmpfs", where_.c_str(), "tmpfs", 0, options.c_str()) == 0;
        REQUIRE_MESSAGE(mounted_,
                        "mount -t tmpfs failed (the storage tests run as root): " << std::strerror(errno));
    }
    ~Tmpfs() {
        if (mounted_) (void)::umount2(where_.c_str(), MNT_DETACH);
    }
    Tmpfs(const Tmpfs&) = delete;
    Tmpfs& operator=(const Tmpfs&) = delete;

private:
    std::filesystem::path where_;
    bool mounted_ = false;
};

// Writes zeros into `file` until the file system refuses (ENOSPC).
void fill_disk(const std::filesystem::path& file) {
    std::FILE* out = std::fopen(file.c_str(), "wb");
    REQUIRE(out != nullptr);
    std::setvbuf(out, nullptr, _IONBF, 0);
    std::vector<char> zeros(64 * 1024, 0);
    for (std::size_t chunk = zeros.size(); chunk >= 512; chunk /= 2) {
        while (std::fwrite(zeros.data(), 1, chunk, out) == chunk) {
        }
        std::clearerr(out);
    }
    std::fclose(out);
}

// GET /v1/checkpoints/{height} of node `index` (an open route), written to `file` as served.
void save_checkpoint(Localnet& net, std::size_t index, std::uint64_t height,
                     const std::filesystem::path& file) {
    custos::api::ClientRequest request;
    request.port = net.rest_port(index);
    request.target = "/v1/checkpoints/" + std::to_string(height);
    auto response = custos::api::http_request(request);
    REQUIRE(response.has_value());
    REQUIRE_MESSAGE(response->status == 200, response->body);
    std::ofstream(file, std::ios::binary) << response->body;
}

}  // namespace

TEST_CASE(
    "faults: custos audit refuses a validator's store copied at an earlier head against the network, "
    "and passes it against the checkpoint of its own head") {
    Localnet net;
    for (std::size_t index = 0; index < validator_count; ++index)
        net.start(index);
    std::uint64_t submitted = 0;
    for (int event = 0; event < 8; ++event) {
        REQUIRE(net.submit(static_cast<std::size_t>(event) % validator_count, net.next_register_envelope()) ==
                202);
        ++submitted;
    }
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2, 3}, submitted, 30), net.log_tail(0));
    // kill -9 leaves the store as a crash does (recent blocks in the write-ahead log); the copy
    // is what an operator might take as a backup.
    net.kill_node(3, SIGKILL);
    const auto copy = net.dir() / "node3-copy";
    std::filesystem::copy(net.store_dir(3), copy, std::filesystem::copy_options::recursive);
    for (int event = 0; event < 6; ++event) {
        REQUIRE(net.submit(static_cast<std::size_t>(event) % 3, net.next_register_envelope()) == 202);
        ++submitted;
        REQUIRE(all_reach(net, {0, 1, 2}, submitted, 30));  // One block each, at least.
    }

    const auto behind =
        run_custos(net.dir(), "audit --data " + copy.string() + " --against " + net.rest_url(0));
    CHECK_MESSAGE(behind.exit_code == 1, behind.out << behind.err);
    CHECK_MESSAGE(contains(behind.out, "rule checkpoint.behind"), behind.out << behind.err);
    CHECK_MESSAGE(contains(behind.out, "the store ends at height"), behind.out);

    // The pair: the same copy against the certified checkpoint of the height it holds (fetched
    // from another validator) verifies and says so; so does a whole store against the network.
    const auto alone = run_custos(net.dir(), "audit --data " + copy.string() + " --json");
    REQUIRE_MESSAGE(alone.exit_code == 0, alone.out << alone.err);
    auto report = custos::crypto::parse_json(alone.out);
    REQUIRE(report.has_value());
    const auto head = (*report)["head"]["height"].get<std::uint64_t>();
    REQUIRE(head >= 1);
    const auto checkpoint = net.dir() / "checkpoint.json";
    save_checkpoint(net, 1, head, checkpoint);
    const auto matched =
        run_custos(net.dir(), "audit --data " + copy.string() + " --expect " + checkpoint.string());
    CHECK_MESSAGE(matched.exit_code == 0, matched.out << matched.err);
    CHECK_MESSAGE(contains(matched.out, "checkpoint: height " + std::to_string(head)), matched.out);
    CHECK(contains(matched.out, "verified: "));
}

TEST_CASE(
    "faults: a validator refuses to start on a store with a damaged log record, naming the file; "
    "repaired from a peer's store it catches up without signing twice") {
    Localnet net;
    for (std::size_t index = 0; index < validator_count; ++index)
        net.start(index);
    std::uint64_t submitted = 0;
    for (int event = 0; event < 8; ++event) {
        REQUIRE(net.submit(static_cast<std::size_t>(event) % validator_count, net.next_register_envelope()) ==
                202);
        ++submitted;
    }
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2, 3}, submitted, 30), net.log_tail(0));
    net.kill_node(3, SIGKILL);  // Its recent blocks are in the write-ahead log only.
    const auto log = largest_log(net.store_dir(3));
    flip_byte(log, std::filesystem::file_size(log) / 2);

    const auto before = net.log_text(3).size();
    net.launch(3);
    const auto status = net.wait_exit(3, 20);
    REQUIRE_MESSAGE(status.has_value(), "the node started on a damaged store: " << net.log_tail(3));
    CHECK(*status == 1);
    const auto text = net.log_text(3).substr(before);
    CHECK_MESSAGE(contains(text, "Corruption"), text);
    CHECK_MESSAGE(contains(text, log.filename().string()), text);
    CHECK_MESSAGE(contains(text, "A damaged store"), text);
    CHECK_FALSE(contains(text, "event=node_started"));

    // The others go on; then the operator replaces the damaged store with a healthy validator's
    // (stopped cleanly for the copy) and keeps the node's own signing state.
    submitted = load_three(net, submitted, 4);
    net.kill_node(2, SIGTERM);
    std::filesystem::remove_all(net.store_dir(3));
    std::filesystem::copy(net.store_dir(2), net.store_dir(3), std::filesystem::copy_options::recursive);
    net.start(2);
    net.start(3);
    for (int event = 0; event < 4; ++event) {
        REQUIRE(net.submit(static_cast<std::size_t>(event) % validator_count, net.next_register_envelope()) ==
                202);
        ++submitted;
    }
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2, 3}, submitted, 30), net.log_tail(3));
    check_identical_blocks(net, {0, 1, 2, 3});
    check_no_double_sign(net);
}

TEST_CASE(
    "faults: a validator whose disk is full stops committing, answers submissions 503 and serves reads; "
    "with room again and restarted it catches up") {
    Localnet net;
    Tmpfs data(net.dir() / "node3" / "data", "256m");
    for (std::size_t index = 0; index < validator_count; ++index)
        net.start(index);
    std::uint64_t submitted = 0;
    for (int event = 0; event < 4; ++event) {
        REQUIRE(net.submit(static_cast<std::size_t>(event) % validator_count, net.next_register_envelope()) ==
                202);
        ++submitted;
    }
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2, 3}, submitted, 30), net.log_tail(3));

    const auto filler = net.dir() / "node3" / "data" / "filler";
    fill_disk(filler);
    REQUIRE_MESSAGE(net.wait_for(
                        [&] {
                            submitted = load_three(net, submitted, 1);
                            return net.log_contains(3, "event=storage_failed");
                        },
                        30),
                    net.log_tail(3));
    CHECK_MESSAGE(contains(net.log_text(3), "No space left on device"), net.log_tail(3));
    CHECK_FALSE(net.wait_exit(3, 1).has_value());  // Still running: no crash.
    CHECK(net.submit(3, net.next_register_envelope()) == 503);
    CHECK(net.healthz(3) == 503);
    CHECK(net.metric(3, "custos_storage_failed") == 1.0);
    CHECK(net.height(3).has_value());           // Reads are served from what it committed.
    submitted = load_three(net, submitted, 3);  // The others go on.

    std::filesystem::remove(filler);
    net.kill_node(3, SIGTERM);
    net.start(3);
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2, 3}, submitted, 30), net.log_tail(3));
    check_identical_blocks(net, {0, 1, 2, 3});
    check_no_double_sign(net);
}

#ifdef CUSTOS_EIO_SHIM
TEST_CASE(
    "faults: when fsync fails with EIO a validator stops committing and says so; "
    "no event it acknowledged is lost") {
    Localnet net;
    const auto trigger = net.dir() / "fsync-fails";
    net.set_environment(3, "LD_PRELOAD", CUSTOS_EIO_SHIM);
    net.set_environment(3, "CUSTOS_EIO_TRIGGER", trigger.string());
    for (std::size_t index = 0; index < validator_count; ++index)
        net.start(index);
    std::uint64_t submitted = 0;
    for (int event = 0; event < 4; ++event) {
        REQUIRE(net.submit_and_wait(3, net.next_register_envelope()) == 201);  // Acknowledged.
        ++submitted;
    }

    std::ofstream(trigger) << "fail\n";
    REQUIRE_MESSAGE(net.wait_for(
                        [&] {
                            submitted = load_three(net, submitted, 1);
                            return net.log_contains(3, "event=storage_failed");
                        },
                        30),
                    net.log_tail(3));
    CHECK_MESSAGE(contains(net.log_text(3), "Input/output error"), net.log_tail(3));
    CHECK_FALSE(net.wait_exit(3, 1).has_value());
    // Nothing is acknowledged once its disk failed.
    CHECK(net.submit_and_wait(3, net.next_register_envelope()) == 503);
    CHECK(net.healthz(3) == 503);

    std::filesystem::remove(trigger);
    net.kill_node(3, SIGTERM);
    net.set_environment(3, "LD_PRELOAD", "");
    net.start(3);
    // Every event acknowledged (by node 3 or the others) is in node 3's ledger after the restart:
    // each is a distinct registration, and the log holds at least as many.
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2, 3}, submitted, 30), net.log_tail(3));
    check_identical_blocks(net, {0, 1, 2, 3});
    check_no_double_sign(net);
}
#endif

TEST_CASE(
    "faults: a second custos-node on a running node's data directory is refused with its pid; "
    "another network's genesis and another validator's key are refused at start") {
    Localnet net;
    for (std::size_t index = 0; index < validator_count; ++index)
        net.start(index);
    REQUIRE(net.submit(0, net.next_register_envelope()) == 202);
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2, 3}, 1, 30), net.log_tail(0));

    // Twice on one directory: refused before it opens anything, naming the running one.
    const auto node0 = net.dir() / "node0.json";
    const auto twice =
        run_command(net.dir(), std::string(CUSTOS_NODE_BINARY) + " --config " + node0.string());
    CHECK(twice.exit_code == 1);
    CHECK_MESSAGE(contains(twice.err, "already running (pid " + std::to_string(net.pid(0)) + ")"), twice.err);
    CHECK_FALSE(contains(twice.err, "LOCK"));
    CHECK(net.healthz(0) == 200);  // The running one is untouched.

    // Another validator's key on node 3's directory (configs swapped): refused, naming both keys.
    net.kill_node(3, SIGTERM);
    const auto node3 = net.dir() / "node3.json";
    const std::string config = custos::node_test::read_file(node3);
    auto swapped = custos::crypto::parse_json(config);
    REQUIRE(swapped.has_value());
    (*swapped)["validator_key_file"] = "node2/validator.key";
    std::ofstream(node3, std::ios::trunc) << swapped->dump(2);
    const auto key_before = net.log_text(3).size();
    net.launch(3);
    const auto wrong_key = net.wait_exit(3, 20);
    REQUIRE_MESSAGE(wrong_key.has_value(), "started with another validator's key: " << net.log_tail(3));
    CHECK(*wrong_key == 2);
    const auto key_log = net.log_text(3).substr(key_before);
    CHECK_MESSAGE(contains(key_log, "belongs to validator key"), key_log);
    CHECK(contains(key_log, "could sign twice"));

    // Another network's genesis (another chain id): refused by the store, which says so.
    auto genesis = custos::crypto::parse_json(custos::node_test::read_file(net.dir() / "genesis.json"));
    REQUIRE(genesis.has_value());
    (*genesis)["chain_id"] = "custos-other-network";
    auto other = custos::ledger::genesis_from_json(*genesis);
    REQUIRE_MESSAGE(other.has_value(), (other ? std::string() : other.error().message));
    std::ofstream(net.dir() / "genesis-other.json") << custos::ledger::canonical_genesis(*other);
    auto foreign = custos::crypto::parse_json(config);
    (*foreign)["genesis_file"] = "genesis-other.json";
    std::ofstream(node3, std::ios::trunc) << foreign->dump(2);
    const auto genesis_before = net.log_text(3).size();
    net.launch(3);
    const auto wrong_genesis = net.wait_exit(3, 20);
    REQUIRE_MESSAGE(wrong_genesis.has_value(), "started with another network's genesis: " << net.log_tail(3));
    CHECK(*wrong_genesis == 2);
    const auto genesis_log = net.log_text(3).substr(genesis_before);
    CHECK_MESSAGE(contains(genesis_log, "belongs to genesis"), genesis_log);
    CHECK(contains(genesis_log, "is not the genesis this data directory was made with"));

    // The pair: its own config starts it, and it catches up.
    std::ofstream(node3, std::ios::trunc) << config;
    net.start(3);
    REQUIRE(net.submit(3, net.next_register_envelope()) == 202);
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2, 3}, 2, 30), net.log_tail(3));
    check_no_double_sign(net);
}

TEST_CASE("faults: custos-dev localnet run twice on one directory: the second says already running (pid N)") {
    const auto work =
        std::filesystem::temp_directory_path() / ("custos-faults-localnet-" + std::to_string(::getpid()));
    std::filesystem::remove_all(work);
    std::filesystem::create_directories(work);
    const auto dir = work / "net";
    const auto rest_base = static_cast<std::uint16_t>(31000 + (::getpid() % 100) * 8);
    auto init =
        custos::node_test::init_localnet(work, dir, rest_base, static_cast<std::uint16_t>(rest_base + 4));
    REQUIRE_MESSAGE(init.exit_code == 0, init.err);
    {
        custos::node_test::RunningLocalnet first(work, dir, false);
        REQUIRE_MESSAGE(custos::node_test::wait_healthy(rest_base, 4), first.log());
        const auto second = run_custos_dev(work, "localnet run --dir " + dir.string() + " --no-demo");
        CHECK(second.exit_code == 1);
        CHECK_MESSAGE(contains(second.err, "already running (pid "), second.err << second.out);
        CHECK(custos::node_test::wait_healthy(rest_base, 4));  // The first network is untouched.
    }
    std::filesystem::remove_all(work);
}

namespace {

// The heights of node `index`'s "event=signed" lines (log level debug) from byte `from` of its log on.
std::vector<std::uint64_t> signed_heights(const Localnet& net, std::size_t index, std::size_t from) {
    const auto log = net.log_text(index).substr(from);
    std::vector<std::uint64_t> heights;
    for (auto at = log.find("event=signed "); at != std::string::npos;
         at = log.find("event=signed ", at + 1)) {
        const auto field = log.find(" height=", at);
        if (field != std::string::npos) heights.push_back(std::stoull(log.substr(field + 8)));
    }
    return heights;
}

void copy_signing_state(const std::filesystem::path& from, const std::filesystem::path& to) {
    std::filesystem::create_directories(to);
    for (const char* name : {"consensus_wal", "consensus_blocks"}) {
        std::filesystem::remove_all(to / name);
        std::filesystem::copy(from / name, to / name, std::filesystem::copy_options::recursive);
    }
}

}  // namespace

TEST_CASE(
    "faults: a validator whose signing state is restored from an old copy signs nothing up to the height "
    "after its store's top, says so, and signs again after it") {
    // No heartbeat blocks: the network waits at the height after node 3's top while it restarts,
    // so without the guard node 3 would sign there.
    Localnet net(LocalnetOptions{.heartbeat_ms = 600'000});
    net.set_config(3, "log_level", "debug");  // Every message it signs is logged (event=signed).
    for (std::size_t index = 0; index < validator_count; ++index)
        net.start(index);
    const auto data = net.dir() / "node3" / "data";
    const auto backup = net.dir() / "signing-state-backup";
    std::uint64_t submitted = 0;
    for (int event = 0; event < 4; ++event) {
        REQUIRE(net.submit(static_cast<std::size_t>(event) % validator_count, net.next_register_envelope()) ==
                202);
        ++submitted;
    }
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2, 3}, submitted, 30), net.log_tail(0));
    net.kill_node(3, SIGKILL);
    copy_signing_state(data, backup);  // The operator's copy, soon old.

    // Done right first: a restart on its own signing state is not held back.
    auto from = net.log_text(3).size();
    net.start(3);
    for (int block = 0; block < 4; ++block) {  // Heights where it signs, each committed before the next.
        submitted = load_three(net, submitted, 2);
        REQUIRE(all_reach(net, {3}, submitted, 30));
    }
    CHECK_FALSE(net.log_contains(3, "event=signing_state_behind"));
    REQUIRE_MESSAGE(!signed_heights(net, 3, from).empty(), net.log_tail(3));  // It signed at the new heights.

    // The old copy put back: the store holds certificates with this validator's precommits at
    // heights its signing state never reached.
    net.kill_node(3, SIGKILL);
    const auto top = custos::ledger::Store::open(data / "store", {})->height().value;
    copy_signing_state(backup, data);
    from = net.log_text(3).size();
    net.start(3);
    const auto restarted = net.log_text(3).substr(from);
    const auto at = restarted.find("event=signing_state_behind");
    REQUIRE_MESSAGE(at != std::string::npos, restarted);
    const auto line = restarted.substr(at, restarted.find('\n', at) - at);
    CHECK_MESSAGE(line.find(" silent_through=" + std::to_string(top + 1) + " ") != std::string::npos, line);
    CHECK_MESSAGE(restarted.find("level=error event=signing_state_behind") != std::string::npos, restarted);

    // The others go on (from top + 1, with node 3 connected); it follows and signs again only
    // above top + 1.
    REQUIRE(net.wait_for([&] { return net.metric(3, "custos_peers_connected").value_or(0) >= 3; }, 20));
    CHECK(net.metric(3, "custos_voting") == 0.0);
    auto signed_above = [&] {
        for (auto height : signed_heights(net, 3, from))
            if (height > top + 1) return true;
        return false;
    };
    for (int block = 0; block < 10 && !signed_above(); ++block) {  // A few heights, one at a time.
        submitted = load_three(net, submitted, 2);
        REQUIRE(all_reach(net, {3}, submitted, 30));
    }
    REQUIRE_MESSAGE(signed_above(), net.log_tail(3));
    for (auto height : signed_heights(net, 3, from))
        CHECK_MESSAGE(height > top + 1, "signed at height " << height << ", held back through " << top + 1);
    CHECK(net.log_contains(3, "reason=signing_state_behind"));
    check_no_double_sign(net);
}
