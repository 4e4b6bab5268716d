#include "consensus/messages.hpp"

#include <limits>

#include "common/assert.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "crypto/signed_note.hpp"
#include "ledger/json_fields.hpp"

namespace custos::consensus {
namespace {

using crypto::Json;

using crypto::hex;

std::string canonical(const Json& value) {
    auto text = crypto::canonicalize(value);
    CUSTOS_ASSERT(text.has_value(), "consensus JSON is always canonicalizable (integers < 2^53)");
    return std::move(*text);
}

// A wire message: the size limit, the strict parse, then `read` on the tree. Every member is
// read through the ledger's FieldReader, which checks each type before it converts: no reader
// throws, and a refusal names the member ("consensus message.round: must be an integer").
template <typename T, typename Read>
Result<T> read_message(std::string_view bytes, Read read) {
    if (bytes.size() > message_bytes_max) {
        return make_error(ErrorCode::invalid_argument, "message larger than message_bytes_max");
    }
    auto json = crypto::parse_json(bytes, {.bytes_max = message_bytes_max, .depth_max = 8});
    if (!json) return tl::unexpected(json.error());
    return read(*json);
}

const ledger::FieldReader fields{"consensus "};
constexpr std::string_view message_path = "message";

Result<const Json*> member(const Json& object, std::string_view key) {
    return fields.required(object, key, message_path);
}

Result<std::uint64_t> get_uint(const Json& object, std::string_view key, std::uint64_t max) {
    return member(object, key).and_then([&](const Json* value) {
        return fields.unsigned_integer(*value, ledger::path_join(message_path, key), max);
    });
}

Result<std::string> get_string(const Json& object, std::string_view key, std::size_t bytes_max) {
    return member(object, key).and_then([&](const Json* value) {
        return fields.string(*value, ledger::path_join(message_path, key), bytes_max);
    });
}

Result<Hash32> get_hash(const Json& object, std::string_view key) {
    return member(object, key).and_then([&](const Json* value) {
        return fields.hash(*value, ledger::path_join(message_path, key));
    });
}

// A member that is null or a hash (it must be present).
Result<std::optional<Hash32>> get_optional_hash(const Json& object, std::string_view key) {
    auto found = member(object, key);
    if (!found) return tl::unexpected(found.error());
    if ((*found)->is_null()) return std::optional<Hash32>{};
    auto hash = fields.hash(**found, ledger::path_join(message_path, key));
    if (!hash) return tl::unexpected(hash.error());
    return std::optional<Hash32>{*hash};
}

constexpr std::uint64_t json_int_max = (std::uint64_t{1} << 53) - 1;

Result<Block> block_from_json(const Json& object) {
    return member(object, "block").and_then([](const Json* block) {
        return ledger::block_from_json(*block);
    });
}

Json vote_json(const Vote& vote) {
    Json object{{"kind", vote.type == VoteType::prevote ? "prevote" : "precommit"},
                {"height", vote.height.value},
                {"round", vote.round.value},
                {"block", vote.block ? Json(hex(vote.block->hash)) : Json(nullptr)}};
    if (vote.checkpoint) {
        object["log_size"] = vote.checkpoint->log_size;
        object["log_root"] = hex(vote.checkpoint->log_root);
        object["time"] = vote.checkpoint->time.value;
    }
    return object;
}

Result<Vote> vote_from_json(const Json& object, VoteType type) {
    Vote vote;
    vote.type = type;
    auto height = get_uint(object, "height", json_int_max);
    if (!height) return tl::unexpected(height.error());
    auto round = get_uint(object, "round", round_max);
    if (!round) return tl::unexpected(round.error());
    auto block = get_optional_hash(object, "block");
    if (!block) return tl::unexpected(block.error());
    vote.height = Height{*height};
    vote.round = Round{static_cast<std::uint32_t>(*round)};
    if (*block) vote.block = BlockHash{**block};
    if (type == VoteType::precommit && vote.block) {
        auto log_size = get_uint(object, "log_size", json_int_max);
        if (!log_size) return tl::unexpected(log_size.error());
        auto log_root = get_hash(object, "log_root");
        if (!log_root) return tl::unexpected(log_root.error());
        auto time = get_uint(object, "time", json_int_max);
        if (!time) return tl::unexpected(time.error());
        vote.checkpoint =
            CheckpointRef{*vote.block, *log_size, *log_root, TimeMs{static_cast<std::int64_t>(*time)}};
    }
    return vote;
}

// The "validator" and "sig" members of a signed message.
Result<std::pair<std::string, crypto::Signature>> signer_from_json(const Json& object) {
    auto validator = get_string(object, "validator", validator_name_bytes_max);
    if (!validator) return tl::unexpected(validator.error());
    auto sig_text = get_string(object, "sig", 100);
    if (!sig_text) return tl::unexpected(sig_text.error());
    auto sig_bytes = crypto::base64_decode(*sig_text);
    if (!sig_bytes) return tl::unexpected(sig_bytes.error());
    auto signature = crypto::signature_from_bytes(*sig_bytes);
    if (!signature) return tl::unexpected(signature.error());
    return std::pair{std::move(*validator), *signature};
}

// The "height", "round" and "pol_round" members of a proposal, full or compact.
struct ProposalPlace {
    Height height;
    Round round;
    std::optional<Round> pol_round;
};

Result<ProposalPlace> proposal_place_from_json(const Json& object) {
    auto height = get_uint(object, "height", json_int_max);
    if (!height) return tl::unexpected(height.error());
    auto round = get_uint(object, "round", round_max);
    if (!round) return tl::unexpected(round.error());
    auto pol = member(object, "pol_round");
    if (!pol) return tl::unexpected(pol.error());
    ProposalPlace place{Height{*height}, Round{static_cast<std::uint32_t>(*round)}, std::nullopt};
    if (!(*pol)->is_null()) {
        auto pol_round = get_uint(object, "pol_round", round_max);
        if (!pol_round) return tl::unexpected(pol_round.error());
        place.pol_round = Round{static_cast<std::uint32_t>(*pol_round)};
    }
    return place;
}

Json pol_round_json(const std::optional<Round>& pol_round) {
    return pol_round ? Json(pol_round->value) : Json(nullptr);
}

Result<SignedMessage> decode_json(const Json& object) {
    if (auto status = fields.any_object(object, message_path); !status) return tl::unexpected(status.error());
    auto kind = get_string(object, "kind", 16);
    if (!kind) return tl::unexpected(kind.error());
    SignedMessage message;
    if (*kind == "commit") {
        auto block = block_from_json(object);
        if (!block) return tl::unexpected(block.error());
        auto round = get_uint(object, "round", round_max);
        if (!round) return tl::unexpected(round.error());
        auto note = get_string(object, "certificate", crypto::note_bytes_max);
        if (!note) return tl::unexpected(note.error());
        message.body =
            Commit{std::move(*block), Round{static_cast<std::uint32_t>(*round)}, {std::move(*note)}};
        return message;
    }
    auto signer = signer_from_json(object);
    if (!signer) return tl::unexpected(signer.error());
    message.validator = std::move(signer->first);
    message.signature = signer->second;
    if (*kind == "proposal") {
        auto block = block_from_json(object);
        if (!block) return tl::unexpected(block.error());
        auto place = proposal_place_from_json(object);
        if (!place) return tl::unexpected(place.error());
        Proposal proposal{place->height, place->round, place->pol_round, std::move(*block), {}};
        proposal.block_id = block_hash(proposal.block.header);
        message.body = std::move(proposal);
        return message;
    }
    if (*kind == "prevote" || *kind == "precommit") {
        auto vote = vote_from_json(object, *kind == "prevote" ? VoteType::prevote : VoteType::precommit);
        if (!vote) return tl::unexpected(vote.error());
        message.body = *vote;
        return message;
    }
    return fields.fail("message.kind", "must be proposal, prevote, precommit or commit");
}

}  // namespace

CheckpointRef checkpoint_ref(const ledger::BlockHeader& header) {
    return CheckpointRef{block_hash(header), header.log_size, header.log_root, header.time};
}

std::string proposal_signing_bytes(std::string_view chain_id, const Proposal& proposal) {
    return canonical(Json{{"type", proposal_tag},
                          {"chain_id", chain_id},
                          {"height", proposal.height.value},
                          {"round", proposal.round.value},
                          {"pol_round", pol_round_json(proposal.pol_round)},
                          {"block", hex(proposal.block_id.hash)}});
}

std::string vote_signing_bytes(std::string_view chain_id, const Vote& vote) {
    if (vote.type == VoteType::precommit && vote.checkpoint) {
        ledger::BlockHeader header;
        header.chain_id = std::string(chain_id);
        header.height = vote.height;
        header.time = vote.checkpoint->time;
        header.log_size = vote.checkpoint->log_size;
        header.log_root = vote.checkpoint->log_root;
        return ledger::checkpoint_body(header, vote.checkpoint->block, vote.round);
    }
    return canonical(Json{{"type", vote.type == VoteType::prevote ? prevote_tag : precommit_tag},
                          {"chain_id", chain_id},
                          {"height", vote.height.value},
                          {"round", vote.round.value},
                          {"block", vote.block ? Json(hex(vote.block->hash)) : Json(nullptr)}});
}

crypto::Signature KeySigner::sign(std::string_view bytes) const {
    return key_.sign(as_bytes(bytes));
}

SignedMessage sign_proposal(const Signer& signer, std::string_view chain_id, Proposal proposal) {
    proposal.block_id = block_hash(proposal.block.header);
    auto signature = signer.sign(proposal_signing_bytes(chain_id, proposal));
    return SignedMessage{std::move(proposal), signer.name(), signature};
}

SignedMessage sign_vote(const Signer& signer, std::string_view chain_id, const Vote& vote) {
    // A precommit for a block is exactly a signed-note signature over the checkpoint body: the
    // note signature is Ed25519 over the body bytes, so signing the body is the same operation.
    return SignedMessage{vote, signer.name(), signer.sign(vote_signing_bytes(chain_id, vote))};
}

Vote make_prevote(Height height, Round round, std::optional<BlockHash> block) {
    return Vote{VoteType::prevote, height, round, block, std::nullopt};
}

Vote make_precommit(Height height, Round round, const std::optional<CheckpointRef>& checkpoint) {
    Vote vote{VoteType::precommit, height, round, std::nullopt, checkpoint};
    if (checkpoint) vote.block = checkpoint->block;
    return vote;
}

namespace {

// `{"block":<canonical block>,` + the rest of `object`'s canonical text: "block" sorts before
// every other member of a proposal or commit, so this is the canonical text of the whole message
// without building the block (up to megabytes of events) as a JSON tree.
std::string with_block_first(const Block& block, const Json& object) {
    std::string rest = canonical(object);
    CUSTOS_ASSERT(rest.size() > 2 && rest.front() == '{' && rest.compare(1, 8, "\"block\":") != 0,
                  "the message has members besides the block");
    std::string out = R"({"block":)";
    out += ledger::canonical_block(block);
    out += ',';
    out.append(rest, 1);
    return out;
}

}  // namespace

std::string encode(const SignedMessage& message) {
    Json object;
    if (const auto* commit = std::get_if<Commit>(&message.body)) {
        object = Json{
            {"kind", "commit"}, {"round", commit->round.value}, {"certificate", commit->certificate.note}};
        return with_block_first(commit->block, object);
    }
    if (const auto* proposal = std::get_if<Proposal>(&message.body)) {
        object = Json{{"kind", "proposal"},
                      {"height", proposal->height.value},
                      {"round", proposal->round.value},
                      {"pol_round", pol_round_json(proposal->pol_round)},
                      {"validator", message.validator},
                      {"sig", crypto::base64_encode(message.signature.view())}};
        return with_block_first(proposal->block, object);
    }
    object = vote_json(std::get<Vote>(message.body));
    object["validator"] = message.validator;
    object["sig"] = crypto::base64_encode(message.signature.view());
    return canonical(object);
}

std::string encode_compact(const SignedMessage& message, std::span<const Hash32> leaves) {
    const auto& proposal = std::get<Proposal>(message.body);
    CUSTOS_ASSERT(leaves.size() == proposal.block.events.size(), "one leaf hash per event");
    Json hashes = Json::array();
    for (const auto& leaf : leaves)
        hashes.push_back(hex(leaf));
    return canonical(Json{{"kind", "compact_proposal"},
                          {"height", proposal.height.value},
                          {"round", proposal.round.value},
                          {"pol_round", pol_round_json(proposal.pol_round)},
                          {"header", ledger::block_header_to_json(proposal.block.header)},
                          {"leaves", std::move(hashes)},
                          {"validator", message.validator},
                          {"sig", crypto::base64_encode(message.signature.view())}});
}

namespace {

Result<CompactProposal> compact_from_json(const Json& object) {
    if (auto status = fields.any_object(object, message_path); !status) return tl::unexpected(status.error());
    auto kind = get_string(object, "kind", 16);
    if (!kind) return tl::unexpected(kind.error());
    if (*kind != "compact_proposal") return fields.fail("message.kind", "must be compact_proposal");
    auto signer = signer_from_json(object);
    if (!signer) return tl::unexpected(signer.error());
    auto place = proposal_place_from_json(object);
    if (!place) return tl::unexpected(place.error());
    auto header = member(object, "header");
    if (!header) return tl::unexpected(header.error());
    auto leaves = member(object, "leaves").and_then([](const Json* value) {
        return fields.array(*value, "message.leaves", std::numeric_limits<std::size_t>::max());
    });
    if (!leaves) return tl::unexpected(leaves.error());
    auto parsed_header = ledger::block_header_from_json(**header);
    if (!parsed_header) return tl::unexpected(parsed_header.error());
    CompactProposal compact{place->height,
                            place->round,
                            place->pol_round,
                            std::move(*parsed_header),
                            {},
                            std::move(signer->first),
                            signer->second};
    compact.leaves.reserve((*leaves)->size());
    for (std::size_t index = 0; index < (*leaves)->size(); ++index) {
        auto hash = fields.hash((**leaves)[index], ledger::path_index("message.leaves", index));
        if (!hash) return tl::unexpected(hash.error());
        compact.leaves.push_back(*hash);
    }
    return compact;
}

}  // namespace

Result<CompactProposal> decode_compact(std::string_view bytes) {
    return read_message<CompactProposal>(bytes, compact_from_json);
}

SignedMessage expand(CompactProposal compact, ledger::BlockEvents events) {
    Proposal proposal{compact.height,
                      compact.round,
                      compact.pol_round,
                      Block{std::move(compact.header), std::move(events)},
                      {}};
    proposal.block_id = block_hash(proposal.block.header);
    return SignedMessage{std::move(proposal), std::move(compact.validator), compact.signature};
}

Result<SignedMessage> decode(std::string_view bytes) {
    return read_message<SignedMessage>(bytes, decode_json);
}

std::string vote_content_key(const Vote& vote) {
    return vote_signing_bytes("content-key", vote);
}

}  // namespace custos::consensus
