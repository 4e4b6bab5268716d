// The only way to make a VerifiedMessage: MessageVerifier checks the signature, that the signer
// is in the validator set, and the sizes; a commit's certificate is checked with
// ledger::verify_certificate. The core takes only VerifiedMessage, so the type system keeps
// unverified bytes away from it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "consensus/messages.hpp"
#include "ledger/types.hpp"

namespace custos::consensus {

class MessageVerifier;

class VerifiedMessage {
public:
    [[nodiscard]] const SignedMessage& message() const { return message_; }
    [[nodiscard]] const Body& body() const { return message_.body; }
    // Index of the signer in the validator set (unused for a commit).
    [[nodiscard]] std::size_t sender() const { return sender_; }
    // Bytes the signature covers; kept for evidence.
    [[nodiscard]] const std::string& signed_bytes() const { return signed_bytes_; }

private:
    friend class MessageVerifier;
    VerifiedMessage(SignedMessage message, std::size_t sender, std::string signed_bytes)
        : message_(std::move(message)), sender_(sender), signed_bytes_(std::move(signed_bytes)) {}

    SignedMessage message_;
    std::size_t sender_ = 0;
    std::string signed_bytes_;
};

class MessageVerifier {
public:
    MessageVerifier(std::string chain_id, ledger::ValidatorSet validators)
        : chain_id_(std::move(chain_id)), validators_(std::move(validators)) {}

    // Decodes and verifies wire bytes.
    [[nodiscard]] Result<VerifiedMessage> verify(std::string_view bytes) const;
    // Verifies a decoded message.
    [[nodiscard]] Result<VerifiedMessage> verify(SignedMessage message) const;

private:
    [[nodiscard]] Result<VerifiedMessage> verify_commit(SignedMessage message) const;

    std::string chain_id_;
    ledger::ValidatorSet validators_;
};

}  // namespace custos::consensus
