#!/usr/bin/env python3
"""Test vector for sealed key files (docs/FORMAT.md section 2, "Sealed key files").

Written from FORMAT.md alone, independently of the C++ code (crypto/sealed_key.cpp):
XChaCha20-Poly1305 (HChaCha20, ChaCha20 and Poly1305 as RFC 8439 and the XChaCha draft
describe them) is implemented here in pure Python. Argon2id comes from the Python `cryptography`
package (OpenSSL's Argon2, version 43 or later), else from libsodium's crypto_pwhash through
ctypes; the two agree, and neither is Custos code. Prints tests/vectors/sealed_key.json:

    python3 tests/crypto/sealed_key_vectors.py > tests/vectors/sealed_key.json
"""
import base64
import ctypes
import ctypes.util
import hashlib
import json
import struct

MASK32 = 0xFFFFFFFF


def rotl32(value, count):
    return ((value << count) & MASK32) | (value >> (32 - count))


def quarter_round(state, a, b, c, d):
    state[a] = (state[a] + state[b]) & MASK32
    state[d] = rotl32(state[d] ^ state[a], 16)
    state[c] = (state[c] + state[d]) & MASK32
    state[b] = rotl32(state[b] ^ state[c], 12)
    state[a] = (state[a] + state[b]) & MASK32
    state[d] = rotl32(state[d] ^ state[a], 8)
    state[c] = (state[c] + state[d]) & MASK32
    state[b] = rotl32(state[b] ^ state[c], 7)


def chacha_rounds(state):
    for _ in range(10):
        quarter_round(state, 0, 4, 8, 12)
        quarter_round(state, 1, 5, 9, 13)
        quarter_round(state, 2, 6, 10, 14)
        quarter_round(state, 3, 7, 11, 15)
        quarter_round(state, 0, 5, 10, 15)
        quarter_round(state, 1, 6, 11, 12)
        quarter_round(state, 2, 7, 8, 13)
        quarter_round(state, 3, 4, 9, 14)


CONSTANTS = list(struct.unpack("<4I", b"expand 32-byte k"))


def chacha20_block(key, counter, nonce12):
    initial = CONSTANTS + list(struct.unpack("<8I", key)) + [counter] + list(struct.unpack("<3I", nonce12))
    state = list(initial)
    chacha_rounds(state)
    return struct.pack("<16I", *[(x + y) & MASK32 for x, y in zip(state, initial)])


def chacha20_xor(key, counter, nonce12, data):
    out = bytearray()
    for offset in range(0, len(data), 64):
        block = chacha20_block(key, counter + offset // 64, nonce12)
        out += bytes(x ^ y for x, y in zip(data[offset:offset + 64], block))
    return bytes(out)


def hchacha20(key, nonce16):
    state = CONSTANTS + list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", nonce16))
    chacha_rounds(state)
    return struct.pack("<8I", *(state[0:4] + state[12:16]))


def poly1305(key, message):
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:], "little")
    p = (1 << 130) - 5
    accumulator = 0
    for offset in range(0, len(message), 16):
        chunk = message[offset:offset + 16] + b"\x01"
        accumulator = (accumulator + int.from_bytes(chunk, "little")) * r % p
    return ((accumulator + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def pad16(data):
    return b"\x00" * (-len(data) % 16)


def xchacha20poly1305_encrypt(key, nonce24, plaintext, associated):
    subkey = hchacha20(key, nonce24[:16])
    nonce12 = b"\x00" * 4 + nonce24[16:]
    poly_key = chacha20_block(subkey, 0, nonce12)[:32]
    ciphertext = chacha20_xor(subkey, 1, nonce12, plaintext)
    mac_data = (associated + pad16(associated) + ciphertext + pad16(ciphertext) +
                struct.pack("<QQ", len(associated), len(ciphertext)))
    return ciphertext + poly1305(poly_key, mac_data)


def argon2id(passphrase, salt, opslimit, memlimit):
    try:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
        return Argon2id(salt=salt, length=32, iterations=opslimit, lanes=1,
                        memory_cost=memlimit // 1024).derive(passphrase)
    except ImportError:
        sodium = ctypes.CDLL(ctypes.util.find_library("sodium"))
        assert sodium.sodium_init() >= 0
        out = ctypes.create_string_buffer(32)
        alg_argon2id13 = 2
        assert sodium.crypto_pwhash(out, ctypes.c_ulonglong(32), passphrase, ctypes.c_ulonglong(len(passphrase)),
                                    salt, ctypes.c_ulonglong(opslimit), ctypes.c_size_t(memlimit),
                                    ctypes.c_int(alg_argon2id13)) == 0
        return out.raw


# Self-checks of the pure-Python parts against published vectors, so a slip here cannot pass
# unnoticed: RFC 8439 2.5.2 (Poly1305), draft-irtf-cfrg-xchacha-03 2.2.1 (HChaCha20) and its
# A.3.1 (AEAD_XChaCha20_Poly1305).
def self_check():
    key = bytes.fromhex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b")
    assert poly1305(key, b"Cryptographic Forum Research Group").hex() == "a8061dc1305136c6c22b8baf0c0127a9"
    key = bytes(range(32))
    nonce = bytes.fromhex("000000090000004a0000000031415927")
    assert hchacha20(key, nonce).hex() == "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc"
    plaintext = (b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, "
                 b"sunscreen would be it.")
    sealed = xchacha20poly1305_encrypt(bytes(range(0x80, 0xA0)), bytes(range(0x40, 0x58)), plaintext,
                                       bytes.fromhex("50515253c0c1c2c3c4c5c6c7"))
    assert sealed[-16:].hex() == "c0875924c1c7987947deafd8780acf49"
    assert sealed[:16].hex() == "bd6d179d3e83d43b9576579493c0e939"


def ed25519_public_key(seed):
    # RFC 8032 5.1.5, written out so that no library's key derivation is trusted either.
    p = 2**255 - 19
    d = -121665 * pow(121666, p - 2, p) % p
    gy = 4 * pow(5, p - 2, p) % p
    gx_squared = (gy * gy - 1) * pow(d * gy * gy + 1, p - 2, p) % p
    gx = pow(gx_squared, (p + 3) // 8, p)
    if (gx * gx - gx_squared) % p != 0:
        gx = gx * pow(2, (p - 1) // 4, p) % p
    if gx % 2 != 0:
        gx = p - gx

    def add(P, Q):
        (x1, y1, z1, t1), (x2, y2, z2, t2) = P, Q
        a = (y1 - x1) * (y2 - x2) % p
        b = (y1 + x1) * (y2 + x2) % p
        c = 2 * t1 * t2 * d % p
        dd = 2 * z1 * z2 % p
        e, f, g, h = b - a, dd - c, dd + c, b + a
        return (e * f % p, g * h % p, f * g % p, e * h % p)

    digest = hashlib.sha512(seed).digest()
    scalar = int.from_bytes(digest[:32], "little")
    scalar &= (1 << 254) - 8
    scalar |= 1 << 254
    result = (0, 1, 1, 0)
    point = (gx, gy, 1, gx * gy % p)
    while scalar:
        if scalar & 1:
            result = add(result, point)
        point = add(point, point)
        scalar >>= 1
    x, y, z, _ = result
    zinv = pow(z, p - 2, p)
    x, y = x * zinv % p, y * zinv % p
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def sealed_key_file(name, seed, passphrase, salt, nonce, opslimit, memlimit):
    public_key = ed25519_public_key(seed).hex()
    key = argon2id(passphrase, salt, opslimit, memlimit)
    associated = b"custos.ed25519.sealed-secret-key.v1\n" + name.encode() + b"\n" + public_key.encode()
    sealed = xchacha20poly1305_encrypt(key, nonce, seed, associated)
    document = {
        "aead": "xchacha20poly1305-ietf",
        "kdf": "argon2id13",
        "memlimit": memlimit,
        "name": name,
        "nonce": base64.b64encode(nonce).decode(),
        "opslimit": opslimit,
        "public_key": public_key,
        "salt": base64.b64encode(salt).decode(),
        "sealed_seed": base64.b64encode(sealed).decode(),
        "type": "custos.ed25519.sealed-secret-key.v1",
    }
    # Canonical JSON (RFC 8785) of this document: sorted keys, no spaces, ASCII strings.
    text = json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"
    return {"name": name, "seed": seed.hex(), "passphrase": passphrase.decode(), "salt": salt.hex(),
            "nonce": nonce.hex(), "opslimit": opslimit, "memlimit": memlimit, "derived_key": key.hex(),
            "public_key": public_key, "file": text}


def main():
    self_check()
    rfc8032_test1_seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    rfc8032_test1_public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert ed25519_public_key(rfc8032_test1_seed).hex() == rfc8032_test1_public
    vectors = [
        sealed_key_file("agency.example/officer-7", rfc8032_test1_seed, b"correct horse battery staple",
                        bytes(range(16)), bytes(range(0x10, 0x28)), 3, 64 << 20),
        # The lowest cost a file may state, a one-byte passphrase and RFC 8032 test 2's seed.
        sealed_key_file("validator-1", bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"),
                        b"x", bytes([0xA5] * 16), bytes([0x5A] * 24), 1, 8 << 20),
    ]
    print(json.dumps({"sealed_key_files": vectors}, indent=2))


if __name__ == "__main__":
    main()
