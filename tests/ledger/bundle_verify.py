#!/usr/bin/env python3
"""An independent verifier of Custos court bundles, written from docs/FORMAT.md alone (sections 1,
3, 4, 5.2, 6.1, 6.5, 7 and 11), with libsodium through ctypes and no Custos code. It runs checks
1-4 and 6 (completeness: the state proofs of 3.5 and 7.5 against the anchor's state_root) of
section 11.4 and the signer half of check 2 (officer in force, agency, role, not revoked); the
full custody rules of check 5 are left to docs/CUSTODY_RULES.md.

Check 7 (11.8, who exported the bundle) is checked whole.

usage: bundle_verify.py BUNDLE.json GENESIS_HASH_HEX
prints "OK" and who exported the bundle (or "exporter not stated") and exits 0, or prints
"FAIL <check> <reason>" and exits 1.
bundle_python_test.cpp runs it on genuine and tampered bundles and compares with custos.
"""
import base64
import binascii
import ctypes
import ctypes.util
import hashlib
import json
import sys

na = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
assert na.sodium_init() >= 0


class Fail(Exception):
    def __init__(self, check, reason):
        super().__init__(check + " " + reason)
        self.check = check


# --- Section 1: canonical JSON (the bundle holds no floats) --------------------------------
ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def string(s):
    return '"' + "".join(ESCAPES.get(c, "\\u%04x" % ord(c) if ord(c) < 0x20 else c) for c in s) + '"'


def canonical(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return string(v)
    if isinstance(v, list):
        return "[" + ",".join(canonical(e) for e in v) + "]"
    keys = sorted(v, key=lambda k: k.encode("utf-16-be"))
    return "{" + ",".join(string(k) + ":" + canonical(v[k]) for k in keys) + "}"


def cbytes(v):
    return canonical(v).encode("utf-8")


def sha256(b):
    return hashlib.sha256(b).digest()


def unhex(text, check="format"):
    if not isinstance(text, str) or text != text.lower():
        raise Fail(check, "bad hex")
    try:
        return binascii.unhexlify(text)
    except binascii.Error:
        raise Fail(check, "bad hex")


def verify_ed25519(public_key, message, signature):
    if len(public_key) != 32 or len(signature) != 64:
        return False
    return na.crypto_sign_verify_detached(signature, message, ctypes.c_ulonglong(len(message)), public_key) == 0


# --- Section 3: RFC 9162 proofs --------------------------------------------------------------
def leaf_hash(data):
    return sha256(b"\x00" + data)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def verify_inclusion(leaf, index, size, proof, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old_size, new_size, old_root, new_root, proof):
    if old_size == 0 or old_size > new_size:
        return False
    if old_size == new_size:
        return proof == [] and old_root == new_root
    if proof == []:
        return False
    if old_size & (old_size - 1) == 0:
        proof = [old_root] + proof
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# --- Section 3.5: the sparse Merkle map ------------------------------------------------------
EMPTY = bytes(32)


def bit(key, i):
    return (key[i // 8] >> (7 - i % 8)) & 1


def smt_verify(root, key, proof):
    """The value hash the proof shows for key (None: absent); raises if it does not hold."""
    if not isinstance(proof, dict) or set(proof) != {"leaf", "depth", "empty", "siblings"}:
        raise Fail("completeness", "map proof: not exactly leaf, depth, empty, siblings")
    leaf, n = proof["leaf"], proof["depth"]
    if type(n) is not int or not 0 <= n <= 256:
        raise Fail("completeness", "map proof (depth): depth is not 0 to 256")
    empty = unhex(proof["empty"], "completeness")
    if not isinstance(proof["siblings"], list):
        raise Fail("completeness", "map proof: siblings is not a list")
    siblings = [unhex(s, "completeness") for s in proof["siblings"]]
    if any(len(s) != 32 for s in siblings):
        raise Fail("completeness", "map proof: a sibling is not 32 bytes")
    if len(empty) != (n + 7) // 8:
        raise Fail("completeness", "map proof (bitmap): the empty bitmap is not ceil(depth / 8) bytes")
    if any(bit(empty, d) for d in range(n, 8 * len(empty))):
        raise Fail("completeness", "map proof (padding): a bit of the empty bitmap at or past depth is set")
    if len(siblings) != n - sum(bit(empty, d) for d in range(n)):
        raise Fail("completeness", "map proof (count): not one listed sibling per depth not flagged empty")
    if EMPTY in siblings:
        raise Fail("completeness", "map proof (zero): a listed sibling is the empty hash")
    value, current = None, EMPTY
    if leaf is not None:
        leaf_key, leaf_value = unhex(leaf["key"], "completeness"), unhex(leaf["value_hash"], "completeness")
        if leaf_key == key:
            value = leaf_value
        elif any(bit(leaf_key, i) != bit(key, i) for i in range(n)):
            raise Fail("completeness", "map proof (path): the leaf is not on the key's path")
        current = sha256(b"\x10" + leaf_key + leaf_value)
    listed = iter(siblings)
    for depth in range(n - 1, -1, -1):
        sibling = EMPTY if bit(empty, depth) else next(listed)
        current = (sha256(b"\x11" + sibling + current) if bit(key, depth)
                   else sha256(b"\x11" + current + sibling))
    if current != root:
        raise Fail("completeness", "map proof (root): does not lead to the anchor's state_root")
    return value


def proven(root, key, entry):
    """Checks entry["value"] (null: absent) against the map proof (FORMAT.md 7.5)."""
    value = entry["value"]
    expected = None if value is None else sha256(cbytes(value))
    if smt_verify(root, key, entry["proof"]) != expected:
        raise Fail("completeness", "map proof shows another value")
    return value


# --- Section 4 and 7.4: signed notes as commit certificates ----------------------------------
def b64(text):
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode() != text:
        raise ValueError("non-canonical base64")
    return raw


def open_certificate(note, validators):
    """Returns the checkpoint body; refuses as 7.4 says."""
    at = note.rfind("\n\n")
    if at < 0:
        raise Fail("proofs", "certificate: no blank line")
    body, lines = note[: at + 1], note[at + 2:]
    if not lines.endswith("\n"):
        raise Fail("proofs", "certificate: no final newline")
    known = {}
    for v in validators:
        key = unhex(v["key"])
        khash = sha256(v["name"].encode() + b"\n\x01" + key)[:4]
        known[(v["name"], khash)] = (key, v["power"])
    signed, seen = 0, set()
    for line in lines[:-1].split("\n"):
        if not line.startswith("\u2014 "):
            raise Fail("proofs", "certificate: bad signature line")
        name, _, sig_text = line[2:].partition(" ")
        try:
            raw = b64(sig_text)
        except ValueError:
            raise Fail("proofs", "certificate: bad base64")
        entry = known.get((name, raw[:4]))
        if entry is None:
            continue  # an outside witness: kept, never counted
        if not verify_ed25519(entry[0], body.encode(), raw[4:]):
            raise Fail("proofs", "certificate: a validator line does not verify")
        if name in seen:
            raise Fail("proofs", "certificate: a validator signed twice")
        seen.add(name)
        signed += entry[1]
    total = sum(v["power"] for v in validators)
    if not 3 * signed > 2 * total:
        raise Fail("proofs", "certificate: not more than 2/3 of the power")
    return body


def checkpoint_body(header, block_hash_hex, round_text):
    return (f"{header['chain_id']}\n{header['log_size']}\n"
            f"{base64.b64encode(unhex(header['log_root'])).decode()}\n"
            f"height {header['height']}\nround {round_text}\nblock {block_hash_hex}\n"
            f"time {header['time']}\n")


# --- Section 11.4 ----------------------------------------------------------------------------
ROLES_FOR = {"access": {"custodian", "prosecutor"}, "grant": {"custodian", "admin"},
             "revoke": {"custodian", "admin"}, "officer.add": {"admin"}, "officer.revoke": {"admin"},
             "validator.propose": {"admin"}, "validator.approve": {"admin"}}
GOVERNANCE = {"officer.add", "officer.revoke", "validator.propose", "validator.approve"}


def validator_history(bundle, genesis):
    """The validator sets by the first height each is in force (FORMAT.md 6.6, 11.4 check 3): the
    genesis set, changed by the validator.propose / validator.approve records in leaf order. A
    proposal is adopted by the record after which its approving agencies hold more than 2/3 of the
    latest adopted set's power; adopted at height H, the new set is in force from H + 2."""
    latest = genesis["validators"]
    history = {1: latest}
    adoptions, proposals = 0, {}
    officers = {o["key"]: dict(o, revoked=False) for o in genesis["officers"]}
    for r in sorted(bundle["governance"], key=lambda r: r["leaf_index"]):
        env, event = r["envelope"], r["envelope"]["event"]
        officer = officers.get(env["signer"])
        # Signatures are check 2's (a record with a bad one fails the bundle there); here only
        # the rules decide, as in the ledger's replay.
        if (officer is None or officer["revoked"] or officer["agency"] != event["agency"]
                or "admin" not in officer["roles"]):
            continue  # refused by the rules: changes nothing (checks 2 and 5 report it)
        kind = event["kind"]
        if kind == "officer.add":
            officers[event["officer"]] = {"key": event["officer"], "agency": event["agency"],
                                          "roles": event["roles"], "name": event["name"], "revoked": False}
            continue
        if kind == "officer.revoke":
            if event["officer"] in officers:
                officers[event["officer"]]["revoked"] = True
            continue
        if kind == "validator.propose":
            proposal = {"change": event["validator"], "approvals": {event["agency"]},
                        "epoch": adoptions, "adopted": False}
            proposals[sha256(cbytes(event)).hex()] = proposal
        else:
            proposal = proposals.get(event["proposal"])
            if (proposal is None or proposal["adopted"] or proposal["epoch"] < adoptions
                    or event["agency"] in proposal["approvals"]):
                continue
            proposal["approvals"].add(event["agency"])
        power = sum(v["power"] for v in latest if v["agency"] in proposal["approvals"])
        if power * 3 > sum(v["power"] for v in latest) * 2:
            change = proposal["change"]
            kept = [v for v in latest if v["name"] != change["name"]]
            latest = sorted(kept + ([change] if change["power"] > 0 else []), key=lambda v: v["name"])
            adoptions += 1
            proposal["adopted"] = True
            history[r["height"] + 2] = latest
    return history


def set_at(history, height):
    return history[max(h for h in history if h <= height)]


def check_genesis(bundle, pinned):
    genesis = bundle["genesis"]
    if sha256(cbytes(genesis)).hex() != pinned:
        raise Fail("genesis", "hash differs from the pinned hash")
    return genesis


def check_checkpoints(bundle, genesis):
    history = validator_history(bundle, genesis)
    entries = {c["height"]: c for c in bundle["checkpoints"]}
    anchor = bundle["checkpoints"][-1]["header"]
    for c in bundle["checkpoints"]:
        h = c["header"]
        validators = set_at(history, c["height"])
        vhash = sha256(cbytes({"type": "custos.validators.v1", "validators": validators})).hex()
        body = open_certificate(c["certificate"], validators)
        lines = body.split("\n")
        round_text = lines[4][len("round "):] if len(lines) > 4 else ""
        if body != checkpoint_body(h, sha256(cbytes(h)).hex(), round_text):
            raise Fail("proofs", "certificate does not sign this header")
        if h["height"] != c["height"] or h["chain_id"] != genesis["chain_id"] or h["validators_hash"] != vhash:
            raise Fail("proofs", "header height, chain or validators hash")
        if h["proposer"] not in {v["name"] for v in validators} or h["time"] < genesis["genesis_time"]:
            raise Fail("proofs", "header proposer not a validator, or time before the genesis")
        prev = c["previous_header"]
        if (prev is None) != (c["height"] == 1):
            raise Fail("format", "previous_header")
        if prev is None and h["previous"] != "0" * 64:
            raise Fail("proofs", "previous not all zeros at height 1")
        if prev is not None and (sha256(cbytes(prev)).hex() != h["previous"] or prev["height"] != h["height"] - 1
                                 or not prev["time"] < h["time"]):
            raise Fail("proofs", "previous_header is not the block before")
        before = entries.get(c["height"] - 1)
        if before is not None and prev != before["header"]:
            raise Fail("proofs", "previous_header is not the bundle's certified header of the height before")
        proof = [unhex(x, "proofs") for x in c["consistency_proof"]]
        if not verify_consistency(h["log_size"], anchor["log_size"], unhex(h["log_root"]),
                                  unhex(anchor["log_root"]), proof):
            raise Fail("proofs", "consistency proof")
    return entries


def check_signatures(bundle):
    # Before the checkpoints: a changed governance record also changes the validator sets derived
    # from it (check 3), and the lowest-numbered failing check is the one reported.
    for r in bundle["governance"] + bundle["events"]:
        env = r["envelope"]
        if not verify_ed25519(unhex(env["signer"], "signatures"), cbytes(env["event"]), b64(env["sig"])):
            raise Fail("signatures", "signature of leaf %d" % r["leaf_index"])


def check_records(bundle, entries):
    records = bundle["governance"] + bundle["events"]
    for r in records:
        c = entries.get(r["height"])
        if c is None:
            raise Fail("format", "no checkpoint entry for a record's height")
        h, prev = c["header"], c["previous_header"]
        first = prev["log_size"] if prev else 0
        proof = [unhex(x, "proofs") for x in r["inclusion_proof"]]
        if not (first <= r["leaf_index"] < h["log_size"]) or not verify_inclusion(
                leaf_hash(cbytes(r["envelope"])), r["leaf_index"], h["log_size"], proof, unhex(h["log_root"])):
            raise Fail("proofs", "inclusion of leaf %d" % r["leaf_index"])
    return sorted(records, key=lambda r: r["leaf_index"])


def check_signers(genesis, ordered):
    """Also returns every officer record after the last record (FORMAT.md 6.5)."""
    officers = {o["key"]: dict(o, revoked=False) for o in genesis["officers"]}
    records = {o["key"]: {"key": o["key"], "agency": o["agency"], "roles": o["roles"], "name": o["name"]}
               for o in genesis["officers"]}
    for r in ordered:
        env, event = r["envelope"], r["envelope"]["event"]
        officer = officers.get(env["signer"])
        needed = ROLES_FOR.get(event["kind"], {"custodian"})
        if (officer is None or officer["revoked"] or officer["agency"] != event["agency"]
                or not needed & set(officer["roles"])):
            raise Fail("signatures", "signer not entitled at leaf %d" % r["leaf_index"])
        event_id = sha256(cbytes(event)).hex()
        if event["kind"] == "officer.add":
            officers[event["officer"]] = {"key": event["officer"], "agency": event["agency"],
                                          "roles": event["roles"], "name": event["name"], "revoked": False}
            records[event["officer"]] = {"key": event["officer"], "agency": event["agency"],
                                         "roles": event["roles"], "name": event["name"], "added_by": event_id}
        elif event["kind"] == "officer.revoke":
            officers[event["officer"]]["revoked"] = True
            records[event["officer"]]["revoked_by"] = event_id
    return records


def check_completeness(bundle, officer_records):
    """Check 6 (FORMAT.md 11.4): the anchor's certified state counts exactly the bundle's events
    and governance records, and each signer's key record is what the governance records give."""
    state, anchor = bundle["state"], bundle["checkpoints"][-1]["header"]
    root = unhex(anchor["state_root"], "completeness")
    trails = {item: [] for item in bundle["items"]}
    for r in bundle["events"]:
        event = r["envelope"]["event"]
        for item in [event["item"]] + ([event["new_item"]] if event["kind"] == "derive" else []):
            trails[item].append(sha256(cbytes(event)).hex())
    if [e["item"] for e in state["items"]] != bundle["items"]:
        raise Fail("format", "state.items does not follow items")
    for entry in state["items"]:
        value = proven(root, sha256(b"item\x00" + entry["item"].encode()), entry)
        trail = trails[entry["item"]]
        if value is None or value["event_count"] != len(trail) or not trail or value["head"] != trail[-1]:
            raise Fail("completeness", "item %s: the ledger counts other events than the bundle holds"
                       % entry["item"])
    records = bundle["governance"] + bundle["events"]
    signers = sorted({r["envelope"]["signer"] for r in records})
    if [e["key"] for e in state["officers"]] != signers:
        raise Fail("completeness", "state.officers does not list exactly the signers")
    for entry in state["officers"]:
        value = proven(root, sha256(b"officer\x00" + unhex(entry["key"], "format")), entry)
        if value != officer_records.get(entry["key"]):
            raise Fail("completeness", "officer key %s: the ledger's record differs from the bundle's"
                       " governance records" % entry["key"])
    value = proven(root, sha256(b"governance\x00"), state["governance"])
    governance = sorted(bundle["governance"], key=lambda r: r["leaf_index"])
    head = sha256(cbytes(governance[-1]["envelope"]["event"])).hex() if governance else None
    if value is None or value["count"] != len(governance) or value["head"] != head:
        raise Fail("completeness", "the ledger holds other governance records than the bundle")



def check_chain(bundle):
    for name in ("governance", "events"):
        leaves = [r["leaf_index"] for r in bundle[name]]
        if leaves != sorted(set(leaves)):
            raise Fail("chain", name + " not in strictly increasing leaf order")
    if set(r["leaf_index"] for r in bundle["governance"]) & set(r["leaf_index"] for r in bundle["events"]):
        raise Fail("chain", "a leaf in both lists")
    for r in bundle["governance"]:
        if r["envelope"]["event"]["kind"] not in GOVERNANCE:
            raise Fail("chain", "custody event in governance")
    items = bundle["items"]
    trails = {item: [] for item in items}
    for r in bundle["events"]:
        event = r["envelope"]["event"]
        if event["kind"] in GOVERNANCE:
            raise Fail("chain", "governance event in events")
        for item in [event["item"]] + ([event["new_item"]] if event["kind"] == "derive" else []):
            if item not in trails:
                raise Fail("chain", "event of an item not in items")
            trails[item].append(event)
    if bundle["item"] not in trails:
        raise Fail("chain", "item not in items")
    for item, trail in trails.items():
        def is_origin(e):
            return ((e["kind"] == "register" and e["item"] == item)
                    or (e["kind"] == "derive" and e.get("new_item") == item))
        if not trail or not is_origin(trail[0]):
            raise Fail("chain", "item %s does not start at its origin" % item)
        for before, after in zip(trail, trail[1:]):
            if is_origin(after) or after.get("prev") != sha256(cbytes(before)).hex():
                raise Fail("chain", "item %s: broken prev link" % item)
    if sum(1 for trail in trails.values() if trail[0]["kind"] == "register") != 1:
        raise Fail("chain", "items is not one derivation family")


# --- Section 11.8: who exported the bundle (check 7) -----------------------------------------
READ_MEMBERS = {"action", "subject", "node", "officer", "outcome", "status", "signature_base", "signature"}
EMPTY_DIGEST = "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"


def parse_time(text):
    """6.3: YYYY-MM-DDTHH:MM:SS.sssZ to milliseconds since the epoch."""
    import datetime
    if not isinstance(text, str) or len(text) != 24 or text[10] != "T" or text[-1] != "Z":
        raise ValueError("not a time")
    moment = datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp()) * 1000 + int(text[20:23])


def parse_base(base):
    """Section 12 / 6.7: the three components each once, in the order the params line lists
    them, and exactly the parameters created, expires, nonce, keyid, alg."""
    lines = base.split("\n")
    values = {}
    for line in lines[:-1]:
        name, sep, value = line.partition(": ")
        if not sep or name in values:
            raise Fail("exported", "signature base: bad component line")
        values[name] = value
    last = lines[-1]
    if not last.startswith('"@signature-params": ('):
        raise Fail("exported", "signature base: no @signature-params line last")
    inner, _, params = last[len('"@signature-params": ('):].partition(")")
    if inner.split(" ") != list(values) or sorted(values) != sorted(['"@method"', '"@target-uri"', '"content-digest"']):
        raise Fail("exported", "signature base: components")
    found = {}
    for p in params.split(";")[1:]:
        name, _, value = p.partition("=")
        if name in found or name not in ("created", "expires", "nonce", "keyid", "alg"):
            raise Fail("exported", "signature base: parameter " + name)
        found[name] = int(value) if name in ("created", "expires") else value.strip('"')
    if len(found) != 5 or params.split(";")[0] != "":
        raise Fail("exported", "signature base: parameters")
    return values, found


def check_exported(bundle, genesis, officer_records):
    """Check 7 (FORMAT.md 11.8). Returns the statement of who exported the bundle."""
    if "exported" not in bundle:
        return "exporter not stated"
    x = bundle["exported"]
    if not isinstance(x, dict) or set(x) != {"type", "bundle", "read", "signature"}:
        raise Fail("exported", "members")
    if x["type"] != "custos.bundle.export.v1":
        raise Fail("exported", "type")
    rest = {k: v for k, v in bundle.items() if k != "exported"}
    digest = sha256(cbytes(rest)).hex()
    if x["bundle"] != digest:
        raise Fail("exported", "bundle: not the digest of this bundle")
    env = x["read"]
    if not isinstance(env, dict) or set(env) != {"event", "signer", "sig"}:
        raise Fail("exported", "read: not an envelope")
    event = env["event"]
    if (not isinstance(event, dict) or set(event) != {"type", "chain_id", "kind", "agency", "time", "read"}
            or event["type"] != "custos.event.v1" or event["kind"] != "read"):
        raise Fail("exported", "read: not a read event")
    if event["chain_id"] != genesis["chain_id"]:
        raise Fail("exported", "read: chain id")
    signer = unhex(env["signer"], "exported")
    try:
        sig = b64(env["sig"])
    except ValueError:
        raise Fail("exported", "read: sig base64")
    if not verify_ed25519(signer, cbytes(event), sig):
        raise Fail("exported", "read: the validator's signature of the read record")
    r = event["read"]
    if not isinstance(r, dict) or set(r) != READ_MEMBERS:
        raise Fail("exported", "read: members of read")
    if r["action"] != "bundle" or r["subject"] != bundle["item"] or r["outcome"] != "served" or r["status"] != 200:
        raise Fail("exported", "read: not a served export of this bundle's item")
    base = r["signature_base"]
    if not isinstance(base, str) or not 0 < len(base) <= 8192 or any(not (c == "\n" or " " <= c <= "~") for c in base):
        raise Fail("exported", "read: signature base characters")
    values, params = parse_base(base)
    target = values['"@target-uri"']
    scheme, sep, rest_uri = target.partition("://")
    path = "/" + rest_uri.partition("/")[2] if sep and scheme in ("http", "https") else ""
    if values['"@method"'] != "GET" or path.split("?")[0] != "/v1/items/%s/bundle" % bundle["item"]:
        raise Fail("exported", "read: the signed request is not a GET of this item's bundle")
    if params["keyid"] != r["officer"] or params["alg"] != "ed25519":
        raise Fail("exported", "read: keyid or alg")
    received = parse_time(event["time"])
    c, e = params["created"], params["expires"]
    if not (c < e <= c + 300 and c * 1000 <= received + 30000 and received < e * 1000):
        raise Fail("exported", "read: receipt time outside the signature's window")
    try:
        request_sig = b64(r["signature"])
    except ValueError:
        raise Fail("exported", "read: signature base64")
    if not verify_ed25519(unhex(r["officer"], "exported"), base.encode(), request_sig):
        raise Fail("exported", "read: the officer's request signature")
    history = validator_history(bundle, genesis)
    anchor_height = bundle["checkpoints"][-1]["height"]
    candidates = set_at(history, anchor_height) + history[max(history)]
    if not any(v["name"] == r["node"] and v["key"] == env["signer"] and v["agency"] == event["agency"]
               for v in candidates):
        raise Fail("exported", "read: node is not a validator of the bundle's ledger at the anchor")
    try:
        node_sig = b64(x["signature"])
    except ValueError:
        raise Fail("exported", "signature base64")
    signed = cbytes({"bundle": digest, "read": env, "type": "custos.bundle.export.v1"})
    if not verify_ed25519(signer, signed, node_sig):
        raise Fail("exported", "signature: the validator's signature over the digest and the read record")
    officer = officer_records.get(r["officer"])
    if officer is None:
        return "Exported by key %s (not an officer key of this ledger up to the anchor) on node %s at %s" % (
            r["officer"], r["node"], event["time"])
    return "Exported by officer %s (%s, %s) on node %s at %s" % (
        officer["name"], officer["agency"], "/".join(officer["roles"]), r["node"], event["time"])


def verify(bundle, pinned):
    if bundle.get("type") != "custos.bundle.v3" or not bundle.get("checkpoints"):
        raise Fail("format", "not a custos.bundle.v3 bundle")
    genesis = check_genesis(bundle, pinned)
    check_signatures(bundle)
    entries = check_checkpoints(bundle, genesis)
    ordered = check_records(bundle, entries)
    officer_records = check_signers(genesis, ordered)
    check_chain(bundle)
    check_completeness(bundle, officer_records)
    return check_exported(bundle, genesis, officer_records)


def main():
    with open(sys.argv[1], "rb") as f:
        bundle = json.loads(f.read().decode("utf-8"))
    try:
        statement = verify(bundle, sys.argv[2])
    except Fail as failure:
        print("FAIL " + str(failure))
        return 1
    except (KeyError, TypeError, IndexError, ValueError) as error:
        print("FAIL format " + repr(error))
        return 1
    print("OK")
    print(statement)
    return 0


if __name__ == "__main__":
    sys.exit(main())
