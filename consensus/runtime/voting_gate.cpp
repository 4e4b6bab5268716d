#include "consensus/runtime/voting_gate.hpp"

namespace custos::runtime {

std::string_view VotingGate::pause_reason(const View& view) {
    if (view.height + 1 <= silent_through_) return "signing_state_behind";
    if (!heard_quorum_) {
        const auto* self = view.validators.find(view.self);
        std::uint64_t heard = self == nullptr ? 0 : self->power;
        for (const auto& [key, height] : view.peers.heights()) {
            if (const auto* validator = view.validators.find(key)) heard += validator->power;
        }
        heard_quorum_ = ledger::exceeds_two_thirds(heard, view.validators.total_power());
        if (!heard_quorum_) return "waiting_for_peers";
    }
    if (view.peers.behind(view.height, view.validators)) return "behind";
    return {};
}

VotingGate::Update VotingGate::update(const View& view, bool voting) {
    const std::string_view reason = pause_reason(view);
    const bool wanted = reason.empty();
    if (wanted == voting) {
        if (wanted || reason == pause_reason_) return {};
        pause_reason_ = reason;
        return {Change::reason_changed, reason};
    }
    pause_reason_ = reason;
    return {wanted ? Change::resumed : Change::paused, reason};
}

bool VotingGate::restart(const View& view) {
    heard_quorum_ = false;
    pause_reason_ = pause_reason(view);
    return pause_reason_.empty();
}

}  // namespace custos::runtime
