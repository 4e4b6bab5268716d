// Ed25519 verification with the verdicts docs/FORMAT.md section 2 requires (libsodium's strict
// rules). Rules 1-4 are checked here in JavaScript; rule 5 (the cofactorless equation, compared as
// bytes) is computed either by the browser's WebCrypto Ed25519 (fast, where it exists) or by
// @noble/curves' point arithmetic. Neither library's own verify is trusted with rules 1-4:
// noble's verify follows RFC 8032/ZIP-215 (it accepts small-order keys and, being cofactored,
// some mixed-order ones), and WebCrypto's rules vary by browser; with rules 1-4 already holding,
// both compute the same equation as libsodium.
import { ed25519 } from '@noble/curves/ed25519';
import { sha512 } from '@noble/hashes/sha2';
import { concatBytes, bytesEqual } from './bytes.js';

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const Point = ed25519.ExtendedPoint;

function leToBigInt(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

// The y coordinates (mod p) of the eight points of order 1, 2, 4 and 8: 1 (the identity), p - 1
// (order 2), 0 (the two points of order 4) and the two y values shared by the four points of
// order 8. Computed, not copied: the order-8 points are [L]Q for points Q whose order has the
// factor 8, found below by decoding small y values. An encoding is of small order when its y,
// the low 255 bits, reduced mod p, is one of these (libsodium refuses such R and A whether the
// encoding is canonical or not; only y = 0 and y = 1 have a second, non-canonical, 255-bit form).
const SMALL_ORDER_Y = (() => {
  const ys = new Set([0n, 1n, P - 1n]);
  for (let y = 2n; ys.size < 5 && y < 200n; y++) {
    const bytes = new Uint8Array(32);
    let v = y;
    for (let i = 0; i < 32; i++, v >>= 8n) bytes[i] = Number(v & 255n);
    let point;
    try {
      point = Point.fromHex(bytes);
    } catch {
      continue;
    }
    const torsion = point.multiplyUnsafe(L - 1n).add(point);  // [L]Q (the scalar must be below L)
    if (torsion.is0()) continue;
    // torsion has order 2, 4 or 8; doubling down to order 8 exactly when its [4] is not 0.
    if (torsion.multiplyUnsafe(4n).is0()) continue;
    ys.add(torsion.toAffine().y);
  }
  if (ys.size !== 5) throw new Error('ed25519: could not derive the small-order points');
  return ys;
})();

const yOf = (encoding) => {
  const copy = Uint8Array.from(encoding);
  copy[31] &= 0x7f;
  return leToBigInt(copy);
};

const isSmallOrderEncoding = (encoding) => SMALL_ORDER_Y.has(yOf(encoding) % P);

// Rules 1-4 of FORMAT.md section 2, and the point A when they hold (decoded once per key).
const keyCache = new Map();
function checkKey(publicKey) {
  const cacheKey = publicKey.join(',');
  if (keyCache.has(cacheKey)) return keyCache.get(cacheKey);
  let result = null;
  if (yOf(publicKey) < P && !isSmallOrderEncoding(publicKey)) {
    try {
      result = Point.fromHex(publicKey, false);  // strict: canonical y, on the curve
    } catch {
      result = null;
    }
  }
  if (keyCache.size > 10000) keyCache.clear();
  keyCache.set(cacheKey, result);
  return result;
}

export function passesStrictChecks(publicKey, signature) {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;  // rule 1
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (leToBigInt(signature.subarray(32)) >= L) return false;  // rule 2
  if (checkKey(publicKey) === null) return false;  // rule 3
  if (isSmallOrderEncoding(signature.subarray(0, 32))) return false;  // rule 4
  return true;
}

// Rule 5 in JavaScript: encode([S]B - [k]A) and compare it with R byte for byte.
function equationHolds(publicKey, message, signature) {
  const A = checkKey(publicKey);
  const R = signature.subarray(0, 32);
  const S = leToBigInt(signature.subarray(32));
  const k = leToBigInt(sha512(concatBytes(R, publicKey, message))) % L;
  const check = Point.BASE.multiplyUnsafe(S).subtract(A.multiplyUnsafe(k));
  return bytesEqual(check.toRawBytes(), R);
}

// WebCrypto's Ed25519 when the platform has it (probed once with a known-good signature: RFC 8032
// test 1), else null.
let subtlePromise = null;
function webCrypto(subtle) {
  if (subtlePromise) return subtlePromise;
  subtlePromise = (async () => {
    if (!subtle) return null;
    try {
      const pk = Uint8Array.from([215, 90, 152, 1, 130, 177, 10, 183, 213, 75, 254, 211, 201, 100, 7, 58, 14, 225, 114, 243, 218, 166, 35, 37, 175, 2, 26, 104, 247, 7, 81, 26]);
      const sig = Uint8Array.from([229, 86, 67, 0, 195, 96, 172, 114, 144, 134, 226, 204, 128, 110, 130, 138, 132, 135, 127, 30, 184, 229, 217, 116, 216, 115, 224, 101, 34, 73, 1, 85, 95, 184, 130, 21, 144, 163, 59, 172, 198, 30, 57, 112, 28, 249, 180, 107, 210, 91, 245, 240, 89, 91, 190, 36, 101, 81, 65, 67, 142, 122, 16, 11]);
      const key = await subtle.importKey('raw', pk, { name: 'Ed25519' }, false, ['verify']);
      const good = await subtle.verify({ name: 'Ed25519' }, key, sig, new Uint8Array(0));
      return good ? subtle : null;
    } catch {
      return null;
    }
  })();
  return subtlePromise;
}

export class Ed25519Verifier {
  // engine: 'auto' (WebCrypto when present, else noble), 'webcrypto' or 'noble'.
  constructor({ engine = 'auto', subtle = globalThis.crypto?.subtle } = {}) {
    this.engine = engine;
    this.subtle = subtle;
    this.keys = new Map();
  }

  async engineName() {
    if (this.engine === 'noble') return 'noble';
    const subtle = await webCrypto(this.subtle);
    if (!subtle && this.engine === 'webcrypto') throw new Error('WebCrypto Ed25519 is not available here');
    return subtle ? 'webcrypto' : 'noble';
  }

  async verify(publicKey, message, signature) {
    if (!passesStrictChecks(publicKey, signature)) return false;
    if ((await this.engineName()) === 'noble') return equationHolds(publicKey, message, signature);
    const subtle = await webCrypto(this.subtle);
    const id = publicKey.join(',');
    let key = this.keys.get(id);
    if (!key) {
      key = subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
      this.keys.set(id, key);
    }
    try {
      return await subtle.verify({ name: 'Ed25519' }, await key, signature, message);
    } catch {
      return false;
    }
  }

  // Verifies many at once (WebCrypto runs them concurrently); returns booleans in order.
  async verifyAll(items) {
    const out = new Array(items.length);
    const batch = 256;
    for (let i = 0; i < items.length; i += batch) {
      const slice = items.slice(i, i + batch);
      const results = await Promise.all(slice.map((x) => this.verify(x.publicKey, x.message, x.signature)));
      for (let j = 0; j < results.length; j++) out[i + j] = results[j];
    }
    return out;
  }
}
