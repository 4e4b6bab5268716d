// Validator sets, the 2/3 threshold, checkpoint bodies and commit certificate verification.
#include "ledger/types.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <random>
#include <set>

#include "common/assert.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/genesis.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {

namespace {

constexpr std::size_t checkpoint_lines = 7;

tl::unexpected<Error> bad_certificate(const std::string& why) {
    return make_error(ErrorCode::verification_failed, "certificate: " + why);
}

// Decimal without sign or leading zeros (C2SP checkpoints write sizes that way).
std::optional<std::uint64_t> parse_decimal(std::string_view text) {
    if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::vector<std::string_view> split_lines(std::string_view body) {
    std::vector<std::string_view> lines;
    while (!body.empty()) {
        std::size_t end = body.find('\n');
        if (end == std::string_view::npos) end = body.size();
        lines.push_back(body.substr(0, end));
        body.remove_prefix(std::min(end + 1, body.size()));
    }
    return lines;
}

std::optional<std::string_view> after_prefix(std::string_view line, std::string_view prefix) {
    if (!line.starts_with(prefix)) return std::nullopt;
    return line.substr(prefix.size());
}

struct ParsedCheckpoint {
    BlockHeader header;  // chain_id, log_size, log_root, height, time filled in.
    BlockHash block;
    Round round;
};

// Parses the checkpoint body and insists it is exactly what checkpoint_body() would write.
Result<ParsedCheckpoint> parse_checkpoint(std::string_view body, std::string_view chain_id) {
    auto lines = split_lines(body);
    if (lines.size() != checkpoint_lines) {
        return bad_certificate("the checkpoint has " + std::to_string(lines.size()) + " lines, expected " +
                               std::to_string(checkpoint_lines));
    }
    if (lines[0] != chain_id) {
        return bad_certificate("checkpoint of origin '" + std::string(lines[0].substr(0, 128)) +
                               "', expected chain '" + std::string(chain_id) + "'");
    }
    ParsedCheckpoint parsed;
    parsed.header.chain_id = std::string(chain_id);
    auto size = parse_decimal(lines[1]);
    if (!size) return bad_certificate("bad log size line");
    parsed.header.log_size = *size;
    auto root = crypto::base64_decode(lines[2]);
    if (!root || root->size() != parsed.header.log_root.bytes.size())
        return bad_certificate("bad log root line");
    std::copy(root->begin(), root->end(), parsed.header.log_root.bytes.begin());
    auto height_text = after_prefix(lines[3], "height ");
    auto height = height_text ? parse_decimal(*height_text) : std::nullopt;
    if (!height || *height == 0) return bad_certificate("bad height line");
    parsed.header.height = Height{*height};
    auto round_text = after_prefix(lines[4], "round ");
    auto round = round_text ? parse_decimal(*round_text) : std::nullopt;
    if (!round || *round > UINT32_MAX) return bad_certificate("bad round line");
    parsed.round = Round{static_cast<std::uint32_t>(*round)};
    auto block_text = after_prefix(lines[5], "block ");
    auto block =
        block_text ? crypto::hash_from_hex(*block_text) : make_error(ErrorCode::invalid_argument, "");
    if (!block) return bad_certificate("bad block line");
    parsed.block = BlockHash{*block};
    auto time_text = after_prefix(lines[6], "time ");
    auto time = time_text ? parse_time(*time_text) : make_error(ErrorCode::invalid_argument, "");
    if (!time) return bad_certificate("bad time line");
    parsed.header.time = *time;
    if (checkpoint_body(parsed.header, parsed.block, parsed.round) != body) {
        return bad_certificate("the checkpoint is not in canonical form");
    }
    return parsed;
}

}  // namespace

std::uint64_t ValidatorSet::total_power() const {
    std::uint64_t total = 0;
    for (const auto& validator : validators) {
        CUSTOS_ASSERT(total + validator.power >= total, "validator power total overflows");
        total += validator.power;
    }
    return total;
}

const Validator* ValidatorSet::find(const crypto::PublicKey& key) const {
    for (const auto& validator : validators) {
        if (validator.key == key) return &validator;
    }
    return nullptr;
}

const Validator* ValidatorSet::find_name(std::string_view name) const {
    for (const auto& validator : validators) {
        if (validator.name == name) return &validator;
    }
    return nullptr;
}

std::vector<crypto::NoteKey> ValidatorSet::note_keys() const {
    std::vector<crypto::NoteKey> keys;
    keys.reserve(validators.size());
    for (const auto& validator : validators)
        keys.push_back({validator.name, validator.key});
    return keys;
}

Hash32 ValidatorSet::hash() const {
    auto text = crypto::canonicalize(validator_set_to_json(*this));
    CUSTOS_ASSERT(text.has_value(), "a validator set always has a canonical form");
    return crypto::sha256(*text);
}

bool exceeds_two_thirds(std::uint64_t power, std::uint64_t total) {
    // power * 3 > total * 2  <=>  power > floor(2 * total / 3), computed without overflow.
    const std::uint64_t two_thirds_floor = (total / 3) * 2 + ((total % 3) * 2) / 3;
    return power > two_thirds_floor;
}

std::string checkpoint_body(const BlockHeader& header, const BlockHash& block_hash, Round round) {
    std::string body;
    body += header.chain_id + "\n";
    body += std::to_string(header.log_size) + "\n";
    body += crypto::base64_encode(header.log_root.view()) + "\n";
    body += "height " + std::to_string(header.height.value) + "\n";
    body += "round " + std::to_string(round.value) + "\n";
    body += "block " + crypto::hex_encode(block_hash.hash.view()) + "\n";
    body += "time " + format_time(header.time) + "\n";
    return body;
}

Result<VerifiedCertificate> verify_certificate(const Certificate& certificate, std::string_view chain_id,
                                               const ValidatorSet& validators) {
    const auto keys = validators.note_keys();
    auto opened = crypto::open_note(certificate.note, keys);
    if (!opened) return bad_certificate(opened.error().message);
    auto checkpoint = parse_checkpoint(opened->note.body, chain_id);
    if (!checkpoint) return tl::unexpected(checkpoint.error());

    VerifiedCertificate verified{.height = checkpoint->header.height,
                                 .round = checkpoint->round,
                                 .block = checkpoint->block,
                                 .log_size = checkpoint->header.log_size,
                                 .log_root = checkpoint->header.log_root,
                                 .time = checkpoint->header.time,
                                 .signed_power = 0,
                                 .signers = {}};
    std::set<std::string> seen;
    for (const auto& name : opened->verified) {
        // open_note already refuses a repeated known signer; checked again because counting one
        // validator twice is exactly the forgery a certificate must stop.
        if (!seen.insert(name).second) return bad_certificate("validator '" + name + "' signed twice");
        const Validator* validator = validators.find_name(name);
        if (validator == nullptr)
            return make_error(ErrorCode::internal, "open_note verified an unknown name");
        verified.signed_power += validator->power;
        verified.signers.push_back(name);
    }
    const std::uint64_t total = validators.total_power();
    if (!exceeds_two_thirds(verified.signed_power, total)) {
        return bad_certificate("signed power " + std::to_string(verified.signed_power) + " of " +
                               std::to_string(total) + " is not more than 2/3");
    }
    return verified;
}

std::size_t EventIdHash::operator()(const EventId& id) const noexcept {
    // Multiply-xorshift of the id's first 8 bytes under a per-process secret (odd multiplier).
    static const std::pair<std::uint64_t, std::uint64_t> secret = [] {
        std::random_device device;
        auto word = [&device] { return (std::uint64_t{device()} << 32) | device(); };
        return std::pair{word(), word() | 1};
    }();
    std::uint64_t prefix = 0;
    std::memcpy(&prefix, id.hash.bytes.data(), sizeof prefix);
    std::uint64_t mixed = (prefix ^ secret.first) * secret.second;
    return static_cast<std::size_t>(mixed ^ (mixed >> 29));
}

}  // namespace custos::ledger
