// C2SP signed notes, docs/FORMAT.md section 4: parsing (strict) and opening against known keys.
// Opening needs signatures checked; it is split so that a caller can verify every line of many
// notes in one batch: parseNote, then linesToVerify, then judgeNote with the verdicts.
import { H, utf8, concatBytes, base64Decode, bytesEqual, hexEncode } from './bytes.js';

export const note_bytes_max = 1048576;
export const note_lines_max = 256;
const DASH = '\u2014 ';
const WHITESPACE = /[\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;

export function isNoteKeyName(name) {
  return typeof name === 'string' && name.length > 0 && !WHITESPACE.test(name) && !name.includes('+');
}

// key hash = SHA-256(name || 0x0A || 0x01 || public key)[0:4]
export function noteKeyHash(name, publicKey) {
  return H(concatBytes(utf8(name), Uint8Array.of(0x0a, 0x01), publicKey)).subarray(0, 4);
}

// Returns {body, lines: [{name, keyHash, signature}]} or throws an Error naming what is wrong.
export function parseNote(text) {
  if (typeof text !== 'string') throw new Error('not a string');
  const bytes = utf8(text);
  if (bytes.length > note_bytes_max) throw new Error('note over 1 MiB');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) throw new Error('control character in the note');
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = text.charCodeAt(i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) throw new Error('invalid UTF-8 (lone surrogate)');
      i++;
    }
  }
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw new Error('no blank line before the signatures');
  const body = text.slice(0, split + 1);
  if (body.length === 0) throw new Error('empty text');
  const rest = text.slice(split + 2);
  if (!rest.endsWith('\n')) throw new Error('the last signature line does not end in a newline');
  const lineTexts = rest.slice(0, -1).split('\n');
  if (lineTexts.length > note_lines_max) throw new Error('more than 256 signature lines');
  const lines = lineTexts.map((line, i) => {
    if (!line.startsWith(DASH)) throw new Error(`signature line ${i + 1} does not start with an em dash and a space`);
    const tail = line.slice(DASH.length);
    const space = tail.indexOf(' ');
    if (space < 0) throw new Error(`signature line ${i + 1} has no signature`);
    const name = tail.slice(0, space);
    if (!isNoteKeyName(name)) throw new Error(`signature line ${i + 1}: invalid key name`);
    const decoded = base64Decode(tail.slice(space + 1));
    if (decoded === null || decoded.length < 5) throw new Error(`signature line ${i + 1}: invalid base64 signature`);
    return { name, keyHash: decoded.subarray(0, 4), signature: decoded.subarray(4) };
  });
  if (lines.length === 0) throw new Error('no signature line');
  return { body, lines };
}

// known: [{name, key (32 bytes), power?}]. Returns, for each line, the known key it is by (or null).
export function matchLines(note, known) {
  const seen = new Set();
  for (const k of known) {
    const id = k.name + '\u0000' + hexEncode(noteKeyHash(k.name, k.key));
    if (seen.has(id)) throw new Error(`known key ${k.name} listed twice`);
    seen.add(id);
  }
  return note.lines.map((line) => known.find((k) => k.name === line.name && bytesEqual(noteKeyHash(k.name, k.key), line.keyHash)) ?? null);
}

// Given the lines' known keys and the verdicts of their signatures (true/false per known line),
// returns {signers: [known...]} or throws: a failing known line or a repeated known signer refuses
// the whole note (FORMAT.md 4, steps 3-5).
export function judgeNote(note, matched, verdicts) {
  const signers = [];
  for (let i = 0; i < note.lines.length; i++) {
    const k = matched[i];
    if (!k) continue;
    if (note.lines[i].signature.length !== 64 || !verdicts[i]) throw new Error(`the signature of ${k.name} does not verify`);
    if (signers.includes(k)) throw new Error(`${k.name} signs twice`);
    signers.push(k);
  }
  if (signers.length === 0) throw new Error('no line by a known key');
  return { signers };
}
