#include "consensus/runtime/node.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <unordered_set>

#include "consensus/messages.hpp"
#include "consensus/runtime/data_dir.hpp"
#include "consensus/runtime/log.hpp"
#include "consensus/runtime/node_impl.hpp"
#include "crypto/encoding.hpp"
#include "crypto/merkle.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/bundle/bundle.hpp"

namespace custos::runtime {

// Room for the proposal's header, signature and proof of lock (> 2/3 of at most 128 validators'
// prevotes) beside the events.
static_assert(proposal_event_bytes_max + 512 * 1024 <= consensus::message_bytes_max,
              "a full proposal must fit in one consensus message");

namespace {

// Of a dropped event's envelope (up to ledger::envelope_bytes_max), what the node keeps: what the
// API's reader check of GET /v1/events/{id} reads (kind, item, case, agency, a read record's
// action and subject), a few hundred bytes whatever the event's size.
ledger::Envelope reader_fields(const ledger::Envelope& envelope) {
    const ledger::Event& event = envelope.event;
    ledger::Envelope kept;
    kept.event.kind = event.kind;
    kept.event.item = event.item;
    kept.event.case_id = event.case_id;
    kept.event.agency = event.agency;
    if (event.read)
        kept.event.read = ledger::ReadRecord{.action = event.read->action, .subject = event.read->subject};
    return kept;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Result<std::string> read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::io_error, "cannot read " + path.string());
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

consensus::Params params_from(const ledger::Genesis& genesis) {
    consensus::Params params;
    params.chain_id = genesis.chain_id;
    params.validators = genesis.validators;
    const auto& p = genesis.params;
    params.timeout_propose_ms = static_cast<std::int64_t>(p.timeout_propose_ms);
    params.timeout_propose_delta_ms = static_cast<std::int64_t>(p.timeout_propose_delta_ms);
    params.timeout_prevote_ms = static_cast<std::int64_t>(p.timeout_prevote_ms);
    params.timeout_prevote_delta_ms = static_cast<std::int64_t>(p.timeout_prevote_delta_ms);
    params.timeout_precommit_ms = static_cast<std::int64_t>(p.timeout_precommit_ms);
    params.timeout_precommit_delta_ms = static_cast<std::int64_t>(p.timeout_precommit_delta_ms);
    params.clock_precision_ms = static_cast<std::int64_t>(p.clock_skew_max_ms);
    params.heartbeat_ms = static_cast<std::int64_t>(p.heartbeat_interval_ms);
    // Re-send own latest messages about as often as a prevote timeout: lost messages cost one.
    params.rebroadcast_ms = std::max<std::int64_t>(200, params.timeout_prevote_ms);
    return params;
}

}  // namespace

Status NodeImpl::open() {
    if (auto allowed = check_test_only_settings(config); !allowed) return allowed;
    byzantine = byzantine_mode(config.test_byzantine);
    if (config.test_without_state_map) {
        log_line(LogLevel::warn, "test_without_state_map")
            .field("note", "TEST ONLY: no certified state map, every state_root is zero");
    }
    verified_leaves.reserve(verified_cache_max + 1);
    set_log_level(config.log_level);
    if (auto opened = open_genesis(); !opened) return opened;
    if (auto opened = open_identity(); !opened) return opened;
    if (auto opened = open_data_dir(); !opened) return opened;
    if (auto opened = open_store(); !opened) return opened;
    params = params_from(genesis);
    if (auto opened = open_signing_state(); !opened) return opened;
    check_signing_state();
    // The core of the next height (started in start()), or an observer; logged either way.
    std::deque<consensus::Input> none;
    (void)refresh_core(none, false);
    return {};
}

Status NodeImpl::open_genesis() {
    auto genesis_text = read_text(config.genesis_file);
    if (!genesis_text) return tl::unexpected(genesis_text.error());
    auto parsed = ledger::parse_genesis(*genesis_text);
    if (!parsed)
        return make_error(parsed.error().code,
                          "genesis " + config.genesis_file.string() + ": " + parsed.error().message);
    genesis = std::move(*parsed);
    genesis_hash_hex = crypto::hex_encode(ledger::genesis_hash(genesis).view());
    return {};
}

Status NodeImpl::open_identity() {
    auto key = crypto::read_secret_key_file(config.validator_key_file);
    if (!key)
        return make_error(key.error().code,
                          "validator key " + config.validator_key_file.string() + ": " + key.error().message);
    // The key need not be in the genesis set: a validator added later by governance (or one
    // removed) runs as an observer until the set in force at its next height holds its key
    // (refresh_core). Its name is the key file's until a set gives it one.
    TransportOptions options;
    options.chain_id = genesis.chain_id;
    auto made = Transport::create(io, key->key, std::move(options));  // Copies the key.
    if (!made) return make_error(made.error().code, "transport: " + made.error().message);
    transport = std::move(*made);
    signer = std::make_unique<NodeSigner>(key->name, std::move(key->key));
    return {};
}

// Operator mistakes, refused before anything in the directory is opened (data_dir.hpp).
Status NodeImpl::open_data_dir() {
    std::error_code error;
    std::filesystem::create_directories(config.data_dir, error);
    if (error)
        return make_error(ErrorCode::io_error, "create " + config.data_dir.string() + ": " + error.message());
    auto locked = PidLock::acquire(config.data_dir / data_dir_pid_file_name);
    if (!locked) return make_error(locked.error().code, "data_dir: " + locked.error().message);
    data_dir_lock.emplace(std::move(*locked));
    return check_data_dir_key(config.data_dir, signer->public_key(), config.validator_key_file);
}

Status NodeImpl::open_store() {
    auto opened = ledger::Store::open(
        config.data_dir / "store",
        ledger::StoreOpenOptions{.genesis = &genesis,
                                 .expected_genesis_hash = std::nullopt,
                                 .create_if_missing = true,
                                 .test_without_state_map = config.test_without_state_map});
    if (!opened) {
        std::string message = "store: " + opened.error().message;
        if (opened.error().code == ErrorCode::verification_failed) {
            message += " (genesis_file " + config.genesis_file.string() +
                       " is not the genesis this data directory was made with: another network's, or a "
                       "changed file; use the network's genesis, or another data_dir for another network)";
        } else if (opened.error().code == ErrorCode::corruption) {
            message +=
                "; the store is damaged and the node does not start on it (it would otherwise "
                "run on a silently shorter ledger): see docs/OPERATIONS.md, \"A damaged store\"";
        }
        return make_error(opened.error().code, std::move(message));
    }
    store.emplace(std::move(*opened));
    return {};
}

// The signing state and the mempool, over the open store.
Status NodeImpl::open_signing_state() {
    signing_state = std::make_unique<SigningStateFile>(config.data_dir);
    // The block this node proposed or validated last has its canonical envelopes in the cached
    // effects: its signing-state file is written from them, not by serializing every event again.
    signing_state->set_block_text_source(
        [this](const ledger::Block& block, const ledger::BlockHash& id) -> std::optional<std::string> {
            if (!cached_effects || cached_effects->first != id ||
                cached_effects->second.events.size() != block.events.size()) {
                return std::nullopt;
            }
            return ledger::canonical_block(block.header, cached_effects->second);
        });
    mempool = std::make_unique<Mempool>(
        *store, store->genesis(),
        mempool_limits(
            static_cast<std::size_t>(config.mempool_events_max.value_or(mempool_events_max_default)),
            static_cast<std::size_t>(config.mempool_bytes_max.value_or(mempool_bytes_max_default))));

    auto persisted = signing_state->load();
    if (!persisted) return tl::unexpected(persisted.error());
    const std::uint64_t next = store->height().value + 1;
    if (*persisted && (*persisted)->height.value > next) {
        return make_error(ErrorCode::corruption,
                          "signing state is at height " + std::to_string((*persisted)->height.value) +
                              " but the store only reaches " + std::to_string(store->height().value));
    }
    if (*persisted) note_signed(**persisted, false);
    persisted_state = std::move(*persisted);
    return {};
}

std::int64_t NodeImpl::now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void NodeImpl::fatal(const std::string& what) {
    log_line(LogLevel::error, "fatal").field("error", what);
    exit_status = 1;
    stop();
}

// Neither the block nor the signing state is durable, so nothing more may be committed or
// signed. The node stops taking part in consensus (to its peers it looks crashed: with at most f
// such validators the others go on), keeps serving what it has committed, and refuses
// submissions (503) until an operator frees or replaces the disk and restarts it. It never
// retries the write: after a failed fsync the kernel may have dropped the unwritten pages, so a
// retry that succeeds proves nothing. A restart recovers the store to its last synced block, and
// the node syncs the rest from its peers. Nothing it acknowledged is lost: a 201 is answered only
// after the block's synced write returned.
void NodeImpl::storage_failed(const std::string& what) {
    if (halted.exchange(true)) return;
    halt_reason = what;
    log_line(LogLevel::error, "storage_failed")
        .field("error", what)
        .field("height", store->height().value)
        .field("action", "stopped committing and signing; free or replace the disk, then restart the node");
    if (transport) transport->stop();
    for (const auto& timer : timers)
        timer->cancel();
    timers.clear();
    if (proposal_timer) proposal_timer->cancel();
}

void NodeImpl::start() {
    transport->on_message(
        [this](const crypto::PublicKey& peer, Bytes message) { on_message(peer, std::move(message)); });
    transport->on_peer_up([this](const crypto::PublicKey& peer) {
        sync.peer_up(peer);
        send_status(peer);
        send_pool(peer);
    });
    transport->on_peer_down([this](const crypto::PublicKey& peer) {
        sync.peer_down(peer);  // Only connected peers count for syncing and the voting gate.
        update_voting();
    });
    auto port = transport->listen(config.peer_listen);
    if (!port) {
        fatal("peer listen " + config.peer_listen + ": " + port.error().message);
        return;
    }
    signals.emplace(io, SIGINT, SIGTERM);
    signals->async_wait([this](const boost::system::error_code& error, int signal) {
        if (error) return;
        log_line(LogLevel::info, "signal").field("signal", signal);
        stop();
    });
    log_line(LogLevel::info, "node_started")
        .field("validator", signer->name())
        .field("height", store->height().value)
        .field("peer_listen", config.peer_listen)
        .field("genesis_hash", genesis_hash_hex);
    running = true;
    refresh_peers();
    std::deque<consensus::Input> follow_ups;
    if (core) {
        auto ready = core->start(ledger::TimeMs{now_ms()});
        carry_out(ready, follow_ups);
    }
    while (!follow_ups.empty() && !stopping && core) {
        auto input = std::move(follow_ups.front());
        follow_ups.pop_front();
        drive(std::move(input));
    }
    if (auto pending = pool_change()) drive(std::move(*pending));
    schedule_status();
}

void NodeImpl::stop() {
    if (stopping.exchange(true)) return;
    running = false;
    log_line(LogLevel::info, "node_stopping").field("height", store ? store->height().value : 0);
    if (transport) transport->stop();
    if (signals) signals->cancel();
    for (const auto& timer : timers)
        timer->cancel();
    timers.clear();
    if (proposal_timer) proposal_timer->cancel();
    fail_relays();
    io.stop();
}

void NodeImpl::drive(consensus::Input input) {
    if (!core) return;  // An observer has no core to drive.
    std::deque<consensus::Input> follow_ups;
    follow_ups.push_back(std::move(input));
    while (!stopping && !halted && core) {
        if (follow_ups.empty()) {
            // A decision may have brought this node within a block of the others, and the core
            // forgets at each height that the pool holds events.
            auto change = voting_change();
            if (!change) change = pool_change();
            if (!change) break;
            follow_ups.push_back(std::move(*change));
        }
        auto next = std::move(follow_ups.front());
        follow_ups.pop_front();
        auto ready = core->step(std::move(next), ledger::TimeMs{now_ms()});
        carry_out(ready, follow_ups);
    }
}

// The signing state records the last precommit this key signed, written before it left, so a
// certificate holding its precommit for a later height or round is proof that the state is older
// than what was signed: a copy restored from a backup, or a deleted file. With it the core would
// not know what it signed since, and could sign something else there. The node then signs
// nothing up to the height after its store's top (the highest it can have reached: it commits a
// height before it signs at the next), and says so; above that, nothing it signed before can
// conflict. Only the last signing_check_heights_max certificates are looked at (a validator that
// signed recently shows up in them), from the top down to the first holding its precommit.
void NodeImpl::check_signing_state() {
    constexpr std::uint64_t signing_check_heights_max = 256;
    std::optional<std::pair<std::uint64_t, std::uint64_t>> recorded;  // Last precommit's height, round.
    if (persisted_state && persisted_state->last_precommit) {
        const auto& vote = std::get<consensus::Vote>(persisted_state->last_precommit->body);
        recorded = std::pair{vote.height.value, std::uint64_t{vote.round.value}};
    }
    const std::uint64_t top = store->height().value;
    const std::uint64_t lowest = top > signing_check_heights_max ? top - signing_check_heights_max : 0;
    for (std::uint64_t height = top; height > lowest && (!recorded || height >= recorded->first); --height) {
        const auto set = store->validators_at(ledger::Height{height});
        const auto* self = set ? set->find(signer->public_key()) : nullptr;
        auto certificate = store->certificate(ledger::Height{height});
        if (self == nullptr || !certificate) continue;
        auto verified = ledger::verify_certificate(*certificate, genesis.chain_id, *set);
        if (!verified || std::find(verified->signers.begin(), verified->signers.end(), self->name) ==
                             verified->signers.end())
            continue;
        const std::pair<std::uint64_t, std::uint64_t> in_store{height, verified->round.value};
        if (recorded && in_store <= *recorded) return;  // The state knows it: not behind.
        voting_gate.silence_through(top + 1);
        log_line(LogLevel::error, "signing_state_behind")
            .field("signed_height", height)
            .field("signed_round", in_store.second)
            .field("state_height", recorded ? recorded->first : 0)
            .field("silent_through", voting_gate.silent_through())
            .field("detail",
                   "the store's certificate at signed_height holds this validator's precommit, which its "
                   "signing state (consensus_wal) never recorded: restored from an old copy or lost; no "
                   "signing up to silent_through (docs/OPERATIONS.md, \"A signing state restored from a "
                   "backup\")");
        return;
    }
}

void NodeImpl::note_signed(const consensus::PersistentState& state, bool log) {
    const std::array<const std::optional<consensus::SignedMessage>*, 3> latest{
        &state.last_proposal, &state.last_prevote, &state.last_precommit};
    constexpr std::array<std::string_view, 3> kinds{"proposal", "prevote", "precommit"};
    for (std::size_t index = 0; index < latest.size(); ++index) {
        const auto& message = *latest[index];
        if (!message || last_signed[index] == message->signature) continue;
        last_signed[index] = message->signature;
        if (!log) continue;
        ++counters.messages_signed;
        const auto [height, round] = index == 0
                                         ? std::pair{std::get<consensus::Proposal>(message->body).height,
                                                     std::get<consensus::Proposal>(message->body).round}
                                         : std::pair{std::get<consensus::Vote>(message->body).height,
                                                     std::get<consensus::Vote>(message->body).round};
        log_line(LogLevel::debug, "signed")
            .field("kind", kinds[index])
            .field("height", height.value)
            .field("round", round.value);
    }
}

void NodeImpl::carry_out(consensus::Ready& ready, std::deque<consensus::Input>& follow_ups) {
    // 1. Decided blocks to the store (see node.hpp for why before the signing state).
    for (const auto& decision : ready.decisions) {
        commit_decision(decision);
        if (stopping || halted) return;
    }
    // 2. The signing state, durably, before anything leaves the node.
    if (ready.persist) {
        const auto save_started = std::chrono::steady_clock::now();
        if (auto saved = signing_state->save(*ready.persist); !saved) {
            storage_failed("saving the signing state: " + saved.error().message);
            return;
        }
        counters.signing_state_save.observe(seconds_since(save_started));
        note_signed(*ready.persist);
        persisted_state = std::move(ready.persist);
    }
    // A decision may have reached a height whose validator set is not the core's: the state is
    // durable now, so the core is rebuilt for the new set and this Ready's remaining work is
    // dropped (node_sets.cpp explains why that is safe).
    if (!ready.decisions.empty() && refresh_core(follow_ups)) return;
    // 3. Send, schedule, answer.
    for (const auto& outbound : ready.messages)
        send_consensus(outbound);
    for (const auto& behind : ready.peers_behind) {  // Indices into the core's set.
        if (behind.validator < params.validators.validators.size()) {
            answer_laggard(params.validators.validators[behind.validator].key, behind.height);
        }
    }
    for (const auto& timeout : ready.timeouts)
        schedule_timeout(timeout);
    for (const auto& request : ready.proposal_requests)
        handle_proposal_request(request, follow_ups);
    for (const auto& request : ready.validation_requests) {
        bool valid = validate_block(request.block, request.block_id);
        follow_ups.push_back(consensus::ValidityVerdict{request.height, request.block_id, valid});
    }
    for (const auto& evidence : ready.evidence) {
        ++counters.evidence;
        const auto& body = evidence.first.body;
        const auto* vote = std::get_if<consensus::Vote>(&body);
        const std::string_view kind = vote == nullptr                              ? "proposal"
                                      : vote->type == consensus::VoteType::prevote ? "prevote"
                                                                                   : "precommit";
        const auto [height, round] = vote == nullptr ? std::pair{std::get<consensus::Proposal>(body).height,
                                                                 std::get<consensus::Proposal>(body).round}
                                                     : std::pair{vote->height, vote->round};
        // Named by key too: two processes holding one key (a twin) show up here, and the key is
        // what the operator looks for in its key files.
        std::string key;
        for (const auto& validator : params.validators.validators) {
            if (validator.name == evidence.validator) key = crypto::hex_encode(validator.key.view());
        }
        log_line(LogLevel::warn, "equivocation")
            .field("validator", evidence.validator)
            .field("kind", kind)
            .field("height", height.value)
            .field("round", round.value)
            .field("key", key);
    }
}

void NodeImpl::commit_decision(const consensus::Decision& decision) {
    const auto& block = decision.block;
    if (block.header.height.value <= store->height().value) return;  // Already stored.
    if (block.header.height.value != store->height().value + 1) {
        fatal("decided height " + std::to_string(block.header.height.value) + " is not next after " +
              std::to_string(store->height().value));
        return;
    }
    std::optional<ledger::BlockEffects> effects;
    if (cached_effects && cached_effects->first == decision.block_id) {
        effects = std::move(cached_effects->second);
    } else {
        auto bytes = verify_signatures(block);
        if (!bytes) {
            fatal("a certified block carries a bad event signature at height " +
                  std::to_string(block.header.height.value));
            return;
        }
        auto context = store->next_block_context();
        context.verify_signatures = false;
        auto applied = ledger::apply_block(*store, block, context, std::move(*bytes));
        if (!applied) {
            fatal("a certified block does not apply: " + applied.error().message);
            return;
        }
        effects = std::move(*applied);
    }
    cached_effects.reset();
    // append_block verifies the certificate against the validator set before writing.
    const auto store_started = std::chrono::steady_clock::now();
    if (auto appended = store->append_block(block, decision.certificate, *effects); !appended) {
        storage_failed("append_block: " + appended.error().message);
        return;
    }
    const double store_seconds = seconds_since(store_started);
    counters.block_store.observe(store_seconds);
    std::vector<ledger::EventId> ids;
    ids.reserve(effects->events.size());
    const auto now = now_ms();
    for (const auto& event : effects->events) {
        ids.push_back(event.id);
        auto submitted = submit_times.find(event.id);
        if (submitted != submit_times.end()) {
            counters.commit_latency.observe(static_cast<double>(now - submitted->second) / 1000.0);
            submit_times.erase(submitted);
        }
    }
    mempool->remove_and_recheck(ids, ledger::TimeMs{now}, &*effects);
    log_pool_drops("commit", block.header.height.value);
    ++counters.blocks_committed;
    counters.events_committed += ids.size();
    // Peers learn the new height at once (a few bytes), so their syncing and voting decisions
    // do not rest on a status up to status_interval_ms old.
    send_status(std::nullopt);
    refresh_peers();  // The sets of the next two heights may have changed.
    log_line(LogLevel::info, "block_committed")
        .field("height", block.header.height.value)
        .field("round", decision.round.value)
        .field("events", static_cast<std::uint64_t>(ids.size()))
        .field("hash", ledger::block_hash_hex(decision.block_id))
        .field("mempool", static_cast<std::uint64_t>(mempool->size()))
        .field("rechecked", static_cast<std::uint64_t>(mempool->last_rechecked()))
        .field("store_ms", static_cast<std::uint64_t>(store_seconds * 1000.0));
}

void NodeImpl::schedule_timeout(const consensus::Timeout& timeout) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io, std::chrono::milliseconds(timeout.delay_ms));
    timers.insert(timer);
    timer->async_wait([this, timer, timeout, epoch = core_epoch](const boost::system::error_code& error) {
        timers.erase(timer);
        if (error || stopping || epoch != core_epoch) return;  // A rebuilt core sets its own.
        drive(consensus::TimeoutFired{timeout});
    });
}

void NodeImpl::handle_proposal_request(const consensus::ProposalRequest& request,
                                       std::deque<consensus::Input>& follow_ups) {
    // Not a full block yet: wait (proposal_batch.hpp). With no events, up to timeout_commit, well
    // inside the propose timeout.
    const auto idle_wait_ms = std::min<std::int64_t>(
        static_cast<std::int64_t>(genesis.params.timeout_commit_ms), params.timeout_propose_ms / 2);
    const auto wait_ms = proposal_batch.on_request(request, proposal_pool(), idle_wait_ms);
    if (!wait_ms) {
        if (auto built = build_proposal(request)) follow_ups.push_back(std::move(*built));
        return;
    }
    log_line(LogLevel::debug, "proposal_wait")
        .field("height", request.height.value)
        .field("round", request.round.value)
        .field("mempool", static_cast<std::uint64_t>(mempool->size()));
    arm_proposal_timer(*wait_ms);
}

void NodeImpl::arm_proposal_timer(std::int64_t wait_ms) {
    proposal_timer = std::make_shared<boost::asio::steady_timer>(io, std::chrono::milliseconds(wait_ms));
    proposal_timer->async_wait([this, timer = proposal_timer](const boost::system::error_code& error) {
        if (error || stopping || timer != proposal_timer) return;
        auto request = proposal_batch.take();
        if (!request) return;
        if (auto built = build_proposal(*request)) drive(std::move(*built));
    });
}

ProposalBatch::Pool NodeImpl::proposal_pool() const {
    return {.pending = mempool->size(), .block_events_max = genesis.params.block_events_max};
}

std::optional<consensus::Input> NodeImpl::pool_change() const {
    if (!core || core->events_pending() || mempool->empty()) return std::nullopt;
    return consensus::EventsPending{};
}

std::optional<consensus::Input> NodeImpl::build_proposal(const consensus::ProposalRequest& request) {
    if (!core || request.height != core->height() || request.round != core->round()) return std::nullopt;
    const auto& limits = genesis.params;
    auto context = store->next_block_context();
    context.verify_signatures = false;  // Every mempool event was verified at admission.
    auto candidates = mempool->candidates(limits.block_events_max);
    if (byzantine.forge_signatures && !candidates.empty()) {
        candidates.front().signature.bytes[0] ^= 1;  // TEST ONLY (config "test_byzantine").
    }
    // The block's time is when it is built, not when the core asked (ProposalRequest::time):
    // events admitted during the batching wait are in it, and a block must not read as ordered
    // before they were signed (docs/CUSTODY_RULES.md, "Ledger time").
    const ledger::TimeMs time{std::max(request.time.value, now_ms())};
    auto built = ledger::build_block(
        *store, ledger::BlockProposal{std::move(candidates), time, signer->name(), proposal_event_bytes_max},
        context);
    if (!built) {
        fatal("build_block: " + built.error().message);
        return std::nullopt;
    }
    if (!built->dropped.empty()) {
        std::vector<ledger::EventId> ids;
        std::vector<PoolDrop> dropped;
        for (auto& event : built->dropped) {
            ids.push_back(event.id);
            const PendingEvent* pending = mempool->find(event.id);  // Candidates come from the pool.
            dropped.push_back(
                PoolDrop{std::move(event), pending != nullptr ? pending->envelope : ledger::Envelope{}});
        }
        mempool->remove_and_recheck(ids, ledger::TimeMs{now_ms()});
        log_pool_drops("proposal", request.height.value, std::move(dropped));
    }
    auto id = ledger::block_hash(built->block.header);
    log_line(LogLevel::debug, "proposal_built")
        .field("height", request.height.value)
        .field("round", request.round.value)
        .field("events", static_cast<std::uint64_t>(built->block.events.size()));
    cached_effects.emplace(id, std::move(built->effects));
    return consensus::ProposalBuilt{request.height, request.round, std::move(built->block)};
}

void NodeImpl::log_pool_drops(std::string_view cause, std::uint64_t height, std::vector<PoolDrop> dropped) {
    const auto one = [&](PoolDrop& drop, std::string_view by) {
        const ledger::DroppedEvent& event = drop.event;
        ++counters.events_dropped;
        dropped_events.erase(event.id.hash);  // Dropped before, admitted again: the latest drop.
        dropped_events.insert(
            event.id.hash,
            // The rule's own message first ("R10 event.prev: ..."): the API's problem document then
            // names the rule and the field, as for a refusal.
            DroppedRecord{
                reader_fields(drop.envelope),
                event.error.message() +
                    " (this node admitted the event and later let it go from its pool uncommitted, "
                    "when " +
                    (cause == "commit" ? "the block at height " + std::to_string(height) + " was committed"
                                       : "building the proposal for height " + std::to_string(height)) +
                    "; no block this node has committed holds it; submit it again to have it "
                    "checked afresh)"});
        log_line(LogLevel::warn, "event_dropped")
            .field("id", ledger::event_id_hex(event.id))
            .field("cause", cause)
            .field("by", by)
            .field("height", height)
            .field("rule", static_cast<std::int64_t>(event.error.rule))
            .field("reason", event.error.message());
    };
    for (auto& drop : dropped)
        one(drop, "build_block");
    auto rechecked = mempool->take_dropped();
    for (auto& drop : rechecked)
        one(drop, "recheck");
}

std::optional<std::vector<ledger::EventBytes>> NodeImpl::verify_signatures(const ledger::Block& block) {
    std::vector<ledger::EventBytes> all;
    std::vector<Hash32> leaves;
    all.reserve(block.events.size());
    leaves.reserve(block.events.size());
    std::vector<const ledger::Envelope*> unverified;
    std::vector<const ledger::EventBytes*> unverified_bytes;
    std::vector<std::size_t> unverified_index;
    for (const auto& envelope : block.events) {
        all.push_back(ledger::event_bytes(envelope));
        leaves.push_back(crypto::merkle_leaf_hash(as_bytes(all.back().canonical_envelope)));
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (verified_leaves.count(leaves[i]) != 0) continue;
        unverified.push_back(&block.events[i]);
        unverified_bytes.push_back(&all[i]);
        unverified_index.push_back(i);
    }
    // The signatures gossip did not bring, checked together: the same verdict for each.
    const std::vector<bool> verified = ledger::verify_envelope_signatures(unverified, unverified_bytes);
    bool all_verified = true;
    for (std::size_t k = 0; k < verified.size(); ++k) {
        if (verified[k]) {
            verified_leaves.insert(leaves[unverified_index[k]], {});
        } else {
            all_verified = false;
        }
    }
    if (!all_verified) return std::nullopt;
    return all;
}

bool NodeImpl::validate_block(const ledger::Block& block, const ledger::BlockHash& id) {
    if (block.header.height.value != store->height().value + 1) return false;
    if (cached_effects && cached_effects->first == id) return true;  // Our own proposal.
    // Every event is re-checked: signature (once per node), then the rules via apply_block.
    std::optional<std::vector<ledger::EventBytes>> bytes;
    if (rebuilt_proposal && !block.events.empty() && rebuilt_proposal->events.data() == block.events.data()) {
        // The very envelopes (one shared list) of a compact proposal rebuilt from this node's
        // pool: each was verified at admission, and rebuild_compact kept its canonical bytes.
        bytes = std::move(rebuilt_proposal->bytes);
        rebuilt_proposal.reset();
    } else {
        bytes = verify_signatures(block);
    }
    if (!bytes) {
        log_line(LogLevel::warn, "proposal_refused")
            .field("height", block.header.height.value)
            .field("reason", "bad event signature");
        return false;
    }
    auto context = store->next_block_context();
    context.verify_signatures = false;
    auto applied = ledger::apply_block(*store, block, context, std::move(*bytes));
    if (!applied) {
        log_line(LogLevel::warn, "proposal_refused")
            .field("height", block.header.height.value)
            .field("reason", applied.error().message);
        return false;
    }
    cached_effects.emplace(id, std::move(*applied));
    return true;
}

NodeImpl::Prepared NodeImpl::prepare(const ledger::Envelope& envelope) {
    Prepared prepared{ledger::event_bytes(envelope), {}, std::nullopt};
    prepared.leaf = crypto::merkle_leaf_hash(as_bytes(prepared.bytes.canonical_envelope));
    return prepared;
}

std::vector<NodeImpl::Prepared> NodeImpl::prepare_all(const std::vector<ledger::Envelope>& envelopes) const {
    std::vector<Prepared> all;
    all.reserve(envelopes.size());
    std::size_t bytes = 0;
    for (const auto& envelope : envelopes) {
        all.push_back(prepare(envelope));
        bytes += all.back().bytes.canonical_envelope.size();
    }
    if (!mempool->has_room_for_all(envelopes.size(), bytes)) return all;
    std::vector<const ledger::Envelope*> unverified;
    std::vector<const ledger::EventBytes*> unverified_bytes;
    std::vector<std::size_t> unverified_index;
    std::unordered_set<Hash32, LeafHashHash> seen;
    for (std::size_t i = 0; i < all.size(); ++i) {
        const Prepared& prepared = all[i];
        if (envelopes[i].event.kind == ledger::EventKind::read || mempool->contains(prepared.bytes.id) ||
            verified_leaves.count(prepared.leaf) != 0 || !seen.insert(prepared.leaf).second) {
            continue;  // admit() would not check it, or checks it alone.
        }
        unverified.push_back(&envelopes[i]);
        unverified_bytes.push_back(&prepared.bytes);
        unverified_index.push_back(i);
    }
    const std::vector<bool> verified = ledger::verify_envelope_signatures(unverified, unverified_bytes);
    for (std::size_t k = 0; k < verified.size(); ++k)
        all[unverified_index[k]].signature_ok = verified[k];
    return all;
}

Result<ledger::EventId> NodeImpl::admit(ledger::Envelope envelope, bool local) {
    Prepared prepared = prepare(envelope);
    return admit(std::move(envelope), std::move(prepared), local);
}

Result<ledger::EventId> NodeImpl::admit(ledger::Envelope envelope, Prepared prepared, bool local) {
    const ledger::EventBytes& bytes = prepared.bytes;
    if (mempool->contains(bytes.id)) {
        return make_error(ErrorCode::already_exists,
                          "event " + ledger::event_id_hex(bytes.id) + " is already pending");
    }
    const std::size_t size = bytes.canonical_envelope.size();
    const Hash32 leaf = prepared.leaf;
    // A full pool refuses before the signature check: under overload a refusal costs no
    // verification, and the CPU stays with the consensus that empties the pool.
    if (auto room = mempool->room_for(size); !room) {
        ++counters.events_refused;
        // A gossiped event is in the other pools, so likely in a coming proposal: kept aside
        // (unverified) to rebuild that compact proposal without asking for the full one.
        if (!local) overflow.insert(leaf, std::move(envelope));
        return tl::unexpected(room.error());
    }
    if (verified_leaves.count(leaf) == 0) {
        // The verdict prepare_all() found with others', else this one checked alone.
        const bool ok = prepared.signature_ok
                            ? *prepared.signature_ok
                            : ledger::verify_envelope_signature(envelope, bytes).has_value();
        if (!ok) {
            ++counters.events_refused;
            return tl::unexpected(ledger::signature_refused(envelope));
        }
        verified_leaves.insert(leaf, {});
    }
    PendingEvent pending{std::move(envelope), bytes.id, size, leaf, bytes.canonical_envelope};
    auto admitted = mempool->admit(std::move(pending), ledger::TimeMs{now_ms()});
    if (!admitted) {
        ++counters.events_refused;
        // A gossiped event the rules refuse against this pool (its predecessor was refused
        // here, say) may still be in another's proposal: kept aside like a full pool's refusals.
        if (!local && admitted.error().code != ErrorCode::already_exists) {
            overflow.insert(leaf, std::move(pending.envelope));
        }
        return admitted;
    }
    ++counters.events_admitted;
    dropped_events.erase(bytes.id.hash);
    if (local) {
        submit_times.emplace(bytes.id, now_ms());
        queue_gossip(bytes.canonical_envelope);
    }
    nudge_core();
    cut_proposal_wait();
    return admitted;
}

void NodeImpl::nudge_core() {
    if (!core || core->events_pending() || events_nudge_posted) return;
    // The first event of an idle height wakes the core (round 0 starts, a proposer proposes), on
    // the next turn of the loop: admit() may run inside a batch or a core step.
    events_nudge_posted = true;
    boost::asio::post(io, [this] {
        events_nudge_posted = false;
        if (stopping) return;
        if (auto nudge = pool_change()) drive(std::move(*nudge));
    });
}

void NodeImpl::cut_proposal_wait() {
    switch (proposal_batch.on_admit(proposal_pool())) {
        case ProposalBatch::Admitted::keep_waiting:
            return;
        case ProposalBatch::Admitted::build_now: {
            // A full block is ready: build on the next turn of the loop.
            auto request = *proposal_batch.take();
            if (proposal_timer) proposal_timer->cancel();
            boost::asio::post(io, [this, request] {
                if (stopping) return;
                if (auto built = build_proposal(request)) drive(std::move(*built));
            });
            return;
        }
        case ProposalBatch::Admitted::open_window:
            log_line(LogLevel::debug, "proposal_window")
                .field("height", proposal_batch.waiting()->height.value)
                .field("round", proposal_batch.waiting()->round.value);
            if (proposal_timer) proposal_timer->cancel();
            arm_proposal_timer(proposal_batch_ms);
            return;
    }
}

// ---- Node ----

Node::Node(std::unique_ptr<NodeImpl> impl) : impl_(std::move(impl)) {}
Node::~Node() {
    if (impl_) {
        impl_->transport.reset();  // Before the io_context and the store.
        impl_->store.reset();
    }
}

Result<std::unique_ptr<Node>> Node::create(const NodeConfig& config) {
    auto impl = std::make_unique<NodeImpl>();
    impl->config = config;
    if (auto opened = impl->open(); !opened) return tl::unexpected(opened.error());
    return std::unique_ptr<Node>(new Node(std::move(impl)));
}

int Node::run() {
    boost::asio::post(impl_->io, [this] { impl_->start(); });
    impl_->io.run();
    impl_->running = false;
    log_line(LogLevel::info, "node_stopped").field("height", impl_->store->height().value);
    return impl_->exit_status;
}

void Node::request_stop() {
    boost::asio::post(impl_->io, [this] { impl_->stop(); });
}

bool Node::post(std::function<void()> job) {
    if (!impl_->running || impl_->stopping) return false;
    boost::asio::post(impl_->io, std::move(job));
    return true;
}

void Node::record_read(ledger::ReadRecord read, ledger::TimeMs received, ReadRecorded done) {
    // `done` is moved into the job only when the job is queued: otherwise it answers here.
    auto shared = std::make_shared<ReadRecorded>(std::move(done));
    const bool posted = post([this, read = std::move(read), received, shared]() mutable {
        impl_->record_read(std::move(read), received, std::move(*shared));
    });
    if (!posted) (*shared)(make_error(ErrorCode::unavailable, "the node is not running"));
}

Result<crypto::Json> Node::export_bundle(std::string_view item, const ledger::ReadRecord& read,
                                         ledger::TimeMs received) {
    auto bundle = ledger::make_bundle(*impl_->store, item);
    if (!bundle) return bundle;
    auto envelope = impl_->sign_read_record(read, received);
    if (!envelope) return tl::unexpected(envelope.error());
    if (!*envelope) return bundle;
    auto added = ledger::add_bundle_export(
        *bundle, **envelope, [this](std::string_view bytes) { return impl_->signer->sign(bytes); });
    if (!added) return tl::unexpected(added.error());
    return bundle;
}

const ledger::Store& Node::store() const {
    return *impl_->store;
}

std::optional<ledger::Envelope> Node::pending(const ledger::EventId& id) const {
    const auto* found = impl_->mempool->find(id);
    if (found == nullptr) return std::nullopt;
    return found->envelope;
}

std::optional<DroppedRecord> Node::dropped(const ledger::EventId& id) const {
    const DroppedRecord* found = impl_->dropped_events.find(id.hash);
    if (found == nullptr) return std::nullopt;
    return *found;
}

NodeSnapshot Node::snapshot() const {
    const auto& impl = *impl_;
    NodeSnapshot out;
    out.chain_id = impl.genesis.chain_id;
    out.genesis_hash_hex = impl.genesis_hash_hex;
    out.node_name = impl.signer->name();
    out.height = impl.store->height().value;
    out.consensus_round = impl.core ? impl.core->round().value : 0;
    out.log_size = impl.store->log_size();
    out.mempool_events = impl.mempool->size();
    out.mempool_bytes = impl.mempool->bytes();
    out.peers_connected = impl.sync.connected_count();
    for (const auto& validator : impl.params.validators.validators) {  // The set in force next.
        bool connected = validator.key == impl.signer->public_key() || impl.sync.connected(validator.key);
        out.validators.push_back(
            NodeSnapshot::Peer{validator.name, validator.agency, validator.power, connected});
    }
    out.syncing = impl.syncing();
    out.running = impl.running && !impl.halted;
    return out;
}

std::string Node::metrics_text() const {
    return impl_->metrics();
}

std::vector<Result<ledger::EventId>> Node::submit_envelopes(std::vector<ledger::Envelope> envelopes) {
    std::vector<Result<ledger::EventId>> results;
    results.reserve(envelopes.size());
    std::optional<Error> full;
    if (impl_->halted) {
        full = Error{ErrorCode::unavailable, "this node's storage failed (" + impl_->halt_reason +
                                                 "): it commits nothing until an operator frees or "
                                                 "replaces the disk and restarts it; submit to another node"};
    }
    std::vector<NodeImpl::Prepared> prepared;
    if (!full) prepared = impl_->prepare_all(envelopes);
    for (std::size_t i = 0; i < envelopes.size(); ++i) {
        // A full mempool stays full for the rest of this call (nothing commits meanwhile on this
        // thread): the remaining envelopes are refused alike, and the client retries them.
        if (full) {
            results.emplace_back(tl::unexpected(*full));
            continue;
        }
        auto admitted = impl_->admit(std::move(envelopes[i]), std::move(prepared[i]), true);
        if (!admitted && admitted.error().code == ErrorCode::resource_exhausted) full = admitted.error();
        results.push_back(std::move(admitted));
    }
    return results;
}

}  // namespace custos::runtime
