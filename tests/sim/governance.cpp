// Validator-set changes in the simulator (SimConfig::set_change): real validator.propose and
// validator.approve events in real blocks, the ledger's own adoption rule and set history, and
// nodes that verify each message against the set of its height, rebuild their core at a set
// boundary and catch up by block sync, as custos-node does (consensus/runtime/node_sets.cpp).
//
// With n genesis validators AG0..AG(n-1) (power 10 each) and one more agency AG(n):
//   phase 1 (from set_change_height): AG(n) proposes its validator (power 10); every other
//     agency approves (approvals after the adopting one are refused by R31 and left out);
//   phase 2 (three heights after phase 1 is on the ledger): AG0 proposes removing AG(n-1)'s
//     validator, then AG1 proposes power 20 for the first honest validator; all agencies approve.
// Byzantine validators are the lowest-numbered genesis ones (at most f), so every set keeps
// their power below a third, and the validator added is needed for a quorum when they are silent.
#include <algorithm>

#include "common/assert.hpp"
#include "crypto/sha256.hpp"
#include "sim/world.hpp"

namespace custos::sim {
namespace {

constexpr std::uint64_t governance_phase_gap = 3;  // Heights between the two phases.
constexpr std::uint64_t sim_power = 10;

crypto::SecretKey seeded_key(const std::string& label) {
    auto key = crypto::SecretKey::from_seed(crypto::sha256(label).view());
    CUSTOS_ASSERT(key.has_value(), "a 32-byte seed always makes a key");
    return std::move(*key);
}

// The same derivation as the simulator's validator keys (simulation.cpp).
crypto::PublicKey validator_key_public(std::size_t index) {
    return seeded_key("custos-sim validator " + std::to_string(index)).public_key();
}

std::string agency_id(std::size_t index) {
    return "AG" + std::to_string(index);
}

ledger::Height height_of(const consensus::Body& body) {
    if (const auto* proposal = std::get_if<consensus::Proposal>(&body)) return proposal->height;
    if (const auto* vote = std::get_if<consensus::Vote>(&body)) return vote->height;
    return std::get<consensus::Commit>(body).block.header.height;
}

}  // namespace

void World::setup_governance(std::vector<crypto::SecretKey>& admin_keys) {
    const std::size_t count = config_.validators;
    for (std::size_t index = 0; index <= count; ++index) {
        admin_keys.push_back(seeded_key("custos-sim admin " + std::to_string(index)));
        genesis_->officers.push_back(ledger::Officer{admin_keys.back().public_key(),
                                                     agency_id(index),
                                                     {ledger::Role::admin},
                                                     agency_id(index) + " admin"});
    }
    std::sort(genesis_->officers.begin(), genesis_->officers.end(),
              [](const auto& a, const auto& b) { return a.key < b.key; });

    auto event = [&](std::size_t agency) {
        ledger::Event made;
        made.chain_id = std::string(sim_chain_id);
        made.agency = agency_id(agency);
        made.time = ledger::TimeMs{sim_genesis_time_ms};
        return made;
    };
    auto propose = [&](std::size_t agency, ledger::Validator change, std::vector<ledger::Envelope>& out) {
        auto made = event(agency);
        made.kind = ledger::EventKind::validator_propose;
        made.validator = std::move(change);
        made.reason = "simulated validator-set change";
        out.push_back(ledger::sign_event(made, admin_keys[agency]));
        const auto id = ledger::event_id(made);
        for (std::size_t approver = 0; approver <= count; ++approver) {
            if (approver == agency) continue;
            auto approval = event(approver);
            approval.kind = ledger::EventKind::validator_approve;
            approval.proposal = id;
            out.push_back(ledger::sign_event(approval, admin_keys[approver]));
        }
        return id;
    };
    const std::size_t added = count;
    add_proposal_id_ = propose(added,
                               ledger::Validator{"AG" + std::to_string(added) + ".validator",
                                                 agency_id(added), validator_key_public(added), sim_power,
                                                 "127.0.0.1:" + std::to_string(9000 + added)},
                               governance_add_);
    ledger::Validator removal{"AG" + std::to_string(count - 1) + ".validator", agency_id(count - 1),
                              validator_key_public(count - 1), 0,
                              "127.0.0.1:" + std::to_string(9000 + count - 1)};
    (void)propose(0, std::move(removal), governance_change_);
    // The first honest genesis validator (Byzantine ones are the lowest-numbered, at most f).
    const std::size_t doubled = config_.byzantine;
    (void)propose(1,
                  ledger::Validator{"AG" + std::to_string(doubled) + ".validator", agency_id(doubled),
                                    validator_key_public(doubled), 2 * sim_power,
                                    "127.0.0.1:" + std::to_string(9000 + doubled)},
                  governance_change_);
}

std::vector<ledger::Envelope> World::governance_candidates(const Node& node) const {
    std::vector<ledger::Envelope> out;
    if (!config_.set_change) return out;
    const auto height = node.ledger->height().value + 1;
    if (height < config_.set_change_height) return out;
    auto pending = [&](const std::vector<ledger::Envelope>& events) {
        for (const auto& envelope : events) {
            if (!node.ledger->event_index(ledger::event_id(envelope.event))) out.push_back(envelope);
        }
    };
    const auto added_at = node.ledger->event_index(add_proposal_id_);
    if (!added_at) {
        pending(governance_add_);
        return out;
    }
    // Phase 2 waits a few heights after phase 1, so the two changes reach two boundaries.
    std::uint64_t phase1_height = 0;
    for (const auto& block : node.ledger->blocks()) {
        if (block.header.log_size > *added_at) {
            phase1_height = block.header.height.value;
            break;
        }
    }
    if (height >= phase1_height + governance_phase_gap) pending(governance_change_);
    return out;
}

const SetInfo& World::set_info(const ledger::ValidatorSet& set) {
    auto found = set_infos_.find(&set);
    if (found != set_infos_.end() && found->second.set == set) return found->second;
    SetInfo info{set, set.hash(), std::make_unique<consensus::MessageVerifier>(params_.chain_id, set)};
    set_infos_.insert_or_assign(&set, std::move(info));
    return set_infos_.at(&set);
}

std::optional<std::size_t> World::node_for(const Node& node, std::optional<std::size_t> to) const {
    if (!to || !config_.set_change) return to;
    // The core's set: the one in force at its height (the ledger's next height).
    const auto& set = node.ledger->validators();
    if (*to >= set.validators.size()) return std::nullopt;
    auto found = node_of_name_.find(set.validators[*to].name);
    if (found == node_of_name_.end()) return std::nullopt;
    return found->second;
}

void World::deliver_with_sets(Event& event) {
    Node& node = nodes_[event.node];
    ++stats_.messages_delivered;
    if (event.bytes->size() > consensus::message_bytes_max) return;
    // Decoding and verifying are pure functions of the bytes (and the set), so one result per
    // distinct message and set serves every receiver (bounded).
    const Hash32 digest = crypto::sha256(*event.bytes);
    auto heights = message_heights_.find(digest);
    if (heights == message_heights_.end()) {
        if (message_heights_.size() >= set_cache_entries_max) message_heights_.clear();
        auto decoded = consensus::decode(*event.bytes);
        heights =
            message_heights_.emplace(digest, decoded ? std::optional(height_of(decoded->body)) : std::nullopt)
                .first;
    }
    if (!heights->second) return;
    // Verified against the set of the message's own height, which the node's ledger knows up to
    // two heights above its top; anything higher waits for block sync.
    const auto height = *heights->second;
    if (height.value == 0 || height.value > node.ledger->height().value + 2) return;
    const SetInfo& info = set_info(node.ledger->validators_at(height));
    const std::pair key{digest, info.hash};
    auto cached = set_verified_.find(key);
    if (cached == set_verified_.end()) {
        if (set_verified_.size() >= set_cache_entries_max) set_verified_.clear();
        auto result = info.verifier->verify(*event.bytes);
        std::optional<consensus::VerifiedMessage> entry;
        if (result) entry = std::move(*result);
        cached = set_verified_.emplace(key, std::move(entry)).first;
    }
    if (!cached->second) return;
    const consensus::VerifiedMessage& verified = *cached->second;
    if (node.core && info.hash == node.core_set_hash) {
        drive(event.node, consensus::MessageReceived{verified});
        return;
    }
    // Not the core's set: only the next commit is of use (an observer applies it itself).
    const auto* commit = std::get_if<consensus::Commit>(&verified.body());
    if (commit && commit->block.header.height.value == node.ledger->height().value + 1) {
        apply_commit(event.node, *commit);
    }
}

void World::apply_commit(std::size_t index, const consensus::Commit& commit) {
    Node& node = nodes_[index];
    const ledger::ValidatorSet in_force = node.ledger->validators();
    auto applied = node.ledger->apply(commit.block);
    Status status = applied ? Status{} : Status{tl::unexpected(applied.error())};
    const consensus::Decision decision{commit.block, ledger::block_hash(commit.block.header), commit.round,
                                       commit.certificate};
    checker_->on_decision(index, decision, status, &in_force);
    if (!applied) return;
    node.commits.emplace(commit.block.header.height.value, commit);
    if (node.core && node.core->height().value == node.ledger->height().value + 1 &&
        set_info(node.ledger->validators()).hash == node.core_set_hash) {
        return;
    }
    ++node.epoch;
    std::deque<consensus::Input> follow_ups;
    build_core(index, follow_ups);
    while (!follow_ups.empty() && node.up && node.core) {
        auto input = std::move(follow_ups.front());
        follow_ups.pop_front();
        auto next = node.core->step(std::move(input), local_time(node));
        carry_out(index, next, follow_ups);
    }
}

void World::sync_tick() {
    // Block sync as the runtime's status / sync_request: each node asks one random peer for the
    // commits after its top, which travel over the faulty network like any message.
    for (std::size_t index = 0; index < nodes_.size(); ++index) {
        const std::size_t peer = rng_.below(nodes_.size());
        if (peer == index || !nodes_[index].up || !nodes_[peer].up) continue;
        const auto mine = nodes_[index].ledger->height().value;
        for (std::uint64_t height = mine + 1; height <= mine + sync_batch; ++height) {
            auto found = nodes_[peer].commits.find(height);
            if (found == nodes_[peer].commits.end()) break;
            transmit(peer, index, consensus::encode(consensus::SignedMessage{found->second, {}, {}}));
        }
    }
    push(Event{now_ + sync_interval_ms, 0, EventKind::sync_tick});
}

std::uint64_t World::count_set_changes() const {
    const auto& ledger = *nodes_.front().ledger;
    std::uint64_t changes = 0;
    for (std::uint64_t height = 2; height <= ledger.height().value + 1; ++height) {
        if (!(ledger.validators_at(ledger::Height{height}) ==
              ledger.validators_at(ledger::Height{height - 1})))
            ++changes;
    }
    return changes;
}

}  // namespace custos::sim
