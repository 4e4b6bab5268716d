// The offline bundle verifier's page: drop a bundle (or choose it), pin the genesis hash, and see
// every check of docs/FORMAT.md 11.4 pass or fail with its location, the exhibit and its
// timeline. Everything runs in this page; nothing is fetched or sent.
import { h, clear, short } from './dom.js';
import { timelineTable } from './timeline.js';
import { custodyPath } from './custody_path.js';
import { verifyBundle } from '../verify/bundle.js';
import { Ed25519Verifier } from '../verify/ed25519.js';

export function mountVerifier(root, { title = 'Custos court bundle verifier' } = {}) {
  const state = { bytes: null, name: null };
  const pin = h('input', { id: 'genesis-hash', type: 'text', size: 70, spellcheck: 'false', autocomplete: 'off', placeholder: '64 hex digits, from a source you trust (not from the bundle)' });
  const file = h('input', { id: 'bundle-file', type: 'file', accept: '.json,application/json' });
  const drop = h('div', { id: 'drop', class: 'drop', tabindex: 0 }, 'Drop the bundle file here, or ', h('label', { for: 'bundle-file', class: 'link' }, 'choose it'), file);
  const button = h('button', { id: 'verify', type: 'button', disabled: true }, 'Verify');
  const out = h('div', { id: 'result' });
  const loaded = h('div', { id: 'loaded', class: 'muted' }, 'No bundle loaded.');

  const load = async (f) => {
    state.bytes = new Uint8Array(await f.arrayBuffer());
    state.name = f.name;
    loaded.textContent = `Loaded ${f.name} (${state.bytes.length.toLocaleString('en')} bytes).`;
    button.disabled = false;
    await run();
  };
  file.addEventListener('change', () => file.files[0] && load(file.files[0]));
  drop.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    if (ev.dataTransfer.files[0]) load(ev.dataTransfer.files[0]);
  });
  button.addEventListener('click', () => run());
  pin.addEventListener('change', () => state.bytes && run());

  async function run() {
    if (!state.bytes) return;
    const pinned = pin.value.trim();
    if (pinned !== '' && !/^[0-9a-fA-F]{64}$/.test(pinned)) {
      clear(out, h('div', { class: 'verdict fail' }, 'The genesis hash must be 64 hex digits.'));
      return;
    }
    clear(out, h('p', { class: 'muted' }, 'Verifying…'));
    delete root.dataset.verdict;
    const report = await verifyBundle(state.bytes, { pinnedGenesisHash: pinned === '' ? null : pinned.toLowerCase(), verifier: new Ed25519Verifier() });
    root.dataset.verdict = report.verified ? 'verified' : `failed:${report.failure.check}`;
    root.dataset.elapsedMs = report.elapsed_ms.toFixed(1);
    root.dataset.engine = report.engine;
    clear(out, renderReport(report, state.name));
  }

  clear(root,
    h('header', { class: 'page-header' }, h('h1', {}, title),
      h('p', {}, 'Checks a Custos court bundle entirely in this page, offline: nothing is sent anywhere. ',
        'The checks are those of docs/FORMAT.md section 11.4; docs/VERIFYING.md explains them.')),
    h('section', { class: 'inputs' },
      h('label', { for: 'genesis-hash' }, h('strong', {}, '1. Pin the genesis hash'), ' (the one value you must trust)'), h('div', {}, pin),
      h('div', { class: 'step' }, h('strong', {}, '2. The bundle')), drop, loaded, h('div', {}, button)),
    out);
}

export function renderReport(report, fileName) {
  const alert = report.verified && report.integrity_alert;
  const alertRows = (report.timeline ?? []).filter((r) => r.alert);
  const verdict = report.verified
    ? alert
      ? h('div', { class: 'verdict alert', id: 'verdict' }, 'VERIFIED — INTEGRITY ALERT RECORDED', completeLine(report),
          h('div', { class: 'sub' }, alertRows.map((r) => `${r.event.kind} of ${r.event.item} by ${r.event.agency} at ${r.ledger_time} (leaf ${r.leaf_index})`).join('; ')))
      : h('div', { class: 'verdict ok', id: 'verdict' }, 'VERIFIED: every check holds', completeLine(report))
    : h('div', { class: 'verdict fail', id: 'verdict' }, `NOT VERIFIED: check ${report.checks.find((c) => c.name === report.failure.check).number} (${report.failure.check}) failed`,
        h('div', { class: 'sub' }, report.failure.message), h('div', { class: 'sub mono' }, locationText(report.failure.location)));
  const pinWarning = report.genesis_pinned ? null
    : h('div', { class: 'warning', id: 'not-pinned' }, 'The genesis hash was NOT pinned: this shows only that the file is internally consistent, not that the real network certified it. Pin the hash you obtained independently.');
  const x = report.exporter ?? {};
  const exported = h('div', { class: x.stated && !x.verified ? 'warning' : 'sub', id: 'exported' },
    report.exporter_statement,
    x.verified ? h('div', { class: 'muted small' }, `Read record ${x.read_record} (the consultation log holds it: custos reads ${report.item ?? ''}). `,
      'The officer signed the request for this item\'s bundle; the validator signed this bundle\'s digest together with that request.') : null);
  return h('div', {},
    verdict, pinWarning, h('h2', {}, 'Export'), exported,
    h('h2', {}, 'Checks'),
    h('table', { class: 'checks', id: 'checks' },
      h('thead', {}, h('tr', {}, ['#', 'check', 'what it proves', 'result'].map((t) => h('th', {}, t)))),
      h('tbody', {}, report.checks.map((c) => h('tr', { 'data-check': c.name, class: c.ran ? (c.passed ? 'pass' : 'failed') : 'not-run' },
        h('td', {}, c.number), h('td', { class: 'mono' }, c.name), h('td', {}, c.title),
        h('td', {}, !c.ran ? 'not run' : c.passed ? h('span', { class: 'ok' }, '✔ pass')
          : [h('span', { class: 'fail-text' }, '✘ FAIL: '), c.failure.message, h('div', { class: 'mono small' }, locationText(c.failure.location))]))))),
    report.timeline ? [
      h('h2', {}, 'Exhibit'),
      h('dl', { class: 'facts' },
        fact('item', report.item), fact('case', report.case), fact('custodian at the anchor', report.custodian),
        fact('related items', (report.items ?? []).filter((i) => i !== report.item).join(', ') || 'none'),
        fact('anchor (latest certified checkpoint)', `height ${report.anchor.height}, log size ${report.anchor.log_size}, time ${report.anchor.time}`),
        fact('anchor log root', report.anchor.log_root),
        fact('genesis hash', `${report.genesis_hash ?? '?'} (${report.genesis_pinned ? 'pinned' : 'NOT pinned'})`),
        fact('bundle SHA-256', report.bundle_sha256 ?? ''), fact('file', fileName ?? ''),
        fact('verified in', `${report.elapsed_ms.toFixed(0)} ms (Ed25519 by ${report.engine === 'webcrypto' ? "the browser's WebCrypto" : 'JavaScript (noble)'}, after libsodium\'s strict checks)`)),
      h('h2', {}, report.verified ? 'Custody path' : 'Custody path as the file states it (NOT verified)'), custodyPath(report.timeline.filter((r) => !r.governance)),
      h('h2', {}, report.verified ? 'Timeline' : 'Timeline as the file states it (NOT verified)'), timelineTable(report.timeline),
      h('p', { class: 'muted small' }, 'What a valid bundle cannot prove: that nothing happened after its last event, or that no governance record was left out (docs/VERIFYING.md section 4). Compare the anchor with a bundle from another agency\'s node.'),
    ] : null);
}

// Check 6 (bundles v2): the certified state shows the trail is whole up to the anchor.
function completeLine(report) {
  const complete = report.checks.find((c) => c.name === 'completeness');
  if (!complete?.passed || !report.anchor) return h('div', { class: 'sub' }, 'Completeness not proven: this bundle has no certified state (v1); compare its anchor with a fresh bundle.');
  return h('div', { class: 'sub' }, `The trail is complete as of height ${report.anchor.height}, ledger time ${report.anchor.time}.`);
}

const fact = (label, value) => [h('dt', {}, label), h('dd', {}, value ?? '')];

export function locationText(loc = {}) {
  const parts = [];
  if (loc.height !== undefined) parts.push(`height ${loc.height}`);
  if (loc.leaf_index !== undefined) parts.push(`leaf ${loc.leaf_index}`);
  if (loc.event) parts.push(`event ${short(loc.event, 16)}`);
  if (loc.field) parts.push(loc.field);
  return parts.join(', ');
}
