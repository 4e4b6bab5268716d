// Not a test: writes the seed inputs of the fuzz targets (fuzz/corpus/<target>/) from the
// fixtures, so the committed seeds can be made again when a format changes. Skipped unless asked:
//   CUSTOS_FUZZ_SEEDS=DIR build/bin/custos-test-runtime -tc='fuzz seeds*' --no-skip
// (and the same with custos-test-api for the API's targets, tests/api/fuzz_seeds_test.cpp),
// then minimize into fuzz/corpus (docs/FUZZING.md). Every signature in them is made with the
// fixtures' keys, which the fuzz targets know (fuzz/fuzz_support.hpp).
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include "consensus/messages.hpp"
#include "consensus/runtime/frame.hpp"
#include "consensus/runtime/handshake.hpp"
#include "consensus/runtime/node_impl.hpp"
#include "consensus/runtime/read_relay.hpp"
#include "consensus/runtime/wal.hpp"
#include "crypto/encoding.hpp"
#include "test_support.hpp"
#include "tests/ledger/bundle_fixture.hpp"

namespace {

using namespace custos;
namespace fs = std::filesystem;

class SeedWriter {
public:
    explicit SeedWriter(fs::path root) : root_(std::move(root)) {}
    void write(const std::string& target, const std::string& name, std::string_view bytes) {
        fs::create_directories(root_ / target);
        std::ofstream out(root_ / target / name, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        REQUIRE(out.good());
    }

private:
    fs::path root_;
};

std::string byte(std::uint8_t value) {
    return std::string(1, static_cast<char>(value));
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The log's records (docs: consensus/runtime/wal.hpp), each as an `R` section of the
// signing_state target, and every block file as a `B` section.
std::string signing_state_input(const fs::path& dir) {
    const std::string log = read_file(dir / runtime::consensus_wal_file_name);
    std::string out;
    std::size_t at = runtime::consensus_wal_magic.size();
    while (at + 36 <= log.size()) {
        std::uint32_t length = 0;
        for (std::size_t index = 0; index < 4; ++index)
            length = (length << 8) | static_cast<std::uint8_t>(log[at + index]);
        if (!out.empty()) out += "\x01\x02";
        out += "R" + log.substr(at + 36, length);
        at += 36 + length;
    }
    for (const auto& entry : fs::directory_iterator(dir / runtime::consensus_blocks_dir_name)) {
        const std::string text = read_file(entry.path());
        out +=
            "\x01\x02"
            "B" +
            text.substr(text.find('\n', text.find('\n') + 1) + 1);
    }
    return out;
}

}  // namespace

TEST_CASE("fuzz seeds: write the fuzz targets' seed inputs" * doctest::skip()) {
    const char* root = std::getenv("CUSTOS_FUZZ_SEEDS");
    REQUIRE_MESSAGE(root != nullptr, "set CUSTOS_FUZZ_SEEDS to the directory to write");
    SeedWriter seeds{fs::path(root)};
    test::BundleWorld world;
    auto& store = world.store();
    const auto& ledger_world = world.world;
    const auto& validator_keys = ledger_world.validator_keys;
    const auto& validators = ledger_world.genesis.validators;

    // Bundles, their envelopes, certificates, blocks.
    for (const std::string item : {"ITEM-1", "ITEM-2", "ITEM-1.image"}) {
        seeds.write("bundle", item, crypto::canonicalize(world.bundle(item)).value());
    }
    std::string gossip = "[";
    std::size_t count = 0;
    for (const auto& block : ledger_world.ledger->blocks()) {
        for (const auto& envelope : block.events) {
            const auto text = ledger::canonical_envelope(envelope);
            seeds.write("envelope", "event-" + std::to_string(++count), text);
            if (count <= 3) gossip += (count == 1 ? "" : ",") + text;
        }
    }
    gossip += "]";
    seeds.write("runtime_message", "events", byte(runtime::wire::events) + gossip);
    const auto top = store.height().value;
    for (std::uint64_t height = 1; height <= top; height += 4) {
        auto certificate = store.certificate(ledger::Height{height});
        REQUIRE(certificate.has_value());
        seeds.write("note", "certificate-" + std::to_string(height), certificate->note);
    }

    // Consensus messages at the height after the store's, by validator 0.
    auto block = store.block(ledger::Height{2});
    REQUIRE(block.has_value());
    auto certificate = store.certificate(ledger::Height{2});
    REQUIRE(certificate.has_value());
    consensus::KeySigner signer(validators.validators[0].name, test::seeded_key(100));
    const auto& chain = ledger_world.genesis.chain_id;
    const auto id = ledger::block_hash(block->header);
    const auto proposal = consensus::sign_proposal(
        signer, chain, consensus::Proposal{block->header.height, ledger::Round{0}, std::nullopt, *block, {}});
    const auto prevote = consensus::sign_vote(
        signer, chain, consensus::make_prevote(block->header.height, ledger::Round{1}, id));
    const auto nil = consensus::sign_vote(
        signer, chain, consensus::make_prevote(block->header.height, ledger::Round{2}, std::nullopt));
    const auto precommit =
        consensus::sign_vote(signer, chain,
                             consensus::make_precommit(block->header.height, ledger::Round{0},
                                                       consensus::checkpoint_ref(block->header)));
    const consensus::SignedMessage commit{consensus::Commit{*block, ledger::Round{0}, *certificate}, {}, {}};
    std::vector<Hash32> leaves;
    for (const auto& envelope : block->events)
        leaves.push_back(crypto::sha256(byte(0) + ledger::canonical_envelope(envelope)));
    const auto compact = consensus::encode_compact(proposal, leaves);
    const std::vector<std::pair<std::string, const consensus::SignedMessage*>> messages = {
        {"proposal", &proposal},
        {"prevote", &prevote},
        {"prevote-nil", &nil},
        {"precommit", &precommit},
        {"commit", &commit}};
    for (const auto& [name, message] : messages) {
        seeds.write("consensus_message", name, byte(0) + consensus::encode(*message));
        seeds.write("runtime_message", name, byte(runtime::wire::consensus) + consensus::encode(*message));
    }
    seeds.write("consensus_message", "compact", byte(1) + compact);
    seeds.write("runtime_message", "compact", byte(runtime::wire::compact_proposal) + compact);
    seeds.write("runtime_message", "status", byte(runtime::wire::status) + std::string(7, '\0') + byte(9));

    // The read relay (read_relay.hpp): an observer's trail read signed by an officer, received
    // a second after it was signed; a validator's answers (recorded, refused).
    {
        const auto request = runtime::testing::relayed_trail_read(
            test::seeded_key(1), {.ticket = 1, .received_ms = 1'700'000'001'000, .node = "observer-4"});
        seeds.write("runtime_message", "read-relay",
                    byte(runtime::wire::read_relay) + runtime::encode_read_relay(request));
        seeds.write("runtime_message", "read-relay-answer",
                    byte(runtime::wire::read_relay_answer) +
                        runtime::encode_read_relay_answer(
                            {.ticket = 1,
                             .id = ledger::event_id_from_hex(std::string(64, 'b')).value(),
                             .refused = {}}));
        seeds.write("runtime_message", "read-relay-refused",
                    byte(runtime::wire::read_relay_answer) +
                        runtime::encode_read_relay_answer(
                            {.ticket = 2,
                             .id = std::nullopt,
                             .refused = "this validator does not list the sender under \"observers\""}));
    }

    // The signing state: a proposal, then locked and valid on its block; and the v1 file.
    {
        test::TempDir dir;
        consensus::PersistentState state;
        state.height = block->header.height;
        state.round = ledger::Round{0};
        state.last_proposal = proposal;
        state.last_prevote = prevote;
        runtime::SigningStateFile file(dir.path());
        REQUIRE(file.load().has_value());
        REQUIRE(file.save(state).has_value());
        seeds.write("signing_state", "proposal", signing_state_input(dir.path()));
        state.locked_round = ledger::Round{0};
        state.locked_block = *block;
        state.valid_round = ledger::Round{0};
        state.valid_block = *block;
        state.valid_proof = {prevote};
        state.last_precommit = precommit;
        REQUIRE(file.save(state).has_value());
        seeds.write("signing_state", "locked", signing_state_input(dir.path()));
        seeds.write("signing_state", "legacy", "L" + runtime::encode_persistent_state(state));
    }

    // The peer handshake and frames.
    {
        const auto own = runtime::EphemeralKeyPair::generate();
        const auto hello = own.make_hello();
        const auto hello_bytes = runtime::encode_hello(hello);
        const auto auth =
            runtime::encode_auth(runtime::make_auth(validator_keys[1], crypto::sha256("transcript")));
        std::string handshake(hello_bytes.begin(), hello_bytes.end());
        seeds.write("handshake", "hello-auth", handshake + std::string(auth.begin(), auth.end()));
        auto record = [](std::uint8_t kind, std::string_view bytes) {
            return byte(kind) + byte(static_cast<std::uint8_t>(bytes.size() >> 8)) +
                   byte(static_cast<std::uint8_t>(bytes.size() & 0xff)) + std::string(bytes);
        };
        const std::string auth_frame = record(0, byte(1) + std::string(auth.begin(), auth.end()));
        seeds.write("frame", "auth-message-ping",
                    auth_frame + record(0, byte(2) + byte(runtime::wire::status) + std::string(8, '\0')) +
                        record(0, byte(3)));
        seeds.write("frame", "auth-then-raw", auth_frame + record(1, std::string(40, '\x01')));
    }
}
