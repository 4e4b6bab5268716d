#!/usr/bin/env python3
"""An independent client of the Custos peer transport, written from docs/FORMAT.md section 10
alone, with libsodium through ctypes (no Custos code). interop_test.cpp runs it against a real
Transport: it handshakes, sends one message and prints the first message it gets back.

usage: interop_client.py PORT CHAIN_ID SERVER_KEY_HEX CLIENT_SEED_HEX MESSAGE
"""
import ctypes
import ctypes.util
import hashlib
import os
import socket
import sys

FRAME_BYTES_MAX = 4 * 1024 * 1024 + 1 + 16
na = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
assert na.sodium_init() >= 0
ull = ctypes.c_ulonglong


def buf(n):
    return ctypes.create_string_buffer(n)


def aead(encrypt, key, counter, data):
    nonce = counter.to_bytes(8, "little") + bytes(16)
    out, out_len = buf(len(data) + 16), ull()
    if encrypt:
        rc = na.crypto_aead_xchacha20poly1305_ietf_encrypt(
            out, ctypes.byref(out_len), data, ull(len(data)), None, ull(0), None, nonce, key)
    else:
        rc = na.crypto_aead_xchacha20poly1305_ietf_decrypt(
            out, ctypes.byref(out_len), None, data, ull(len(data)), None, ull(0), nonce, key)
    assert rc == 0, "AEAD failed"
    return out.raw[:out_len.value]


class Peer:
    def __init__(self, sock, rx, tx):
        self.sock, self.rx, self.tx, self.sent, self.received = sock, rx, tx, 0, 0

    def recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            assert chunk, "connection closed"
            data += chunk
        return data

    def send_frame(self, frame_type, payload):
        ciphertext = aead(True, self.tx, self.sent, bytes([frame_type]) + payload)
        self.sent += 1
        self.sock.sendall(len(ciphertext).to_bytes(4, "big") + ciphertext)

    def recv_frame(self):
        length = int.from_bytes(self.recv_exact(4), "big")
        assert 17 <= length <= FRAME_BYTES_MAX
        plaintext = aead(False, self.rx, self.received, self.recv_exact(length))
        self.received += 1
        return plaintext[0], plaintext[1:]


def main():
    port, chain_id = int(sys.argv[1]), sys.argv[2].encode()
    server_key, seed, message = bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[4]), sys.argv[5].encode()
    key_pk, key_sk = buf(32), buf(64)
    na.crypto_sign_seed_keypair(key_pk, key_sk, seed)
    eph_pk, eph_sk = buf(32), buf(32)
    na.crypto_kx_keypair(eph_pk, eph_sk)

    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    own_hello = b"\x01" + eph_pk.raw + os.urandom(32)
    sock.sendall(own_hello)
    peer = Peer(sock, None, None)
    peer_hello = peer.recv_exact(65)
    assert peer_hello[0] == 1
    rx, tx = buf(32), buf(32)
    kx = na.crypto_kx_client_session_keys if eph_pk.raw < peer_hello[1:33] else na.crypto_kx_server_session_keys
    assert kx(rx, tx, eph_pk.raw, eph_sk.raw, peer_hello[1:33]) == 0
    peer.rx, peer.tx = rx.raw, tx.raw

    low, high = sorted([own_hello, peer_hello], key=lambda hello: hello[1:33])
    transcript = hashlib.sha256(b"custos.p2p.handshake.v1" + len(chain_id).to_bytes(4, "big") + chain_id +
                                low[1:33] + high[1:33] + low[33:65] + high[33:65]).digest()
    signature = buf(64)
    na.crypto_sign_detached(signature, None, transcript, ull(32), key_sk)
    peer.send_frame(1, key_pk.raw + signature.raw)

    frame_type, auth = peer.recv_frame()
    assert frame_type == 1 and len(auth) == 96, "expected the auth frame"
    assert auth[:32] == server_key, "server proved another key"
    assert na.crypto_sign_verify_detached(auth[32:], transcript, ull(32), auth[:32]) == 0, "bad server signature"

    peer.send_frame(2, message)
    while True:
        frame_type, payload = peer.recv_frame()
        if frame_type == 2:
            print("REPLY " + payload.hex())
            return 0
        assert frame_type == 3, "unexpected frame type"


if __name__ == "__main__":
    sys.exit(main())
