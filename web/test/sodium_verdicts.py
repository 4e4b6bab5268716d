#!/usr/bin/env python3
"""Reads JSON [{"pk","msg","sig"} hex...] on stdin, prints libsodium's verdicts as a JSON list of
booleans (crypto_sign_verify_detached through ctypes): the reference the JavaScript verifier must
equal (docs/FORMAT.md section 2)."""
import ctypes, ctypes.util, json, sys

na = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
if na.sodium_init() < 0:
    sys.exit("sodium_init failed")
out = []
for case in json.load(sys.stdin):
    pk, msg, sig = (bytes.fromhex(case[k]) for k in ("pk", "msg", "sig"))
    ok = len(pk) == 32 and len(sig) == 64 and \
        na.crypto_sign_verify_detached(sig, msg, ctypes.c_ulonglong(len(msg)), pk) == 0
    out.append(ok)
print(json.dumps(out))
