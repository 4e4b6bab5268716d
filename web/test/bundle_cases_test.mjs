// The browser verifier's verdict equals custos verify's on every bundle the C++ bundle tests
// verify: the genuine bundles, each tamper case (tests/ledger/bundle_test.cpp), the validator-set
// changes (bundle_validators_test.cpp) and the forged chains (bundle_forge_test.cpp). It runs those
// tests with CUSTOS_BUNDLE_CASES_DIR set (tests/ledger/bundle_cases.hpp writes each case with the
// C++ verdict), then verifies every case here, with the WebCrypto engine where this Node.js has
// it and with noble's arithmetic.
//   node web/test/bundle_cases_test.mjs path/to/custos-test-ledger
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import { verifyBundle } from '../src/verify/bundle.js';
import { Ed25519Verifier } from '../src/verify/ed25519.js';

const binary = process.argv[2];
if (!binary) {
  console.error('usage: bundle_cases_test.mjs path/to/custos-test-ledger');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'custos-bundle-cases-'));
try {
  execFileSync(binary, ['--test-case=bundle*', '--no-intro=true'], {
    env: { ...process.env, CUSTOS_BUNDLE_CASES_DIR: dir },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const counts = {};
  let failures = 0;
  const engines = ['noble'];
  if ((await new Ed25519Verifier({ subtle: webcrypto.subtle }).engineName()) === 'webcrypto') engines.push('webcrypto');
  for (const file of files) {
    const record = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    // The bundle as the C++ test dumped it (nlohmann's text): the verifier parses it itself.
    const text = JSON.stringify(record.bundle);
    for (const engine of engines) {
      const report = await verifyBundle(new TextEncoder().encode(text), {
        pinnedGenesisHash: record.pinned,
        verifier: new Ed25519Verifier({ engine, subtle: webcrypto.subtle }),
      });
      const verdict = report.verified ? 'OK' : report.failure.check;
      if (verdict !== record.verdict) {
        failures++;
        console.log(`FAIL ${file} (${engine}): custos verify says ${record.verdict} (${record.message}); JavaScript says ${verdict}${report.failure ? ': ' + report.failure.message + ' ' + JSON.stringify(report.failure.location) : ''}`);
      }
    }
    counts[record.verdict] = (counts[record.verdict] ?? 0) + 1;
  }
  console.log(`${files.length} bundle cases, verdicts ${JSON.stringify(counts)}; engines ${engines.join(', ')}; ${failures} disagreements`);
  const distinct = Object.keys(counts).length;
  if (files.length < 40 || distinct < 6) {
    console.log('FAIL too few cases, or not every check among the verdicts: did the C++ tests run?');
    failures++;
  }
  process.exit(failures === 0 ? 0 : 1);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
