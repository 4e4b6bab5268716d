// The JavaScript Ed25519 verifier gives libsodium's verdict on every case of Project Wycheproof's
// ed25519_test.json (tests/vectors/; tests/crypto/ed25519_test.cpp shows libsodium's verdicts are
// the file's `result`), with each engine: noble's point arithmetic, and WebCrypto where this
// Node.js has Ed25519. (noble's own verify happens to agree on all of these: the cases where
// RFC 8032 / ZIP-215 and libsodium part are in ed25519_edge_test.mjs, with its negative control.)
import { webcrypto } from 'node:crypto';
import { Ed25519Verifier } from '../src/verify/ed25519.js';
import { hexDecode } from '../src/verify/bytes.js';
import { wycheproofCases } from './ed25519_cases.mjs';

const cases = wycheproofCases();
let failures = 0;
const engines = ['noble'];
if ((await new Ed25519Verifier({ subtle: webcrypto.subtle }).engineName()) === 'webcrypto') engines.push('webcrypto');
else console.log('note: this Node.js has no WebCrypto Ed25519; the browser test covers that engine');
for (const engine of engines) {
  const verifier = new Ed25519Verifier({ engine, subtle: webcrypto.subtle });
  let agree = 0;
  for (const c of cases) {
    const verdict = await verifier.verify(hexDecode(c.pk), hexDecode(c.msg), hexDecode(c.sig) ?? new Uint8Array(0));
    if (verdict === c.valid) agree++;
    else {
      failures++;
      console.log(`FAIL ${engine} ${c.name}: got ${verdict}, libsodium says ${c.valid}`);
    }
  }
  console.log(`${engine}: ${agree}/${cases.length} Wycheproof verdicts equal libsodium's`);
}
process.exit(failures === 0 ? 0 : 1);
