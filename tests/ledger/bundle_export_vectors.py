#!/usr/bin/env python3
"""The `exported` vector of docs/FORMAT.md 11.8, computed from the document alone (Python and
libsodium through ctypes). tests/ledger/bundle_exported_test.cpp checks the C++ gives the same bytes.

Run: python3 tests/ledger/bundle_export_vectors.py
"""
import base64, ctypes, ctypes.util, hashlib, json

sodium = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
assert sodium.sodium_init() >= 0


def ed25519_sign(seed: bytes, message: bytes) -> tuple[bytes, bytes]:
    public, secret = ctypes.create_string_buffer(32), ctypes.create_string_buffer(64)
    assert sodium.crypto_sign_seed_keypair(public, secret, seed) == 0
    signature = ctypes.create_string_buffer(64)
    assert sodium.crypto_sign_detached(signature, None, message, ctypes.c_ulonglong(len(message)), secret) == 0
    return public.raw, signature.raw


def canonical(value) -> str:  # FORMAT.md 1.2, enough for these values (ASCII keys, small integers)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# The officer: RFC 8032 section 7.1 test 1's key. The validator: test 2's (as in 6.7's vector).
officer_seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
validator_seed = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
officer_key, _ = ed25519_sign(officer_seed, b"")
# A stand-in for the bundle without `exported` (a real one holds the genesis, checkpoints, ...:
# the digest is computed the same way over the whole document).
bundle = {"type": "custos.bundle.v2", "item": "ITEM-1", "items": ["ITEM-1"]}
digest = hashlib.sha256(canonical(bundle).encode()).hexdigest()
params = ('("@method" "@target-uri" "content-digest");created=1700000000;expires=1700000060;'
          'nonce="00112233445566778899aabbccddeeff";keyid="%s";alg="ed25519"' % officer_key.hex())
base = ('"@method": GET\n"@target-uri": http://127.0.0.1:8081/v1/items/ITEM-1/bundle\n'
        '"content-digest": sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:\n'
        '"@signature-params": ' + params)
_, request_signature = ed25519_sign(officer_seed, base.encode())
event = {"type": "custos.event.v1", "chain_id": "custos-test", "kind": "read", "agency": "NL-POL",
         "time": "2023-11-14T22:13:21.000Z",
         "read": {"action": "bundle", "node": "NL-POL.validator-1", "officer": officer_key.hex(),
                  "outcome": "served", "signature": base64.b64encode(request_signature).decode(),
                  "signature_base": base, "status": 200, "subject": "ITEM-1"}}
validator_key, record_signature = ed25519_sign(validator_seed, canonical(event).encode())
read = {"event": event, "signer": validator_key.hex(), "sig": base64.b64encode(record_signature).decode()}
signed = canonical({"bundle": digest, "read": read, "type": "custos.bundle.export.v1"}).encode()
_, node_signature = ed25519_sign(validator_seed, signed)
exported = {"bundle": digest, "read": read, "signature": base64.b64encode(node_signature).decode(),
            "type": "custos.bundle.export.v1"}
print("bundle digest:", digest)
print("request signature:", base64.b64encode(request_signature).decode())
print("read event id:", hashlib.sha256(canonical(event).encode()).hexdigest())
print("read record signature:", base64.b64encode(record_signature).decode())
print("signed text sha256:", hashlib.sha256(signed).hexdigest())
print("node signature:", base64.b64encode(node_signature).decode())
print("exported:", canonical(exported))
