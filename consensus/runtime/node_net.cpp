// The node's wire: consensus messages, event gossip, status and block sync (node.hpp).
#include <boost/asio/post.hpp>

#include "consensus/runtime/log.hpp"
#include "consensus/runtime/node_impl.hpp"
#include "crypto/ed25519_tables.hpp"
#include "crypto/encoding.hpp"
#include "ledger/store/store_db.hpp"

namespace custos::runtime {
namespace {

std::string height_bytes(std::uint64_t height) {
    std::string out(8, '\0');
    for (int index = 7; index >= 0; --index) {
        out[static_cast<std::size_t>(index)] = static_cast<char>(height & 0xff);
        height >>= 8;
    }
    return out;
}

std::optional<std::uint64_t> read_height(std::string_view payload) {
    if (payload.size() != 8) return std::nullopt;
    std::uint64_t height = 0;
    for (char byte : payload)
        height = (height << 8) | static_cast<std::uint8_t>(byte);
    return height;
}

// A proposal request names (height, round): 8 + 4 bytes, big-endian.
std::string place_bytes(ledger::Height height, ledger::Round round) {
    std::string out = height_bytes(height.value);
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((round.value >> shift) & 0xff));
    return out;
}

std::optional<std::pair<std::uint64_t, std::uint32_t>> read_place(std::string_view payload) {
    if (payload.size() != 12) return std::nullopt;
    auto height = read_height(payload.substr(0, 8));
    std::uint32_t round = 0;
    for (char byte : payload.substr(8))
        round = (round << 8) | static_cast<std::uint8_t>(byte);
    return std::pair{*height, round};
}

}  // namespace

Bytes frame_message(std::uint8_t type, std::string_view payload) {
    Bytes out;
    out.reserve(payload.size() + 1);
    out.push_back(type);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

void NodeImpl::on_message(const crypto::PublicKey& peer, Bytes message) {
    if (stopping || halted || message.empty()) return;
    std::string_view payload(reinterpret_cast<const char*>(message.data()) + 1, message.size() - 1);
    switch (message[0]) {
        case wire::consensus:
            on_consensus_message(payload);  // node_sets.cpp
            return;
        case wire::events:
            on_gossip(peer, payload);
            return;
        case wire::compact_proposal:
            on_compact_proposal(peer, payload);
            return;
        case wire::proposal_request:
            answer_proposal_request(peer, payload);
            return;
        case wire::read_relay:
            on_read_relay(peer, payload);  // node_relay.cpp
            return;
        case wire::read_relay_answer:
            on_read_relay_answer(peer, payload);
            return;
        case wire::status:
            if (auto height = read_height(payload)) {
                sync.status(peer, *height);
                maybe_request_sync();
                update_voting();
            }
            return;
        case wire::sync_request:
            if (auto from = read_height(payload)) {
                const auto top = store->height().value;
                for (std::uint64_t height = std::max<std::uint64_t>(*from, 1);
                     height <= top && height < *from + sync_batch_max; ++height) {
                    send_commit(peer, ledger::Height{height});
                }
            }
            return;
        default:
            ++counters.messages_refused;
            return;
    }
}

void NodeImpl::send_consensus(const consensus::Outbound& outbound) {
    if (byzantine.any() && !outbound.to) {  // TEST ONLY (config "test_byzantine").
        if (auto twin = equivocation_twin(outbound.message, byzantine, *signer, params.chain_id)) {
            // Every peer gets both messages, half of them the twin first: the two halves start
            // from different values, and each honest peer holds the proof of the equivocation.
            auto first = std::make_shared<const Bytes>(
                frame_message(wire::consensus, consensus::encode(outbound.message)));
            auto second =
                std::make_shared<const Bytes>(frame_message(wire::consensus, consensus::encode(*twin)));
            const auto& validators = params.validators.validators;
            for (std::size_t index = 0; index < validators.size(); ++index) {
                if (index == core->self_index()) continue;
                const bool twin_first = index % 2 == 1;
                (void)transport->send(validators[index].key, twin_first ? *second : *first);
                (void)transport->send(validators[index].key, twin_first ? *first : *second);
            }
            return;
        }
    }
    if (!outbound.to && std::holds_alternative<consensus::Proposal>(outbound.message.body) &&
        broadcast_compact(outbound.message)) {
        return;
    }
    auto bytes = frame_message(wire::consensus, consensus::encode(outbound.message));
    if (outbound.to) {
        if (*outbound.to < params.validators.validators.size()) {
            (void)transport->send(params.validators.validators[*outbound.to].key, std::move(bytes));
        }
        return;
    }
    (void)transport->broadcast(std::move(bytes));
}

bool NodeImpl::broadcast_compact(const consensus::SignedMessage& message) {
    const auto& proposal = std::get<consensus::Proposal>(message.body);
    if (!cached_effects || cached_effects->first != proposal.block_id ||
        cached_effects->second.events.size() != proposal.block.events.size()) {
        return false;
    }
    std::vector<Hash32> leaves;
    leaves.reserve(proposal.block.events.size());
    for (const auto& event : cached_effects->second.events)
        leaves.push_back(event.leaf_hash);
    own_proposals.keep(message);  // For the peers whose pools miss an event.
    // This node's pending gossip first: frames arrive in order on each connection, so every peer
    // holds the events this node admitted itself before it reads their leaf hashes.
    flush_gossip();
    (void)transport->broadcast(
        frame_message(wire::compact_proposal, consensus::encode_compact(message, leaves)));
    ++counters.compact_sent;
    return true;
}

std::optional<consensus::SignedMessage> NodeImpl::rebuild_compact(consensus::CompactProposal compact) {
    std::vector<ledger::Envelope> events;
    std::vector<ledger::EventId> ids;
    std::vector<ledger::EventBytes> bytes;
    events.reserve(compact.leaves.size());
    ids.reserve(compact.leaves.size());
    bytes.reserve(compact.leaves.size());
    bool kept = true;  // Every event is pending (verified) and kept its canonical envelope.
    for (const auto& leaf : compact.leaves) {
        const PendingEvent* pending = mempool->find_leaf(leaf);
        if (pending == nullptr) {
            // Refused by a full pool, never verified: validate_block verifies it.
            const ledger::Envelope* aside = overflow.find(leaf);
            if (aside == nullptr) return std::nullopt;
            events.push_back(*aside);
            ids.push_back(ledger::event_id(aside->event));
            kept = false;
            continue;
        }
        events.push_back(pending->envelope);
        ids.push_back(pending->id);
        const auto event_text = ledger::canonical_event_of_envelope(pending->canonical_envelope);
        kept = kept && event_text.has_value();
        if (kept) bytes.push_back({std::string(*event_text), pending->id, pending->canonical_envelope});
    }
    // Leaf hashes that do not give the header's events_hash come from a faulty proposer: the
    // full proposal is asked for, and the core judges that.
    if (ledger::events_hash(ids) != compact.header.events_hash) return std::nullopt;
    auto message = consensus::expand(std::move(compact), std::move(events));
    const auto& shared = std::get<consensus::Proposal>(message.body).block.events;
    if (kept && !shared.empty()) {
        rebuilt_proposal = Rebuilt{shared, std::move(bytes)};
    } else {
        rebuilt_proposal.reset();
    }
    return message;
}

void NodeImpl::on_compact_proposal(const crypto::PublicKey& peer, std::string_view payload) {
    auto compact = consensus::decode_compact(payload);
    if (!compact) {
        ++counters.messages_refused;
        log_line(LogLevel::debug, "message_refused").field("reason", compact.error().message);
        return;
    }
    // The heights the core takes messages for: the one it decides and the next (a node a block
    // behind must not lose the proposal the others are already voting on: it would wait for
    // block sync, and the heights it proposes with them). Earlier ones are decided; later ones
    // come again, or by block sync.
    const std::uint64_t top = store->height().value;
    if (compact->height.value <= top || compact->height.value > top + 2) return;
    const auto height = compact->height;
    const auto round = compact->round;
    const auto events = compact->leaves.size();
    auto rebuilt = rebuild_compact(std::move(*compact));
    if (!rebuilt) {
        ++counters.compact_missed;
        log_line(LogLevel::debug, "compact_proposal_missed")
            .field("height", height.value)
            .field("round", round.value)
            .field("events", static_cast<std::uint64_t>(events));
        (void)transport->send(peer, frame_message(wire::proposal_request, place_bytes(height, round)));
        return;
    }
    ++counters.compact_expanded;
    handle_consensus(std::move(*rebuilt));
}

void NodeImpl::answer_proposal_request(const crypto::PublicKey& peer, std::string_view payload) {
    auto place = read_place(payload);
    if (!place) {
        ++counters.messages_refused;
        return;
    }
    const auto* proposal = own_proposals.answer(peer, place->first, place->second);
    if (proposal == nullptr) return;
    ++counters.full_proposals_sent;
    (void)transport->send(peer, frame_message(wire::consensus, consensus::encode(*proposal)));
}

void NodeImpl::send_commit(const crypto::PublicKey& peer, ledger::Height height) {
    auto block = store->block(height);
    auto certificate = store->certificate(height);
    if (!block || !certificate) return;
    // The round is carried inside the certificate's checkpoint body; the verifier re-reads it.
    const auto validators = store->validators_at(height);
    if (!validators) return;
    auto verified = ledger::verify_certificate(*certificate, genesis.chain_id, *validators);
    if (!verified) return;
    consensus::SignedMessage message{
        consensus::Commit{std::move(*block), verified->round, std::move(*certificate)}, {}, {}};
    ++counters.blocks_synced_sent;
    (void)transport->send(peer, frame_message(wire::consensus, consensus::encode(message)));
}

void NodeImpl::answer_laggard(const crypto::PublicKey& peer, ledger::Height height) {
    if (!laggard_answers.wait(peer, height.value)) return;  // Already waiting.
    auto timer =
        std::make_shared<boost::asio::steady_timer>(io, std::chrono::milliseconds(laggard_answer_delay_ms));
    timers.insert(timer);
    timer->async_wait([this, timer, peer, height](const boost::system::error_code& error) {
        timers.erase(timer);
        const bool still_behind = laggard_answers.over(peer, height.value, sync.height_of(peer));
        if (error || stopping || !still_behind) return;
        send_commit(peer, height);
    });
}

void NodeImpl::send_status(const std::optional<crypto::PublicKey>& peer) {
    auto bytes = frame_message(wire::status, height_bytes(store->height().value));
    if (peer) {
        (void)transport->send(*peer, std::move(bytes));
    } else {
        (void)transport->broadcast(std::move(bytes));
    }
}

bool NodeImpl::syncing() const {
    return sync.behind(store->height().value, params.validators);
}

VotingGate::View NodeImpl::voting_view() const {
    return {.height = store->height().value,
            .validators = params.validators,
            .self = signer->public_key(),
            .peers = sync};
}

std::optional<consensus::Input> NodeImpl::voting_change() {
    if (!core) return std::nullopt;
    const auto update = voting_gate.update(voting_view(), core->voting());
    switch (update.change) {
        case VotingGate::Change::none:
            return std::nullopt;
        case VotingGate::Change::reason_changed:  // Still paused, for another reason: say so.
            log_line(LogLevel::info, "voting_paused")
                .field("height", store->height().value)
                .field("reason", update.reason);
            return std::nullopt;
        case VotingGate::Change::resumed:
            log_line(LogLevel::info, "voting_resumed")
                .field("height", store->height().value)
                .field("peer_height", sync.best_height());
            return consensus::SetVoting{true};
        case VotingGate::Change::paused:
            log_line(LogLevel::info, "voting_paused")
                .field("height", store->height().value)
                .field("peer_height", sync.best_height())
                .field("reason", update.reason);
            return consensus::SetVoting{false};
    }
    return std::nullopt;
}

void NodeImpl::update_voting() {
    if (stopping || !running || !core) return;
    if (auto change = voting_change()) drive(std::move(*change));
}

void NodeImpl::maybe_request_sync() {
    const auto mine = store->height().value;
    auto request = sync.next_request(
        mine, now_ms(), [this](const crypto::PublicKey& key) { return observer_links.contains(key); });
    if (!request) return;
    log_line(LogLevel::info, "sync_request").field("height", mine).field("peer_height", request->peer_height);
    (void)transport->send(request->peer, frame_message(wire::sync_request, height_bytes(mine + 1)));
}

void NodeImpl::schedule_status() {
    auto timer =
        std::make_shared<boost::asio::steady_timer>(io, std::chrono::milliseconds(status_interval_ms));
    timers.insert(timer);
    timer->async_wait([this, timer](const boost::system::error_code& error) {
        timers.erase(timer);
        if (error || stopping) return;
        send_status(std::nullopt);
        maybe_request_sync();
        schedule_status();
    });
}

void NodeImpl::queue_gossip(std::string_view canonical_envelope) {
    if (gossip.add(canonical_envelope)) return flush_gossip();
    if (!gossip.schedule_flush()) return;
    auto timer = std::make_shared<boost::asio::steady_timer>(io, std::chrono::milliseconds(gossip_flush_ms));
    timers.insert(timer);
    timer->async_wait([this, timer](const boost::system::error_code& error) {
        timers.erase(timer);
        if (error || stopping) return;
        flush_gossip();
    });
}

void NodeImpl::flush_gossip() {
    gossip.flush(
        [this](std::string_view batch) { (void)transport->broadcast(frame_message(wire::events, batch)); });
}

void NodeImpl::send_pool(const crypto::PublicKey& peer) {
    GossipBatch batch;
    std::size_t sent_bytes = 0;
    std::size_t sent_events = 0;
    const auto send = [&](std::string_view text) {
        (void)transport->send(peer, frame_message(wire::events, text));
    };
    mempool->for_each([&](const PendingEvent& event) {
        const std::string fallback =
            event.canonical_envelope.empty() ? ledger::canonical_envelope(event.envelope) : std::string();
        const std::string_view text = event.canonical_envelope.empty() ? fallback : event.canonical_envelope;
        if (sent_bytes + text.size() > pool_resend_bytes_max) return false;
        ++sent_events;
        sent_bytes += text.size();
        if (batch.add(text)) batch.flush(send);
        return true;
    });
    batch.flush(send);
    if (sent_events > 0) {
        log_line(LogLevel::debug, "pool_sent")
            .field("peer", crypto::hex_encode(peer.view().first(8)))
            .field("events", static_cast<std::uint64_t>(sent_events))
            .field("bytes", static_cast<std::uint64_t>(sent_bytes))
            .field("pool", static_cast<std::uint64_t>(mempool->size()));
    }
}

void NodeImpl::on_gossip(const crypto::PublicKey& peer, std::string_view payload) {
    // From an observer, gossip is an API submission made through it: each event is verified and
    // admitted to the bounded pool like one posted to this node's REST API (an observer could
    // post the same events there), and passed on to the validators, which an observer may not
    // all reach. From a validator it is not re-gossiped: validators are fully connected.
    const bool relay = observer_links.contains(peer);
    auto parsed = crypto::parse_json(payload, {.bytes_max = consensus::message_bytes_max});
    if (!parsed || !parsed->is_array()) {
        ++counters.messages_refused;
        return;
    }
    std::vector<ledger::Envelope> envelopes;
    envelopes.reserve(parsed->size());
    for (const auto& entry : *parsed) {
        auto envelope = ledger::envelope_from_json(entry);
        if (envelope) envelopes.push_back(std::move(*envelope));
    }
    // Their signatures checked together when the pool has room for all (prepare_all).
    auto prepared = prepare_all(envelopes);
    for (std::size_t i = 0; i < envelopes.size(); ++i)
        (void)admit(std::move(envelopes[i]), std::move(prepared[i]), relay);
}

std::string NodeImpl::metrics() const {
    const auto store_memory = store->db().memory();
    const NodeGauges gauges{
        .height = store->height().value,
        .consensus_height = core ? core->height().value : store->height().value + 1,
        .consensus_round = core ? core->round().value : 0,
        .log_size = store->log_size(),
        .store_block_cache_bytes = store_memory.block_cache,
        .store_memtables_bytes = store_memory.memtables,
        .store_table_readers_bytes = store_memory.table_readers,
        .ed25519_key_tables = crypto::ed25519_tables::cache_figures().tables,
        .mempool_events = mempool->size(),
        .mempool_bytes = mempool->bytes(),
        .peers_connected = sync.connected_count(),
        .syncing = syncing(),
        .storage_failed = halted,
        .voting = core && core->voting(),
        .observer = !core,
        .validators = params.validators.validators.size(),
    };
    return metrics_text(gauges, counters);
}

}  // namespace custos::runtime
