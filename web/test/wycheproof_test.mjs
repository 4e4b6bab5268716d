// The JavaScript Ed25519 verifier gives libsodium's verdict on every case of Project Wycheproof's
// ed25519_test.json (tests/vectors/; tests/crypto/ed25519_test.cpp shows libsodium's verdicts are
// the file's `result`), with each engine: noble's point arithmetic, and WebCrypto where this
// Node.js has Ed25519.
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import { Ed25519Verifier } from '../src/verify/ed25519.js';
import { hexDecode } from '../src/verify/bytes.js';

const path = new URL('../../tests/vectors/wycheproof_ed25519_test.json', import.meta.url);
const data = JSON.parse(readFileSync(path, 'utf8'));
const cases = [];
for (const group of data.testGroups)
  for (const t of group.tests)
    cases.push({ id: t.tcId, pk: hexDecode(group.publicKey.pk), msg: hexDecode(t.msg), sig: hexDecode(t.sig), valid: t.result === 'valid', comment: t.comment });
if (cases.length !== 150) throw new Error(`expected 150 Wycheproof cases, found ${cases.length}`);

let failures = 0;
const engines = ['noble'];
const probe = new Ed25519Verifier({ engine: 'auto', subtle: webcrypto.subtle });
if ((await probe.engineName()) === 'webcrypto') engines.push('webcrypto');
else console.log('note: this Node.js has no WebCrypto Ed25519; the browser test covers that engine');
for (const engine of engines) {
  const verifier = new Ed25519Verifier({ engine, subtle: webcrypto.subtle });
  let agree = 0;
  for (const c of cases) {
    // A signature of the wrong length is refused before any arithmetic (rule 1).
    const verdict = c.sig === null ? false : await verifier.verify(c.pk, c.msg, c.sig);
    if (verdict === c.valid) agree++;
    else {
      failures++;
      console.log(`FAIL ${engine} tcId ${c.id} (${c.comment}): got ${verdict}, libsodium says ${c.valid}`);
    }
  }
  console.log(`${engine}: ${agree}/${cases.length} Wycheproof verdicts equal libsodium's`);
}
// (noble's own verify happens to agree on all of these: the cases where RFC 8032 / ZIP-215 and
// libsodium part are in ed25519_edge_test.mjs, with its negative control.)
process.exit(failures === 0 ? 0 : 1);
