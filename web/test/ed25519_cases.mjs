// Ed25519 test cases with libsodium's verdicts, shared by the Node.js tests and the browser test:
// Project Wycheproof's ed25519_test.json (tests/vectors/; tests/crypto/ed25519_test.cpp shows its
// `result` is libsodium's verdict) and edge cases built here with noble's point arithmetic and
// judged by libsodium itself (sodium_verdicts.py, ctypes). Hex strings throughout.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519';
import { sha512 } from '@noble/hashes/sha2';
import { hexEncode, concatBytes } from '../src/verify/bytes.js';

export function wycheproofCases() {
  const path = new URL('../../tests/vectors/wycheproof_ed25519_test.json', import.meta.url);
  const data = JSON.parse(readFileSync(path, 'utf8'));
  const cases = [];
  for (const group of data.testGroups)
    for (const t of group.tests) cases.push({ name: `tcId ${t.tcId} ${t.comment}`, pk: group.publicKey.pk, msg: t.msg, sig: t.sig, valid: t.result === 'valid' });
  if (cases.length !== 150) throw new Error(`expected 150 Wycheproof cases, found ${cases.length}`);
  return cases;
}

// Small-order public keys and R (every encoding, canonical or not, with either sign bit),
// mixed-order keys (a torsion component added: a cofactored equation forgives it, libsodium's
// cofactorless one does not), S + L, non-canonical keys, and genuine signatures.
export function edgeCases() {
  const Point = ed25519.ExtendedPoint;
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const P = 2n ** 255n - 19n;
  const le = (n) => {
    const b = new Uint8Array(32);
    for (let i = 0; i < 32; i++, n >>= 8n) b[i] = Number(n & 255n);
    return b;
  };
  const fromLe = (b) => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n);
  const k = (R, A, M) => fromLe(sha512(concatBytes(R, A, M))) % L;
  const msg = new TextEncoder().encode('custos edge case');

  // The eight small-order points: the torsion parts of a few points.
  const torsion = new Map();
  for (let y = 2n; torsion.size < 8 && y < 500n; y++) {
    let q;
    try { q = Point.fromHex(le(y)); } catch { continue; }
    let t = q.multiplyUnsafe(L - 1n).add(q);
    for (let i = 0; i < 8; i++, t = t.add(q.multiplyUnsafe(L - 1n).add(q))) torsion.set(hexEncode(t.toRawBytes()), t);
  }
  const small = [...torsion.values()];
  const cases = [];
  const add = (name, pk, sig) => cases.push({ name, pk: hexEncode(pk), msg: hexEncode(msg), sig: hexEncode(sig) });

  // Small-order A and R with S = 0: [S]B - [k]A - R is of small order, so cofactored verifiers accept.
  for (const [i, A] of small.entries()) {
    for (const [j, R] of small.entries()) {
      const sig = concatBytes(R.toRawBytes(), le(0n));
      add(`small-order A${i} R${j}`, A.toRawBytes(), sig);
    }
    // The same point with the sign bit flipped, and y + p where that fits in 255 bits.
    const flipped = A.toRawBytes().slice();
    flipped[31] ^= 0x80;
    add(`small-order A${i}, sign bit flipped`, flipped, concatBytes(small[0].toRawBytes(), le(0n)));
    const y = A.toAffine().y;
    if (y + P < 2n ** 255n) add(`small-order A${i}, y + p`, le(y + P), concatBytes(small[1].toRawBytes(), le(0n)));
  }
  // Genuine signatures, their S + L forms, and mixed-order keys.
  for (let n = 1; n <= 12; n++) {
    const seed = new Uint8Array(32).fill(n);
    const pk = ed25519.getPublicKey(seed);
    const sig = ed25519.sign(msg, seed);
    add(`genuine ${n}`, pk, sig);
    add(`genuine ${n}, S + L`, pk, concatBytes(sig.subarray(0, 32), le(fromLe(sig.subarray(32)) + L)));
    // Mixed order: A' = aB + T; sign honestly with a and k over A'. Cofactorless fails unless the
    // torsion term vanishes; cofactored always passes.
    const h = sha512(seed);
    const head = h.slice(0, 32);
    head[0] &= 248; head[31] &= 127; head[31] |= 64;
    const a = fromLe(head) % L;
    const T = small[n % 8];
    const Amixed = Point.BASE.multiply(a).add(T).toRawBytes();
    const r = (fromLe(sha512(concatBytes(h.slice(32), msg))) % L) || 1n;
    const R = Point.BASE.multiply(r).toRawBytes();
    const S = (r + k(R, Amixed, msg) * a) % L;
    add(`mixed-order key ${n}`, Amixed, concatBytes(R, le(S)));
  }
  // A non-canonical key: y >= p (y = p + 2..p + 18, those on the curve), with any signature.
  for (let y = 2n; y < 19n; y++) {
    try { Point.fromHex(le(y)); } catch { continue; }
    add(`non-canonical key y = p + ${y}`, le(y + P), concatBytes(Point.BASE.toRawBytes(), le(1n)));
  }
  const verdicts = JSON.parse(execFileSync('python3', [new URL('./sodium_verdicts.py', import.meta.url).pathname], { input: JSON.stringify(cases) }).toString());
  return cases.map((c, i) => ({ ...c, valid: verdicts[i] }));
}
