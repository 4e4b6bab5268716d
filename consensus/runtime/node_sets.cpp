// Validator-set changes in the node runtime (docs/FORMAT.md 6.6: a change adopted by block H is
// in force from height H + 2; ledger::Store::validators_at gives the set of any height up to the
// store's height + 2).
//
// The consensus core stays one set per instance. At a height boundary where the set in force
// differs from the core's, carry_out() first commits the decided block and saves the core's
// PersistentState as always, then refresh_core() throws the old core away with what its Ready
// still wanted to do (messages, timeouts, proposal and validation requests) and builds a new core
// for the new height, with the new set, from the saved state. Why this is safe:
//   - it is exactly the crash-restart path (a core built from the persisted state at the next
//     height), which the simulator and the soak exercise at every step: the never-twice guard
//     lives in the persisted last signed messages and carries over to the new core;
//   - what the old core did not send is indistinguishable from lost messages, which Tendermint
//     tolerates; its messages were for a height that is decided anyway (or for the new height
//     under the old set, which no peer counts: they verify with the set of the message's height);
//   - a core is only ever handed messages of heights whose set is its own (on_consensus_message),
//     so sender indices and powers always refer to the set the core was built with. Messages of
//     other heights are dropped: peers re-send theirs every rebroadcast interval, and a lagging
//     node catches up through status and block sync, where each certificate is verified with
//     the set of its own height.
// A node whose key is not in the set at its next height runs without a core (an observer): it
// applies the commits it syncs itself after verifying them, and becomes a validator (a core is
// built, behind the usual voting gate) once the set in force at its next height holds its key.
#include "common/assert.hpp"
#include "consensus/runtime/log.hpp"
#include "consensus/runtime/node_impl.hpp"
#include "crypto/encoding.hpp"

namespace custos::runtime {
namespace {

ledger::Height height_of(const consensus::Body& body) {
    if (const auto* proposal = std::get_if<consensus::Proposal>(&body)) return proposal->height;
    if (const auto* vote = std::get_if<consensus::Vote>(&body)) return vote->height;
    return std::get<consensus::Commit>(body).block.header.height;
}

std::string short_hash(const Hash32& hash) {
    return crypto::hex_encode(hash.view()).substr(0, 16);
}

}  // namespace

std::optional<SetEntry> NodeImpl::set_at(ledger::Height height) {
    auto set = store->validators_at(height);
    if (!set) return std::nullopt;
    auto found = set_cache.find(set.get());
    if (found != set_cache.end()) return found->second;
    if (set_cache.size() >= set_cache_max) set_cache.clear();
    SetEntry entry{set, set->hash(),
                   std::make_shared<const consensus::MessageVerifier>(params.chain_id, *set)};
    return set_cache.emplace(set.get(), std::move(entry)).first->second;
}

void NodeImpl::on_consensus_message(std::string_view payload) {
    handle_consensus(consensus::decode(payload));
}

void NodeImpl::handle_consensus(Result<consensus::SignedMessage> decoded) {
    const auto entry = decoded ? set_at(height_of(decoded->body)) : std::nullopt;
    if (!entry) {
        // Undecodable, or of a height whose set this node does not know yet (more than two
        // above its store): block sync brings those heights in order.
        ++counters.messages_refused;
        return;
    }
    const auto* claimed = std::get_if<consensus::Commit>(&decoded->body);
    const auto claimed_height = claimed ? claimed->block.header.height.value : 0;
    auto verified = entry->verifier->verify(std::move(*decoded));
    if (!verified) {
        ++counters.messages_refused;
        if (claimed_height == store->height().value + 1 && claimed_height != commit_refused_height) {
            // A block offered as the next one whose certificate does not verify: forged or
            // corrupt, never applied. Said once per height (a peer may repeat it).
            commit_refused_height = claimed_height;
            log_line(LogLevel::warn, "commit_refused")
                .field("height", claimed_height)
                .field("reason", verified.error().message);
        } else {
            log_line(LogLevel::debug, "message_refused").field("reason", verified.error().message);
        }
        return;
    }
    if (core && entry->hash == core_set_hash) {
        drive(consensus::MessageReceived{std::move(*verified)});
    } else if (const auto* commit = std::get_if<consensus::Commit>(&verified->body());
               commit && commit->block.header.height.value == store->height().value + 1) {
        // The next block, certified by the set of its height (the verifier checked the
        // certificate against it): an observer applies it itself, as the core would on a commit.
        commit_decision(consensus::Decision{commit->block, ledger::block_hash(commit->block.header),
                                            commit->round, commit->certificate});
        if (stopping) return;
        std::deque<consensus::Input> follow_ups;
        refresh_core(follow_ups);
        while (!follow_ups.empty() && !stopping && core) {
            auto input = std::move(follow_ups.front());
            follow_ups.pop_front();
            drive(std::move(input));
        }
    }
    maybe_request_sync();
}

bool NodeImpl::refresh_core(std::deque<consensus::Input>& follow_ups, bool run) {
    const auto next = ledger::Height{store->height().value + 1};
    const auto entry = set_at(next);
    CUSTOS_ASSERT(entry.has_value(), "the set of the next height is always known");
    if (core && core->height() == next && entry->hash == core_set_hash) return false;
    const bool had_core = core != nullptr;
    const auto* self = entry->set->find(signer->public_key());
    // Drop the old core and everything it still wanted done (see the top of this file).
    core.reset();
    ++core_epoch;
    proposal_batch.drop();
    if (proposal_timer) proposal_timer->cancel();
    follow_ups.clear();
    const bool set_changed = entry->hash != core_set_hash;
    core_set_hash = entry->hash;
    params.validators = *entry->set;
    if (self == nullptr) {
        if (had_core || set_changed) {
            log_line(LogLevel::info, "observer")
                .field("height", store->height().value)
                .field("validators", static_cast<std::uint64_t>(entry->set->validators.size()))
                .field("set", short_hash(entry->hash))
                .field("reason", "key_not_in_validator_set");
        }
        return had_core;
    }
    signer->rename(self->name);
    const auto* last = store->last_header();
    consensus::StartState start{next, last ? last->time : ledger::TimeMs{genesis.genesis_time.value - 1},
                                last ? ledger::block_hash(*last) : ledger::BlockHash{}, persisted_state,
                                voting_gate.restart(voting_view())};  // Asks the new set's members.
    core = std::make_unique<consensus::Core>(params, *signer, std::move(start));
    log_line(LogLevel::info, had_core ? "validator_set_changed" : "validator")
        .field("height", next.value)
        .field("name", self->name)
        .field("validators", static_cast<std::uint64_t>(entry->set->validators.size()))
        .field("power", self->power)
        .field("total_power", entry->set->total_power())
        .field("set", short_hash(entry->hash));
    if (!core->voting()) {
        log_line(LogLevel::info, "voting_paused")
            .field("height", store->height().value)
            .field("reason", voting_gate.paused_for());
    }
    if (run) {
        auto ready = core->start(ledger::TimeMs{now_ms()});
        carry_out(ready, follow_ups);
    }
    return true;
}

void NodeImpl::refresh_peers() {
    const auto top = store->height().value;
    const auto current = set_at(ledger::Height{top + 1});
    const auto upcoming = set_at(ledger::Height{top + 2});
    CUSTOS_ASSERT(current && upcoming, "the sets of the next two heights are known");
    const std::pair<const ledger::ValidatorSet*, const ledger::ValidatorSet*> sets{current->set.get(),
                                                                                   upcoming->set.get()};
    if (sets == peer_sets) return;
    peer_sets = sets;
    // Allowed: the members of the sets of the height being decided and the next one, so that
    // messages one height ahead arrive and a validator joining at the next height is connected
    // before it must vote. Others (e.g. a validator removed) are dropped by the transport.
    std::map<crypto::PublicKey, std::string> addresses;  // key -> dial address
    for (const auto* set : {current->set.get(), upcoming->set.get()}) {
        for (const auto& validator : set->validators)
            addresses.emplace(validator.key, validator.address);
    }
    std::vector<crypto::PublicKey> allowed;
    for (const auto& [key, address] : addresses)
        allowed.push_back(key);
    // Configured observers may connect too (inbound only: they are not dial targets). The
    // transport's bounds hold for them as for validators: one connection per key, handshakes
    // pending at once capped, send queues bounded. What they send is checked like anyone's:
    // consensus messages against the set of their height, so an observer cannot vote.
    observer_links.clear();
    for (const auto& observer : config.observers) {
        if (addresses.contains(observer.public_key) || observer.public_key == signer->public_key()) continue;
        observer_links.emplace(observer.public_key, observer);
        allowed.push_back(observer.public_key);
    }
    // A configured peer address wins over the one in the set (an operator's override, e.g. NAT).
    for (const auto& peer : config.peers) {
        auto found = addresses.find(peer.public_key);
        if (found != addresses.end()) found->second = peer.address;
    }
    std::vector<PeerAddress> targets;
    for (const auto& [key, address] : addresses) {
        if (key != signer->public_key()) targets.push_back(PeerAddress{address, key});
    }
    transport->set_validators(std::move(allowed));
    if (auto dialed = transport->connect_to(std::move(targets)); !dialed) {
        log_line(LogLevel::warn, "peers_refused").field("error", dialed.error().message);
    }
    log_line(LogLevel::info, "peers_updated")
        .field("height", top)
        .field("allowed", static_cast<std::uint64_t>(addresses.size()))
        .field("observers", static_cast<std::uint64_t>(observer_links.size()));
}

}  // namespace custos::runtime
