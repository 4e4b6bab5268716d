// Commit certificates: checkpoint bodies signed as notes by validators with more than 2/3 of
// the voting power.
#include <doctest/doctest.h>

#include "crypto/encoding.hpp"
#include "crypto/signed_note.hpp"
#include "tests/ledger/ledger_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::LedgerWorld;

namespace {

// A committed block and its checkpoint body at round 2.
struct Checkpointed : LedgerWorld {
    Checkpointed() {
        commit({sign(register_event("ITEM-1"), "nl.custodian")}, "2026-02-01T10:00:01.000Z");
        header = *ledger->last_header();
        body = checkpoint_body(header, block_hash(header), Round{2});
    }
    crypto::NoteSignature line(std::size_t validator, const std::string& text) const {
        auto signature =
            crypto::sign_note(text, genesis.validators.validators[validator].name, validator_keys[validator]);
        REQUIRE(signature.has_value());
        return *signature;
    }
    Certificate certificate(std::initializer_list<std::size_t> signers) const {
        crypto::Note note{body, {}};
        for (std::size_t validator : signers)
            note.signatures.push_back(line(validator, body));
        return Certificate{crypto::format_note(note)};
    }
    Result<VerifiedCertificate> verify(const Certificate& certificate) const {
        return verify_certificate(certificate, chain, genesis.validators);
    }
    BlockHeader header;
    std::string body;
};

}  // namespace

TEST_CASE("certificate: the checkpoint body has the pinned lines") {
    Checkpointed world;
    const std::string expected = std::string("custos-test\n1\n") +
                                 crypto::base64_encode(world.header.log_root.view()) +
                                 "\nheight 1\nround 2\nblock " + block_hash_hex(block_hash(world.header)) +
                                 "\ntime 2026-02-01T10:00:01.000Z\n";
    CHECK(world.body == expected);
}

TEST_CASE("certificate: three of four equal validators verify and report the checkpoint") {
    Checkpointed world;
    auto verified = world.verify(world.certificate({0, 1, 2}));
    REQUIRE_MESSAGE(verified.has_value(), (verified ? std::string() : verified.error().message));
    CHECK(verified->height == Height{1});
    CHECK(verified->round == Round{2});
    CHECK(verified->block == block_hash(world.header));
    CHECK(verified->log_size == 1);
    CHECK(verified->log_root == world.header.log_root);
    CHECK(verified->time == world.header.time);
    CHECK(verified->signed_power == 3);
    CHECK(verified->signers == std::vector<std::string>{"validator-1", "validator-2", "validator-3"});
}

TEST_CASE("certificate: exactly 2/3 of the power is not enough") {
    Checkpointed world;
    // Powers 2,2,1,1 (total 6): validator-1 and validator-2 hold 4/6, exactly 2/3.
    world.genesis.validators.validators[0].power = 2;
    world.genesis.validators.validators[1].power = 2;
    auto two_thirds = world.verify(world.certificate({0, 1}));
    REQUIRE(!two_thirds);
    CHECK(two_thirds.error().code == ErrorCode::verification_failed);
    CHECK(two_thirds.error().message.find("not more than 2/3") != std::string::npos);
    auto five_sixths = world.verify(world.certificate({0, 1, 2}));
    REQUIRE(five_sixths.has_value());
    CHECK(five_sixths->signed_power == 5);
    CHECK(!exceeds_two_thirds(4, 6));
    CHECK(exceeds_two_thirds(5, 6));
    CHECK(!exceeds_two_thirds(2, 3));
    CHECK(exceeds_two_thirds(3, 4));
    CHECK(exceeds_two_thirds(UINT64_MAX, UINT64_MAX));
    CHECK(!exceeds_two_thirds(UINT64_MAX / 3 * 2, UINT64_MAX));
}

TEST_CASE("certificate: a duplicate signer is refused, not counted twice") {
    Checkpointed world;
    crypto::Note note{world.body,
                      {world.line(0, world.body), world.line(1, world.body), world.line(1, world.body)}};
    auto verified = world.verify(Certificate{crypto::format_note(note)});
    CHECK(!verified);
}

TEST_CASE("certificate: one forged validator line refuses the whole certificate") {
    Checkpointed world;
    crypto::Note note{world.body,
                      {world.line(0, world.body), world.line(1, world.body), world.line(2, world.body),
                       world.line(3, world.body)}};
    // validator-4's line carries its signature of another body: the name and key hash are
    // validator-4's, the signature does not verify over this body.
    note.signatures[3].signature = world.line(3, "another body\n").signature;
    auto verified = world.verify(Certificate{crypto::format_note(note)});
    REQUIRE(!verified);
    CHECK(verified.error().code == ErrorCode::verification_failed);
}

TEST_CASE("certificate: lines of unknown keys are ignored and never counted") {
    Checkpointed world;
    auto witness = custos::test::seeded_key(200);
    auto witness_line = crypto::sign_note(world.body, "witness.example", witness);
    REQUIRE(witness_line.has_value());
    crypto::Note enough{
        world.body,
        {world.line(0, world.body), *witness_line, world.line(1, world.body), world.line(2, world.body)}};
    auto verified = world.verify(Certificate{crypto::format_note(enough)});
    REQUIRE(verified.has_value());
    CHECK(verified->signed_power == 3);
    // Two validators and a witness: the witness does not make up the missing power.
    crypto::Note short_of{world.body, {world.line(0, world.body), *witness_line, world.line(1, world.body)}};
    CHECK(!world.verify(Certificate{crypto::format_note(short_of)}));
    // A line under a validator's name but another key is not that validator's line.
    auto impostor = crypto::sign_note(world.body, "validator-4", witness);
    REQUIRE(impostor.has_value());
    crypto::Note with_impostor{world.body, {world.line(0, world.body), world.line(1, world.body), *impostor}};
    CHECK(!world.verify(Certificate{crypto::format_note(with_impostor)}));
}

TEST_CASE("certificate: a checkpoint of another chain or in another form is refused") {
    Checkpointed world;
    auto wrong_chain =
        verify_certificate(world.certificate({0, 1, 2}), "other-chain", world.genesis.validators);
    REQUIRE(!wrong_chain);
    CHECK(wrong_chain.error().message.find("origin") != std::string::npos);
    // A body with a leading zero in the size is not what checkpoint_body writes.
    std::string odd = world.body;
    odd.replace(odd.find("\n1\n"), 3, "\n01\n");
    world.body = odd;
    CHECK(!world.verify(world.certificate({0, 1, 2, 3})));
}

}  // namespace CUSTOS_TEST_FILE
