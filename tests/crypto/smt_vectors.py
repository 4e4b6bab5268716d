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


def smt_compress(siblings):
    """(n, empty, listed) of the full path siblings, deepest first (3.5 "Proof")."""
    n = len(siblings)
    empty = bytearray((n + 7) // 8)
    listed = []
    for i, sibling in enumerate(siblings):
        d = n - 1 - i
        if sibling == EMPTY:
            empty[d // 8] |= 0x80 >> (d % 8)
        else:
            listed.append(sibling)
    return n, bytes(empty), listed


def smt_verify(root, key, leaf, n, empty, siblings):
    if not 0 <= n <= 256:
        raise Refused("depth: more than 256")
    if len(empty) != (n + 7) // 8:
        raise Refused("bitmap: not ceil(depth / 8) bytes")
    if any(bit(empty, d) for d in range(n, 8 * len(empty))):
        raise Refused("padding: a bit at or past depth is set")
    flagged = sum(bit(empty, d) for d in range(n))
    if len(siblings) != n - flagged:
        raise Refused("count: not one listed sibling per unflagged depth")
    if EMPTY in siblings:
        raise Refused("zero: a listed sibling is the empty hash")
    value, current = None, EMPTY
    if leaf is not None:
        leaf_key, leaf_value = leaf
        if leaf_key == key:
            value = leaf_value
        elif any(bit(leaf_key, i) != bit(key, i) for i in range(n)):
            raise Refused("path: the leaf is not on the key's path")
        current = smt_leaf(leaf_key, leaf_value)
    listed = iter(siblings)
    for depth in range(n - 1, -1, -1):
        sibling = EMPTY if bit(empty, depth) else next(listed)
        current = smt_node(sibling, current) if bit(key, depth) else smt_node(current, sibling)
    if current != root:
        raise Refused("root: the proof does not lead to the root")
    return value


def hx(b):
    return b.hex()


def proof_json(leaf, n, empty, siblings):
    return {
        "leaf": None if leaf is None else {"key": hx(leaf[0]), "value_hash": hx(leaf[1])},
        "depth": n,
        "empty": hx(empty),
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


def set_bit(b, d):
    out = bytearray(b)
    out[d // 8] |= 0x80 >> (d % 8)
    return bytes(out)


def forgeries(root, entries, key, leaf, n, empty, siblings, value):
    """Proofs that must be refused, each a dict with what was changed and the check that refuses it
    (the word before the colon of smt_verify's Refused, or "value" when the proof verifies but
    shows another value than the one claimed)."""
    out = []

    def add(what, leaf2, n2, empty2, siblings2, claimed, check):
        try:
            result = smt_verify(root, key, leaf2, n2, empty2, siblings2)
            refused_by = "value" if result != claimed else None
        except Refused as e:
            refused_by = str(e).split(":")[0]
        assert refused_by == check, (what, refused_by, check)
        case = {"what": what, "key": hx(key), "claimed": None if claimed is None else hx(claimed),
                "refused_by": check}
        case.update(proof_json(leaf2, n2, empty2, siblings2))
        out.append(case)

    if value is not None:
        add("another value hash claimed", leaf, n, empty, siblings, H(b"forged"), "value")
        add("the leaf's value hash changed", (leaf[0], H(b"forged")), n, empty, siblings, H(b"forged"), "root")
        add("claimed absent with the leaf removed", None, n, empty, siblings, None, "root")
    else:
        fake = H(b"forged")
        add("claimed present", leaf if leaf is not None else (key, fake), n, empty, siblings,
            leaf[1] if leaf is not None else fake, "value" if leaf is not None else "root")
    if siblings:
        add("a listed sibling changed", leaf, n, empty, [flip(siblings[0])] + siblings[1:], value, "root")
        add("the deepest listed sibling removed", leaf, n, empty, siblings[1:], value, "count")
        add("a listed sibling duplicated", leaf, n, empty, siblings + siblings[-1:], value, "count")
        if not bit(empty, 0):
            # The root's child (listed last) flagged empty and dropped from the list: a
            # well-formed proof, of another tree.
            add("the root's child flagged empty instead of listed", leaf, n, set_bit(empty, 0), siblings[:-1],
                value, "root")
    if n > 0:
        flagged = [d for d in range(n) if bit(empty, d)]
        if flagged:
            d = flagged[0]
            cleared = bytearray(empty)
            cleared[d // 8] &= ~(0x80 >> (d % 8)) & 0xFF
            # Listed where depth d's hash belongs among the deepest-first list.
            place = sum(1 for e in range(d + 1, n) if not bit(empty, e))
            add("an empty sibling listed as 32 zero bytes instead of flagged", leaf, n, bytes(cleared),
                siblings[:place] + [EMPTY] + siblings[place:], value, "zero")
            add("a bitmap bit cleared", leaf, n, bytes(cleared), siblings, value, "count")
        else:
            add("a bitmap bit set", leaf, n, set_bit(empty, n - 1), siblings, value, "count")
    if n % 8 != 0:
        add("a padding bit set", leaf, n, set_bit(empty, n), siblings, value, "padding")
    add("a bitmap byte added", leaf, n, empty + b"\x00", siblings, value, "bitmap")
    if n > 0:
        add("the depth one less", leaf, n - 1, empty, siblings, value,
            "bitmap" if (n - 1 + 7) // 8 != len(empty) else ("padding" if bit(empty, n - 1) else "count"))
    if n < 256:
        deeper = empty if (n + 8) // 8 == len(empty) else empty + b"\x00"
        add("an empty sibling added at the bottom", leaf, n + 1, set_bit(deeper, n), siblings, value,
            "path" if leaf is not None and leaf[0] != key and bit(leaf[0], n) != bit(key, n) else "root")
    if leaf is not None and leaf[0] != key and n > 0:
        add("a leaf off the key's path", (bytes([leaf[0][0] ^ 0x80]) + leaf[0][1:], leaf[1]), n, empty, siblings, None, "path")
    if n == 256:
        add("257 siblings deep", leaf, 257, empty + b"\x80", siblings, value, "depth")
    return out


def map_case(name, entries, absent_keys, present_max=8, forge_from=2):
    root = smt_root(entries)
    proofs, forged = [], []
    for key, value in entries[:present_max]:
        leaf, full = smt_prove(entries, key)
        n, empty, siblings = smt_compress(full)
        assert smt_verify(root, key, leaf, n, empty, siblings) == value
        proofs.append(dict({"key": hx(key), "value_hash": hx(value)}, **proof_json(leaf, n, empty, siblings)))
    for key in absent_keys:
        leaf, full = smt_prove(entries, key)
        n, empty, siblings = smt_compress(full)
        assert smt_verify(root, key, leaf, n, empty, siblings) is None
        proofs.append(dict({"key": hx(key), "value_hash": None}, **proof_json(leaf, n, empty, siblings)))
    for p in proofs[:forge_from] + proofs[len(proofs) - forge_from:]:
        key = bytes.fromhex(p["key"])
        leaf = None if p["leaf"] is None else (bytes.fromhex(p["leaf"]["key"]), bytes.fromhex(p["leaf"]["value_hash"]))
        siblings = [bytes.fromhex(s) for s in p["siblings"]]
        value = None if p["value_hash"] is None else bytes.fromhex(p["value_hash"])
        forged += forgeries(root, entries, key, leaf, p["depth"], bytes.fromhex(p["empty"]), siblings, value)
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
