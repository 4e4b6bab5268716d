// The sparse Merkle map's proof verification (FORMAT.md 3.5) on tests/vectors/smt.json (computed
// by a separate Python implementation of the section): every proof of a present or absent key
// gives the stated value hash (or absence), and every forged proof is refused.
import { readFileSync } from 'node:fs';
import { hexDecode, hexEncode } from '../src/verify/bytes.js';
import { smtVerify } from '../src/verify/smt.js';

const file = process.argv[2] ?? new URL('../../tests/vectors/smt.json', import.meta.url);
const data = JSON.parse(readFileSync(file, 'utf8'));
let passes = 0;
let failures = 0;
const check = (ok, what) => {
  if (ok) passes++;
  else {
    failures++;
    console.log(`FAIL ${what}`);
  }
};
const leafOf = (l) => (l === null ? null : { key: hexDecode(l.key), valueHash: hexDecode(l.value_hash) });
const run = (map, p) => smtVerify(hexDecode(map.root), hexDecode(p.key), leafOf(p.leaf), p.depth, hexDecode(p.empty), p.siblings.map((s) => hexDecode(s)));
for (const map of data.maps) {
  for (const p of map.proofs) {
    let got;
    try {
      const v = run(map, p);
      got = v === null ? null : hexEncode(v);
    } catch (e) {
      got = `refused: ${e.message}`;
    }
    const expected = p.value_hash ?? p.claimed ?? (map.entries.find((e) => e.key === p.key)?.value_hash ?? null);
    check(got === expected, `map ${map.name}: proof of ${p.key.slice(0, 8)} gives ${expected} (got ${got})`);
  }
  for (const f of map.forged) {
    // Refused by the check the spec names (refused_by): "value" when the proof verifies but
    // proves something else than claimed, otherwise the word before the colon of the refusal.
    let refusedBy = null;
    try {
      const v = run(map, f);
      const got = v === null ? null : hexEncode(v);
      if (got !== f.claimed) refusedBy = 'value';
    } catch (e) {
      refusedBy = e.message.split(':')[0];
    }
    check(refusedBy === f.refused_by, `map ${map.name}: forged proof (${f.what}) is refused by ${f.refused_by} (got ${refusedBy})`);
  }
}
check(data.maps.length >= 3, 'the vector file holds maps');
console.log(`smt vectors: ${passes} checks passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
