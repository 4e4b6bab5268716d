// The custody timeline: one row per event with its ledger time, agency, officer, action,
// location, legal authority, digests and seal checks; integrity alerts stand out. Used by the
// offline verifier (from a verified bundle) and by the explorer (from a node's trail).
import { h, short } from './dom.js';

const KIND_TEXT = {
  register: 'registered',
  'transfer.offer': 'offered for transfer',
  'transfer.accept': 'accepted the transfer',
  'transfer.reject': 'rejected the transfer',
  'transfer.cancel': 'cancelled the transfer',
  access: 'accessed',
  grant: 'granted access',
  revoke: 'revoked access',
  verify: 're-measured the digest',
  seal: 'sealed',
  unseal: 'unsealed',
  derive: 'derived a new item',
  dispose: 'disposed of',
  'officer.add': 'added an officer key',
  'officer.revoke': 'revoked an officer key',
  'validator.propose': 'proposed a validator change',
  'validator.approve': 'approved a validator change',
};

export const kindText = (kind) => KIND_TEXT[kind] ?? kind;

// Details of an event as label/value pairs, in the order a reader wants them.
export function eventDetails(e) {
  const out = [];
  const add = (label, value) => {
    if (value !== undefined && value !== null && value !== '') out.push([label, value]);
  };
  add('location', e.location);
  if (e.legal_authority) add('legal authority', `${e.legal_authority.kind} ${e.legal_authority.reference}`);
  add('description', e.description);
  if (e.recipient) add('to', e.recipient);
  add('released by', e.released_by);
  add('received by', e.received_by);
  if (e.seal_intact !== undefined) add('seal', e.seal_intact ? 'found intact' : 'found BROKEN');
  add('seal number', e.seal);
  add('reason', e.reason);
  if (e.action) add('action', e.action);
  add('purpose', e.purpose);
  add('tool', e.tool);
  if (e.results) add('results', e.results.map((d) => `sha256 ${d.sha256}`).join(', '));
  if (e.grantee) add('grantee', e.grantee);
  if (e.scope) add('scope', e.scope.join(', '));
  add('expires', e.expires);
  add('new item', e.new_item);
  add('outcome', e.outcome);
  if (e.digests) add('digests', Object.entries(e.digests).map(([k, v]) => `${k} ${v}`).join(', '));
  add('officer key', e.officer);
  if (e.roles) add('roles', e.roles.join(', '));
  add('name', e.name);
  if (e.validator) add('validator', `${e.validator.name} (${e.validator.agency}) power ${e.validator.power}`);
  add('proposal', e.proposal);
  if (e.attributes) add('attributes', Object.entries(e.attributes).map(([k, v]) => `${k}=${v}`).join(', '));
  return out;
}

// What the two times of a row mean (docs/CUSTODY_RULES.md, "Ledger time"); the court report
// (custos report) says the same above its timeline.
const LEDGER_TIME_NOTE = 'Ledger time: when the validators ordered the event (the time of its block, taken by '
  + 'the proposer when it built the block and accepted by the other validators only as close to their own '
  + "clocks). Event time: the signer's clock when the event was signed. It is not after the ledger time when "
  + "the signer's clock agrees with the validators'; a clock running ahead can put it later by at most the "
  + "network's clock_skew_max_ms (custody rule R8).";

// rows: [{ledger_time, height, leaf_index, event, event_id, officer:{name, roles}, signer, alert,
// digest_check (true/false/null), seal_check, problem}]
export function timelineTable(rows) {
  return h('table', { class: 'timeline' },
    h('caption', { class: 'muted' }, LEDGER_TIME_NOTE),
    h('thead', {}, h('tr', {}, ['ledger time', 'agency', 'officer', 'action', 'details', 'record'].map((t) => h('th', {}, t)))),
    h('tbody', {}, rows.map((r) => {
      const e = r.event ?? {};
      const checks = [];
      if (r.digest_check === true) checks.push(h('span', { class: 'ok' }, '✔ digest matches the reference'));
      if (r.digest_check === false) checks.push(h('span', { class: 'alert-text' }, '✘ DIGEST MISMATCH'));
      if (r.seal_check === false) checks.push(h('span', { class: 'alert-text' }, '✘ SEAL BROKEN on receipt'));
      if (r.seal_check === true) checks.push(h('span', { class: 'ok' }, '✔ seal intact'));
      return h('tr', { class: [r.alert ? 'alert-row' : '', r.problem ? 'problem-row' : '', r.governance ? 'governance-row' : ''].join(' ').trim() || null },
        h('td', { class: 'nowrap' }, r.ledger_time ?? '', h('div', { class: 'muted' }, `event time ${e.time ?? ''}`)),
        h('td', {}, e.agency ?? ''),
        h('td', {}, r.officer ? r.officer.name : h('span', { class: 'muted' }, short(r.signer, 16)),
          r.officer?.roles ? h('div', { class: 'muted' }, r.officer.roles.join(', ')) : null),
        h('td', {}, h('strong', {}, kindText(e.kind)), h('div', { class: 'muted' }, e.kind ?? ''),
          r.alert ? h('div', { class: 'alert-badge' }, 'INTEGRITY ALERT') : null),
        h('td', {}, h('dl', {}, eventDetails(e).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])), checks.length ? checks.map((c) => h('div', {}, c)) : null,
          r.problem ? h('div', { class: 'fail-text' }, r.problem) : null),
        h('td', { class: 'mono small' }, `block ${r.height ?? '?'}`, h('br'), `leaf ${r.leaf_index ?? '?'}`, h('br'), h('span', { title: r.event_id ?? '' }, `id ${short(r.event_id, 16)}`)));
    })));
}
