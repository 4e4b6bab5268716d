// Multi-process: observer nodes (docs/OPERATIONS.md "Observer nodes"). A node with a key of its
// own outside the validator set, which the validators list under "observers" in their configs,
// started after they committed blocks: it catches up, follows with the validators' block hashes,
// refuses a forged block offered as its next one, answers what needs no consultation record and
// refuses the evidence reads only a validator can record, and its store audits against the
// validators' latest checkpoint. Negative control: an observer the validators do not list is
// refused at the handshake and never gets a block. Label `node`.
#include <csignal>
#include <thread>

#include <doctest/doctest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "consensus/messages.hpp"
#include "consensus/runtime/node_impl.hpp"
#include "consensus/runtime/transport.hpp"
#include "crypto/encoding.hpp"
#include "ledger/audit.hpp"
#include "ledger/block.hpp"
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

// The test plays validator 3 (not started): an in-process transport with its key, connected to
// the observer, which allows the validators of its next heights.
class FakeValidator {
public:
    FakeValidator(Localnet& net, const crypto::PublicKey& observer_key)
        : work_(boost::asio::make_work_guard(io_)) {
        auto key = crypto::read_secret_key_file(net.dir() / "node3" / "validator.key");
        REQUIRE(key.has_value());
        runtime::TransportOptions options;
        options.chain_id = net.genesis().chain_id;
        options.allowed_peers = {observer_key};
        auto created = runtime::Transport::create(io_, key->key, options);
        REQUIRE(created.has_value());
        transport_ = std::move(*created);
        transport_->on_message([](const crypto::PublicKey&, Bytes) {});
        transport_->on_peer_up([this](const crypto::PublicKey&) { up_ = true; });
        transport_->on_peer_down([this](const crypto::PublicKey&) { up_ = false; });
        REQUIRE(transport_->connect_to({runtime::PeerAddress{net.peer_address(observer), observer_key}})
                    .has_value());
        thread_ = std::thread([this] { io_.run(); });
    }
    ~FakeValidator() {
        transport_->stop();
        work_.reset();
        io_.stop();
        thread_.join();
    }
    FakeValidator(const FakeValidator&) = delete;
    FakeValidator& operator=(const FakeValidator&) = delete;

    [[nodiscard]] bool up() const { return up_; }
    void send(const crypto::PublicKey& to, const consensus::SignedMessage& message) {
        REQUIRE(transport_->send(
            to, runtime::frame_message(runtime::wire::consensus, consensus::encode(message))));
    }

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::unique_ptr<runtime::Transport> transport_;
    std::atomic<bool> up_{false};
    std::thread thread_;
};

}  // namespace

TEST_CASE(
    "observers: one started late catches up, follows, refuses a forged block and evidence reads; "
    "an unlisted one is refused") {
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
    auto [status, body] = net.submit_commit(observer, through_observer);
    CHECK_MESSAGE(status == 201, body);
    auto [direct, direct_item] = net.next_register_item();
    REQUIRE(net.submit_and_wait(1, direct) == 201);
    const auto followed = net.height(1);
    REQUIRE(followed.has_value());
    REQUIRE(net.wait_for([&] { return net.height(observer).value_or(0) >= *followed; }, 30));
    CHECK(same_chain(net, observer, *followed));
    CHECK(net.auditor_get(0, "/v1/items/" + relayed_item + "/trail").first == 200);

    // What needs no consultation record is served; the evidence reads are refused (503), and a
    // validator serves the same read.
    CHECK(net.healthz(observer) == 200);
    CHECK(net.auditor_get(observer, "/v1/status").first == 200);
    CHECK(net.auditor_get(observer, "/v1/blocks/" + std::to_string(*followed)).first == 200);
    CHECK(net.auditor_get(observer, "/v1/checkpoints/latest").first == 200);
    for (const auto& target : std::vector<std::string>{
             "/v1/items/" + items[0] + "/trail", "/v1/items/" + items[0] + "/bundle", "/v1/cases/CASE-1"}) {
        auto [refused, problem] = net.auditor_get(observer, target);
        CHECK_MESSAGE(refused == 503, target);
        CHECK(problem.find("observer") != std::string::npos);
        CHECK(net.auditor_get(0, target).first == 200);
    }

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
    auto observer_key = crypto::read_secret_key_file(net.dir() / "node4" / "validator.key");
    REQUIRE(observer_key.has_value());
    {
        FakeValidator fake(net, observer_key->key.public_key());
        REQUIRE(net.wait_for([&] { return fake.up(); }, 20));
        fake.send(observer_key->key.public_key(), commit);
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
