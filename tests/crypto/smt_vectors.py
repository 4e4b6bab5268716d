#!/usr/bin/env python3
"""Test vectors for the sparse Merkle map of docs/FORMAT.md section 3.5.

Written from FORMAT.md 3.5 alone, independently of the C++ code (crypto/smt.cpp): the root and
proofs below are the document's recursive definitions, not the store-based updates Custos runs.
Prints tests/vectors/smt.json:

    python3 tests/crypto/smt_vectors.py > tests/vectors/smt.json
"""
import hashlib
import json


def H(b):
    return hashlib.sha256(b).digest()


EMPTY = bytes(32)


def bit(key, i):
    return (key[i // 8] >> (7 - i % 8)) & 1


def smt_leaf(key, value_hash):
    return H(b"\x10" + key + value_hash)


def smt_node(left, right):
    return H(b"\x11" + left + right)


def smt_root(entries, depth=0):
    if len(entries) == 0:
        return EMPTY
    if len(entries) == 1:
        return smt_leaf(*entries[0])
    left = [e for e in entries if bit(e[0], depth) == 0]
    right = [e for e in entries if bit(e[0], depth) == 1]
    return smt_node(smt_root(left, depth + 1), smt_root(right, depth + 1))


def smt_prove(entries, key, depth=0):
    if len(entries) == 0:
        return None, []
    if len(entries) == 1:
        return entries[0], []
    side = [e for e in entries if bit(e[0], depth) == bit(key, depth)]
    other = [e for e in entries if bit(e[0], depth) != bit(key, depth)]
    leaf, siblings = smt_prove(side, key, depth + 1)
    return leaf, siblings + [smt_root(other, depth + 1)]


class Refused(Exception):
    pass


def smt_verify(root, key, leaf, siblings):
    n = len(siblings)
    if n > 256:
        raise Refused("more than 256 siblings")
    value, current = None, EMPTY
    if leaf is not None:
        leaf_key, leaf_value = leaf
        if leaf_key == key:
            value = leaf_value
        elif any(bit(leaf_key, i) != bit(key, i) for i in range(n)):
            raise Refused("the leaf is not on the key's path")
        current = smt_leaf(leaf_key, leaf_value)
    for i, sibling in enumerate(siblings):
        depth = n - 1 - i
        current = smt_node(sibling, current) if bit(key, depth) else smt_node(current, sibling)
    if current != root:
        raise Refused("the proof does not lead to the root")
    return value


def hx(b):
    return b.hex()


def proof_json(leaf, siblings):
    return {
        "leaf": None if leaf is None else {"key": hx(leaf[0]), "value_hash": hx(leaf[1])},
        "siblings": [hx(s) for s in siblings],
    }


def numbered(n):
    return [(H(b"key-%d" % i), H(b"value-%d" % i)) for i in range(n)]


def deep_entries():
    """Keys that share long prefixes: nodes down to depth 255."""
    def key(last_bytes, first=0):
        return bytes([first]) + bytes(31 - len(last_bytes)) + bytes(last_bytes)
    keys = [key([0x01]), key([0x03]), key([0x00]), key([0x80, 0x00]), key([0x01], first=0x80)]
    return [(k, H(b"deep-" + k)) for k in keys]


def flip(b, index=0):
    out = bytearray(b)
    out[index] ^= 0x01
    return bytes(out)


def forgeries(root, entries, key, leaf, siblings, value):
    """Proofs that must be refused, each a dict with what was changed."""
    out = []

    def add(what, leaf2, siblings2, claimed):
        try:
            result = smt_verify(root, key, leaf2, siblings2)
            refused = result != claimed
        except Refused:
            refused = True
        assert refused, what
        case = {"what": what, "key": hx(key), "claimed": None if claimed is None else hx(claimed)}
        case.update(proof_json(leaf2, siblings2))
        out.append(case)

    if value is not None:
        add("another value hash claimed", leaf, siblings, H(b"forged"))
        add("the leaf's value hash changed", (leaf[0], H(b"forged")), siblings, H(b"forged"))
        add("claimed absent with the leaf removed", None, siblings, None)
    else:
        fake = H(b"forged")
        add("claimed present", leaf if leaf is not None else (key, fake), siblings,
            leaf[1] if leaf is not None else fake)
    if siblings:
        add("a sibling changed", leaf, [flip(siblings[0])] + siblings[1:], value)
        add("the deepest sibling removed", leaf, siblings[1:], value)
        add("the root's child removed", leaf, siblings[:-1], value)
        add("siblings reversed" if len(siblings) > 1 else "sibling duplicated",
            leaf, list(reversed(siblings)) if len(siblings) > 1 else siblings * 2, value)
    add("an empty sibling added at the bottom", leaf, [EMPTY] + siblings, value)
    if leaf is not None and leaf[0] != key and siblings:
        add("a leaf off the key's path", (flip(leaf[0], 0), leaf[1]), siblings, None)
    if len(siblings) == 256:
        add("257 siblings", leaf, siblings + [EMPTY], value)
    return out


def map_case(name, entries, absent_keys, present_max=8, forge_from=2):
    root = smt_root(entries)
    proofs, forged = [], []
    for key, value in entries[:present_max]:
        leaf, siblings = smt_prove(entries, key)
        assert smt_verify(root, key, leaf, siblings) == value
        proofs.append(dict({"key": hx(key), "value_hash": hx(value)}, **proof_json(leaf, siblings)))
    for key in absent_keys:
        leaf, siblings = smt_prove(entries, key)
        assert smt_verify(root, key, leaf, siblings) is None
        proofs.append(dict({"key": hx(key), "value_hash": None}, **proof_json(leaf, siblings)))
    for p in proofs[:forge_from] + proofs[len(proofs) - forge_from:]:
        key = bytes.fromhex(p["key"])
        leaf = None if p["leaf"] is None else (bytes.fromhex(p["leaf"]["key"]), bytes.fromhex(p["leaf"]["value_hash"]))
        siblings = [bytes.fromhex(s) for s in p["siblings"]]
        value = None if p["value_hash"] is None else bytes.fromhex(p["value_hash"])
        forged += forgeries(root, entries, key, leaf, siblings, value)
    return {
        "name": name,
        "entries": [{"key": hx(k), "value_hash": hx(v)} for k, v in entries],
        "root": hx(root),
        "proofs": proofs,
        "forged": forged,
    }


def main():
    absent = [H(b"absent-%d" % j) for j in range(6)]
    deep = deep_entries()
    maps = [
        map_case("empty", [], absent[:2]),
        map_case("one", numbered(1), absent[:3]),
        map_case("two", numbered(2), absent[:4]),
        map_case("three", numbered(3), absent),
        map_case("sixteen", numbered(16), absent),
        map_case("two_hundred", numbered(200), absent),
        map_case("deep", deep, [bytes(31) + bytes([0x02]), bytes(30) + bytes([0x80, 0x01]), absent[0]],
                 present_max=3, forge_from=1),
    ]
    doc = {
        "description": "Sparse Merkle map of docs/FORMAT.md 3.5, computed by tests/crypto/smt_vectors.py",
        "empty_hash": hx(EMPTY),
        "leaf_hash_example": {"key": hx(H(b"key-0")), "value_hash": hx(H(b"value-0")),
                              "hash": hx(smt_leaf(H(b"key-0"), H(b"value-0")))},
        "node_hash_example": {"left": hx(EMPTY), "right": hx(H(b"key-0")),
                              "hash": hx(smt_node(EMPTY, H(b"key-0")))},
        "maps": maps,
    }
    print(json.dumps(doc, indent=0, sort_keys=True))


if __name__ == "__main__":
    main()
