// The JavaScript verifier's building blocks on the outside vectors of tests/vectors/ (none made by
// Custos): RFC 8785 canonical JSON (inputs/outputs and the number table), RFC 9162 Merkle roots,
// inclusion and consistency proofs, C2SP signed notes; and the strict parser's refusals of
// FORMAT.md 1.5. Each assertion can fail: a wrong canonicalizer, proof walk or note parser does.
import { readFileSync, readdirSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import { parseJson, canonical, JsonDouble } from '../src/verify/json.js';
import { hexDecode, hexEncode } from '../src/verify/bytes.js';
import { leafHash, nodeHash, verifyInclusion, verifyConsistency } from '../src/verify/merkle.js';
import { parseNote, matchLines, judgeNote, noteKeyHash } from '../src/verify/note.js';
import { Ed25519Verifier } from '../src/verify/ed25519.js';

const vectors = new URL('../../tests/vectors/', import.meta.url);
let failures = 0;
let passes = 0;
const check = (ok, what) => {
  if (ok) passes++;
  else {
    failures++;
    console.log(`FAIL ${what}`);
  }
};

// RFC 8785.
const jcs = new URL('jcs/', vectors);
const inputs = readdirSync(new URL('input/', jcs));
check(inputs.length >= 4, 'the jcs vector files are there');
for (const name of inputs) {
  const input = readFileSync(new URL(`input/${name}`, jcs));
  const expected = readFileSync(new URL(`output/${name}`, jcs), 'utf8');
  check(canonical(parseJson(new Uint8Array(input))) === expected, `jcs ${name}`);
}
const numbers = JSON.parse(readFileSync(new URL('numbers.json', jcs), 'utf8')).cases;
for (const c of numbers) {
  const view = new DataView(hexDecode(c.ieee_hex).buffer);
  check(canonical(new JsonDouble(view.getFloat64(0))) === c.canonical, `number ${c.ieee_hex} -> ${c.canonical}`);
}
// FORMAT.md 1.5 refusals (each must throw) and acceptances.
const refused = ['{"a":1,"a":2}', '{"\\u0041":1,"A":2}', '[01]', '[.5]', '[1.]', '[1e]', '[+1]', '[NaN]', '[1e309]', '["\\ud800"]', '["\\udc00x"]',
  '["\u0001"]', '["\\x"]', '[1] x', '', '[1', '\ufeff[1]', '[TRUE]', '[' + '['.repeat(64) + ']'.repeat(65)];
for (const text of refused) {
  let threw = false;
  try { parseJson(text); } catch { threw = true; }
  check(threw, `refuses ${JSON.stringify(text).slice(0, 40)}`);
}
let threw = false;
try { parseJson(new Uint8Array([0x5b, 0x22, 0xc0, 0xaf, 0x22, 0x5d])); } catch { threw = true; }
check(threw, 'refuses an overlong UTF-8 form');
threw = false;
try { canonical(parseJson('[9007199254740993]')); } catch { threw = true; }
check(threw, 'an integer beyond 2^53 has no canonical text');
check(canonical(parseJson('[9007199254740992, 1e-7, 56.0, "\\u00e9\\u001f/"]')) === '[9007199254740992,1e-7,56,"é\\u001f/"]', 'canonical numbers and escapes');
check(canonical(parseJson('{"__proto__":1,"b":[]}')) === '{"__proto__":1,"b":[]}', '__proto__ is an ordinary key');
check(parseJson('[' + '['.repeat(62) + ']'.repeat(63)) !== null, 'depth 64 is accepted');

// RFC 9162.
const merkle = JSON.parse(readFileSync(new URL('merkle_rfc9162.json', vectors), 'utf8'));
for (const [setName, set] of Object.entries(merkle.sets)) {
  const leaves = set.leaves.map((l) => leafHash(hexDecode(l)));
  const mth = (list) => (list.length === 1 ? list[0] : (() => {
    let k = 1;
    while (k * 2 < list.length) k *= 2;
    return nodeHash(mth(list.slice(0, k)), mth(list.slice(k)));
  })());
  for (const [size, root] of Object.entries(set.roots)) check(hexEncode(mth(leaves.slice(0, Number(size)))) === root, `${setName} root of ${size}`);
  for (const c of set.inclusion ?? []) {
    const root = hexDecode(set.roots[String(c.size)]);
    const proof = c.proof.map((x) => hexDecode(x));
    check(verifyInclusion(leaves[c.index], c.index, c.size, proof, root), `${setName} inclusion ${c.index}/${c.size}`);
    if (proof.length > 0) {
      const bad = proof.map((p) => p.slice());
      bad[0][0] ^= 1;
      check(!verifyInclusion(leaves[c.index], c.index, c.size, bad, root), `${setName} inclusion ${c.index}/${c.size} with a changed hash is refused`);
      check(!verifyInclusion(leaves[c.index], c.index, c.size, proof.slice(1), root), `${setName} inclusion ${c.index}/${c.size} too short is refused`);
    }
  }
  for (const c of set.consistency ?? []) {
    const proof = c.proof.map((x) => hexDecode(x));
    const oldRoot = hexDecode(set.roots[String(c.old_size)]);
    const newRoot = hexDecode(set.roots[String(c.new_size)]);
    check(verifyConsistency(c.old_size, c.new_size, oldRoot, newRoot, proof), `${setName} consistency ${c.old_size}->${c.new_size}`);
    if (proof.length > 0) {
      const bad = proof.map((p) => p.slice());
      bad[bad.length - 1][5] ^= 1;
      check(!verifyConsistency(c.old_size, c.new_size, oldRoot, newRoot, bad), `${setName} consistency ${c.old_size}->${c.new_size} changed is refused`);
    }
  }
}

// C2SP signed notes.
const notes = JSON.parse(readFileSync(new URL('signed_note.json', vectors), 'utf8'));
const verifier = new Ed25519Verifier({ engine: 'noble', subtle: webcrypto.subtle });
for (const [name, k] of Object.entries(notes.keys)) check(hexEncode(noteKeyHash(name, hexDecode(k.public_key))) === k.key_hash, `key hash of ${name}`);
for (const c of notes.cases) {
  const known = c.known.map((name) => ({ name, key: hexDecode(notes.keys[name].public_key) }));
  let result;
  try {
    const note = parseNote(c.note);
    const matched = matchLines(note, known);
    const verdicts = await Promise.all(note.lines.map((l, i) => (matched[i] && l.signature.length === 64 ? verifier.verify(matched[i].key, new TextEncoder().encode(note.body), l.signature) : false)));
    result = { signers: judgeNote(note, matched, verdicts).signers.map((s) => s.name) };
  } catch (e) {
    result = { error: e.message };
  }
  if (c.error) check(result.error !== undefined, `note "${c.name}" is refused`);
  else check(JSON.stringify(result.signers) === JSON.stringify(c.verified), `note "${c.name}" verifies by ${c.verified} (got ${JSON.stringify(result)})`);
}

console.log(`vectors: ${passes} checks passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
