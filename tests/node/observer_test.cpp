// Multi-process: observer nodes (docs/OPERATIONS.md "Observer nodes"). A node with a key of its
// own outside the validator set, which the validators list under "observers" in their configs,
// started after they committed blocks: it catches up, follows with the validators' block hashes,
// refuses a forged block offered as its next one, serves evidence reads (a trail, a bundle, a
// case) once a validator has recorded each in the consultation log (the read relay: the record
// names the validator and its signed base the observer's address), with the validators gone
// answers an evidence read 503 and serves nothing, and its store audits against the validators'
// latest checkpoint. The validator's side of the relay: it records a listed observer's read and
// refuses one from another link or with a bad officer signature. Negative control: an observer
// the validators do not list is refused at the handshake and never gets a block. Label `node`.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <mutex>
#include <thread>

#include <doctest/doctest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "consensus/messages.hpp"
#include "consensus/runtime/node_impl.hpp"
#include "consensus/runtime/transport.hpp"
#include "crypto/encoding.hpp"
#include "ledger/audit/audit.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/events/read_record.hpp"
#include "localnet.hpp"

using namespace custos;
using custos::node_test::Localnet;

namespace {

constexpr std::size_t observer = 4;  // Listed by the validators.
constexpr std::size_t stranger = 5;  // Not listed: the negative control.

bool same_chain(Localnet& net, std::size_t node, std::uint64_t top) {
    for (std::uint64_t height = 1; height <= top; ++height) {
        auto theirs = net.block_hash(0, height);
        auto ours = net.block_hash(node, height);
        if (!theirs || !ours || *theirs != *ours) return false;
    }
    return true;
}

// An in-process transport with the key of one of the localnet's nodes (not started), dialing
// one node that allows that key; it keeps the messages it receives. The test plays validator 3
// with it (a forged block for the observer, a read relay from a validator's link) and the
// observer (read relays from a listed observer's link).
class FakePeer {
public:
    FakePeer(Localnet& net, std::size_t as, std::size_t to) : work_(boost::asio::make_work_guard(io_)) {
        auto key = crypto::read_secret_key_file(net.dir() / ("node" + std::to_string(as)) / "validator.key");
        REQUIRE(key.has_value());
        auto target =
            crypto::read_secret_key_file(net.dir() / ("node" + std::to_string(to)) / "validator.key");
        REQUIRE(target.has_value());
        target_ = target->key.public_key();
        runtime::TransportOptions options;
        options.chain_id = net.genesis().chain_id;
        options.allowed_peers = {target_};
        auto created = runtime::Transport::create(io_, key->key, options);
        REQUIRE(created.has_value());
        transport_ = std::move(*created);
        transport_->on_message([this](const crypto::PublicKey&, Bytes message) {
            std::lock_guard lock(mutex_);
            received_.push_back(std::move(message));
        });
        transport_->on_peer_up([this](const crypto::PublicKey&) { up_ = true; });
        transport_->on_peer_down([this](const crypto::PublicKey&) { up_ = false; });
        REQUIRE(transport_->connect_to({runtime::PeerAddress{net.peer_address(to), target_}}).has_value());
        thread_ = std::thread([this] { io_.run(); });
    }
    ~FakePeer() {
        transport_->stop();
        work_.reset();
        io_.stop();
        thread_.join();
    }
    FakePeer(const FakePeer&) = delete;
    FakePeer& operator=(const FakePeer&) = delete;

    [[nodiscard]] bool up() const { return up_; }
    [[nodiscard]] const crypto::PublicKey& target() const { return target_; }
    void send(const consensus::SignedMessage& message) {
        REQUIRE(transport_->send(
            target_, runtime::frame_message(runtime::wire::consensus, consensus::encode(message))));
    }
    // Sends a read relay (0x07) and waits up to 20 s for its answer (0x08).
    std::optional<runtime::ReadRelayAnswer> relay(const runtime::ReadRelayRequest& request) {
        REQUIRE(transport_->send(
            target_, runtime::frame_message(runtime::wire::read_relay, runtime::encode_read_relay(request))));
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < deadline) {
            {
                std::lock_guard lock(mutex_);
                for (const auto& message : received_) {
                    if (message.empty() || message[0] != runtime::wire::read_relay_answer) continue;
                    auto answer = runtime::decode_read_relay_answer(std::string_view(
                        reinterpret_cast<const char*>(message.data()) + 1, message.size() - 1));
                    if (answer && answer->ticket == request.ticket) return *answer;
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return std::nullopt;
    }

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::unique_ptr<runtime::Transport> transport_;
    crypto::PublicKey target_;
    std::atomic<bool> up_{false};
    std::mutex mutex_;
    std::vector<Bytes> received_;
    std::thread thread_;
};

// A trail read of `item` by the localnet's auditor, signed for `authority` (host:port) now, as
// an observer serving it would relay it.
runtime::ReadRelayRequest relayed_trail(Localnet& net, const std::string& authority, const std::string& item,
                                        std::uint64_t ticket) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const crypto::SecretKey& officer = net.auditor_key();
    const std::string base =
        "\"@method\": GET\n\"@target-uri\": http://" + authority + "/v1/items/" + item +
        "/trail\n\"content-digest\": sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:\n"
        "\"@signature-params\": (\"@method\" \"@target-uri\" \"content-digest\");created=" +
        std::to_string(now / 1000) + ";expires=" + std::to_string(now / 1000 + 60) + ";nonce=\"relay-" +
        std::to_string(ticket) + "\";keyid=\"" + ledger::key_id(officer.public_key()) + "\";alg=\"ed25519\"";
    return runtime::ReadRelayRequest{.ticket = ticket,
                                     .received = ledger::TimeMs{now},
                                     .read = ledger::ReadRecord{.node = "observer",
                                                                .officer = officer.public_key(),
                                                                .action = ledger::ReadAction::trail,
                                                                .subject = item,
                                                                .outcome = ledger::ReadOutcome::served,
                                                                .status = 200,
                                                                .signature_base = base,
                                                                .signature = officer.sign(as_bytes(base))}};
}

// The read records of `item` that validator `index` lists: each one's id and event.
std::vector<std::pair<std::string, crypto::Json>> item_read_events(Localnet& net, std::size_t index,
                                                                   const std::string& item) {
    std::vector<std::pair<std::string, crypto::Json>> events;
    auto [status, body] = net.auditor_get(index, "/v1/items/" + item + "/reads");
    if (status != 200) return events;
    auto reads = crypto::parse_json(body);
    if (!reads) return events;
    for (const auto& read : (*reads)["reads"]) {
        const std::string id = read["id"].get<std::string>();
        auto [found, event] = net.auditor_get(index, "/v1/events/" + id);
        auto parsed = crypto::parse_json(event);
        if (found == 200 && parsed) events.emplace_back(id, (*parsed)["envelope"]["event"]);
    }
    return events;
}

}  // namespace

TEST_CASE(
    "observers: one started late catches up, follows, serves reads a validator recorded, refuses a "
    "forged block; an unlisted one is refused") {
    // Quiet when idle (a long heartbeat): heights move only with events, so the forged block
    // below is offered exactly as the observer's next one. Validator 3 is the test's.
    Localnet net({.heartbeat_ms = 600'000, .observers = {true, false}});
    for (std::size_t index = 0; index < 3; ++index)
        net.start(index);
    std::vector<std::string> items;
    for (int event = 0; event < 3; ++event) {
        auto [envelope, item] = net.next_register_item();
        REQUIRE(net.submit_and_wait(static_cast<std::size_t>(event) % 3, envelope) == 201);
        items.push_back(item);
    }
    const auto before = net.height(0);
    REQUIRE(before.has_value());
    REQUIRE(*before >= 3);

    // The validator's side of the read relay, before the observer runs (the test holds its key).
    const std::string observer_authority = net.host(observer) + ":" + std::to_string(net.rest_port(observer));
    std::string relayed_id;
    {
        // From a validator's link (validator 3's key): refused, a validator records only the reads
        // of the observers its config lists.
        FakePeer validator_link(net, 3, 0);
        REQUIRE(net.wait_for([&] { return validator_link.up(); }, 20));
        auto refused = validator_link.relay(relayed_trail(net, observer_authority, items[0], 1));
        REQUIRE(refused.has_value());
        CHECK_FALSE(refused->id.has_value());
        CHECK_MESSAGE(refused->refused.find("observers") != std::string::npos, refused->refused);
    }
    {
        FakePeer observer_link(net, observer, 0);
        REQUIRE(net.wait_for([&] { return observer_link.up(); }, 20));
        // The officer's signature over another request: refused (R35), nothing recorded.
        auto forged = relayed_trail(net, observer_authority, items[0], 2);
        forged.read.signature = net.auditor_key().sign(as_bytes(std::string_view("another request")));
        auto bad = observer_link.relay(forged);
        REQUIRE(bad.has_value());
        CHECK_FALSE(bad->id.has_value());
        CHECK_MESSAGE(bad->refused.find("R35") != std::string::npos, bad->refused);
        // A request validly signed, but for another node (validator 0's API): not the observer's
        // read to have recorded, refused naming the authority.
        const std::string validator_authority = net.host(0) + ":" + std::to_string(net.rest_port(0));
        auto foreign = observer_link.relay(relayed_trail(net, validator_authority, items[0], 4));
        REQUIRE(foreign.has_value());
        CHECK_FALSE(foreign->id.has_value());
        CHECK_MESSAGE(foreign->refused.find("'" + validator_authority + "'") != std::string::npos,
                      foreign->refused);
        // A good one from the listed observer's link: recorded (the answer carries its event id).
        auto good = observer_link.relay(relayed_trail(net, observer_authority, items[0], 3));
        REQUIRE(good.has_value());
        REQUIRE_MESSAGE(good->id.has_value(), good->refused);
        relayed_id = ledger::event_id_hex(*good->id);
    }
    std::string validator0;
    for (const auto& validator : net.genesis().validators.validators) {
        auto key = crypto::read_secret_key_file(net.dir() / "node0" / "validator.key");
        if (key && validator.key == key->key.public_key()) validator0 = validator.name;
    }
    REQUIRE_FALSE(validator0.empty());
    // It commits like validator 0's own read records, naming validator 0; the forged one is not there.
    auto committed_relay = [&] {
        for (const auto& [id, event] : item_read_events(net, 0, items[0])) {
            if (id == relayed_id) return event;
        }
        return crypto::Json();
    };
    REQUIRE(net.wait_for([&] { return !committed_relay().is_null(); }, 30));
    CHECK(committed_relay()["read"]["node"] == validator0);
    for (const auto& [id, event] : item_read_events(net, 0, items[0]))
        for (const std::string refused : {"nonce=\"relay-2\"", "nonce=\"relay-4\""})
            CHECK(event["read"]["signature_base"].get<std::string>().find(refused) == std::string::npos);
    CHECK(net.metric(0, "custos_reads_recorded_for_observers_total") == 1.0);
    CHECK(net.metric(0, "custos_reads_relay_refused_total") == 3.0);

    // Started after genesis: it catches up by block sync, checking every certificate.
    net.start(observer);
    net.start(stranger);
    REQUIRE(net.wait_for([&] { return net.height(observer).value_or(0) >= *before; }, 60));
    CHECK(same_chain(net, observer, *before));
    CHECK(net.metric(observer, "custos_observer") == 1.0);
    CHECK(net.metric(observer, "custos_voting") == 0.0);

    // It follows new commits, and an event submitted through it reaches the validators (its
    // gossip is admitted like an API submission).
    auto [through_observer, relayed_item] = net.next_register_item();
    const auto submitted = net.submit_commit(observer, through_observer);
    const unsigned status = submitted.first;
    const std::string& body = submitted.second;  // Not structured bindings (clang 14, doctest).
    CHECK_MESSAGE(status == 201, body);
    auto [direct, direct_item] = net.next_register_item();
    REQUIRE(net.submit_and_wait(1, direct) == 201);
    const auto followed = net.height(1);
    REQUIRE(followed.has_value());
    REQUIRE(net.wait_for([&] { return net.height(observer).value_or(0) >= *followed; }, 30));
    CHECK(same_chain(net, observer, *followed));
    CHECK(net.auditor_get(0, "/v1/items/" + relayed_item + "/trail").first == 200);

    // What needs no consultation record is served, and so are the evidence reads: each once a
    // validator has recorded it.
    CHECK(net.healthz(observer) == 200);
    CHECK(net.auditor_get(observer, "/v1/status").first == 200);
    CHECK(net.auditor_get(observer, "/v1/blocks/" + std::to_string(*followed)).first == 200);
    CHECK(net.auditor_get(observer, "/v1/checkpoints/latest").first == 200);
    for (const auto& target : std::vector<std::string>{
             "/v1/items/" + items[0] + "/trail", "/v1/items/" + items[0] + "/bundle", "/v1/cases/CASE-1"}) {
        const auto got = net.auditor_get(observer, target);
        const unsigned served = got.first;
        const std::string& answer = got.second;
        CHECK_MESSAGE(served == 200, (target + ": " + answer));
    }
    CHECK(net.metric(observer, "custos_reads_relayed_total") == 3.0);
    CHECK(net.metric(observer, "custos_reads_relay_failed_total") == 0.0);
    // The observer's trail read is on the ledger: a validator's record, whose signed base names
    // the observer's address (the node that served it).
    const std::string observer_trail = "http://" + observer_authority + "/v1/items/" + items[0] + "/trail";
    std::vector<std::string> validator_names;
    for (const auto& validator : net.genesis().validators.validators)
        validator_names.push_back(validator.name);
    auto observer_record = [&] {
        for (const auto& [id, event] : item_read_events(net, 1, items[0])) {
            if (id != relayed_id &&
                event["read"]["signature_base"].get<std::string>().find(observer_trail) != std::string::npos)
                return event;
        }
        return crypto::Json();
    };
    REQUIRE(net.wait_for([&] { return !observer_record().is_null(); }, 30));
    const auto record = observer_record();
    CHECK(std::find(validator_names.begin(), validator_names.end(),
                    record["read"]["node"].get<std::string>()) != validator_names.end());
    CHECK(record["read"]["outcome"] == "served");
    CHECK(record["read"]["officer"] == ledger::key_id(net.auditor_key().public_key()));

    // The reads above commit in blocks of their own: wait until the chain is quiet again.
    auto quiet = [&] {
        const auto was = net.height(0);
        std::this_thread::sleep_for(std::chrono::milliseconds(1000));
        return was.has_value() && net.height(0) == was && net.height(observer) == was;
    };
    REQUIRE(net.wait_for(quiet, 30));

    // A forged next block: block `top` re-labelled as top + 1, under the certificate of `top`.
    const auto top = *net.height(observer);
    REQUIRE(net.height(0) == top);
    auto real = net.block(observer, top);
    REQUIRE(real.has_value());
    auto header = ledger::block_header_from_json(real->at("header"));
    REQUIRE(header.has_value());
    ledger::Block forged;
    forged.header = *header;
    forged.header.height = ledger::Height{top + 1};
    forged.header.previous = ledger::block_hash(*header);
    consensus::SignedMessage commit{
        consensus::Commit{forged, ledger::Round{0},
                          ledger::Certificate{real->at("certificate").get<std::string>()}},
        {},
        {}};
    const auto refused_before = net.metric(observer, "custos_messages_refused_total");
    REQUIRE(refused_before.has_value());
    {
        FakePeer fake(net, 3, observer);
        REQUIRE(net.wait_for([&] { return fake.up(); }, 20));
        fake.send(commit);
        CHECK(net.wait_for([&] { return net.log_contains(observer, "commit_refused"); }, 20));
    }
    CHECK(net.metric(observer, "custos_messages_refused_total").value_or(0) > *refused_before);
    CHECK(net.height(observer) == top);
    CHECK(net.block_hash(observer, top) == net.block_hash(0, top));

    // The next real block is applied: the forged one took nothing from the observer.
    auto [after, after_item] = net.next_register_item();
    REQUIRE(net.submit_and_wait(2, after) == 201);
    REQUIRE(net.wait_for([&] { return net.height(observer).value_or(0) >= top + 1; }, 30));
    const auto last = *net.height(observer);
    CHECK(net.block_hash(observer, top + 1) != ledger::block_hash_hex(ledger::block_hash(forged.header)));
    CHECK(same_chain(net, observer, last));

    // Negative control: the validators refused the unlisted observer's handshake; it has nothing.
    CHECK(net.height(stranger) == 0);
    CHECK(net.log_contains(0, "not_allowed"));

    // The observer's store audits, and holds the validators' latest certified checkpoint.
    auto checkpoint = net.block(0, last);
    REQUIRE(checkpoint.has_value());
    // With no validator left to record it, the observer serves no evidence read: 503 naming R33.
    for (std::size_t index = 0; index < 3; ++index)
        net.kill_node(index, SIGTERM);
    const auto refused = net.auditor_get(observer, "/v1/items/" + items[0] + "/trail");
    const unsigned unrecorded = refused.first;
    const std::string& problem = refused.second;
    CHECK(unrecorded == 503);
    CHECK_MESSAGE(problem.find("no validator") != std::string::npos, problem);
    CHECK(problem.find("R33") != std::string::npos);
    CHECK(problem.find("\"events\"") == std::string::npos);
    CHECK(net.metric(observer, "custos_reads_relay_failed_total") == 1.0);
    for (std::size_t index = 0; index < net.node_count(); ++index) {
        if (net.running(index)) net.kill_node(index, SIGTERM);
    }
    ledger::AuditOptions options;
    options.expected_genesis_hash = ledger::genesis_hash(net.genesis());
    options.expected_checkpoints = {ledger::Certificate{checkpoint->at("certificate").get<std::string>()}};
    auto report = ledger::audit_directory(net.store_dir(observer), options);
    REQUIRE(report.has_value());
    CHECK_MESSAGE(report->verified(), ledger::audit_summary(*report));
    CHECK(report->blocks == last);
    CHECK(report->checkpoints.size() == 1);
}
