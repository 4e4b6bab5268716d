// Consensus messages: what validators sign and send to each other, their signed bytes and their
// wire encoding. docs/FORMAT.md section 8 spells out every byte.
//
// Signed bytes, one function per type (STYLE.md): a proposal, a prevote and a nil precommit sign
// the RFC 8785 canonical JSON of an object with a type tag and the chain id; a precommit for a
// block is the Ed25519 signed-note signature over the block's checkpoint body
// (ledger::checkpoint_body), so the precommits for one block and round *are* its certificate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/types.hpp"

namespace custos::consensus {

using ledger::BlockHash;
using ledger::Height;
using ledger::Round;
using ledger::TimeMs;

// Limits enforced at the edge, before the core sees anything.
inline constexpr std::size_t message_bytes_max = 2 * 1024 * 1024;
inline constexpr std::size_t validator_name_bytes_max = 128;
// Rounds beyond this are refused outright; the core's windows are far smaller.
inline constexpr std::uint32_t round_max = 1'000'000;

inline constexpr std::string_view proposal_tag = "custos.proposal.v1";
inline constexpr std::string_view prevote_tag = "custos.prevote.v1";
inline constexpr std::string_view precommit_tag = "custos.precommit.v1";

// The value consensus decides is the ledger's block (header and signed events); its id is
// ledger::block_hash of the header.
using ledger::Block;
using ledger::block_hash;

// What a precommit for a block commits to beyond the block hash: the checkpoint fields, so the
// checkpoint body can be rebuilt from the vote alone.
struct CheckpointRef {
    BlockHash block;
    std::uint64_t log_size = 0;
    Hash32 log_root;
    TimeMs time;
    friend bool operator==(const CheckpointRef&, const CheckpointRef&) = default;
    friend auto operator<=>(const CheckpointRef&, const CheckpointRef&) = default;
};

[[nodiscard]] CheckpointRef checkpoint_ref(const ledger::BlockHeader& header);

struct Proposal {
    Height height;
    Round round;
    std::optional<Round> pol_round;  // Tendermint's validRound; nullopt is -1.
    Block block;
    BlockHash block_id;  // block_hash(block.header), filled on decode/sign.
};

enum class VoteType : std::uint8_t { prevote, precommit };

struct Vote {
    VoteType type = VoteType::prevote;
    Height height;
    Round round;
    // A prevote names a block or nil; a precommit names a checkpoint or nil.
    std::optional<BlockHash> block;
    std::optional<CheckpointRef> checkpoint;  // Precommit for a block only.
};

// A decided block with its certificate, sent to a peer that is behind.
struct Commit {
    Block block;
    Round round;
    ledger::Certificate certificate;
};

using Body = std::variant<Proposal, Vote, Commit>;

struct SignedMessage {
    Body body;
    std::string validator;        // Signer's name (proposal, vote); empty for a commit.
    crypto::Signature signature;  // Unused for a commit (its certificate carries signatures).
};

// Signed bytes.
[[nodiscard]] std::string proposal_signing_bytes(std::string_view chain_id, const Proposal& proposal);
[[nodiscard]] std::string vote_signing_bytes(std::string_view chain_id, const Vote& vote);

// Who signs: the validator's key behind a small interface so the core stays pure (Ed25519 is
// deterministic) and a simulator can count or corrupt signing.
class Signer {
public:
    virtual ~Signer() = default;
    [[nodiscard]] virtual const std::string& name() const = 0;
    [[nodiscard]] virtual const crypto::PublicKey& public_key() const = 0;
    [[nodiscard]] virtual crypto::Signature sign(std::string_view bytes) const = 0;
};

class KeySigner final : public Signer {
public:
    KeySigner(std::string name, crypto::SecretKey key) : name_(std::move(name)), key_(std::move(key)) {}
    [[nodiscard]] const std::string& name() const override { return name_; }
    [[nodiscard]] const crypto::PublicKey& public_key() const override { return key_.public_key(); }
    [[nodiscard]] crypto::Signature sign(std::string_view bytes) const override;

private:
    std::string name_;
    crypto::SecretKey key_;
};

[[nodiscard]] SignedMessage sign_proposal(const Signer& signer, std::string_view chain_id, Proposal proposal);
[[nodiscard]] SignedMessage sign_vote(const Signer& signer, std::string_view chain_id, const Vote& vote);

// The precommit vote for a block (checkpoint) or nil.
[[nodiscard]] Vote make_prevote(Height height, Round round, std::optional<BlockHash> block);
[[nodiscard]] Vote make_precommit(Height height, Round round, const std::optional<CheckpointRef>& checkpoint);

// Wire encoding: JSON (parsed strictly, limits enforced). Decoding checks structure and sizes
// only; MessageVerifier checks signatures.
[[nodiscard]] std::string encode(const SignedMessage& message);
[[nodiscard]] Result<SignedMessage> decode(std::string_view bytes);

// Identity of a vote's content (what two votes must share to be the same vote).
[[nodiscard]] std::string vote_content_key(const Vote& vote);

// A signed proposal as its proposer sends it to validators that already hold its events
// (FORMAT.md 8.4): the block header and, for each event in block order, the RFC 9162 leaf hash
// of its canonical envelope (which names the envelope exactly, signature included) instead of
// the envelopes. The signature is the proposal's own (8.1): it covers the block hash, which the
// header gives. A receiver rebuilds the proposal from its pool (expand) and hands the core only
// the full proposal; the core never sees this form.
struct CompactProposal {
    Height height;
    Round round;
    std::optional<Round> pol_round;
    ledger::BlockHeader header;
    std::vector<Hash32> leaves;
    std::string validator;
    crypto::Signature signature;
};

// `message` must hold a Proposal; `leaves` are its events' leaf hashes, in block order.
[[nodiscard]] std::string encode_compact(const SignedMessage& message, std::span<const Hash32> leaves);
// Structure and sizes only, as decode(): the signature is checked on the expanded proposal.
[[nodiscard]] Result<CompactProposal> decode_compact(std::string_view bytes);
// The full signed proposal, given the envelopes of `compact.leaves` in order; the caller checks
// that their ids hash to the header's events_hash (ledger::events_hash).
[[nodiscard]] SignedMessage expand(CompactProposal compact, ledger::BlockEvents events);

}  // namespace custos::consensus
