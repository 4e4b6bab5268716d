// The value rules of docs/FORMAT.md: ids, text, times (6.3), the genesis document (5.1), the
// validator set hash (5.2), block headers (7.1) and events (6.1, 6.2, 6.5, 6.6; rule R1). Each
// validator throws a FieldError naming the field; none of them trusts the input's shape.
import { isHex, base64Decode, utf8, hexH } from './bytes.js';
import { canonicalBytes, isObject, isInteger } from './json.js';
import { isNoteKeyName } from './note.js';

export class FieldError extends Error {
  constructor(field, message) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

const fail = (field, message) => {
  throw new FieldError(field, message);
};

export const byteLength = (s) => utf8(s).length;
const ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function isId(v, maxBytes = 128) {
  return typeof v === 'string' && ID.test(v) && v.length <= maxBytes;
}

// Text: valid Unicode (no lone surrogates), no U+0000..U+001F or U+007F.
export function isText(v, minBytes, maxBytes) {
  if (typeof v !== 'string') return false;
  if (/[\u0000-\u001f\u007f]/.test(v)) return false;
  if (!v.isWellFormed ? /[\ud800-\udfff]/.test(v.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')) : !v.isWellFormed()) return false;
  const n = byteLength(v);
  return n >= minBytes && n <= maxBytes;
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;

// A time of 6.3 in milliseconds since the epoch, or null.
export function parseTime(v) {
  if (typeof v !== 'string') return null;
  const m = TIME.exec(v);
  if (!m) return null;
  const [year, month, day, hour, minute, second, ms] = m.slice(1).map(Number);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (new Date(t).getUTCDate() !== day) return null;  // 31 April, 29 February of a common year
  // Date.UTC maps years 0..99 to 1900.., which the year >= 1970 check already excludes.
  return t;
}

export function formatTime(ms) {
  return new Date(ms).toISOString();
}

function exactFields(object, field, required, optional = []) {
  if (!isObject(object)) fail(field, 'not an object');
  for (const k of Object.keys(object))
    if (!required.includes(k) && !optional.includes(k)) fail(`${field}.${k}`, 'unknown field');
  for (const k of required) if (!(k in object)) fail(`${field}.${k}`, 'missing');
}

const ROLES = ['custodian', 'prosecutor', 'auditor', 'admin'];
function checkRoles(v, field) {
  if (!Array.isArray(v) || v.length < 1 || v.length > 4) fail(field, 'must be 1..4 roles');
  let last = -1;
  for (const r of v) {
    const i = ROLES.indexOf(r);
    if (i < 0) fail(field, `unknown role ${JSON.stringify(r)}`);
    if (i <= last) fail(field, 'roles repeated or not in the order custodian, prosecutor, auditor, admin');
    last = i;
  }
}

export function isAddress(v) {
  if (typeof v !== 'string' || v.length === 0 || byteLength(v) > 256 || !/^[\x21-\x7e]+$/.test(v)) return false;
  const colon = v.lastIndexOf(':');
  if (colon <= 0) return false;
  const port = v.slice(colon + 1);
  return /^[1-9][0-9]{0,4}$/.test(port) && Number(port) <= 65535;
}

const POWER_MAX = 2 ** 40;

export function checkValidatorEntry(v, field, { powerMin = 1 } = {}) {
  exactFields(v, field, ['name', 'agency', 'key', 'power', 'address']);
  if (!isId(v.name, 256) || !isNoteKeyName(v.name)) fail(`${field}.name`, 'not an id of at most 256 bytes');
  if (!isId(v.agency)) fail(`${field}.agency`, 'not an id');
  if (!isHex(v.key, 32)) fail(`${field}.key`, 'not 64 lowercase hex digits');
  if (!isInteger(v.power, powerMin, POWER_MAX)) fail(`${field}.power`, `not an integer ${powerMin}..2^40`);
}

const PARAMS = [
  ['timeout_propose_ms', 1, 3600000], ['timeout_propose_delta_ms', 1, 3600000],
  ['timeout_prevote_ms', 1, 3600000], ['timeout_prevote_delta_ms', 1, 3600000],
  ['timeout_precommit_ms', 1, 3600000], ['timeout_precommit_delta_ms', 1, 3600000],
  ['timeout_commit_ms', 1, 3600000], ['block_events_max', 1, 100000],
  ['block_bytes_max', 1, 33554432], ['clock_skew_max_ms', 1, 3600000],
  ['heartbeat_interval_ms', 1, 3600000],
];

function strictlyIncreasing(list, key, field) {
  for (let i = 1; i < list.length; i++)
    if (!(list[i - 1][key] < list[i][key])) fail(`${field}[${i}].${key}`, `not after ${JSON.stringify(list[i - 1][key])} (the order must be strictly increasing)`);
}

// FORMAT.md 5.1. Returns nothing; throws a FieldError.
export function checkGenesis(g) {
  const f = 'genesis';
  exactFields(g, f, ['type', 'chain_id', 'genesis_time', 'agencies', 'officers', 'validators', 'params']);
  if (g.type !== 'custos.genesis.v1') fail(`${f}.type`, 'not custos.genesis.v1');
  if (!isId(g.chain_id, 64)) fail(`${f}.chain_id`, 'not an id of at most 64 bytes');
  if (parseTime(g.genesis_time) === null) fail(`${f}.genesis_time`, 'not a time');
  if (!Array.isArray(g.agencies) || g.agencies.length < 1 || g.agencies.length > 256) fail(`${f}.agencies`, 'must be 1..256 agencies');
  g.agencies.forEach((a, i) => {
    const af = `${f}.agencies[${i}]`;
    exactFields(a, af, ['id', 'name', 'country']);
    if (!isId(a.id)) fail(`${af}.id`, 'not an id');
    if (!isText(a.name, 1, 256)) fail(`${af}.name`, 'not text of 1..256 bytes');
    if (typeof a.country !== 'string' || !/^[A-Z]{2,3}$/.test(a.country)) fail(`${af}.country`, 'not 2 or 3 capital letters');
  });
  strictlyIncreasing(g.agencies, 'id', `${f}.agencies`);
  const agencies = new Set(g.agencies.map((a) => a.id));
  if (!Array.isArray(g.officers) || g.officers.length > 100000) fail(`${f}.officers`, 'must be an array of at most 100,000 officers');
  g.officers.forEach((o, i) => {
    const of = `${f}.officers[${i}]`;
    exactFields(o, of, ['key', 'agency', 'roles', 'name']);
    if (!isHex(o.key, 32)) fail(`${of}.key`, 'not 64 lowercase hex digits');
    if (!agencies.has(o.agency)) fail(`${of}.agency`, 'not a listed agency');
    checkRoles(o.roles, `${of}.roles`);
    if (!isText(o.name, 1, 256)) fail(`${of}.name`, 'not text of 1..256 bytes');
  });
  strictlyIncreasing(g.officers, 'key', `${f}.officers`);
  if (!Array.isArray(g.validators) || g.validators.length < 1 || g.validators.length > 128) fail(`${f}.validators`, 'must be 1..128 validators');
  const keys = new Set();
  g.validators.forEach((v, i) => {
    const vf = `${f}.validators[${i}]`;
    checkValidatorEntry(v, vf);
    if (!agencies.has(v.agency)) fail(`${vf}.agency`, 'not a listed agency');
    if (!isAddress(v.address)) fail(`${vf}.address`, 'not host:port');
    if (keys.has(v.key)) fail(`${vf}.key`, 'used by two validators');
    keys.add(v.key);
  });
  strictlyIncreasing(g.validators, 'name', `${f}.validators`);
  exactFields(g.params, `${f}.params`, PARAMS.map((p) => p[0]));
  for (const [name, min, max] of PARAMS)
    if (!isInteger(g.params[name], min, max)) fail(`${f}.params.${name}`, `not an integer ${min}..${max}`);
}

// FORMAT.md 5.2: validators sorted by name.
export function validatorSetHash(validators) {
  const sorted = [...validators].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const entries = sorted.map((v) => ({ address: v.address, agency: v.agency, key: v.key, name: v.name, power: v.power }));
  return hexH(canonicalBytes({ type: 'custos.validators.v1', validators: entries }));
}

// FORMAT.md 7.1, the header on its own (the chain checks are the caller's). `custos.block.v2`
// headers carry `state_root` (7.5); `custos.block.v1` headers, from before it, do not.
const HEADER_FIELDS = ['type', 'chain_id', 'height', 'time', 'previous', 'log_size', 'log_root', 'validators_hash', 'proposer', 'events_hash'];
export function checkHeaderShape(h, field) {
  const v2 = isObject(h) && h.type === 'custos.block.v2';
  exactFields(h, field, v2 ? [...HEADER_FIELDS, 'state_root'] : HEADER_FIELDS);
  if (h.type !== 'custos.block.v1' && !v2) fail(`${field}.type`, 'not custos.block.v2 (or v1)');
  if (!isId(h.chain_id, 64)) fail(`${field}.chain_id`, 'not an id');
  if (!isInteger(h.height, 1)) fail(`${field}.height`, 'not an integer 1..2^53');
  if (parseTime(h.time) === null) fail(`${field}.time`, 'not a time');
  for (const k of ['previous', 'log_root', 'validators_hash', 'events_hash', ...(v2 ? ['state_root'] : [])])
    if (!isHex(h[k], 32)) fail(`${field}.${k}`, 'not 64 lowercase hex digits');
  if (!isInteger(h.log_size, 0)) fail(`${field}.log_size`, 'not an integer 0..2^53');
  if (!isId(h.proposer, 256)) fail(`${field}.proposer`, 'not a validator name');
}

export const blockHash = (header) => hexH(canonicalBytes(header));

// --- events (6.2, 6.5, 6.6): rule R1 ---

export const CUSTODY_KINDS = ['register', 'transfer.offer', 'transfer.accept', 'transfer.reject', 'transfer.cancel', 'access', 'grant', 'revoke', 'verify', 'seal', 'unseal', 'derive', 'dispose'];
export const OFFICER_KINDS = ['officer.add', 'officer.revoke'];
export const VALIDATOR_KINDS = ['validator.propose', 'validator.approve'];
export const GOVERNANCE_KINDS = [...OFFICER_KINDS, ...VALIDATOR_KINDS];
export const isGovernanceKind = (kind) => GOVERNANCE_KINDS.includes(kind);

// The table of FORMAT.md 6.2 (R required, o optional), in kind order:
// register, offer, accept, reject, cancel, access, grant, revoke, verify, seal, unseal, derive, dispose.
const CUSTODY_FIELDS = {
  location:        'RoRoooooooooo',
  legal_authority: 'RRoooRRooooRo',
  digests:         'R.R.....R..R.',
  description:     'R..........R.',
  seal:            'o........RR..',
  recipient:       '.R...........',
  released_by:     '.R...........',
  received_by:     '..RR.........',
  seal_intact:     '..R..........',
  reason:          '...Ro..o..o.o',
  action:          '.....R.......',
  purpose:         '.....R.......',
  tool:            '.....o..o..o.',
  results:         '.....o.......',
  grantee:         '......RR.....',
  scope:           '......R......',
  expires:         '......R......',
  new_item:        '...........R.',
  outcome:         '............R',
};

const GOVERNANCE_FIELDS = {
  'officer.add': { officer: 'R', roles: 'R', name: 'R', location: 'o', legal_authority: 'o' },
  'officer.revoke': { officer: 'R', reason: 'R', location: 'o', legal_authority: 'o' },
  'validator.propose': { validator: 'R', reason: 'R', location: 'o', legal_authority: 'o' },
  'validator.approve': { proposal: 'R', reason: 'o', location: 'o', legal_authority: 'o' },
};

const ACTIONS = ['view', 'copy', 'image', 'analyse', 'export'];

function checkDigests(v, field) {
  exactFields(v, field, ['sha256'], ['md5', 'sha1']);
  if (!isHex(v.sha256, 32)) fail(`${field}.sha256`, 'not 64 lowercase hex digits');
  if ('md5' in v && !isHex(v.md5, 16)) fail(`${field}.md5`, 'not 32 lowercase hex digits');
  if ('sha1' in v && !isHex(v.sha1, 20)) fail(`${field}.sha1`, 'not 40 lowercase hex digits');
}

const text1024 = (v, field) => {
  if (!isText(v, 1, 1024)) fail(field, 'not text of 1..1024 bytes');
};

const VALUE_CHECKS = {
  location: text1024,
  legal_authority: (v, field) => {
    exactFields(v, field, ['kind', 'reference']);
    if (!['warrant', 'mlat', 'eio', 'other'].includes(v.kind)) fail(`${field}.kind`, 'not warrant, mlat, eio or other');
    text1024(v.reference, `${field}.reference`);
  },
  attributes: (v, field) => {
    if (!isObject(v)) fail(field, 'not an object');
    const names = Object.keys(v);
    if (names.length < 1 || names.length > 32) fail(field, 'must have 1..32 members');
    for (const n of names) {
      if (!isId(n, 64)) fail(`${field}.${n}`, 'name not an id of at most 64 bytes');
      text1024(v[n], `${field}.${n}`);
    }
  },
  digests: checkDigests,
  description: (v, field) => {
    if (!isText(v, 1, 4096)) fail(field, 'not text of 1..4096 bytes');
  },
  seal: text1024,
  recipient: (v, field) => {
    if (!isId(v)) fail(field, 'not an agency id');
  },
  released_by: text1024,
  received_by: text1024,
  seal_intact: (v, field) => {
    if (typeof v !== 'boolean') fail(field, 'not true or false');
  },
  reason: text1024,
  purpose: text1024,
  tool: text1024,
  action: (v, field) => {
    if (!ACTIONS.includes(v)) fail(field, 'not view, copy, image, analyse or export');
  },
  results: (v, field) => {
    if (!Array.isArray(v) || v.length < 1 || v.length > 16) fail(field, 'must be 1..16 digests objects');
    v.forEach((d, i) => checkDigests(d, `${field}[${i}]`));
  },
  grantee: (v, field) => {
    if (!isId(v)) fail(field, 'not an agency id');
  },
  scope: (v, field) => {
    if (!Array.isArray(v) || v.length < 1 || v.length > 5) fail(field, 'must be 1..5 actions');
    let last = -1;
    for (const a of v) {
      const i = ACTIONS.indexOf(a);
      if (i < 0) fail(field, `unknown action ${JSON.stringify(a)}`);
      if (i <= last) fail(field, 'actions repeated or out of order');
      last = i;
    }
  },
  expires: (v, field) => {
    if (parseTime(v) === null) fail(field, 'not a time');
  },
  new_item: (v, field) => {
    if (!isId(v)) fail(field, 'not an id');
  },
  outcome: (v, field) => {
    if (!['returned', 'destroyed', 'archived'].includes(v)) fail(field, 'not returned, destroyed or archived');
  },
  officer: (v, field) => {
    if (!isHex(v, 32)) fail(field, 'not 64 lowercase hex digits');
  },
  roles: checkRoles,
  name: (v, field) => {
    if (!isText(v, 1, 256)) fail(field, 'not text of 1..256 bytes');
  },
  validator: (v, field) => {
    checkValidatorEntry(v, field, { powerMin: 0 });
    if (!isText(v.address, 1, 256)) fail(`${field}.address`, 'not text of 1..256 bytes');
  },
  proposal: (v, field) => {
    if (!isHex(v, 32)) fail(field, 'not 64 lowercase hex digits');
  },
};

// Rule R1 on an event object. Throws FieldError('event.<field>', ...).
export function checkEvent(e) {
  if (!isObject(e)) fail('event', 'not an object');
  if (e.type !== 'custos.event.v1') fail('event.type', 'not custos.event.v1');
  if (!isId(e.chain_id, 64)) fail('event.chain_id', 'not an id of at most 64 bytes');
  const kind = e.kind;
  const custodyIndex = CUSTODY_KINDS.indexOf(kind);
  if (custodyIndex < 0 && !isGovernanceKind(kind)) fail('event.kind', `unknown kind ${JSON.stringify(kind)}`);
  if (!isId(e.agency)) fail('event.agency', 'missing or not an id');
  if (parseTime(e.time) === null) fail('event.time', 'missing or not a time');
  const allowed = new Map();  // field -> 'R' | 'o'
  if (custodyIndex >= 0) {
    allowed.set('item', 'R');
    allowed.set('case', 'R');
    if (kind !== 'register') allowed.set('prev', 'R');
    for (const [name, row] of Object.entries(CUSTODY_FIELDS)) if (row[custodyIndex] !== '.') allowed.set(name, row[custodyIndex]);
  } else {
    for (const [name, need] of Object.entries(GOVERNANCE_FIELDS[kind])) allowed.set(name, need);
  }
  allowed.set('attributes', 'o');
  const common = ['type', 'chain_id', 'kind', 'agency', 'time'];
  for (const k of Object.keys(e)) {
    if (common.includes(k) || allowed.has(k)) continue;
    if (k in VALUE_CHECKS || ['item', 'case', 'prev'].includes(k)) fail(`event.${k}`, `not allowed in a ${kind} event`);
    fail(`event.${k}`, 'unknown field');
  }
  for (const [k, need] of allowed) if (need === 'R' && !(k in e)) fail(`event.${k}`, `missing (required in a ${kind} event)`);
  if ('item' in e && !isId(e.item)) fail('event.item', 'not an id');
  if ('case' in e && !isId(e.case)) fail('event.case', 'not an id');
  if ('prev' in e && !isHex(e.prev, 32)) fail('event.prev', 'not 64 lowercase hex digits');
  for (const k of Object.keys(e)) if (k in VALUE_CHECKS) VALUE_CHECKS[k](e[k], `event.${k}`);
  if (kind === 'grant' && !(parseTime(e.expires) > parseTime(e.time))) fail('event.expires', 'not after the event time');
  if (kind === 'derive' && e.new_item === e.item) fail('event.new_item', 'the same as the item');
}

// FORMAT.md 6.1: an envelope has exactly event, signer and sig. Returns {event, signer (bytes),
// sig (bytes)} or throws a FieldError.
export function checkEnvelope(env) {
  if (!isObject(env)) fail('envelope', 'not an object');
  for (const k of Object.keys(env)) if (!['event', 'signer', 'sig'].includes(k)) fail(`envelope.${k}`, 'unknown field');
  if (!('event' in env)) fail('envelope.event', 'missing');
  if (!isHex(env.signer, 32)) fail('envelope.signer', 'missing or not 64 lowercase hex digits');
  const sig = typeof env.sig === 'string' && env.sig.length === 88 ? base64Decode(env.sig) : null;
  if (sig === null || sig.length !== 64) fail('envelope.sig', 'missing or not the canonical base64 of 64 bytes');
  checkEvent(env.event);
  return sig;
}
