// Names of event kinds and the enumerations events carry, as they appear in JSON.
#include <array>

#include "ledger/events/event.hpp"

namespace custos::ledger {

namespace {

constexpr std::array<std::string_view, event_kind_count> kind_names = {
    "register",
    "transfer.offer",
    "transfer.accept",
    "transfer.reject",
    "transfer.cancel",
    "access",
    "grant",
    "revoke",
    "verify",
    "seal",
    "unseal",
    "derive",
    "dispose",
    "officer.add",
    "officer.revoke",
    "validator.propose",
    "validator.approve",
    "read",
};

constexpr std::array<std::string_view, 5> action_names = {"view", "copy", "image", "analyse", "export"};

}  // namespace

std::string_view event_kind_name(EventKind kind) {
    return kind_names.at(static_cast<std::size_t>(kind));
}

std::optional<EventKind> event_kind_from_name(std::string_view name) {
    for (std::size_t i = 0; i < kind_names.size(); ++i) {
        if (kind_names[i] == name) return static_cast<EventKind>(i);
    }
    return std::nullopt;
}

std::string_view access_action_name(AccessAction action) {
    return action_names.at(static_cast<std::size_t>(action));
}

std::optional<AccessAction> access_action_from_name(std::string_view name) {
    for (std::size_t i = 0; i < action_names.size(); ++i) {
        if (action_names[i] == name) return static_cast<AccessAction>(i);
    }
    return std::nullopt;
}

namespace {
constexpr std::array<std::string_view, 6> read_action_names = {"trail", "bundle", "state-proof",
                                                               "reads", "case",   "search"};
}  // namespace

std::string_view read_action_name(ReadAction action) {
    return read_action_names.at(static_cast<std::size_t>(action));
}

std::optional<ReadAction> read_action_from_name(std::string_view name) {
    for (std::size_t i = 0; i < read_action_names.size(); ++i) {
        if (read_action_names[i] == name) return static_cast<ReadAction>(i);
    }
    return std::nullopt;
}

std::string_view read_outcome_name(ReadOutcome outcome) {
    return outcome == ReadOutcome::served ? "served" : "refused";
}

std::string_view dispose_outcome_name(DisposeOutcome outcome) {
    switch (outcome) {
        case DisposeOutcome::returned:
            return "returned";
        case DisposeOutcome::destroyed:
            return "destroyed";
        case DisposeOutcome::archived:
            return "archived";
    }
    return "unknown";
}

std::string_view authority_kind_name(AuthorityKind kind) {
    switch (kind) {
        case AuthorityKind::warrant:
            return "warrant";
        case AuthorityKind::mlat:
            return "mlat";
        case AuthorityKind::eio:
            return "eio";
        case AuthorityKind::other:
            return "other";
    }
    return "unknown";
}

}  // namespace custos::ledger
