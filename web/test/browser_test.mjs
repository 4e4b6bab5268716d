// The browser test, on a live localnet, in Debian's headless Chromium:
//  - `custos explorer` refuses requests without its token (and with a wrong token, or another
//    Host), and sends a Content-Security-Policy that allows no outside resource;
//  - every explorer page renders from the localnet with no console error and no request leaving
//    127.0.0.1, showing what the page is for (cases, the demo item's verified timeline, ...);
//  - custos-verify.html, opened as a file, accepts the exported demo bundle, refuses a tampered one
//    naming the check, and warns when the genesis hash is not pinned; it says who exported the
//    bundle (officer, agency, role, node, time), "exporter not stated" for a bundle without the
//    member, and refuses an `exported` moved onto another bundle (check 7);
//  - the HTML court report of `custos verify --report` says who exported the bundle;
//  - a benchmark: the 1,000-event bundles of `custos-dev bench verify` verified in the page (printed,
//    never asserted).
// Screenshots of each page go to --out (kept as test output).
//   node web/test/browser_test.mjs --bin build/bin --web build/bin/web --out build/web-test-output
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { build } from 'esbuild';
import { launch, watchedPage } from './browser.mjs';
import { wycheproofCases, edgeCases } from './ed25519_cases.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const bin = resolve(args.bin ?? 'build/bin');
const web = resolve(args.web ?? join(bin, 'web'));
const out = resolve(args.out ?? 'web-test-output');
mkdirSync(out, { recursive: true });
const custos = join(bin, 'custos');
const custosDev = join(bin, 'custos-dev');
const work = mkdtempSync(join(tmpdir(), 'custos-web-test-'));
// Ports below Linux's ephemeral range (32768..60999, where an outgoing connection could take one
// first) and below the ranges the tests in tests/ use (3000 and up): a random block of eight
// (four REST, four peer ports) that is free now; the localnet is tried again on another block if
// its demo fails (another test run on this machine may have taken the ports meanwhile).
let restBase = 0;
let peerBase = 0;
function portFree(port) {
  return new Promise((resolvePort) => {
    const server = net.createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(true)));
  });
}
async function pickPorts() {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 1100 + Math.floor(Math.random() * 236) * 8;
    const ports = Array.from({ length: 8 }, (_, i) => base + i);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) {
      restBase = base;
      peerBase = base + 4;
      return;
    }
  }
  throw new Error('no free block of 8 ports in 1100..3000');
}

let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startProcess(command, argv, logFile) {
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.output = '';
  const append = (d) => {
    child.output += d.toString();
    writeFileSync(logFile, child.output);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  return child;
}

async function waitFor(predicate, timeoutMs, what) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await predicate()) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function request(url, { headers = {} } = {}) {
  return new Promise((resolveRequest, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolveRequest({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

const children = [];
let browserHandle = null;
try {
  // --- a localnet with the demo item
  let localnet = null;
  let netDir = '';
  for (let attempt = 1; attempt <= 3 && !localnet; attempt++) {
    await pickPorts();
    netDir = join(work, `net${attempt}`);
    execFileSync(custosDev, ['localnet', 'init', '--dir', netDir, '--rest-port-base', String(restBase), '--peer-port-base', String(peerBase)], { stdio: 'ignore' });
    const run = startProcess(custosDev, ['localnet', 'run', '--dir', netDir], join(out, 'localnet.log'));
    children.push(run);
    await waitFor(() => run.output.includes('demo done') || run.exitCode !== null, 90000, 'the localnet demo');
    if (run.output.includes('demo done')) localnet = run;
    else {
      console.log(`note: the localnet on ports ${restBase}.. did not play its demo (attempt ${attempt}):\n${run.output}`);
      run.kill('SIGTERM');
      await waitFor(() => run.exitCode !== null, 15000, 'the localnet to stop').catch(() => run.kill('SIGKILL'));
    }
  }
  if (!localnet) throw new Error('the localnet did not play its demo in three attempts');
  const genesisHash = /genesis hash:?\s+([0-9a-f]{64})/.exec(localnet.output)?.[1];
  check(Boolean(genesisHash), 'the localnet printed its genesis hash');
  const nodeUrl = `http://127.0.0.1:${restBase}`;
  const keys = join(netDir, 'keys');
  // More history for the pages: a grant with scope and expiry, a re-measured digest that does not
  // match (an integrity alert), and an officer key added by governance.
  const submit = (event, keyFile) => {
    const file = join(work, `event-${event.kind}.json`);
    writeFileSync(file, JSON.stringify({ type: 'custos.event.v1', chain_id: 'custos-localnet', time: new Date().toISOString(), ...event }));
    execFileSync(custos, ['submit', file, '--node', nodeUrl, '--key', keyFile, '--sign-event', '--wait'], { stdio: 'ignore' });
  };
  const head = () => JSON.parse(execFileSync(custos, ['trail', 'EXHIBIT-DEMO-0001', '--node', nodeUrl, '--key', join(keys, 'DE-BKA', 'custodian.key'), '--json']).toString()).events.at(-1).id;
  const demoItem = { item: 'EXHIBIT-DEMO-0001', case: 'CASE-DEMO-2026', agency: 'DE-BKA' };
  const expires = new Date(Date.now() + 30 * 86400000).toISOString();
  submit({ ...demoItem, kind: 'grant', prev: head(), grantee: 'NL-POL', scope: ['view', 'copy'], expires, legal_authority: { kind: 'eio', reference: 'EIO-DEMO-2026-17' } }, join(keys, 'DE-BKA', 'custodian.key'));
  submit({ ...demoItem, kind: 'verify', prev: head(), digests: { sha256: '0'.repeat(64) }, tool: 'sha256sum 9.1' }, join(keys, 'DE-BKA', 'custodian.key'));
  // The grantee reads it (rule R17), the custodian breaks the seal, images it (a derived item),
  // and seals it again.
  submit({ ...demoItem, agency: 'NL-POL', kind: 'access', prev: head(), action: 'view', purpose: 'review for the hearing', legal_authority: { kind: 'mlat', reference: 'MLAT-2026-3' } }, join(keys, 'NL-POL', 'prosecutor.key'));
  submit({ ...demoItem, kind: 'unseal', prev: head(), seal: 'SEAL-DEMO-0001', reason: 'imaging' }, join(keys, 'DE-BKA', 'custodian.key'));
  submit({ ...demoItem, kind: 'derive', prev: head(), new_item: 'EXHIBIT-DEMO-0001.img', digests: { sha256: 'ab'.repeat(32) }, description: 'Forensic image of the laptop disk', tool: 'ewfacquire 20140608', legal_authority: { kind: 'warrant', reference: 'W-DEMO-2026-001' } }, join(keys, 'DE-BKA', 'custodian.key'));
  submit({ ...demoItem, kind: 'seal', prev: head(), seal: 'SEAL-DE-0002' }, join(keys, 'DE-BKA', 'custodian.key'));
  execFileSync(custos, ['keygen', '--out', join(work, 'officer.key'), '--name', 'NL-POL.officer-2'], { stdio: 'ignore' });
  const newKey = JSON.parse(readFileSync(join(work, 'officer.key.pub'), 'utf8')).public_key;
  submit({ kind: 'officer.add', agency: 'NL-POL', officer: newKey, roles: ['custodian'], name: 'Officer A. de Boer' }, join(keys, 'NL-POL', 'admin.key'));
  const demoBundle = join(work, 'demo.bundle.json');
  execFileSync(custos, ['bundle', 'EXHIBIT-DEMO-0001', '--node', nodeUrl, '--key', join(keys, 'DE-BKA', 'prosecutor.key'), '--out', demoBundle], { stdio: 'ignore' });

  // --- the explorer and its token
  const explorer = startProcess(custos, ['explorer', '--node', nodeUrl, '--key', join(keys, 'NL-POL', 'auditor.key'), '--listen', '127.0.0.1:0', '--assets', join(web, 'explorer')], join(out, 'explorer.log'));
  children.push(explorer);
  await waitFor(() => /open: (http:\S+)/.test(explorer.output) || explorer.exitCode !== null, 20000, 'the explorer URL');
  const url = /open: (http:\S+)/.exec(explorer.output)?.[1];
  if (!url) throw new Error(`custos explorer printed no URL:\n${explorer.output}`);
  const origin = new URL(url).origin;
  const token = new URL(url).searchParams.get('token');
  check(/^[0-9a-f]{64}$/.test(token), 'the printed URL carries a 256-bit token');
  const noToken = await request(`${origin}/`);
  check(noToken.status === 403, `GET / without the token is refused (${noToken.status})`);
  const apiNoToken = await request(`${origin}/api/v1/status`);
  check(apiNoToken.status === 403, `GET /api/v1/status without the token is refused (${apiNoToken.status})`);
  const wrongToken = await request(`${origin}/?token=${'0'.repeat(64)}`);
  check(wrongToken.status === 403, `a wrong token is refused (${wrongToken.status})`);
  const wrongCookie = await request(`${origin}/app.js`, { headers: { Cookie: `custos_explorer_token=${token.slice(0, 63)}x` } });
  check(wrongCookie.status === 403, `a wrong token cookie is refused (${wrongCookie.status})`);
  const rebound = await request(`${origin}/?token=${token}`, { headers: { Host: `evil.example:${new URL(url).port}` } });
  check(rebound.status === 403, `another Host (DNS rebinding) is refused even with the token (${rebound.status})`);
  const entry = await request(url);
  check(entry.status === 303 && /HttpOnly/.test(entry.headers['set-cookie']?.[0] ?? '') && /SameSite=Strict/.test(entry.headers['set-cookie']?.[0] ?? ''),
    `the token URL sets an HttpOnly SameSite=Strict cookie and redirects (${entry.status})`);
  const csp = entry.headers['content-security-policy'] ?? '';
  check(csp.includes("default-src 'none'") && csp.includes("script-src 'self'") && csp.includes("connect-src 'self'") && !/https?:/.test(csp),
    `every response carries a CSP allowing no outside resource: ${csp}`);
  check(noToken.headers['content-security-policy'] === csp, 'the refusal carries the same CSP');
  const withCookie = await request(`${origin}/api/v1/status`, { headers: { Cookie: `custos_explorer_token=${token}` } });
  check(withCookie.status === 200 && JSON.parse(withCookie.body).genesis_hash === genesisHash, 'with the cookie, /api/v1/status is the node\'s status, signed by the explorer');
  check(!withCookie.body.includes('seed'), 'no key material in the answers');

  // --- the pages, in Chromium
  browserHandle = await launch();
  const { browser } = browserHandle;
  const page = await watchedPage(browser);
  const outside = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol.startsWith('http') && u.hostname !== '127.0.0.1') outside.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  const show = async (hash, name, assertions) => {
    page.problems.length = 0;
    await page.evaluate((h) => {
      document.getElementById('page').dataset.ready = '';
      location.hash = h;
    }, hash);
    await page.waitForFunction(() => document.getElementById('page')?.dataset.ready === '1', { timeout: 60000 });
    await sleep(200);
    const text = await page.evaluate(() => document.getElementById('page').innerText);
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
    check(page.problems.length === 0, `${name}: no console error (${page.problems.join('; ')})`);
    check(!text.includes('Error:') && !text.includes('The node refused'), `${name}: no error shown`);
    for (const [what, ok] of assertions(text)) check(ok, `${name}: ${what}`);
    return text;
  };
  await show('#/', 'explorer-cases', (t) => [
    ['lists the cases of the key\'s agency from the node\'s index, once', t.split('Cases in which NL-POL (your agency) takes part').length === 2],
    ['lists the demo case with its participants and item', t.includes('CASE-DEMO-2026') && t.includes('EXHIBIT-DEMO-0001') && /participants\s+DE-BKA, NL-POL/.test(t)],
    ['shows the agency\'s inbox (the demo\'s one offer was accepted)', t.includes('Transfer offers pending to NL-POL') && t.includes('None: every offer to this agency was accepted')]]);
  await show('#/agency/DE-BKA', 'explorer-cases-other-agency', (t) => [['an auditor lists another agency\'s cases', t.includes('Cases in which DE-BKA takes part') && t.includes('CASE-DEMO-2026')]]);
  await show('#/case/CASE-DEMO-2026', 'explorer-case', (t) => [['shows the case\'s item, custodian and participants', t.includes('EXHIBIT-DEMO-0001') && t.includes('DE-BKA') && /participants\s+DE-BKA, NL-POL/.test(t)]]);
  await show('#/item/EXHIBIT-DEMO-0001', 'explorer-item', (t) => [
    ['verifies the court bundle in the page, with the integrity alert', t.includes('Court bundle VERIFIED here — integrity alert recorded')],
    ['puts the integrity alert at the top of the page', t.indexOf('INTEGRITY ALERT') >= 0 && t.indexOf('INTEGRITY ALERT') < t.indexOf('Timeline')],
    ['marks the mismatching event', t.includes('DIGEST MISMATCH')],
    ['shows the grantee\'s access, the seal broken and renewed, and the derived image', t.includes('accessed') && t.includes('MLAT-2026-3') && t.includes('unsealed') && t.includes('SEAL-DE-0002') && t.includes('derived a new item') && t.includes('EXHIBIT-DEMO-0001.img')],
    ['shows the grant with its scope and expiry', t.includes('view, copy') && t.includes(expires)],
    ['shows every event with officer, action, location and legal authority', t.includes('registered') && t.includes('accepted the transfer') && t.includes('W-DEMO-2026-001') && t.includes('Evidence room 3') && t.includes('custodian')],
    ['shows the seal and digest checks', t.includes('seal intact') && t.includes('digest matches the reference')],
    ['has the export button', t.includes('Export the court bundle')],
  ]);
  check(await page.$('svg[aria-label^="custody path"] line.transfer') !== null, 'explorer-item: the custody path draws the transfer as an arrow between lanes');
  const exported = await page.evaluate(async () => {
    const a = document.getElementById('export');
    const r = await fetch(a.getAttribute('href'));
    return { status: r.status, disposition: r.headers.get('content-disposition'), text: await r.text() };
  });
  check(exported.status === 200 && /attachment; filename="EXHIBIT-DEMO-0001.bundle.json"/.test(exported.disposition ?? '') && JSON.parse(exported.text).type === 'custos.bundle.v3',
    'the export button downloads the item\'s court bundle');
  writeFileSync(join(work, 'exported.bundle.json'), exported.text);
  // The search by evidence digest, from the search box, with the demo item's reference SHA-256.
  const demoSha256 = /"sha256":"([0-9a-f]{64})"/.exec(exported.text)?.[1] ?? '';
  check(demoSha256.length === 64, 'the exported bundle records the demo item\'s SHA-256');
  await show(`#/search/${demoSha256}`, 'explorer-search', (t) => [['finds the demo item and its case by the file\'s SHA-256', t.includes(`Events that record SHA-256 ${demoSha256}`) && t.includes('EXHIBIT-DEMO-0001') && t.includes('CASE-DEMO-2026') && t.includes('registered')]]);
  let cppVerdict = 'OK';
  try {
    execFileSync(custos, ['verify', join(work, 'exported.bundle.json'), '--genesis-hash', genesisHash], { stdio: 'ignore' });
  } catch {
    cppVerdict = 'FAIL';
  }
  check(cppVerdict === 'OK', 'custos verify agrees: the exported bundle (grant, grantee access, alert, unseal, derive, seal) verifies');
  await show('#/governance', 'explorer-governance', (t) => [
    ['shows the officer key added, with its height', t.includes('added an officer key') && t.includes('Officer A. de Boer')],
    ['shows the validator set in force', t.includes('NL-POL.validator-0') && t.includes('BE-POL.validator-3')]]);
  await show('#/blocks', 'explorer-blocks', (t) => [['lists checkpoints with log size, root and signers', /log size/i.test(t) && t.includes('validator-')]]);
  await show('#/block/1', 'explorer-block', (t) => [['shows the header, the log size and root, and the certificate signers', t.includes('custos.block.v2') && t.includes('validators_hash') && t.includes('log_root') && /signers\s+\S*validator-/.test(t)]]);
  await show('#/network', 'explorer-network', (t) => [['shows the chain, the height, the mempool and four connected validators', t.includes('custos-localnet') && t.includes('mempool') && (t.match(/\byes\b/g) ?? []).length >= 4]]);
  await show('#/verify', 'explorer-verify', (t) => [['offers the verifier', t.includes('Pin the genesis hash')]]);
  check(outside.length === 0, `no request left 127.0.0.1 (${outside.join(', ')})`);

  // A prosecutor's key (what the demo suggests): it may not read blocks or the status; its cases
  // page lists its agency's cases from the node's index and offers the search; the item's timeline
  // and bundle are there.
  const prosecutor = startProcess(custos, ['explorer', '--node', nodeUrl, '--key', join(keys, 'DE-BKA', 'prosecutor.key'), '--listen', '127.0.0.1:0', '--assets', join(web, 'explorer')], join(out, 'explorer-prosecutor.log'));
  children.push(prosecutor);
  await waitFor(() => /open: (http:\S+)/.test(prosecutor.output) || prosecutor.exitCode !== null, 20000, 'the prosecutor explorer URL');
  const prosecutorPage = await watchedPage(browser);
  await prosecutorPage.goto(/open: (http:\S+)/.exec(prosecutor.output)[1], { waitUntil: 'load' });
  await prosecutorPage.waitForFunction(() => document.getElementById('page')?.dataset.ready === '1', { timeout: 60000 });
  const home = await prosecutorPage.evaluate(() => document.getElementById('page').innerText);
  check(home.includes('Cases in which DE-BKA (your agency) takes part') && home.includes('CASE-DEMO-2026') && home.includes('EXHIBIT-DEMO-0001'),
    'prosecutor: the cases page lists the demo case DE-BKA takes part in, with its item');
  check(await prosecutorPage.$('#agency') === null, 'prosecutor: only an auditor is offered other agencies\' cases');
  await prosecutorPage.type('#search', 'EXHIBIT-DEMO-0001');
  await prosecutorPage.evaluate(() => {
    document.getElementById('page').dataset.ready = '';
    document.querySelector('form.search button[type=submit]').click();
  });
  await prosecutorPage.waitForFunction(() => document.getElementById('page')?.dataset.ready === '1', { timeout: 60000 });
  const item = await prosecutorPage.evaluate(() => document.getElementById('page').innerText);
  await prosecutorPage.screenshot({ path: join(out, 'explorer-item-prosecutor.png'), fullPage: true });
  check(item.includes('Court bundle VERIFIED here') && item.includes('DIGEST MISMATCH'), 'prosecutor: the item page verifies the bundle and shows the alert');
  await prosecutorPage.evaluate(() => {
    document.getElementById('page').dataset.ready = '';
    location.hash = '#/governance';
  });
  await prosecutorPage.waitForFunction(() => document.getElementById('page')?.dataset.ready === '1', { timeout: 60000 });
  const governance = await prosecutorPage.evaluate(() => document.getElementById('page').innerText);
  await prosecutorPage.screenshot({ path: join(out, 'explorer-governance-prosecutor.png'), fullPage: true });
  check(governance.includes('From the court bundle of EXHIBIT-DEMO-0001') && governance.includes('added an officer key'),
    'prosecutor: governance comes from the verified court bundle of the item opened before');
  await prosecutorPage.evaluate(() => {
    document.getElementById('page').dataset.ready = '';
    location.hash = '#/';
  });
  await prosecutorPage.waitForFunction(() => document.getElementById('page')?.dataset.ready === '1', { timeout: 60000 });
  check((await prosecutorPage.evaluate(() => document.getElementById('page').innerText)).includes('Recently opened'), 'prosecutor: the cases page lists the item opened before');
  check(prosecutorPage.problems.every((p) => /HTTP 403: .*\/api\/v1\/(blocks|status)/.test(p) || /status of 403/.test(p)),
    `prosecutor: the only refusals are the reads the key may not make (${prosecutorPage.problems.join('; ')})`);

  // --- custos-verify.html from a file
  const verifyUrl = `file://${join(web, 'custos-verify.html')}`;
  const verifyFile = async (file, pin, name) => {
    const p = await watchedPage(browser);
    await p.goto(verifyUrl, { waitUntil: 'load' });
    if (pin) await p.type('#genesis-hash', pin);
    const input = await p.$('#bundle-file');
    await input.uploadFile(file);
    await p.waitForFunction(() => document.getElementById('app').dataset.verdict, { timeout: 120000 });
    const result = await p.evaluate(() => ({ ...document.getElementById('app').dataset, text: document.getElementById('app').innerText }));
    if (name) await p.screenshot({ path: join(out, `${name}.png`), fullPage: true });
    check(p.problems.length === 0, `${name ?? file}: no console error (${p.problems.join('; ')})`);
    await p.close();
    return result;
  };
  const demo = await verifyFile(join(work, 'exported.bundle.json'), genesisHash, 'verify-demo');
  check(demo.verdict === 'verified' && demo.text.includes('VERIFIED — INTEGRITY ALERT RECORDED') && demo.text.includes('(pinned)'),
    'custos-verify.html accepts the demo bundle with the pinned genesis hash, and heads it with its integrity alert');
  const bundle = JSON.parse(readFileSync(demoBundle, 'utf8'));
  bundle.events[0].envelope.event.location = 'Evidence room 4';
  writeFileSync(join(work, 'tampered.bundle.json'), JSON.stringify(bundle));
  const tampered = await verifyFile(join(work, 'tampered.bundle.json'), genesisHash, 'verify-tampered');
  check(tampered.verdict === 'failed:signatures' && tampered.text.includes('NOT VERIFIED: check 2 (signatures) failed') && tampered.text.includes('leaf 0'),
    `custos-verify.html refuses a tampered bundle, naming check 2 (signatures) and the leaf (${tampered.verdict})`);
  // Who exported it (FORMAT.md 11.8): the explorer's auditor key asked node 0 for it.
  check(/Exported by officer NL-POL auditor \(localnet\) \(NL-POL, auditor\) key [0-9a-f]{64} on node \S+ \(\S+\) at 20\d\d-/.test(demo.text),
    'custos-verify.html says who exported the bundle: the officer (agency, role), the node and the time');
  const old = JSON.parse(readFileSync(demoBundle, 'utf8'));
  delete old.exported;
  writeFileSync(join(work, 'old.bundle.json'), JSON.stringify(old));
  const oldResult = await verifyFile(join(work, 'old.bundle.json'), genesisHash, 'verify-old-bundle');
  check(oldResult.verdict === 'verified' && oldResult.text.includes('exporter not stated'), 'a bundle without exported verifies and says "exporter not stated"');
  const grafted = JSON.parse(readFileSync(demoBundle, 'utf8'));
  grafted.exported = JSON.parse(readFileSync(join(work, 'exported.bundle.json'), 'utf8')).exported;
  writeFileSync(join(work, 'grafted.bundle.json'), JSON.stringify(grafted));
  const graftedResult = await verifyFile(join(work, 'grafted.bundle.json'), genesisHash, 'verify-grafted-export');
  check(graftedResult.verdict === 'failed:exported' && graftedResult.text.includes('NOT VERIFIED: check 7 (exported) failed') && graftedResult.text.includes('exported.bundle'),
    `an exported member moved onto another bundle is refused by check 7, naming exported.bundle (${graftedResult.verdict})`);
  // The court report custos verify writes (HTML), in Chromium from a file.
  const courtReport = join(work, 'court-report.html');
  execFileSync(custos, ['verify', join(work, 'exported.bundle.json'), '--genesis-hash', genesisHash, '--report', courtReport], { stdio: 'ignore' });
  const reportPage = await watchedPage(browser);
  await reportPage.goto(`file://${courtReport}`, { waitUntil: 'load' });
  const reportText = await reportPage.evaluate(() => document.body.innerText);
  await reportPage.screenshot({ path: join(out, 'court-report.png'), fullPage: true });
  check(/Exported by officer NL-POL auditor \(localnet\) \(NL-POL, auditor\) key [0-9a-f]{64} on node \S+ \(\S+\) at 20\d\d-/.test(reportText) && reportText.includes('Read record'),
    'the HTML court report of custos verify says who exported the bundle, with its read record');
  check(reportPage.problems.length === 0, `court report: no console error (${reportPage.problems.join('; ')})`);
  await reportPage.close();
  const wrongPin = await verifyFile(demoBundle, 'ab'.repeat(32), null);
  check(wrongPin.verdict === 'failed:genesis', `another pinned genesis hash fails check 1 (${wrongPin.verdict})`);
  const unpinned = await verifyFile(demoBundle, null, 'verify-unpinned');
  check(unpinned.verdict === 'verified' && unpinned.text.includes('NOT pinned'), 'without a pinned hash it verifies but warns that nothing is pinned');

  // --- Ed25519 in Chromium: the verifier's verdicts equal libsodium's with the browser's own
  // WebCrypto (not the same code as Node.js's) and with noble, on every Wycheproof and edge case.
  const bundled = await build({ entryPoints: [new URL('../src/verify/ed25519.js', import.meta.url).pathname], bundle: true, format: 'iife', globalName: 'CustosEd25519', write: false });
  const edPage = await watchedPage(browser);
  await edPage.goto(verifyUrl, { waitUntil: 'load' });
  await edPage.evaluate(bundled.outputFiles[0].text + ';window.CustosEd25519 = CustosEd25519;');
  const edCases = [...wycheproofCases(), ...edgeCases()];
  for (const engine of ['webcrypto', 'noble']) {
    const result = await edPage.evaluate(async (cases, engineName) => {
      const fromHex = (h) => (h.length % 2 ? new Uint8Array(0) : Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16)));
      const verifier = new window.CustosEd25519.Ed25519Verifier({ engine: engineName });
      const used = await verifier.engineName();
      const wrong = [];
      for (const c of cases) if ((await verifier.verify(fromHex(c.pk), fromHex(c.msg), fromHex(c.sig))) !== c.valid) wrong.push(c.name);
      return { used, wrong };
    }, edCases, engine);
    check(result.used === engine && result.wrong.length === 0,
      `Chromium, ${engine}: ${edCases.length - result.wrong.length}/${edCases.length} Ed25519 verdicts equal libsodium's (Wycheproof and edge cases)${result.wrong.length ? ': ' + result.wrong.slice(0, 5).join('; ') : ''}`);
  }
  check(edPage.problems.length === 0, `Ed25519 page: no console error (${edPage.problems.join('; ')})`);
  await edPage.close();

  // --- benchmark (printed, not asserted)
  const benchDir = join(work, 'bench');
  const benchOut = execFileSync(custosDev, ['bench', 'verify', '--runs', '1', '--bundles-out', benchDir]).toString();
  const benchGenesis = /genesis hash ([0-9a-f]{64})/.exec(benchOut)?.[1];
  console.log('benchmark (headless Chromium, custos-verify.html, parse included):');
  for (const name of ['bundle-1000x1.json', 'bundle-1000x10.json']) {
    const file = join(benchDir, name);
    if (!existsSync(file)) {
      check(false, `custos-dev bench verify wrote ${name}`);
      continue;
    }
    const runs = [];
    let engine = '';
    for (let run = 0; run < 3; run++) {
      const r = await verifyFile(file, benchGenesis, null);
      check(r.verdict === 'verified', `${name} verifies in the page`);
      runs.push(Number(r.elapsedMs));
      engine = r.engine;
    }
    console.log(`  ${name}: ${runs.map((ms) => ms.toFixed(0)).join(', ')} ms (best ${Math.min(...runs).toFixed(0)} ms; Ed25519 by ${engine})`);
  }
  console.log(`  custos-dev bench verify (C++, one thread) for comparison:\n${benchOut.split('\n').filter((l) => /^\d/.test(l)).map((l) => '    ' + l).join('\n')}`);
} catch (e) {
  failures++;
  console.log(`FAIL ${e.stack ?? e.message}`);
} finally {
  if (browserHandle) await browserHandle.close().catch(() => {});
  for (const child of children.reverse()) {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await waitFor(() => child.exitCode !== null, 15000, 'a child to stop').catch(() => child.kill('SIGKILL'));
    }
  }
  rmSync(work, { recursive: true, force: true });
}
console.log(`screenshots in ${out}`);
console.log(failures === 0 ? 'web browser test: all checks passed' : `web browser test: ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
