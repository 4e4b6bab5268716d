// Compact proposals (docs/FORMAT.md 8.4): a block rebuilt from the pool exactly or not at all,
// the full proposal on request, and gossip a full pool refused kept aside, rebuilt from, verified.
#include <doctest/doctest.h>

#include "consensus/runtime/node_impl.hpp"
#include "crypto/encoding.hpp"
#include "ledger/blocks/block.hpp"
#include "tests/runtime/node_directory.hpp"

using namespace custos;
using namespace custos::runtime_test;

TEST_CASE("compact proposals: rebuilt from the pool exactly or not at all; the full one on request") {
    NodeDirectory net;
    runtime::NodeImpl node;
    open_node0(net, node);
    const auto [first, second] = two_registers(net);
    REQUIRE(node.admit(first, false).has_value());
    REQUIRE(node.admit(second, false).has_value());

    auto context = node.store->next_block_context();
    auto built = ledger::build_block(
        *node.store,
        ledger::BlockProposal{{first, second}, ledger::TimeMs{node.now_ms()}, node.signer->name()}, context);
    REQUIRE(built.has_value());
    REQUIRE(built->block.events.size() == 2);
    const auto message = consensus::sign_proposal(
        *node.signer, node.genesis.chain_id,
        consensus::Proposal{ledger::Height{1}, ledger::Round{0}, std::nullopt, built->block, {}});
    std::vector<Hash32> leaves;
    for (const auto& event : built->effects.events)
        leaves.push_back(event.leaf_hash);
    auto compact_of = [&](const std::vector<Hash32>& hashes) {
        auto compact = consensus::decode_compact(consensus::encode_compact(message, hashes));
        REQUIRE(compact.has_value());
        return std::move(*compact);
    };

    // Every envelope pending here: the proposal, byte for byte.
    auto rebuilt = node.rebuild_compact(compact_of(leaves));
    REQUIRE(rebuilt.has_value());
    CHECK(consensus::encode(*rebuilt) == consensus::encode(message));
    // Its envelopes' canonical bytes are those admission computed, kept for validate_block,
    // which takes them only for that very list of envelopes.
    const auto& rebuilt_block = std::get<consensus::Proposal>(rebuilt->body).block;
    const auto block_id = ledger::block_hash(rebuilt_block.header);
    REQUIRE(node.rebuilt_proposal.has_value());
    REQUIRE(node.rebuilt_proposal->bytes.size() == 2);
    for (std::size_t index = 0; index < 2; ++index) {
        const auto expected = ledger::event_bytes(rebuilt_block.events[index]);
        const auto& kept = node.rebuilt_proposal->bytes[index];
        CHECK(kept.canonical_event == expected.canonical_event);
        CHECK(kept.id == expected.id);
        CHECK(kept.canonical_envelope == expected.canonical_envelope);
    }
    auto tampered = rebuilt_block;  // Its own list (copied on write): not the kept one.
    tampered.events.mutable_events()[1].signature.bytes[3] ^= 1;
    CHECK_FALSE(node.validate_block(tampered, block_id));
    CHECK(node.rebuilt_proposal.has_value());
    CHECK(node.validate_block(rebuilt_block, block_id));
    CHECK_FALSE(node.rebuilt_proposal.has_value());
    REQUIRE(node.cached_effects.has_value());
    CHECK(node.cached_effects->first == block_id);
    CHECK(node.cached_effects->second.events[1].leaf_hash == leaves[1]);
    node.cached_effects.reset();

    // A leaf this pool does not hold: nothing (the caller asks for the full proposal).
    auto unknown = leaves;
    unknown[1].bytes[0] ^= 1;
    CHECK_FALSE(node.rebuild_compact(compact_of(unknown)).has_value());
    // The same event with another signature is another envelope, so another leaf: the pool's
    // envelope is never put in its place.
    auto resigned = second;
    resigned.signature.bytes[7] ^= 1;
    auto other_leaf = leaves;
    other_leaf[1] = leaf_of(resigned);
    CHECK_FALSE(node.rebuild_compact(compact_of(other_leaf)).has_value());
    // Pending envelopes in another order than the header's events_hash: nothing either.
    CHECK_FALSE(node.rebuild_compact(compact_of({leaves[1], leaves[0]})).has_value());
    // Once committed (or dropped), an event is no longer there to rebuild from.
    node.mempool->remove_and_recheck({ledger::event_bytes(first).id}, ledger::TimeMs{node.now_ms()});
    CHECK_FALSE(node.rebuild_compact(compact_of(leaves)).has_value());

    // Compact proposals are taken for the heights the core takes messages for: the next one and
    // the one after it (a node a block behind must not drop the proposal the others vote on).
    // Here with a leaf no pool holds, so each one taken counts a miss (and asks for the full one).
    auto at_height = [&](std::uint64_t height) {
        auto moved = message;
        std::get<consensus::Proposal>(moved.body).height = ledger::Height{height};
        return consensus::encode_compact(moved, unknown);
    };
    const auto& sender = node.genesis.validators.validators[1].key;
    const auto missed = node.counters.compact_missed;
    node.on_compact_proposal(sender, at_height(0));
    node.on_compact_proposal(sender, at_height(3));
    CHECK(node.counters.compact_missed == missed);
    node.on_compact_proposal(sender, at_height(1));
    node.on_compact_proposal(sender, at_height(2));
    CHECK(node.counters.compact_missed == missed + 2);

    // Sent compact only when this node holds the block's leaf hashes (it built or validated it).
    node.cached_effects.reset();
    CHECK_FALSE(node.broadcast_compact(message));
    node.cached_effects.emplace(std::get<consensus::Proposal>(message.body).block_id, built->effects);
    REQUIRE(node.broadcast_compact(message));
    CHECK(node.counters.compact_sent == 1);
    // A peer that could not rebuild it gets the full proposal once; malformed requests are refused.
    const auto& peer = node.genesis.validators.validators[1].key;
    std::string request(8, '\0');
    request[7] = 1;                   // height 1
    request += std::string(4, '\0');  // round 0
    node.answer_proposal_request(peer, request);
    node.answer_proposal_request(peer, request);
    CHECK(node.counters.full_proposals_sent == 1);
    node.answer_proposal_request(node.genesis.validators.validators[2].key, request);
    CHECK(node.counters.full_proposals_sent == 2);
    std::string other_round = request;
    other_round[11] = 1;
    node.answer_proposal_request(peer, other_round);
    CHECK(node.counters.full_proposals_sent == 2);
    const auto refused = node.counters.messages_refused;
    node.answer_proposal_request(peer, request.substr(0, 5));
    CHECK(node.counters.messages_refused == refused + 1);
}

TEST_CASE("compact proposals: gossip a full pool refused is kept aside, rebuilt from, then verified") {
    NodeDirectory net;
    runtime::NodeImpl node;
    open_node0(net, node, 1);  // Room for one pending event.
    auto first = ledger::parse_envelope(net.next_register_envelope());
    auto second = ledger::parse_envelope(net.next_register_envelope());
    auto third = ledger::parse_envelope(net.next_register_envelope());
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    REQUIRE(third.has_value());
    // Gossip the rules refuse here (an auditor's register: not its role) is kept aside too: a
    // pool that refused an event's predecessor refuses the event, which others may propose.
    ledger::Event by_auditor = first->event;
    by_auditor.item += "-AUDITOR";
    by_auditor.time = ledger::TimeMs{0};
    auto refused_by_rules = ledger::parse_envelope(net.admin_envelope(by_auditor));
    REQUIRE(refused_by_rules.has_value());
    auto refusal = node.admit(*refused_by_rules, false);
    REQUIRE_FALSE(refusal.has_value());
    CHECK(refusal.error().code != ErrorCode::resource_exhausted);
    CHECK(node.overflow.count(leaf_of(*refused_by_rules)) == 1);
    REQUIRE(node.admit(*first, false).has_value());
    // Gossip refused by the full pool is kept aside, unverified; a local submission is not (its
    // client gets the 503 and sends it again; no other node has it).
    CHECK(node.admit(*second, false).error().code == ErrorCode::resource_exhausted);
    CHECK(node.admit(*third, true).error().code == ErrorCode::resource_exhausted);
    CHECK(node.overflow.count(leaf_of(*second)) == 1);
    CHECK(node.overflow.count(leaf_of(*third)) == 0);
    CHECK(node.verified_leaves.count(leaf_of(*second)) == 0);

    auto propose = [&](std::vector<ledger::Envelope> events) {
        auto context = node.store->next_block_context();
        context.verify_signatures = false;  // A Byzantine proposer's block may hold anything.
        auto built = ledger::build_block(
            *node.store,
            ledger::BlockProposal{std::move(events), ledger::TimeMs{node.now_ms()}, node.signer->name()},
            context);
        REQUIRE(built.has_value());
        REQUIRE(built->block.events.size() == 2);
        auto message = consensus::sign_proposal(
            *node.signer, node.genesis.chain_id,
            consensus::Proposal{ledger::Height{1}, ledger::Round{0}, std::nullopt, built->block, {}});
        std::vector<Hash32> leaves;
        for (const auto& event : built->effects.events)
            leaves.push_back(event.leaf_hash);
        auto compact = consensus::decode_compact(consensus::encode_compact(message, leaves));
        REQUIRE(compact.has_value());
        return std::pair{message, std::move(*compact)};
    };
    // One event from the pool, one from the side table: rebuilt exactly, and since one was
    // never verified, validate_block does not take kept bytes but checks every signature.
    auto [message, compact] = propose({*first, *second});
    auto rebuilt = node.rebuild_compact(compact);
    REQUIRE(rebuilt.has_value());
    CHECK(consensus::encode(*rebuilt) == consensus::encode(message));
    CHECK_FALSE(node.rebuilt_proposal.has_value());
    const auto& block = std::get<consensus::Proposal>(rebuilt->body).block;
    CHECK(node.validate_block(block, ledger::block_hash(block.header)));
    CHECK(node.verified_leaves.count(leaf_of(*second)) == 1);

    // A forged envelope a Byzantine peer gossiped while the pool was full is kept aside too
    // (nothing was checked), rebuilt from, and refused by the block's validation.
    node.cached_effects.reset();
    auto forged = *third;
    forged.signature.bytes[9] ^= 1;
    CHECK(node.admit(forged, false).error().code == ErrorCode::resource_exhausted);
    auto [bad_message, bad_compact] = propose({*first, forged});
    auto bad = node.rebuild_compact(bad_compact);
    REQUIRE(bad.has_value());
    const auto& bad_block = std::get<consensus::Proposal>(bad->body).block;
    CHECK_FALSE(node.validate_block(bad_block, ledger::block_hash(bad_block.header)));
}
