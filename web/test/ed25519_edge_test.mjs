// Edge cases where RFC 8032 / ZIP-215 verifiers and libsodium disagree (ed25519_cases.mjs builds
// them and libsodium judges them): the JavaScript verifier must give libsodium's verdict on every
// one, with each engine; noble's own verify (the negative control) must not.
import { webcrypto } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519';
import { Ed25519Verifier } from '../src/verify/ed25519.js';
import { hexDecode } from '../src/verify/bytes.js';
import { edgeCases } from './ed25519_cases.mjs';

const cases = edgeCases();
let failures = 0;
const engines = ['noble'];
if ((await new Ed25519Verifier({ subtle: webcrypto.subtle }).engineName()) === 'webcrypto') engines.push('webcrypto');
for (const engine of engines) {
  const verifier = new Ed25519Verifier({ engine, subtle: webcrypto.subtle });
  let agree = 0;
  for (const c of cases) {
    const v = await verifier.verify(hexDecode(c.pk), hexDecode(c.msg), hexDecode(c.sig));
    if (v === c.valid) agree++;
    else {
      failures++;
      console.log(`FAIL ${engine} ${c.name}: got ${v}, libsodium says ${c.valid}`);
    }
  }
  console.log(`${engine}: ${agree}/${cases.length} edge-case verdicts equal libsodium's`);
}
const accepted = cases.filter((c) => c.valid).length;
let differ = 0;
for (const c of cases) {
  let v;
  try {
    v = ed25519.verify(hexDecode(c.sig), hexDecode(c.msg), hexDecode(c.pk), { zip215: true });
  } catch {
    v = false;
  }
  if (v !== c.valid) differ++;
}
console.log(`libsodium accepts ${accepted} of ${cases.length}; control: noble's own verify differs from libsodium on ${differ}`);
if (accepted < 12) {
  console.log('FAIL the genuine signatures should verify');
  failures++;
}
if (differ < 64) {
  console.log('FAIL the control should differ on the small-order and mixed-order cases');
  failures++;
}
process.exit(failures === 0 ? 0 : 1);
