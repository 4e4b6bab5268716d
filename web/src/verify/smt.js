// The sparse Merkle map of docs/FORMAT.md 3.5 (the certified state): proof verification only.
import { H, concatBytes, bytesEqual } from './bytes.js';

export const SMT_EMPTY = new Uint8Array(32);
const bit = (key, i) => (key[i >> 3] >> (7 - (i & 7))) & 1;
export const smtLeaf = (key, valueHash) => H(concatBytes(Uint8Array.of(0x10), key, valueHash));
export const smtNode = (left, right) => H(concatBytes(Uint8Array.of(0x11), left, right));

// Verifies a proof for `key` against `root`: returns the value hash (present) or null (absent);
// throws an Error naming the check when the proof is refused. leaf: {key, valueHash} (bytes) or
// null; depth: n; empty: the bitmap (bytes, bit d set = the sibling at depth d is empty);
// siblings: the hashes of the other depths, the deepest first.
export function smtVerify(root, key, leaf, depth, empty, siblings) {
  const n = depth;
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new Error('depth: more than 256');
  if (empty.length !== (n + 7) >> 3) throw new Error('bitmap: not ceil(depth / 8) bytes');
  let flagged = 0;
  for (let d = 0; d < 8 * empty.length; d++) {
    if (!bit(empty, d)) continue;
    if (d >= n) throw new Error('padding: a bit at or past depth is set');
    flagged++;
  }
  if (siblings.length !== n - flagged) throw new Error('count: not one listed sibling per unflagged depth');
  if (siblings.some((s) => bytesEqual(s, SMT_EMPTY))) throw new Error('zero: a listed sibling is the empty hash');
  let value = null;
  let current = SMT_EMPTY;
  if (leaf !== null) {
    if (bytesEqual(leaf.key, key)) value = leaf.valueHash;
    else for (let i = 0; i < n; i++) if (bit(leaf.key, i) !== bit(key, i)) throw new Error("path: the leaf is not on the key's path");
    current = smtLeaf(leaf.key, leaf.valueHash);
  }
  let listed = 0;
  for (let d = n - 1; d >= 0; d--) {
    const sibling = bit(empty, d) ? SMT_EMPTY : siblings[listed++];
    current = bit(key, d) ? smtNode(sibling, current) : smtNode(current, sibling);
  }
  if (!bytesEqual(current, root)) throw new Error('root: the proof does not lead to the root');
  return value;
}

// Map keys of FORMAT.md 7.5: H(tag || 0x00 || bytes).
export const stateKey = (tag, bytes = new Uint8Array(0)) => H(concatBytes(new TextEncoder().encode(tag), Uint8Array.of(0), bytes));
