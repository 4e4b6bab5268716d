// Signed notes (C2SP signed-note) with Ed25519 keys.
//
// A note is a UTF-8 body of lines each ending in '\n', a blank line, then one signature line per
// signer: "\u2014 <name> <base64(key_hash(4) || signature(64))>\n". key_hash is the first 4 bytes
// of SHA-256(name || 0x0A || 0x01 || public key). A signature covers the body bytes (through its
// last '\n', without the blank line).
//
// Opening a note against a set of known keys: a malformed note is refused; a line naming a known
// key (same name and key hash) whose signature fails refuses the whole note (never "counted
// around"); the same known signer twice is refused; lines of unknown keys are kept but never
// counted.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "crypto/ed25519.hpp"

namespace custos::crypto {

inline constexpr std::size_t note_bytes_max = 1024 * 1024;
inline constexpr std::size_t note_signatures_max = 256;

using NoteKeyHash = std::array<std::uint8_t, 4>;

struct NoteKey {
    std::string name;  // Non-empty, no whitespace, no '+'.
    PublicKey key;
};

[[nodiscard]] NoteKeyHash note_key_hash(std::string_view name, const PublicKey& key);

// A key name as C2SP requires it: non-empty valid UTF-8 with no Unicode white space, no '+' and
// (since a note may not hold them) no control characters.
[[nodiscard]] bool is_valid_note_key_name(std::string_view name);

// The verifier key text of golang.org/x/mod/sumdb/note, "<name>+<hex key hash>+<base64(0x01 ||
// public key)>", so the Go tools can check Custos notes. Requires a valid name.
[[nodiscard]] std::string note_verifier_key(const NoteKey& key);

struct NoteSignature {
    std::string name;
    NoteKeyHash key_hash{};
    Bytes signature;  // 64 bytes for Ed25519; lines of unknown keys may hold other lengths.

    friend bool operator==(const NoteSignature&, const NoteSignature&) = default;
};

struct Note {
    // Non-empty and ends in '\n'. It may hold blank lines (C2SP allows them): a parser splits a
    // note at its LAST blank line, since no signature line can be blank.
    std::string body;
    std::vector<NoteSignature> signatures;
};

// Structural parse only: no signature is checked.
[[nodiscard]] Result<Note> parse_note(std::string_view text);
[[nodiscard]] std::string format_note(const Note& note);
// Fails if the body is not a valid note body or the name is not a valid key name.
[[nodiscard]] Result<NoteSignature> sign_note(std::string_view body, std::string_view name,
                                              const SecretKey& key);

struct OpenedNote {
    Note note;
    std::vector<std::string> verified;   // Names of known keys whose signatures verified, in note order.
    std::vector<NoteSignature> unknown;  // Lines of keys not in the known set, kept as they were.
};

// Verifies against `known`. Fails if the note is malformed, a known key's signature fails, a known
// signer appears twice, or no known key signed it.
[[nodiscard]] Result<OpenedNote> open_note(std::string_view text, std::span<const NoteKey> known);

}  // namespace custos::crypto
