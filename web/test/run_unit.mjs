// Runs the web room's Node.js unit tests one after the other; fails if any fails.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const tests = ['vectors_test.mjs', 'wycheproof_test.mjs', 'ed25519_edge_test.mjs'];
let failed = 0;
for (const test of tests) {
  const result = spawnSync(process.execPath, [fileURLToPath(new URL(test, import.meta.url))], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.log(`FAIL ${test} (exit ${result.status})`);
    failed++;
  }
}
process.exit(failed === 0 ? 0 : 1);
