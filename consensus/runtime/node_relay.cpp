// The read relay (read_relay.hpp, docs/FORMAT.md 8.4): an observer asks a validator to record
// in the consultation log a read it served; a validator records reads for the observers its
// config lists.
#include <algorithm>
#include <cctype>
#include <span>

#include <boost/asio/post.hpp>

#include "common/assert.hpp"
#include "consensus/runtime/log.hpp"
#include "consensus/runtime/node_impl.hpp"
#include "crypto/encoding.hpp"

namespace custos::runtime {
namespace {

// The name an observer gives itself in a relayed record's `read.node` (the validator replaces it
// with its own): its key's name when that is an id (6.7's `node` is one), else "observer".
std::string relay_node_name(const std::string& name) {
    const bool id = !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == ':' ||
               c == '-';
    });
    return id ? name : std::string("observer");
}

}  // namespace

Result<std::optional<ledger::Envelope>> NodeImpl::sign_read_record(ledger::ReadRecord read,
                                                                   ledger::TimeMs received) const {
    auto latest = store->latest_validators();
    if (!latest) return tl::unexpected(latest.error());
    const ledger::Validator* self = latest->set ? latest->set->find(signer->public_key()) : nullptr;
    if (self == nullptr) return std::optional<ledger::Envelope>();
    read.node = self->name;
    ledger::Event event;
    event.chain_id = store->genesis().chain_id;
    event.kind = ledger::EventKind::read;
    event.agency = self->agency;
    event.time = received;
    event.read = std::move(read);
    ledger::Envelope envelope{event, signer->public_key(), signer->sign(ledger::canonical_event(event))};
    return std::optional<ledger::Envelope>(std::move(envelope));
}

// ---- A read this node served.

void NodeImpl::record_read(ledger::ReadRecord read, ledger::TimeMs received, ReadRecorded done) {
    if (stopping) return done(make_error(ErrorCode::unavailable, "the node is stopping"));
    auto envelope = sign_read_record(read, received);
    // Not a validator of the latest adopted set (an observer): a validator that lists it records it.
    if (envelope && !*envelope) return relay_read(std::move(read), received, std::move(done));
    auto not_recorded = [&](const Error& error) {
        const bool warn = counters.reads_dropped++ % read_drop_warn_every == 0;
        log_line(warn ? LogLevel::warn : LogLevel::debug, "read_not_recorded")
            .field("action", ledger::read_action_name(read.action))
            .field("subject", read.subject)
            .field("reason", error.message)
            .field("dropped_total", counters.reads_dropped);
        done(tl::unexpected(error));
    };
    if (!envelope) return not_recorded(envelope.error());
    std::string name = (*envelope)->event.read->node;
    auto admitted = admit(std::move(**envelope), true);
    if (!admitted) return not_recorded(admitted.error());
    ++counters.reads_recorded;
    done(std::move(name));
}

// ---- The validator's side.

void NodeImpl::on_read_relay(const crypto::PublicKey& peer, std::string_view payload) {
    auto request = decode_read_relay(payload);
    if (!request) {  // No ticket to answer: counted like any malformed message.
        ++counters.messages_refused;
        return;
    }
    auto answer = [&](ReadRelayAnswer reply) {
        (void)transport->send(peer, frame_message(wire::read_relay_answer, encode_read_relay_answer(reply)));
    };
    auto refuse = [&](std::string reason, LogLevel level = LogLevel::debug) {
        ++counters.reads_relay_refused;
        auto observer = observer_links.find(peer);
        log_line(level, "read_relay_refused")
            .field("peer", short_key(peer))
            .field("observer", observer == observer_links.end() ? std::string("-") : observer->second.name)
            .field("reason", reason);
        answer(ReadRelayAnswer{.ticket = request->ticket, .id = std::nullopt, .refused = std::move(reason)});
    };
    // Only an observer this node's config lists: a validator records its own reads, and a
    // record is this node's signed statement, so it makes it for the links it chose to allow.
    auto observer = observer_links.find(peer);
    if (observer == observer_links.end())
        return refuse("this validator does not list the sender under \"observers\"");
    if (halted) return refuse("this validator's storage failed: it records nothing");
    if (auto checked = check_relayed_read(
            *request, {.now_ms = now_ms(),
                       .skew_ms = static_cast<std::int64_t>(genesis.params.clock_skew_max_ms),
                       .observer_names = observer->second.rest_public_names});
        !checked) {
        // A read signed for another node is an observer misconfigured or misbehaving: worth a
        // line at the default level; the rest (a clock off, a bad signature) are counted.
        const bool foreign = checked.error().code == ErrorCode::permission_denied;
        return refuse(checked.error().message, foreign ? LogLevel::warn : LogLevel::debug);
    }
    auto envelope = sign_read_record(std::move(request->read), request->received);
    if (!envelope) return refuse(envelope.error().message);
    if (!*envelope) return refuse("this node is not a validator of the latest adopted set");
    const ledger::EventId id = ledger::event_id((*envelope)->event);
    auto admitted = admit(std::move(**envelope), true);
    // The same request again (its answer was lost): the record is pending here already.
    if (!admitted && admitted.error().code != ErrorCode::already_exists) {
        ++counters.reads_dropped;
        return refuse(admitted.error().message);
    }
    ++counters.reads_recorded_for_observers;
    answer(ReadRelayAnswer{.ticket = request->ticket, .id = id, .refused = {}});
}

// ---- The observer's side.

void NodeImpl::relay_read(ledger::ReadRecord read, ledger::TimeMs received, ReadRecorded done) {
    if (stopping) return done(make_error(ErrorCode::unavailable, "the node is stopping"));
    if (relays.size() >= read_relays_max) {
        ++counters.reads_relay_failed;
        return done(
            make_error(ErrorCode::resource_exhausted,
                       std::to_string(read_relays_max) + " reads wait for a validator to record them"));
    }
    read.node = relay_node_name(signer->name());  // The validator names itself in the record.
    const auto ticket = relays.open(
        std::move(read), received, now_ms(),
        RelayWaiter{.done = std::move(done), .timer = std::make_shared<boost::asio::steady_timer>(io)});
    CUSTOS_ASSERT(ticket.has_value(), "the relay table refused a read below read_relays_max");
    relay_next(*ticket);
}

void NodeImpl::relay_next(std::uint64_t ticket) {
    if (relays.find(ticket) == nullptr) return;
    // The validators of the latest adopted set this node is connected to and has not asked yet.
    auto latest = store->latest_validators();
    std::span<const ledger::Validator> validators;
    if (latest && latest->set) validators = latest->set->validators;
    auto ask = relays.next(ticket, now_ms(), validators,
                           [this](const crypto::PublicKey& key) { return sync.connected(key); });
    if (!ask) return finish_relay(ticket, tl::unexpected(ask.error()));
    const RelayTable<RelayWaiter>::Relay& relay = *relays.find(ticket);
    (void)transport->send(ask->validator, frame_message(wire::read_relay, encode_read_relay(relay.request)));
    relay.waiter.timer->expires_after(std::chrono::milliseconds(ask->wait_ms));
    relay.waiter.timer->async_wait(
        [this, ticket, attempt = ask->attempt](const boost::system::error_code& error) {
            if (error || stopping) return;
            if (!relays.current(ticket, attempt)) return;
            relay_next(ticket);  // This validator did not answer in time: the next one.
        });
}

void NodeImpl::on_read_relay_answer(const crypto::PublicKey& peer, std::string_view payload) {
    auto answer = decode_read_relay_answer(payload);
    if (!answer) {
        ++counters.messages_refused;
        return;
    }
    // A late answer (another validator was asked since, or the read was answered 503): the
    // validator may still have recorded it; that read then has a record, and was not served.
    const auto* relay = relays.asked_of(answer->ticket, peer);
    if (relay == nullptr) return;
    if (!answer->id) {
        log_line(LogLevel::info, "read_relay_refused")
            .field("validator", relay->asked_name)
            .field("reason", answer->refused);
        return relay_next(answer->ticket);
    }
    finish_relay(answer->ticket, relay->asked_name);
}

void NodeImpl::finish_relay(std::uint64_t ticket, Result<std::string> recorded_by) {
    auto relay = relays.finish(ticket);
    if (!relay) return;
    relay->waiter.timer->cancel();
    ++(recorded_by ? counters.reads_relayed : counters.reads_relay_failed);
    if (!recorded_by) {
        log_line(LogLevel::warn, "read_not_recorded")
            .field("action", ledger::read_action_name(relay->request.read.action))
            .field("subject", relay->request.read.subject)
            .field("reason", recorded_by.error().message);
    }
    relay->waiter.done(std::move(recorded_by));
}

void NodeImpl::fail_relays() {
    while (auto ticket = relays.first())
        finish_relay(*ticket, make_error(ErrorCode::unavailable, "the node is stopping"));
}

}  // namespace custos::runtime
