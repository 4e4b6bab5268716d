// The explorer: a single page over `custos explorer` (which signs its requests to the node). Pages,
// by the URL's fragment: #/ cases and the inbox (#/agency/ID: another agency's, for an auditor),
// #/search/SHA256, #/case/ID, #/item/ID, #/governance, #/blocks, #/block/H,
// #/network, #/verify. What a page shows is what the officer's key may read; a refusal by the
// node is shown as such, never as an empty page.
import { h, clear, short } from '../ui/dom.js';
import { timelineTable, kindText } from '../ui/timeline.js';
import { custodyPath } from '../ui/custody_path.js';
import { mountVerifier, renderReport } from '../ui/verify_page.js';
import { verifyBundle } from '../verify/bundle.js';
import { Ed25519Verifier } from '../verify/ed25519.js';
import { get, getBytes, node, enc, ApiError } from './api.js';
import { recentEvents } from './ledger_scan.js';

const app = document.getElementById('app');
const nav = h('nav', { class: 'top' });
const page = h('main', { class: 'page', id: 'page' });
clear(app, nav, page);
let session = null;

const PAGES = [
  ['#/', 'Cases'],
  ['#/governance', 'Governance'],
  ['#/blocks', 'Blocks'],
  ['#/network', 'Network'],
  ['#/verify', 'Verify a bundle'],
];

function drawNav(active) {
  clear(nav, h('strong', {}, 'Custos explorer'),
    PAGES.map(([href, label]) => h('a', { href, class: active === href ? 'active' : null }, label)),
    h('span', { class: 'who', id: 'who' }, session ? `${session.key_name} · ${short(session.key_id, 16)} · ${session.node}` : ''));
}

function errorBox(e) {
  if (e instanceof ApiError && e.status === 403)
    return h('div', { class: 'error-box' }, `Your key may not read this (HTTP 403): ${e.message}`);
  if (e instanceof ApiError) return h('div', { class: 'error-box' }, `The node refused (HTTP ${e.status}): ${e.message}`);
  return h('div', { class: 'error-box' }, `Error: ${e.message}`);
}

// Routes started so far: a page marks itself ready (and shows its error) only while it is still
// the latest, so a slow earlier page never speaks for the one that replaced it.
let routeSeq = 0;

async function guarded(render) {
  const seq = ++routeSeq;
  try {
    await render();
  } catch (e) {
    if (seq === routeSeq) page.append(errorBox(e));
  }
  if (seq === routeSeq) page.dataset.ready = '1';
}

// ------------------------------------------------------------------ recently opened

// Items and cases this browser opened (localStorage, per explorer origin): how a key that may not
// list the ledger finds its way back.
const RECENT_KEY = 'custos.explorer.recent';
function recent() {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((r) => r && typeof r.id === 'string' && ['item', 'case'].includes(r.kind)) : [];
  } catch {
    return [];
  }
}
function remember(kind, id) {
  const list = [{ kind, id }, ...recent().filter((r) => !(r.kind === kind && r.id === id))].slice(0, 12);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {
    // storage refused (private mode): nothing to remember
  }
}
function recentList() {
  const list = recent();
  if (list.length === 0) return null;
  return h('div', { id: 'recent' }, h('h2', {}, 'Recently opened'),
    h('ul', {}, list.map((r) => h('li', {}, `${r.kind} `, h('a', { href: `#/${r.kind}/${enc(r.id)}` }, r.id)))));
}

// ------------------------------------------------------------------ cases

// An evidence file's SHA-256 (64 hex digits) opens the search by digest; anything else an item.
const isSha256 = (text) => /^[0-9a-fA-F]{64}$/.test(text);

function searchForm() {
  const input = h('input', { id: 'search', type: 'text', placeholder: 'item or case id, or a file\'s SHA-256' });
  const form = h('form', { class: 'search' }, input,
    h('button', { type: 'submit' }, 'Open item'),
    h('button', { type: 'button', class: 'secondary', onclick: () => go(`#/case/${enc(input.value.trim())}`) }, 'Open case'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    go(isSha256(text) ? `#/search/${text.toLowerCase()}` : `#/item/${enc(text)}`);
  });
  return form;
}

// The transfer offers pending to the agency (its inbox, GET /v1/agencies/{agency}/offers).
async function inboxSection(agency) {
  const list = await node(`agencies/${enc(agency)}/offers?limit=100`);
  const title = h('h2', {}, `Transfer offers pending to ${agency}`);
  if (list.offers.length === 0) return h('div', { id: 'inbox' }, title, h('p', { class: 'muted' }, 'None: every offer to this agency was accepted, rejected or cancelled.'));
  return h('div', { id: 'inbox' }, title,
    h('table', {}, h('thead', {}, h('tr', {}, ['item', 'case', 'from', 'offered', 'legal authority'].map((t) => h('th', {}, t)))),
      h('tbody', {}, list.offers.map((o) => {
        const e = o.offer?.envelope?.event ?? {};
        const authority = e.legal_authority ? `${e.legal_authority.kind} ${e.legal_authority.reference}` : '';
        return h('tr', {}, h('td', {}, h('a', { href: `#/item/${enc(o.item)}` }, o.item)), h('td', {}, h('a', { href: `#/case/${enc(o.case)}` }, o.case)),
          h('td', {}, o.custodian), h('td', {}, e.time ?? ''), h('td', {}, authority));
      }))),
    list.next ? h('p', { class: 'muted' }, `More than ${list.offers.length} offers: custos inbox lists them all.`) : null);
}

// ------------------------------------------------------------------ search by digest

// The events that record a SHA-256 (GET /v1/search), in the cases this key may read: an examiner
// holding only a file finds its item.
async function searchPage(sha256) {
  const body = h('div', {});
  clear(page, h('h1', {}, 'Search by evidence digest'), searchForm(), body);
  if (!isSha256(sha256)) {
    body.append(h('div', { class: 'error-box' }, 'A SHA-256 is 64 hexadecimal digits.'));
    return;
  }
  body.append(h('p', { class: 'muted', id: 'search-of' }, `Events that record SHA-256 ${sha256}, in the cases your key may read.`));
  const rows = h('tbody', {});
  const more = h('p', {});
  body.append(h('table', { id: 'search-results' }, h('thead', {}, h('tr', {}, ['item', 'case', 'event', 'agency', 'time', 'height'].map((t) => h('th', {}, t)))), rows), more);
  let cursor = '';
  const loadPage = async () => {
    const found = await node(`search?sha256=${sha256}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    for (const e of found.events) {
      rows.append(h('tr', {}, h('td', {}, h('a', { href: `#/item/${enc(e.item)}` }, e.item)), h('td', {}, h('a', { href: `#/case/${enc(e.case)}` }, e.case)),
        h('td', {}, kindText(e.kind)), h('td', {}, e.agency), h('td', {}, e.time), h('td', {}, String(e.height))));
    }
    if (rows.childElementCount === 0) rows.append(h('tr', {}, h('td', { colspan: 6 }, 'No event you may read records this digest.')));
    cursor = found.next ?? '';
    clear(more, cursor ? h('button', { type: 'button', class: 'secondary', onclick: () => loadPage().catch((e) => more.append(errorBox(e))) }, 'More') : null);
  };
  await loadPage();
}

// An auditor lists any agency's cases: the agency to list.
function agencyForm(agency) {
  const input = h('input', { id: 'agency', type: 'text', value: agency, placeholder: 'agency, e.g. NL-POL' });
  const form = h('form', { class: 'search' }, input, h('button', { type: 'submit' }, 'List its cases'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go(`#/agency/${enc(input.value.trim())}`);
  });
  return form;
}

function caseCard(entry, detail) {
  const items = detail?.items ?? [];
  return h('div', { class: 'card' },
    h('h3', {}, h('a', { href: `#/case/${enc(entry.case)}` }, entry.case)),
    h('dl', {}, h('dt', {}, 'participants'), h('dd', {}, entry.participants.join(', ')),
      h('dt', {}, 'items'), h('dd', {}, items.length === 0 ? h('span', { class: 'muted' }, detail ? 'none' : 'not readable with this key')
        : items.map((it, i) => [i ? ', ' : '', h('a', { href: `#/item/${enc(it.item)}` }, it.item), ` (${it.custodian}, ${it.state})`]))));
}

// The cases the agency takes part in, from the node's index (GET /v1/agencies/{agency}/cases),
// a page at a time; the officer's own agency unless an auditor names another (#/agency/ID).
async function casesPage(agencyArg) {
  // Everything after the first await goes into `body`: a newer route clears the page, and this
  // one's late answers then land in a detached element, never beside the newer page.
  const body = h('div', {});
  clear(page, h('h1', {}, 'Cases'), searchForm(), body);
  const me = await myOfficer();
  const agency = agencyArg || me?.agency;
  if (!agency) {
    body.append(h('p', { class: 'muted' }, 'The node knows no officer record of this key: open an item or a case by its id above.'), recentList() ?? '');
    return;
  }
  if (me?.roles?.includes('auditor')) body.append(agencyForm(agency));
  const cards = h('div', { class: 'cards', id: 'cases' });
  const more = h('p', {});
  body.append(h('p', { class: 'muted', id: 'cases-of' }, agency === me?.agency ? `Cases in which ${agency} (your agency) takes part.` : `Cases in which ${agency} takes part.`), cards, more);
  let after = '';
  const loadPage = async () => {
    const list = await node(`agencies/${enc(agency)}/cases?limit=24${after ? `&after=${enc(after)}` : ''}`);
    const details = await Promise.all(list.cases.map((c) => node(`cases/${enc(c.case)}`).catch(() => null)));
    list.cases.forEach((c, n) => cards.append(caseCard(c, details[n])));
    if (cards.childElementCount === 0) cards.append(h('p', {}, 'No case yet.'));
    after = list.next ?? '';
    clear(more, after ? h('button', { type: 'button', class: 'secondary', id: 'more-cases', onclick: () => loadPage().catch((e) => more.append(errorBox(e))) }, 'More cases') : null);
  };
  await loadPage();
  body.append(await inboxSection(agency).catch((e) => errorBox(e)));
  const opened = recentList();
  if (opened) body.append(opened);
}

// The officer's own record (agency, roles, status) from GET /v1/officers/{key}; null when the
// node knows no such key.
async function myOfficer() {
  if (!session?.key_id) return null;
  return node(`officers/${session.key_id}`).catch(() => null);  // get() keeps the answer.
}

// Every page of a paginated document (a trail by `cursor`, a case by `after`): the first page's
// document with `field` holding the entries of every page.
async function allPages(path, field, cursorName) {
  const first = await node(`${path}?limit=1000`);
  let next = first.next;
  for (let n = 0; next && n < 100; n++) {
    const more = await node(`${path}?limit=1000&${cursorName}=${enc(next)}`);
    first[field].push(...more[field]);
    next = more.next;
  }
  delete first.next;
  return first;
}

async function casePage(id) {
  clear(page, h('h1', {}, `Case ${id}`));
  const c = await allPages(`cases/${enc(id)}`, 'items', 'after');
  remember('case', id);
  const participants = new Set(c.items.map((i) => i.custodian));
  const trails = await Promise.all(c.items.map((i) => allPages(`items/${enc(i.item)}/trail`, 'events', 'cursor').catch(() => null)));
  for (const t of trails) for (const v of t?.events ?? []) for (const a of [v.envelope.event.agency, v.envelope.event.recipient, v.envelope.event.grantee]) if (a) participants.add(a);
  page.append(
    h('dl', { class: 'facts' }, h('dt', {}, 'participants'), h('dd', { id: 'participants' }, [...participants].sort().join(', '))),
    h('h2', {}, 'Items'),
    h('table', { id: 'case-items' }, h('thead', {}, h('tr', {}, ['item', 'custodian', 'state', 'events', 'integrity'].map((t) => h('th', {}, t)))),
      h('tbody', {}, c.items.map((i, n) => h('tr', { class: trails[n]?.integrity_alert ? 'alert-row' : null },
        h('td', {}, h('a', { href: `#/item/${enc(i.item)}` }, i.item)), h('td', {}, i.custodian), h('td', {}, i.state),
        h('td', {}, trails[n] ? trails[n].events.length : '?'),
        h('td', {}, trails[n]?.integrity_alert ? h('span', { class: 'alert-badge' }, 'INTEGRITY ALERT') : 'no alert'))))));
}

// ------------------------------------------------------------------ item

const bundleReports = new Map();
async function verifiedBundle(item) {
  if (!bundleReports.has(item)) {
    const promise = (async () => {
      const bytes = await getBytes(`/api/v1/items/${enc(item)}/bundle`);
      const status = await node('status').catch(() => null);
      // Pinned to the genesis hash the node reports: this checks the node's bundle against the
      // node's own chain. A defence expert pins a hash obtained elsewhere (custos-verify.html).
      const report = await verifyBundle(bytes, { pinnedGenesisHash: status?.genesis_hash ?? null, verifier: new Ed25519Verifier() });
      return report;
    })();
    bundleReports.set(item, promise);
    promise.catch(() => bundleReports.delete(item));
  }
  return bundleReports.get(item);
}

async function itemPage(id) {
  clear(page, h('h1', {}, `Item ${id}`));
  const trail = await allPages(`items/${enc(id)}/trail`, 'events', 'cursor');
  remember('item', id);
  const alertBanner = trail.integrity_alert
    ? h('div', { class: 'banner-alert', id: 'integrity-alert' }, '⚠ INTEGRITY ALERT: a re-measured digest did not match, or a seal was found broken. See the marked events below.')
    : null;
  page.append(...[alertBanner].filter(Boolean),
    h('dl', { class: 'facts' }, h('dt', {}, 'case'), h('dd', {}, h('a', { href: `#/case/${enc(trail.case)}` }, trail.case)),
      h('dt', {}, 'custodian'), h('dd', {}, trail.custodian), h('dt', {}, 'state'), h('dd', {}, trail.state),
      h('dt', {}, 'events'), h('dd', {}, String(trail.events.length))),
    h('p', {}, h('a', { href: `/api/v1/items/${enc(id)}/bundle?download=1`, download: `${id}.bundle.json`, id: 'export', class: 'button' }, 'Export the court bundle'),
      ' ', h('span', { class: 'muted small' }, 'a file a defence expert verifies offline in custos-verify.html')));
  const holder = h('div', {}, h('p', { class: 'muted' }, 'Fetching and verifying the court bundle in this page…'));
  page.append(holder);
  let report = null;
  try {
    report = await verifiedBundle(id);
  } catch (e) {
    clear(holder, h('p', { class: 'muted' }, `No court bundle for this key (${e.message}): the timeline below is the node's trail, not verified here.`));
  }
  if (report) {
    const state = report.item_states?.find((s) => s.item === id);
    clear(holder,
      report.verified
        ? h('div', { class: report.integrity_alert ? 'verdict alert' : 'verdict ok', id: 'bundle-verdict' },
          report.integrity_alert ? 'Court bundle VERIFIED here — integrity alert recorded' : 'Court bundle VERIFIED here: every check of FORMAT 11.4 holds',
          h('div', { class: 'sub' }, `anchor height ${report.anchor.height}, log size ${report.anchor.log_size}, ${report.elapsed_ms.toFixed(0)} ms; genesis ${short(report.genesis_hash, 16)} ${report.genesis_pinned ? "(pinned to the node's)" : '(NOT pinned: this key may not read the node\'s status; pin the hash you trust in custos-verify.html)'}`))
        : h('div', { class: 'verdict fail', id: 'bundle-verdict' }, `Court bundle NOT VERIFIED: ${report.failure.check}: ${report.failure.message}`),
      h('h2', {}, 'Custody path'), custodyPath(report.timeline.filter((r) => !r.governance)),
      h('h2', {}, 'Grants'), grantsTable(state),
      h('h2', {}, 'Timeline'), timelineTable(report.timeline.filter((r) => !r.governance)));
    return;
  }
  // Unverified fallback: the trail, with ledger times from the public checkpoints.
  const rows = [];
  for (const v of trail.events) {
    const cp = await node(`checkpoints/${v.height}`).catch(() => null);
    const time = /\ntime (\S+)\n/.exec(cp?.note ?? '')?.[1] ?? null;
    rows.push({ ledger_time: time, height: v.height, leaf_index: v.leaf_index, event: v.envelope.event, event_id: v.id, signer: v.envelope.signer });
  }
  holder.append(h('h2', {}, 'Custody path'), custodyPath(rows), h('h2', {}, 'Timeline'), timelineTable(rows));
}

function grantsTable(state) {
  if (!state || state.grants.length === 0) return h('p', { class: 'muted', id: 'grants' }, 'No access granted to another agency.');
  const now = Date.now();
  return h('table', { id: 'grants' }, h('thead', {}, h('tr', {}, ['grantee', 'scope', 'expires', ''].map((t) => h('th', {}, t)))),
    h('tbody', {}, state.grants.map((g) => h('tr', {}, h('td', {}, g.grantee), h('td', {}, g.scope.join(', ')), h('td', {}, g.expires),
      h('td', {}, Date.parse(g.expires) <= now ? h('span', { class: 'muted' }, 'expired') : h('span', { class: 'ok' }, 'in force'))))));
}

// ------------------------------------------------------------------ governance

async function governancePage() {
  clear(page, h('h1', {}, 'Governance'), h('p', { class: 'muted' }, 'Officer keys added and revoked, and validator-set changes, with the heights that recorded them.'));
  let scan;
  try {
    scan = await recentEvents();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 403)) throw e;
    await governanceFromBundle();
    return;
  }
  const records = scan.events.filter((v) => v.envelope?.event?.kind && /^(officer|validator)\./.test(v.envelope.event.kind));
  if (records.length === 0) {
    page.append(h('p', { id: 'governance-empty' }, `No governance event among the newest ${scan.events.length} events: the officer keys and validators are the genesis ones.`));
  } else {
    page.append(h('table', { id: 'governance' }, h('thead', {}, h('tr', {}, ['height', 'time', 'agency', 'what', 'details'].map((t) => h('th', {}, t)))),
      h('tbody', {}, records.map((v) => {
        const e = v.envelope.event;
        const what = e.kind === 'officer.add' ? `key ${short(e.officer, 16)} for ${e.name} (${e.roles.join(', ')})`
          : e.kind === 'officer.revoke' ? `key ${short(e.officer, 16)}: ${e.reason}`
          : e.kind === 'validator.propose' ? `${e.validator.name} (${e.validator.agency}) power ${e.validator.power}: ${e.reason}`
          : `approves ${short(e.proposal, 16)}`;
        return h('tr', {}, h('td', {}, v.height), h('td', {}, v.block_time), h('td', {}, e.agency), h('td', {}, kindText(e.kind)), h('td', {}, what));
      }))));
  }
  const status = scan.status;
  page.append(h('h2', {}, 'Validator set in force'), validatorsTable(status.validators));
}

// For a key that may not read blocks: every governance record up to its anchor is in any court
// bundle (FORMAT.md 11.1), verified here; take the bundle of an item opened before.
async function governanceFromBundle() {
  const item = recent().find((r) => r.kind === 'item')?.id;
  if (!item) {
    page.append(h('p', { class: 'muted', id: 'governance-empty' }, 'This key may not read blocks. Open an item first: its court bundle carries every governance record up to its anchor.'));
    return;
  }
  const report = await verifiedBundle(item);
  const records = report.timeline.filter((r) => r.governance);
  page.append(h('p', { class: 'muted' }, `From the court bundle of ${item} (${report.verified ? 'verified here' : 'NOT verified'}), up to height ${report.anchor.height}.`));
  page.append(records.length === 0 ? h('p', { id: 'governance-empty' }, 'No governance record: the officer keys and validators are the genesis ones.')
    : timelineTable(records));
  page.append(h('h2', {}, 'Validators of the genesis'),
    h('table', { id: 'validators' }, h('thead', {}, h('tr', {}, ['validator', 'agency', 'power'].map((t) => h('th', {}, t)))),
      h('tbody', {}, report.genesis.validators.map((v) => h('tr', {}, h('td', { class: 'mono' }, v.name), h('td', {}, v.agency), h('td', {}, v.power))))));
}

function validatorsTable(validators) {
  return h('table', { id: 'validators' }, h('thead', {}, h('tr', {}, ['validator', 'agency', 'power', 'connected to this node'].map((t) => h('th', {}, t)))),
    h('tbody', {}, validators.map((v) => h('tr', {}, h('td', { class: 'mono' }, v.name), h('td', {}, v.agency), h('td', {}, v.power),
      h('td', {}, v.connected ? h('span', { class: 'ok' }, 'yes') : h('span', { class: 'fail-text' }, 'no'))))));
}

// ------------------------------------------------------------------ blocks

function noteSigners(note) {
  const lines = (note ?? '').split('\n').filter((l) => l.startsWith('\u2014 '));
  return lines.map((l) => l.slice(2).split(' ')[0]);
}

async function blocksPage() {
  clear(page, h('h1', {}, 'Blocks and checkpoints'));
  const latest = await node('checkpoints/latest');
  const heights = [];
  for (let height = latest.height; height >= 1 && heights.length < 15; height--) heights.push(height);
  const checkpoints = await Promise.all(heights.map((height) => node(`checkpoints/${height}`)));
  page.append(h('p', { class: 'muted' }, `Latest certified checkpoint: height ${latest.height}, log size ${latest.log_size}.`),
    h('table', { id: 'blocks' }, h('thead', {}, h('tr', {}, ['height', 'time', 'log size', 'log root', 'block hash', 'signers'].map((t) => h('th', {}, t)))),
      h('tbody', {}, checkpoints.map((c) => h('tr', {},
        h('td', {}, h('a', { href: `#/block/${c.height}` }, c.height)), h('td', {}, /\ntime (\S+)\n/.exec(c.note)?.[1] ?? ''),
        h('td', {}, c.log_size), h('td', { class: 'mono small' }, short(c.log_root, 16)), h('td', { class: 'mono small' }, short(c.block_hash, 16)),
        h('td', { class: 'small' }, noteSigners(c.note).join(', ')))))));
}

async function blockPage(height) {
  clear(page, h('h1', {}, `Block ${height}`));
  const cp = await node(`checkpoints/${enc(height)}`);
  page.append(h('h2', {}, 'Checkpoint (certified)'),
    h('dl', { class: 'facts' }, h('dt', {}, 'log size'), h('dd', {}, cp.log_size), h('dt', {}, 'log root'), h('dd', { class: 'mono' }, cp.log_root),
      h('dt', {}, 'block hash'), h('dd', { class: 'mono' }, cp.block_hash), h('dt', {}, 'signers'), h('dd', { id: 'signers' }, noteSigners(cp.note).join(', '))),
    h('h2', {}, 'Commit certificate (signed note)'), h('pre', { class: 'mono small', id: 'certificate' }, cp.note));
  try {
    const block = await node(`blocks/${enc(height)}`);
    page.append(h('h2', {}, 'Header'),
      h('dl', { class: 'facts', id: 'header' }, Object.entries(block.header).map(([k, v]) => [h('dt', {}, k), h('dd', { class: 'mono' }, String(v))])),
      h('h2', {}, `Events (${block.events.length})`),
      block.events.length === 0 ? h('p', { class: 'muted' }, 'An empty block.') : h('ul', { class: 'mono small' }, block.events.map((id) => h('li', {}, id))));
  } catch (e) {
    page.append(errorBox(e));
  }
}

// ------------------------------------------------------------------ network

async function networkPage() {
  clear(page, h('h1', {}, 'Network'));
  const s = await node('status');
  page.append(h('dl', { class: 'facts', id: 'status' },
    h('dt', {}, 'chain'), h('dd', {}, s.chain_id), h('dt', {}, 'genesis hash'), h('dd', { class: 'mono' }, s.genesis_hash),
    h('dt', {}, 'this node'), h('dd', {}, s.node), h('dt', {}, 'height'), h('dd', {}, s.height), h('dt', {}, 'log size'), h('dd', {}, s.log_size),
    h('dt', {}, 'syncing'), h('dd', {}, s.syncing ? 'yes (behind the network)' : 'no'),
    h('dt', {}, 'mempool'), h('dd', {}, `${s.mempool.events} events, ${s.mempool.bytes} bytes`)),
    h('h2', {}, 'Validators'), validatorsTable(s.validators));
}

// ------------------------------------------------------------------ router

function go(hash) {
  location.hash = hash;
}

async function route() {
  const hash = location.hash || '#/';
  const [, name = '', arg = ''] = /^#\/([^/]*)\/?(.*)$/.exec(hash) ?? [];
  const id = decodeURIComponent(arg);
  page.dataset.ready = '';
  drawNav(name === '' ? '#/' : `#/${['case', 'item', 'agency', 'search'].includes(name) ? '' : name === 'block' ? 'blocks' : name}`);
  clear(page);
  window.scrollTo(0, 0);
  if (name === 'verify') {
    ++routeSeq;  // Supersedes any page still loading.
    mountVerifier(page, { title: 'Verify a court bundle (in this page)' });
    page.dataset.ready = '1';
    return;
  }
  const pages = { '': () => casesPage(''), agency: () => casesPage(id), search: () => searchPage(id), case: () => casePage(id), item: () => itemPage(id), governance: governancePage, blocks: blocksPage, block: () => blockPage(id), network: networkPage };
  await guarded(pages[name] ?? (async () => page.append(h('p', {}, 'No such page.'))));
}

// Every route waits for the session (the key's name and id): a hash changed while it loads must
// not render a page that thinks the key has none.
const sessionLoaded = get('/api/session').then((s) => { session = s; }, () => { session = null; });
window.addEventListener('hashchange', () => sessionLoaded.then(route));
sessionLoaded.then(route);

export { renderReport };
