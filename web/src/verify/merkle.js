// RFC 9162 Merkle tree hashes and proof verification, docs/FORMAT.md section 3 (3.3 and 3.4 to the
// letter). Hashes are 32-byte Uint8Arrays; sizes and indexes JS integers (below 2^53).
import { H, concatBytes, bytesEqual } from './bytes.js';

const ZERO = Uint8Array.of(0);
const ONE = Uint8Array.of(1);

export const leafHash = (data) => H(concatBytes(ZERO, data));
export const nodeHash = (left, right) => H(concatBytes(ONE, left, right));

// Bit operations on numbers above 2^31 need care in JS: these stay exact up to 2^53.
const isOdd = (n) => n % 2 === 1;
const half = (n) => Math.floor(n / 2);

export function verifyInclusion(leaf, index, size, proof, root) {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;  // proof too long
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(r, root);
}

const isPowerOfTwo = (n) => n > 0 && Number.isInteger(Math.log2(n)) && 2 ** Math.log2(n) === n;

export function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  if (oldSize === 0 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && bytesEqual(oldRoot, newRoot);
  if (proof.length === 0) return false;
  if (isPowerOfTwo(oldSize)) proof = [oldRoot, ...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = proof[0];
  let sr = proof[0];
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;  // proof too long
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot);
}
