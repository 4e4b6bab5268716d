// Command-line front of the JavaScript bundle verifier, for tests: verifies one bundle file and
// prints "OK" or "FAIL <check> <message>" (exit 0 or 1), like tests/ledger/bundle_verify.py.
//   node web/test/verify_cli.mjs FILE [PINNED_GENESIS_HASH] [--engine auto|noble|webcrypto] [--json]
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import { verifyBundle } from '../src/verify/bundle.js';
import { Ed25519Verifier } from '../src/verify/ed25519.js';

const args = process.argv.slice(2);
let engine = 'auto';
let json = false;
const positional = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--engine') engine = args[++i];
  else if (args[i] === '--json') json = true;
  else positional.push(args[i]);
}
if (positional.length < 1 || positional.length > 2) {
  console.error('usage: verify_cli.mjs FILE [PINNED_GENESIS_HASH] [--engine auto|noble|webcrypto] [--json]');
  process.exit(2);
}
const bytes = new Uint8Array(readFileSync(positional[0]));
const report = await verifyBundle(bytes, {
  pinnedGenesisHash: positional[1] ?? null,
  verifier: new Ed25519Verifier({ engine, subtle: webcrypto.subtle }),
});
if (json) console.log(JSON.stringify(report, null, 1));
else if (report.verified) console.log('OK');
else console.log(`FAIL ${report.failure.check} ${report.failure.message} ${JSON.stringify(report.failure.location)}`);
process.exit(report.verified ? 0 : 1);
