// The sparse Merkle map of docs/FORMAT.md 3.5 (the certified state): proof verification only.
import { H, concatBytes, bytesEqual } from './bytes.js';

export const SMT_EMPTY = new Uint8Array(32);
const bit = (key, i) => (key[i >> 3] >> (7 - (i & 7))) & 1;
export const smtLeaf = (key, valueHash) => H(concatBytes(Uint8Array.of(0x10), key, valueHash));
export const smtNode = (left, right) => H(concatBytes(Uint8Array.of(0x11), left, right));

// Verifies a proof for `key` against `root`: returns the value hash (present) or null (absent);
// throws an Error when the proof is refused. leaf: {key, valueHash} (bytes) or null; siblings:
// hashes, the deepest first.
export function smtVerify(root, key, leaf, siblings) {
  const n = siblings.length;
  if (n > 256) throw new Error('more than 256 siblings');
  let value = null;
  let current = SMT_EMPTY;
  if (leaf !== null) {
    if (bytesEqual(leaf.key, key)) value = leaf.valueHash;
    else for (let i = 0; i < n; i++) if (bit(leaf.key, i) !== bit(key, i)) throw new Error("the leaf is not on the key's path");
    current = smtLeaf(leaf.key, leaf.valueHash);
  }
  siblings.forEach((sibling, i) => {
    const depth = n - 1 - i;
    current = bit(key, depth) ? smtNode(sibling, current) : smtNode(current, sibling);
  });
  if (!bytesEqual(current, root)) throw new Error('the proof does not lead to the root');
  return value;
}

// Map keys of FORMAT.md 7.5: H(tag || 0x00 || bytes).
export const stateKey = (tag, bytes = new Uint8Array(0)) => H(concatBytes(new TextEncoder().encode(tag), Uint8Array.of(0), bytes));
