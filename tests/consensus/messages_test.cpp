#include <doctest/doctest.h>

#include <type_traits>

#include "cluster.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "crypto/signed_note.hpp"

using namespace custos::test;

// The core can only be handed a VerifiedMessage, and only the verifier can make one.
static_assert(!std::is_constructible_v<VerifiedMessage, SignedMessage, std::size_t, std::string>);
static_assert(!std::is_default_constructible_v<VerifiedMessage>);

TEST_CASE("messages: a prevote survives encode/decode and verifies; tampering is refused") {
    KeySigner signer(test_name(1), test_key(1));
    MessageVerifier verifier(std::string(test_chain_id), test_validators(4));
    BlockHash block;
    block.hash.bytes[3] = 7;
    const auto message = sign_vote(signer, test_chain_id, make_prevote(Height{5}, Round{2}, block));
    auto verified = verifier.verify(encode(message));
    REQUIRE(verified.has_value());
    CHECK(verified->sender() == 1);
    const auto& vote = std::get<Vote>(verified->body());
    CHECK(vote.height == Height{5});
    CHECK(vote.round == Round{2});
    CHECK(vote.block == block);

    auto wrong = message;
    wrong.signature.bytes[10] ^= 1;
    CHECK(verifier.verify(encode(wrong)).error().code == custos::ErrorCode::verification_failed);

    // The same signature does not pass for another round (round is in the signed bytes).
    auto moved = message;
    std::get<Vote>(moved.body).round = Round{3};
    CHECK_FALSE(verifier.verify(encode(moved)).has_value());

    // A prevote signature is not a precommit signature (type tag in the signed bytes).
    auto retyped = message;
    std::get<Vote>(retyped.body).type = VoteType::precommit;
    std::get<Vote>(retyped.body).block.reset();
    CHECK_FALSE(verifier.verify(encode(retyped)).has_value());
}

TEST_CASE("messages: signer outside the set, other chain, malformed and oversized input are refused") {
    MessageVerifier verifier(std::string(test_chain_id), test_validators(4));
    KeySigner outsider("X9.validator", test_key(9));
    const auto vote = make_prevote(Height{1}, Round{0}, std::nullopt);
    CHECK(verifier.verify(encode(sign_vote(outsider, test_chain_id, vote))).error().code ==
          custos::ErrorCode::permission_denied);
    KeySigner member(test_name(0), test_key(0));
    CHECK_FALSE(verifier.verify(encode(sign_vote(member, "other-chain", vote))).has_value());
    CHECK_FALSE(verifier.verify("{\"kind\":\"prevote\"}").has_value());
    CHECK_FALSE(verifier.verify("not json").has_value());
    CHECK_FALSE(verifier.verify(std::string(message_bytes_max + 1, '[')).has_value());
    CHECK_FALSE(
        verifier
            .verify(
                R"({"kind":"prevote","height":-1,"round":0,"block":null,"validator":"V0.validator","sig":""})")
            .has_value());
}

TEST_CASE("messages: signed bytes carry the type tag and the chain id") {
    const auto prevote = vote_signing_bytes("chain-a", make_prevote(Height{3}, Round{1}, std::nullopt));
    CHECK(prevote ==
          R"({"block":null,"chain_id":"chain-a","height":3,"round":1,"type":"custos.prevote.v1"})");
    const auto precommit = vote_signing_bytes("chain-a", make_precommit(Height{3}, Round{1}, std::nullopt));
    CHECK(precommit ==
          R"({"block":null,"chain_id":"chain-a","height":3,"round":1,"type":"custos.precommit.v1"})");
}

TEST_CASE("messages: a precommit for a block is a signed-note signature over the checkpoint") {
    KeySigner signer(test_name(2), test_key(2));
    auto block = test_block(Height{4}, TimeMs{test_genesis_time_ms + 10}, BlockHash{}, test_name(0));
    const auto checkpoint = checkpoint_ref(block.header);
    const auto message = sign_vote(signer, test_chain_id, make_precommit(Height{4}, Round{1}, checkpoint));
    // Build the note a certificate would carry and open it with the signer's key.
    custos::crypto::Note note;
    note.body = custos::ledger::checkpoint_body(block.header, checkpoint.block, Round{1});
    CHECK(vote_signing_bytes(test_chain_id, std::get<Vote>(message.body)) == note.body);
    const auto& bytes = message.signature.bytes;
    note.signatures.push_back({test_name(2), custos::crypto::note_key_hash(test_name(2), signer.public_key()),
                               custos::Bytes(bytes.begin(), bytes.end())});
    const std::vector<custos::crypto::NoteKey> keys{{test_name(2), signer.public_key()}};
    auto opened = custos::crypto::open_note(custos::crypto::format_note(note), keys);
    REQUIRE(opened.has_value());
    CHECK(opened->verified == std::vector<std::string>{test_name(2)});
}

TEST_CASE("messages: proposal and commit wire text is the canonical JSON of the message, block included") {
    KeySigner signer(test_name(2), test_key(2));
    Block block = test_block(Height{4}, TimeMs{test_genesis_time_ms + 4}, BlockHash{}, test_name(2), 9);
    for (std::uint8_t index = 0; index < 3; ++index) {
        custos::ledger::Envelope envelope;
        envelope.event.chain_id = std::string(test_chain_id);
        envelope.event.kind = custos::ledger::EventKind::verify;
        envelope.event.item = "ITEM-" + std::to_string(index);
        envelope.event.case_id = "CASE-\u00e9\"";
        envelope.event.agency = "NL-POL";
        envelope.signature.bytes[0] = index;
        block.events.push_back(envelope);
    }
    const auto message =
        sign_proposal(signer, test_chain_id, Proposal{Height{4}, Round{1}, Round{0}, block, {}});
    const custos::crypto::Json tree{{"kind", "proposal"},
                                    {"height", 4},
                                    {"round", 1},
                                    {"pol_round", 0},
                                    {"block", custos::ledger::block_to_json(block)},
                                    {"validator", message.validator},
                                    {"sig", custos::crypto::base64_encode(message.signature.view())}};
    CHECK(encode(message) == custos::crypto::canonicalize(tree).value());
    // (Decoding is covered where blocks hold valid events: these placeholder events are not.)

    const SignedMessage commit{Commit{block, Round{1}, custos::ledger::Certificate{"note\n"}}, {}, {}};
    const custos::crypto::Json commit_tree{{"kind", "commit"},
                                           {"round", 1},
                                           {"block", custos::ledger::block_to_json(block)},
                                           {"certificate", "note\n"}};
    CHECK(encode(commit) == custos::crypto::canonicalize(commit_tree).value());
}

TEST_CASE("messages: a compact proposal carries the header and leaf hashes, and expands to the proposal") {
    KeySigner signer(test_name(2), test_key(2));
    MessageVerifier verifier(std::string(test_chain_id), test_validators(4));
    Block block = test_block(Height{4}, TimeMs{test_genesis_time_ms + 4}, BlockHash{}, test_name(2), 9);
    std::vector<custos::Hash32> leaves;
    for (std::uint8_t index = 0; index < 3; ++index) {
        custos::ledger::Envelope envelope;
        envelope.event.chain_id = std::string(test_chain_id);
        envelope.event.kind = custos::ledger::EventKind::verify;
        envelope.event.item = "ITEM-" + std::to_string(index);
        envelope.signature.bytes[0] = index;
        block.events.push_back(envelope);
        custos::Hash32 leaf;
        leaf.bytes[31] = index;
        leaves.push_back(leaf);
    }
    const auto message =
        sign_proposal(signer, test_chain_id, Proposal{Height{4}, Round{1}, Round{0}, block, {}});
    custos::crypto::Json hashes = custos::crypto::Json::array();
    for (const auto& leaf : leaves)
        hashes.push_back(custos::crypto::hex_encode(leaf.view()));
    const custos::crypto::Json tree{{"kind", "compact_proposal"},
                                    {"height", 4},
                                    {"round", 1},
                                    {"pol_round", 0},
                                    {"header", custos::ledger::block_header_to_json(block.header)},
                                    {"leaves", hashes},
                                    {"validator", message.validator},
                                    {"sig", custos::crypto::base64_encode(message.signature.view())}};
    const auto text = encode_compact(message, leaves);
    CHECK(text == custos::crypto::canonicalize(tree).value());

    auto compact = decode_compact(text);
    REQUIRE(compact.has_value());
    CHECK(compact->height == Height{4});
    CHECK(compact->round == Round{1});
    CHECK(compact->pol_round == Round{0});
    CHECK(compact->header == block.header);
    CHECK(compact->leaves == leaves);
    CHECK(compact->validator == message.validator);
    CHECK(compact->signature == message.signature);
    // Expanded with the block's envelopes it is the signed proposal, byte for byte, and verifies.
    const auto expanded = expand(*compact, block.events);
    CHECK(encode(expanded) == encode(message));
    REQUIRE(verifier.verify(SignedMessage(expanded)).has_value());
    // The signature covers the header (the block hash), not the envelopes: whoever expands one
    // must check the envelopes against the header's events_hash (the node does, see its tests).
    CHECK(verifier.verify(expand(*compact, custos::ledger::BlockEvents{})).has_value());

    // Malformed: another kind, a bad leaf, no header, leaves not a list, a full proposal, oversized.
    auto without = [&](const char* key) {
        auto copy = tree;
        copy.erase(key);
        return custos::crypto::canonicalize(copy).value();
    };
    auto with = [&](const char* key, custos::crypto::Json value) {
        auto copy = tree;
        copy[key] = std::move(value);
        return custos::crypto::canonicalize(copy).value();
    };
    // Each refusal names the member it refused (one reader for every field, nothing thrown).
    auto refusal = [](const std::string& input) {
        auto decoded = decode_compact(input);
        REQUIRE_FALSE(decoded.has_value());
        return decoded.error().message;
    };
    CHECK(refusal(with("kind", "proposal")) == "consensus message.kind: must be compact_proposal");
    CHECK(refusal(with("leaves", custos::crypto::Json::array({"00"}))) ==
          "consensus message.leaves[0]: must be 64 lowercase hex digits");
    CHECK(refusal(with("leaves", custos::crypto::Json::array({7}))) ==
          "consensus message.leaves[0]: must be a string");
    CHECK(refusal(with("leaves", "00")) == "consensus message.leaves: must be an array");
    CHECK(refusal(without("header")) == "consensus message.header: missing");
    CHECK(refusal(without("pol_round")) == "consensus message.pol_round: missing");
    CHECK(refusal(without("sig")) == "consensus message.sig: missing");
    CHECK(refusal(with("round", -1)) == "consensus message.round: must not be negative");
    CHECK(refusal(with("height", 1.5)) == "consensus message.height: must be an integer");
    CHECK_FALSE(decode_compact(with("header", custos::crypto::Json::object())).has_value());
    CHECK(refusal(encode(message)) == "consensus message.kind: must be compact_proposal");
    CHECK(refusal("[1]") == "consensus message: must be an object");
    CHECK_FALSE(decode_compact(std::string(message_bytes_max + 1, '[')).has_value());
    CHECK_FALSE(decode_compact("not json").has_value());
}
