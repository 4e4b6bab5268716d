// C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys. The parsing rules follow
// the spec and Go's reference implementation (golang.org/x/mod/sumdb/note, Open); where Custos is
// stricter (a repeated known signer, non-canonical base64) the comment at that spot says so.
#include "crypto/signed_note.hpp"

#include <algorithm>
#include <cstdio>

#include "common/assert.hpp"
#include "crypto/ed25519_tables.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "crypto/utf8.hpp"

namespace custos::crypto {

namespace {

constexpr std::uint8_t ed25519_signature_type = 0x01;
constexpr std::string_view signature_prefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, then a space.
constexpr std::string_view signature_separator = "\n\n";
constexpr std::size_t key_hash_bytes = std::tuple_size_v<NoteKeyHash>;

tl::unexpected<Error> malformed(const std::string& why) {
    return make_error(ErrorCode::invalid_argument, "malformed note: " + why);
}

// Go's unicode.IsSpace: the Unicode White_Space property.
bool is_unicode_space(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

// A note (or a body) must be valid UTF-8 with no ASCII control character other than '\n'.
Status check_note_characters(std::string_view text, std::string_view what) {
    if (auto utf8_check = utf8::check(text); utf8_check.fault != utf8::Fault::none) {
        return malformed(std::string(what) + " holds " + std::string(utf8::fault_name(utf8_check.fault)) +
                         " at byte " + std::to_string(utf8_check.offset));
    }
    // Every control character is ASCII, so a byte scan finds them all in valid UTF-8.
    for (std::size_t offset = 0; offset < text.size(); ++offset) {
        auto byte = static_cast<unsigned char>(text[offset]);
        if (byte < 0x20 && byte != '\n') {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned>(byte));
            return malformed(std::string(what) + " holds control character " + hex + " at byte " +
                             std::to_string(offset));
        }
    }
    return {};
}

Status check_body(std::string_view body) {
    if (body.empty()) return malformed("the text is empty");
    if (body.size() > note_bytes_max) {
        return malformed("the text is " + std::to_string(body.size()) + " bytes, over the limit of " +
                         std::to_string(note_bytes_max));
    }
    if (body.back() != '\n') return malformed("the text does not end with a newline");
    return check_note_characters(body, "the text");
}

// One line "— <name> <base64(key hash || signature)>" without its '\n'.
Result<NoteSignature> parse_signature_line(std::string_view line, std::size_t line_number) {
    std::string where = "signature line " + std::to_string(line_number) + ": ";
    if (!line.starts_with(signature_prefix)) {
        return malformed(where +
                         "does not start with U+2014 and a space (trailing data after the signatures?)");
    }
    line.remove_prefix(signature_prefix.size());
    std::size_t space = line.find(' ');
    if (space == std::string_view::npos) {
        return malformed(where + "has no space between key name and signature");
    }
    std::string_view name = line.substr(0, space);
    std::string_view text = line.substr(space + 1);
    if (!is_valid_note_key_name(name)) {
        return malformed(where + "invalid key name '" + std::string(name) + "'");
    }
    // Stricter than Go's decoder, which accepts non-zero bits after the last byte: one signature
    // has one text here (see FORMAT.md conventions).
    auto decoded = base64_decode(text);
    if (!decoded) return malformed(where + "bad base64: " + decoded.error().message);
    if (decoded->size() < key_hash_bytes + 1) {
        return malformed(where + "the signature decodes to " + std::to_string(decoded->size()) +
                         " bytes; at least 5 (4-byte key hash and a signature) are needed");
    }
    NoteSignature signature{.name = std::string(name), .key_hash = {}, .signature = {}};
    std::copy_n(decoded->begin(), key_hash_bytes, signature.key_hash.begin());
    signature.signature.assign(decoded->begin() + key_hash_bytes, decoded->end());
    return signature;
}

Result<std::vector<NoteSignature>> parse_signature_lines(std::string_view lines) {
    if (lines.empty()) return malformed("no signature line after the blank line");
    if (lines.back() != '\n') return malformed("the last signature line does not end with a newline");
    std::vector<NoteSignature> signatures;
    while (!lines.empty()) {
        if (signatures.size() == note_signatures_max) {
            return malformed("more than " + std::to_string(note_signatures_max) + " signature lines");
        }
        std::size_t end = lines.find('\n');  // Found: lines ends in '\n'.
        auto signature = parse_signature_line(lines.substr(0, end), signatures.size() + 1);
        if (!signature) return tl::unexpected(signature.error());
        signatures.push_back(std::move(*signature));
        lines.remove_prefix(end + 1);
    }
    return signatures;
}

std::string key_label(std::string_view name, const NoteKeyHash& hash) {
    return std::string(name) + "+" + hex_encode(ByteView(hash.data(), hash.size()));
}

// Refuses a known set naming the same (name, key hash) twice: a line could not tell which to use.
Status check_known_unambiguous(std::span<const NoteKey> known, std::span<const NoteKeyHash> hashes) {
    for (std::size_t i = 0; i < known.size(); ++i) {
        for (std::size_t j = i + 1; j < known.size(); ++j) {
            if (known[i].name == known[j].name && hashes[i] == hashes[j]) {
                return make_error(ErrorCode::invalid_argument, "known keys are ambiguous: two keys are " +
                                                                   key_label(known[i].name, hashes[i]));
            }
        }
    }
    return {};
}

}  // namespace

NoteKeyHash note_key_hash(std::string_view name, const PublicKey& key) {
    Sha256 hasher;
    hasher.update(name).update_byte('\n').update_byte(ed25519_signature_type).update(key.view());
    Hash32 digest = hasher.finish();
    NoteKeyHash hash{};
    std::copy_n(digest.bytes.begin(), hash.size(), hash.begin());
    return hash;
}

bool is_valid_note_key_name(std::string_view name) {
    if (name.empty() || name.size() > note_bytes_max) return false;
    std::size_t offset = 0;
    while (offset < name.size()) {
        utf8::Decoded decoded = utf8::decode(name, offset);
        char32_t c = decoded.code_point;
        if (decoded.fault != utf8::Fault::none || c < 0x20 || c == '+' || is_unicode_space(c)) return false;
        offset += decoded.length;
    }
    return true;
}

std::string note_verifier_key(const NoteKey& key) {
    CUSTOS_ASSERT(is_valid_note_key_name(key.name), "note_verifier_key: invalid key name");
    Bytes typed_key{ed25519_signature_type};
    typed_key.insert(typed_key.end(), key.key.bytes.begin(), key.key.bytes.end());
    return key_label(key.name, note_key_hash(key.name, key.key)) + "+" + base64_encode(typed_key);
}

Result<Note> parse_note(std::string_view text) {
    if (text.size() > note_bytes_max) {
        return malformed("the note is " + std::to_string(text.size()) + " bytes, over the limit of " +
                         std::to_string(note_bytes_max));
    }
    if (auto characters = check_note_characters(text, "the note"); !characters) {
        return tl::unexpected(characters.error());
    }
    // The LAST blank line separates text from signatures: the text may hold blank lines, a
    // signature line never is one.
    std::size_t split = text.rfind(signature_separator);
    if (split == std::string_view::npos) {
        return malformed("no blank line between the text and the signatures");
    }
    auto signatures = parse_signature_lines(text.substr(split + signature_separator.size()));
    if (!signatures) return tl::unexpected(signatures.error());
    return Note{.body = std::string(text.substr(0, split + 1)), .signatures = std::move(*signatures)};
}

std::string format_note(const Note& note) {
    CUSTOS_ASSERT(!note.body.empty() && note.body.back() == '\n', "format_note: body must end in a newline");
    CUSTOS_ASSERT(!note.signatures.empty(), "format_note: a note needs at least one signature");
    std::string text = note.body;
    text += '\n';
    for (const auto& signature : note.signatures) {
        CUSTOS_ASSERT(is_valid_note_key_name(signature.name), "format_note: invalid key name");
        CUSTOS_ASSERT(!signature.signature.empty(), "format_note: empty signature");
        Bytes payload(signature.key_hash.begin(), signature.key_hash.end());
        payload.insert(payload.end(), signature.signature.begin(), signature.signature.end());
        text += signature_prefix;
        text += signature.name;
        text += ' ';
        text += base64_encode(payload);
        text += '\n';
    }
    return text;
}

Result<NoteSignature> sign_note(std::string_view body, std::string_view name, const SecretKey& key) {
    if (auto valid = check_body(body); !valid) return tl::unexpected(valid.error());
    if (!is_valid_note_key_name(name)) {
        return make_error(ErrorCode::invalid_argument,
                          "invalid note key name '" + std::string(name) +
                              "': it must be non-empty UTF-8 without white space, '+' or control characters");
    }
    Signature signature = key.sign(as_bytes(body));
    return NoteSignature{.name = std::string(name),
                         .key_hash = note_key_hash(name, key.public_key()),
                         .signature = Bytes(signature.bytes.begin(), signature.bytes.end())};
}

Result<OpenedNote> open_note(std::string_view text, std::span<const NoteKey> known) {
    auto note = parse_note(text);
    if (!note) return tl::unexpected(note.error());
    std::vector<NoteKeyHash> hashes;
    hashes.reserve(known.size());
    for (const auto& key : known)
        hashes.push_back(note_key_hash(key.name, key.key));
    if (auto unambiguous = check_known_unambiguous(known, hashes); !unambiguous) {
        return tl::unexpected(unambiguous.error());
    }

    OpenedNote opened;
    std::vector<bool> seen(known.size(), false);
    for (const auto& line : note->signatures) {
        // A key is identified by name AND key hash together. As C2SP requires (and Go does), a line
        // matching a known key in only one of them is another key's: kept, never counted.
        std::size_t index = 0;
        while (index < known.size() && !(known[index].name == line.name && hashes[index] == line.key_hash)) {
            ++index;
        }
        if (index == known.size()) {
            opened.unknown.push_back(line);
            continue;
        }
        std::string label = key_label(line.name, line.key_hash);
        // Go skips a repeated signer silently; Custos refuses it, so a certificate never shows one
        // validator twice whatever else it holds.
        if (seen[index]) {
            return make_error(ErrorCode::already_exists, "signer " + label + " signed the note twice");
        }
        seen[index] = true;
        auto signature = signature_from_bytes(line.signature);
        if (!signature || !verify(known[index].key, as_bytes(note->body), *signature)) {
            return make_error(ErrorCode::verification_failed, "invalid signature for key " + label);
        }
        // The caller's known keys are the ones it trusts (validators): they sign every block.
        ed25519_tables::note_known_key(known[index].key);
        opened.verified.push_back(line.name);
    }
    if (opened.verified.empty()) {
        return make_error(ErrorCode::verification_failed, "no known key signed the note");
    }
    opened.note = std::move(*note);
    return opened;
}

}  // namespace custos::crypto
