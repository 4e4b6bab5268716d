// Read records: JSON, paths, signature base. See read_record.hpp and docs/FORMAT.md 6.7.
#include "ledger/events/read_record.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/canonical_writer.hpp"
#include "ledger/json_fields.hpp"

namespace custos::ledger {

namespace {

using crypto::Json;

Error base_error(std::string reason) {
    return Error{ErrorCode::invalid_argument, "signature base: " + std::move(reason)};
}

// Printable ASCII and LF only: every component value a node verifies is one line of printable
// ASCII (api/http_signature.cpp refuses control characters; path ids and queries are ASCII).
bool base_characters_ok(std::string_view base) {
    return std::all_of(base.begin(), base.end(),
                       [](char c) { return c == '\n' || (c >= 0x20 && c <= 0x7E); });
}

std::vector<std::string_view> record_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (true) {
        auto end = text.find('\n');
        lines.push_back(text.substr(0, end));
        if (end == std::string_view::npos) return lines;
        text.remove_prefix(end + 1);
    }
}

std::optional<std::int64_t> decimal(std::string_view text) {
    if (text.empty() || text.size() > 15 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
    std::int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// A quoted RFC 8941 string without escapes (no Custos parameter needs one).
std::optional<std::string> quoted(std::string_view text) {
    if (text.size() < 2 || text.front() != '"' || text.back() != '"') return std::nullopt;
    text = text.substr(1, text.size() - 2);
    if (text.find('"') != std::string_view::npos || text.find('\\') != std::string_view::npos)
        return std::nullopt;
    return std::string(text);
}

// `("@method" "@target-uri" "content-digest");created=..;expires=..;nonce="..";keyid="..";alg=".."`
Result<std::vector<std::string>> parse_params(std::string_view text, SignatureBaseFields& fields) {
    if (text.empty() || text.front() != '(')
        return tl::unexpected(base_error("@signature-params must open with ("));
    const auto close = text.find(')');
    if (close == std::string_view::npos) return tl::unexpected(base_error("@signature-params has no )"));
    std::vector<std::string> components;
    std::string_view inner = text.substr(1, close - 1);
    while (!inner.empty()) {
        auto space = inner.find(' ');
        auto name = quoted(inner.substr(0, space));
        if (!name) return tl::unexpected(base_error("a covered component is not a quoted name"));
        components.push_back(*name);
        if (space == std::string_view::npos) break;
        inner.remove_prefix(space + 1);
    }
    std::string_view rest = text.substr(close + 1);
    std::array<bool, 5> seen{};
    constexpr std::array<std::string_view, 5> names = {"created", "expires", "nonce", "keyid", "alg"};
    while (!rest.empty()) {
        if (rest.front() != ';') return tl::unexpected(base_error("parameters must be separated by ;"));
        rest.remove_prefix(1);
        const auto next = rest.find(';');
        const std::string_view parameter = rest.substr(0, next);
        rest = next == std::string_view::npos ? std::string_view() : rest.substr(next);
        const auto equals = parameter.find('=');
        const std::string_view name = parameter.substr(0, equals);
        const std::string_view value =
            equals == std::string_view::npos ? std::string_view() : parameter.substr(equals + 1);
        const auto index = std::find(names.begin(), names.end(), name) - names.begin();
        if (index == static_cast<std::ptrdiff_t>(names.size()))
            return tl::unexpected(base_error("unknown parameter " + std::string(name.substr(0, 32))));
        if (seen[static_cast<std::size_t>(index)])
            return tl::unexpected(base_error("parameter " + std::string(name) + " twice"));
        seen[static_cast<std::size_t>(index)] = true;
        if (index < 2) {
            auto number = decimal(value);
            if (!number) return tl::unexpected(base_error(std::string(name) + " is not a decimal integer"));
            (index == 0 ? fields.created : fields.expires) = *number;
        } else {
            auto string = quoted(value);
            if (!string) return tl::unexpected(base_error(std::string(name) + " is not a quoted string"));
            (index == 2 ? fields.nonce : index == 3 ? fields.key_id : fields.alg) = std::move(*string);
        }
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (!seen[i]) return tl::unexpected(base_error("missing parameter " + std::string(names[i])));
    }
    return components;
}

}  // namespace

std::string read_path(ReadAction action, std::string_view subject) {
    switch (action) {
        case ReadAction::trail:
            return "/v1/items/" + std::string(subject) + "/trail";
        case ReadAction::bundle:
            return "/v1/items/" + std::string(subject) + "/bundle";
        case ReadAction::state_proof:
            return "/v1/items/" + std::string(subject) + "/state-proof";
        case ReadAction::reads:
            return "/v1/items/" + std::string(subject) + "/reads";
        case ReadAction::case_items:
            return "/v1/cases/" + std::string(subject);
        case ReadAction::search:
            return "/v1/search";
    }
    return {};
}

namespace {

// A target URI's authority and path: after http:// or https://, split at the first '/'.
std::optional<std::pair<std::string_view, std::string_view>> split_target_uri(std::string_view target_uri) {
    std::string_view rest = target_uri;
    if (rest.starts_with("https://")) {
        rest.remove_prefix(8);
    } else if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else {
        return std::nullopt;
    }
    const auto slash = rest.find('/');
    if (slash == 0 || slash == std::string_view::npos) return std::nullopt;
    return std::pair{rest.substr(0, slash), rest.substr(slash)};
}

}  // namespace

std::optional<std::string_view> target_of_uri(std::string_view target_uri) {
    auto parts = split_target_uri(target_uri);
    if (!parts) return std::nullopt;
    return parts->second;
}

std::optional<std::string_view> authority_of_uri(std::string_view target_uri) {
    auto parts = split_target_uri(target_uri);
    if (!parts) return std::nullopt;
    return parts->first;
}

Result<SignatureBaseFields> parse_signature_base(std::string_view base) {
    if (base.empty() || base.size() > signature_base_bytes_max)
        return tl::unexpected(
            base_error("must be 1 to " + std::to_string(signature_base_bytes_max) + " bytes"));
    if (!base_characters_ok(base))
        return tl::unexpected(base_error("holds a byte other than printable ASCII or LF"));
    const auto lines = record_lines(base);
    constexpr std::string_view params_prefix = "\"@signature-params\": ";
    if (!lines.back().starts_with(params_prefix))
        return tl::unexpected(base_error("the last line must be \"@signature-params\""));
    SignatureBaseFields fields;
    auto components = parse_params(lines.back().substr(params_prefix.size()), fields);
    if (!components) return tl::unexpected(components.error());
    if (components->size() != 3 || lines.size() != 4)
        return tl::unexpected(base_error("must cover exactly @method, @target-uri and content-digest"));
    std::array<bool, 3> seen{};
    for (std::size_t i = 0; i < 3; ++i) {
        const std::string& name = (*components)[i];
        const std::string prefix = "\"" + name + "\": ";
        if (!lines[i].starts_with(prefix))
            return tl::unexpected(
                base_error("line " + std::to_string(i + 1) + " is not the component " + name));
        const std::string value(lines[i].substr(prefix.size()));
        std::size_t index = name == "@method"          ? 0
                            : name == "@target-uri"    ? 1
                            : name == "content-digest" ? 2
                                                       : 3;
        if (index == 3 || seen[index])
            return tl::unexpected(base_error("must cover exactly @method, @target-uri and content-digest"));
        seen[index] = true;
        (index == 0 ? fields.method : index == 1 ? fields.target_uri : fields.content_digest) = value;
    }
    return fields;
}

Hash32 read_request_hash(const ReadRecord& record) {
    return crypto::sha256(record.signature_base);
}

namespace detail {

namespace {

// The subject: an event digest for a search, else an item or case id.
Status read_subject(ReadRecord& record, const FieldReader& reader, const Json& json,
                    const std::string& path) {
    auto subject_json = reader.required(json, "subject", path);
    if (!subject_json) return tl::unexpected(subject_json.error());
    if (record.action == ReadAction::search) {
        auto sha256 = reader.hash(**subject_json, path_join(path, "subject"));
        if (!sha256) return tl::unexpected(sha256.error());
        record.subject = hex(*sha256);
        return {};
    }
    auto subject = reader.id(**subject_json, path_join(path, "subject"), id_bytes_max);
    if (!subject) return tl::unexpected(subject.error());
    record.subject = std::move(*subject);
    return {};
}

// The outcome and the HTTP status, which must agree.
Status read_outcome(ReadRecord& record, const FieldReader& reader, const Json& json,
                    const std::string& path) {
    auto outcome_json = reader.required(json, "outcome", path);
    if (!outcome_json) return tl::unexpected(outcome_json.error());
    const Json& outcome = **outcome_json;
    if (!outcome.is_string() || (outcome != "served" && outcome != "refused"))
        return reader.fail(path_join(path, "outcome"), "must be served or refused");
    record.outcome = outcome == "served" ? ReadOutcome::served : ReadOutcome::refused;
    auto status = reader.required(json, "status", path).and_then([&](const Json* v) {
        return reader.unsigned_integer(*v, path_join(path, "status"), 599);
    });
    if (!status) return tl::unexpected(status.error());
    const bool consistent =
        record.outcome == ReadOutcome::served ? (*status >= 200 && *status <= 299) : *status == 403;
    if (!consistent)
        return reader.fail(path_join(path, "status"), "must be 2xx when served, 403 when refused");
    record.status = static_cast<std::uint16_t>(*status);
    return {};
}

// The officer's request signature and the signature base it covers.
Status read_request_signature(ReadRecord& record, const FieldReader& reader, const Json& json,
                              const std::string& path) {
    auto base_json = reader.required(json, "signature_base", path);
    if (!base_json) return tl::unexpected(base_json.error());
    const bool base_ok = (*base_json)->is_string() && !(*base_json)->get_ref<const std::string&>().empty() &&
                         (*base_json)->get_ref<const std::string&>().size() <= signature_base_bytes_max &&
                         base_characters_ok((*base_json)->get_ref<const std::string&>());
    if (!base_ok) {
        return reader.fail(
            path_join(path, "signature_base"),
            "must be 1 to " + std::to_string(signature_base_bytes_max) + " bytes of printable ASCII and LF");
    }
    record.signature_base = (*base_json)->get<std::string>();
    auto signature_json = reader.required(json, "signature", path);
    if (!signature_json) return tl::unexpected(signature_json.error());
    auto bytes = (*signature_json)->is_string()
                     ? crypto::base64_decode((*signature_json)->get_ref<const std::string&>())
                     : make_error(ErrorCode::invalid_argument, "not a string");
    auto signature = bytes && bytes->size() == crypto::signature_bytes
                         ? crypto::signature_from_bytes(*bytes)
                         : make_error(ErrorCode::invalid_argument, "");
    if (!signature)
        return reader.fail(path_join(path, "signature"),
                           "must be the canonical base64 of a 64-byte Ed25519 signature");
    record.signature = *signature;
    return {};
}

}  // namespace

Result<ReadRecord> read_record_from_json(const FieldReader& reader, const Json& json,
                                         const std::string& path) {
    if (auto status = reader.object(
            json, path,
            {"action", "node", "officer", "outcome", "signature", "signature_base", "status", "subject"});
        !status) {
        return tl::unexpected(status.error());
    }
    ReadRecord record;
    auto field = [&](std::string_view name) { return reader.required(json, name, path); };
    auto action_json = field("action");
    if (!action_json) return tl::unexpected(action_json.error());
    auto action = (*action_json)->is_string()
                      ? read_action_from_name((*action_json)->get_ref<const std::string&>())
                      : std::nullopt;
    if (!action)
        return reader.fail(path_join(path, "action"),
                           "must be trail, bundle, state-proof, reads, case or search");
    record.action = *action;
    auto node =
        field("node").and_then([&](const Json* v) { return reader.id(*v, path_join(path, "node"), 128); });
    if (!node) return tl::unexpected(node.error());
    record.node = std::move(*node);
    auto officer =
        field("officer").and_then([&](const Json* v) { return reader.key(*v, path_join(path, "officer")); });
    if (!officer) return tl::unexpected(officer.error());
    record.officer = *officer;
    if (auto subject = read_subject(record, reader, json, path); !subject)
        return tl::unexpected(subject.error());
    if (auto outcome = read_outcome(record, reader, json, path); !outcome)
        return tl::unexpected(outcome.error());
    if (auto signature = read_request_signature(record, reader, json, path); !signature)
        return tl::unexpected(signature.error());
    return record;
}

Json read_record_to_json(const ReadRecord& record) {
    return Json{{"action", read_action_name(record.action)},
                {"node", record.node},
                {"officer", key_id(record.officer)},
                {"outcome", read_outcome_name(record.outcome)},
                {"signature", crypto::base64_encode(record.signature.view())},
                {"signature_base", record.signature_base},
                {"status", record.status},
                {"subject", record.subject}};
}

void write_read_record(CanonicalWriter& w, const ReadRecord& record) {
    w.open_object();
    w.key("action");
    w.string(read_action_name(record.action));
    w.key("node");
    w.string(record.node);
    w.key("officer");
    w.string(key_id(record.officer));
    w.key("outcome");
    w.string(read_outcome_name(record.outcome));
    w.key("signature");
    w.string(crypto::base64_encode(record.signature.view()));
    w.key("signature_base");
    w.string(record.signature_base);
    w.key("status");
    w.unsigned_integer(record.status);
    w.key("subject");
    w.string(record.subject);
    w.close_object();
}

}  // namespace detail

Result<ReadRecord> read_record_from_json(const Json& json) {
    static const FieldReader reader("R1 ");
    return detail::read_record_from_json(reader, json, "read");
}

Json read_record_to_json(const ReadRecord& record) {
    return detail::read_record_to_json(record);
}

}  // namespace custos::ledger
