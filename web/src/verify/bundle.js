// The court bundle verifier of docs/FORMAT.md section 11, written from that document alone.
//
// The checks of 11.4 are a list of named functions (CHECKS); each gets the shared context and
// throws a CheckFailure naming its first failure and where it is. A failing `format` or `genesis`
// stops the run; otherwise every later check runs and the lowest-numbered failure is the verdict.
// A new check slots into the list with its number. Work several checks share (event ids,
// signature verdicts, the rule replay that gives officer keys and validator sets at each point)
// is done once by prepare() between `genesis` and the others.
import { H, hexH, hexDecode, isHex, base64Encode, base64Decode, utf8, hexEncode } from './bytes.js';
import { parseJson, canonicalBytes, canonical, isObject, isInteger } from './json.js';
import { leafHash, verifyInclusion, verifyConsistency } from './merkle.js';
import { parseNote, matchLines, judgeNote } from './note.js';
import { checkGenesis, checkHeaderShape, checkEnvelope, validatorSetHash, blockHash, parseTime, isId, isGovernanceKind, FieldError } from './schema.js';
import { LedgerState, RuleError, CHECK2_RULES } from './rules.js';
import { Ed25519Verifier } from './ed25519.js';
import { smtVerify, stateKey } from './smt.js';

export const bundle_bytes_max = 64 * 1024 * 1024;

export class CheckFailure extends Error {
  // location: {field, event, leaf_index, height} (any may be absent)
  constructor(message, location = {}) {
    super(message);
    this.location = location;
  }
}

const failAt = (message, location) => {
  throw new CheckFailure(message, location);
};

const ZERO_HASH = '0'.repeat(64);

// ---------------------------------------------------------------- check 0: format (11.1-11.3)

function checkFormat(ctx) {
  const b = ctx.bundle;
  const where = (field) => ({ field });
  if (!isObject(b)) failAt('the document is not a JSON object', where('$'));
  // custos.bundle.v3 adds `state` (11.5) and certified state roots in its headers (7.5); v2 had
  // them too but with map proofs that listed their empty siblings, a form this verifier no longer reads.
  if (b.type !== 'custos.bundle.v1' && b.type !== 'custos.bundle.v3') failAt('type is not custos.bundle.v3 (or v1)', where('type'));
  ctx.v2 = b.type === 'custos.bundle.v3';  // "has state": named for the v2 that introduced it
  const fields = ['type', 'item', 'items', 'genesis', 'checkpoints', 'governance', 'events', ...(ctx.v2 ? ['state'] : [])];
  // `exported` (11.8) is optional and judged whole by check 7.
  for (const k of Object.keys(b)) if (!fields.includes(k) && !(ctx.v2 && k === 'exported')) failAt(`unknown field ${k}`, where(k));
  for (const k of fields) if (!(k in b)) failAt(`missing field ${k}`, where(k));
  if (!isId(b.item)) failAt('item is not an id', where('item'));
  if (!Array.isArray(b.items) || b.items.length < 1 || b.items.length > 1000) failAt('items must hold 1..1,000 item ids', where('items'));
  b.items.forEach((it, i) => {
    if (!isId(it)) failAt('not an id', where(`items[${i}]`));
    if (i > 0 && !(compareBytes(b.items[i - 1], it) < 0)) failAt('items are not sorted without repeats', where(`items[${i}]`));
  });
  if (!isObject(b.genesis)) failAt('genesis is not an object', where('genesis'));
  if (!Array.isArray(b.checkpoints) || b.checkpoints.length < 1 || b.checkpoints.length > 100000)
    failAt('checkpoints must hold 1..100,000 entries', where('checkpoints'));
  const heights = new Set();
  b.checkpoints.forEach((c, i) => {
    const f = `checkpoints[${i}]`;
    if (!isObject(c)) failAt('not an object', where(f));
    for (const k of Object.keys(c)) if (!['height', 'header', 'previous_header', 'certificate', 'consistency_proof'].includes(k)) failAt(`unknown field ${k}`, where(`${f}.${k}`));
    if (!isInteger(c.height, 1)) failAt('height is not an integer 1..2^53', where(`${f}.height`));
    if (i > 0 && !(c.height > b.checkpoints[i - 1].height)) failAt('heights do not strictly increase', where(`${f}.height`));
    shape(() => checkHeaderShape(c.header, `${f}.header`));
    if (ctx.v2 && c.header.type !== 'custos.block.v2') failAt('a custos.bundle.v3 holds custos.block.v2 headers', where(`${f}.header.type`));
    if (!('previous_header' in c)) failAt('missing previous_header', where(`${f}.previous_header`));
    if (c.height === 1 && c.previous_header !== null) failAt('previous_header must be null at height 1', where(`${f}.previous_header`));
    if (c.height > 1) shape(() => checkHeaderShape(c.previous_header, `${f}.previous_header`));
    if (typeof c.certificate !== 'string') failAt('certificate is not a string', where(`${f}.certificate`));
    hashList(c.consistency_proof, `${f}.consistency_proof`);
    heights.add(c.height);
  });
  for (const list of ['governance', 'events']) {
    if (!Array.isArray(b[list])) failAt(`${list} is not an array`, where(list));
    b[list].forEach((r, i) => {
      const f = `${list}[${i}]`;
      if (!isObject(r)) failAt('not an object', where(f));
      for (const k of Object.keys(r)) if (!['leaf_index', 'height', 'envelope', 'inclusion_proof'].includes(k)) failAt(`unknown field ${k}`, where(`${f}.${k}`));
      if (!isInteger(r.leaf_index, 0)) failAt('leaf_index is not an integer', where(`${f}.leaf_index`));
      if (!isInteger(r.height, 1)) failAt('height is not an integer', where(`${f}.height`));
      if (!heights.has(r.height)) failAt(`no checkpoint entry for height ${r.height}`, where(`${f}.height`));
      if (!('envelope' in r)) failAt('missing envelope', where(`${f}.envelope`));
      hashList(r.inclusion_proof, `${f}.inclusion_proof`);
    });
  }
  if (ctx.v2) checkStateShape(b.state, b.items);
}

// 11.5: {"items": [{item, value, proof}], "officers": [{key, value, proof}], "governance": {value, proof}}
function checkStateShape(state, items) {
  const exact = (o, field, keys) => {
    if (!isObject(o)) failAt('not an object', { field });
    for (const k of Object.keys(o)) if (!keys.includes(k)) failAt(`unknown field ${k}`, { field: `${field}.${k}` });
    for (const k of keys) if (!(k in o)) failAt(`missing field ${k}`, { field: `${field}.${k}` });
  };
  const proof = (p, field) => {
    exact(p, field, ['leaf', 'depth', 'empty', 'siblings']);
    if (p.leaf !== null) {
      exact(p.leaf, `${field}.leaf`, ['key', 'value_hash']);
      if (!isHex(p.leaf.key, 32) || !isHex(p.leaf.value_hash, 32)) failAt('not 64 lowercase hex digits', { field: `${field}.leaf` });
    }
    if (!isInteger(p.depth, 0) || p.depth > 256) failAt('not an integer 0..256', { field: `${field}.depth` });
    // The bitmap's syntax; its length, padding and count against depth are smtVerify's (check 6).
    if (typeof p.empty !== 'string' || p.empty.length > 64 || p.empty.length % 2 !== 0 || !/^[0-9a-f]*$/.test(p.empty))
      failAt('not lowercase hex of at most 32 bytes', { field: `${field}.empty` });
    if (!Array.isArray(p.siblings) || p.siblings.length > 256) failAt('not an array of at most 256 hashes', { field: `${field}.siblings` });
    p.siblings.forEach((x, i) => {
      if (!isHex(x, 32)) failAt('not 64 lowercase hex digits', { field: `${field}.siblings[${i}]` });
    });
  };
  exact(state, 'state', ['items', 'officers', 'governance']);
  // One entry per item of `items`, in the same order (11.5): a structural rule, so check 0's.
  if (!Array.isArray(state.items) || state.items.length !== items.length)
    failAt('must hold one entry per item of items, in the same order', { field: 'state.items' });
  const value = (e, field) => {
    if (e.value !== null && !isObject(e.value)) failAt('must be an object, or null for a key the map does not hold', { field: `${field}.value` });
  };
  state.items.forEach((e, i) => {
    exact(e, `state.items[${i}]`, ['item', 'value', 'proof']);
    if (!isId(e.item)) failAt('not an id', { field: `state.items[${i}].item` });
    if (e.item !== items[i]) failAt(`must be ${items[i]}`, { field: `state.items[${i}].item` });
    value(e, `state.items[${i}]`);
    proof(e.proof, `state.items[${i}].proof`);
  });
  if (!Array.isArray(state.officers)) failAt('not an array', { field: 'state.officers' });
  state.officers.forEach((e, i) => {
    exact(e, `state.officers[${i}]`, ['key', 'value', 'proof']);
    if (!isHex(e.key, 32)) failAt('not a key id', { field: `state.officers[${i}].key` });
    if (i > 0 && !(state.officers[i - 1].key < e.key)) failAt('officers are not sorted by key id without repeats', { field: `state.officers[${i}].key` });
    value(e, `state.officers[${i}]`);
    proof(e.proof, `state.officers[${i}].proof`);
  });
  exact(state.governance, 'state.governance', ['value', 'proof']);
  value(state.governance, 'state.governance');
  proof(state.governance.proof, 'state.governance.proof');
}

function shape(fn) {
  try {
    fn();
  } catch (e) {
    if (e instanceof FieldError) failAt(e.message, { field: e.field });
    throw e;
  }
}

function hashList(v, field) {
  if (!Array.isArray(v) || v.length > 64) failAt('not an array of at most 64 hashes', { field });
  v.forEach((x, i) => {
    if (!isHex(x, 32)) failAt('not 64 lowercase hex digits', { field: `${field}[${i}]` });
  });
}

// Item ids sort "as byte strings": for ids (ASCII) that is code unit order.
const compareBytes = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

// ---------------------------------------------------------------- check 1: genesis (5.1)

function checkGenesisStep(ctx) {
  shape(() => checkGenesis(ctx.bundle.genesis));
  ctx.genesisHash = hexH(canonicalBytes(ctx.bundle.genesis));
  if (ctx.pinned !== null && ctx.pinned !== ctx.genesisHash)
    failAt(`the genesis hash is ${ctx.genesisHash}, not the pinned ${ctx.pinned}`, { field: 'genesis' });
}

// ---------------------------------------------------------------- shared work

async function prepare(ctx) {
  const b = ctx.bundle;
  ctx.checkpoints = new Map(b.checkpoints.map((c, i) => [c.height, { ...c, index: i }]));
  ctx.anchor = b.checkpoints[b.checkpoints.length - 1];
  ctx.records = [];
  for (const list of ['governance', 'events']) {
    b[list].forEach((r, i) => {
      const rec = { list, index: i, field: `${list}[${i}]`, leaf_index: r.leaf_index, height: r.height, raw: r, envelope: r.envelope };
      try {
        rec.sig = checkEnvelope(r.envelope);
        rec.eventId = hexH(canonicalBytes(r.envelope.event));
      } catch (e) {
        if (!(e instanceof FieldError)) throw e;
        rec.r1 = `R1 ${e.message}`;
      }
      try {
        rec.leaf = leafHash(canonicalBytes(r.envelope));
      } catch {
        rec.leaf = null;  // no canonical form: it fails R1 above
      }
      ctx.records.push(rec);
    });
  }
  // Log order; a stable sort keeps the file order of duplicates.
  ctx.merged = [...ctx.records].sort((x, y) => x.leaf_index - y.leaf_index);
  // R2, every signature in one batch.
  const toVerify = ctx.records.filter((r) => !r.r1);
  const verdicts = await ctx.verifier.verifyAll(
    toVerify.map((r) => ({ publicKey: hexDecode(r.envelope.signer), message: canonicalBytes(r.envelope.event), signature: r.sig })),
  );
  toVerify.forEach((r, i) => {
    if (!verdicts[i]) r.r2 = 'R2 sig: the signature does not verify';
  });
  // Two replays through the rule engine. Checks 2 and 3 read officer keys and validator sets as
  // the records of `governance` leave them (11.4: "the governance records before it", "the
  // validator governance records of governance"); check 5 replays governance and events merged.
  const governance = new LedgerState(b.genesis);
  const full = new LedgerState(b.genesis);
  for (const rec of ctx.merged) {
    if (rec.r1 || rec.r2) continue;
    const ledgerTime = parseTime(ctx.checkpoints.get(rec.height).header.time);
    try {
      if (rec.list === 'governance') governance.apply(rec.envelope, rec.eventId, ledgerTime, rec.height);
      else governance.checkSigner(rec.envelope);
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      if (CHECK2_RULES.has(e.rule)) rec.signerRule = e.message;
    }
    try {
      rec.effect = full.apply(rec.envelope, rec.eventId, ledgerTime, rec.height);
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      if (CHECK2_RULES.has(e.rule)) rec.signerRule ??= e.message;
      else rec.rule = e.message;
    }
  }
  ctx.state = full;
  ctx.governanceState = governance;
  const state = governance;
  // Certificates: every line by a validator of the set in force, in one batch.
  const notes = [];
  for (const c of b.checkpoints) {
    const entry = { c, set: state.setAt(c.height) };
    try {
      entry.note = parseNote(c.certificate);
      entry.known = entry.set.map((v) => ({ name: v.name, key: hexDecode(v.key), power: v.power }));
      entry.matched = matchLines(entry.note, entry.known);
    } catch (e) {
      entry.error = e.message;
    }
    notes.push(entry);
  }
  const lines = [];
  for (const n of notes) {
    if (n.error) continue;
    n.note.lines.forEach((line, i) => {
      if (n.matched[i] && line.signature.length === 64) lines.push({ n, i, publicKey: n.matched[i].key, message: utf8(n.note.body), signature: line.signature });
    });
  }
  const lineVerdicts = await ctx.verifier.verifyAll(lines);
  for (const n of notes) n.verdicts = new Array(n.note ? n.note.lines.length : 0).fill(false);
  lines.forEach((l, i) => {
    l.n.verdicts[l.i] = lineVerdicts[i];
  });
  ctx.notes = notes;
}

const recordLocation = (rec) => ({ field: rec.field, event: rec.eventId, leaf_index: rec.leaf_index, height: rec.height });

// ---------------------------------------------------------------- check 2: signatures

function checkSignatures(ctx) {
  for (const rec of ctx.merged) {
    const problem = rec.r1 ?? rec.r2 ?? rec.signerRule;
    if (problem) failAt(problem, recordLocation(rec));
  }
}

// ---------------------------------------------------------------- check 3: proofs

function checkProofs(ctx) {
  const g = ctx.bundle.genesis;
  const anchor = ctx.anchor.header;
  const anchorRoot = hexDecode(anchor.log_root);
  let lastTime = null;
  ctx.notes.forEach((n, i) => {
    const { c, set, note, matched, verdicts, error } = n;
    const f = `checkpoints[${i}]`;
    const at = (field, message) => failAt(message, { field: `${f}${field}`, height: c.height });
    const h = c.header;
    if (h.height !== c.height) at('.header.height', `the header is of height ${h.height}`);
    if (h.chain_id !== g.chain_id) at('.header.chain_id', `${h.chain_id} is not the genesis chain id`);
    const setHash = validatorSetHash(set);
    if (h.validators_hash !== setHash) at('.header.validators_hash', `not the hash of the validator set in force (${setHash})`);
    if (!set.some((v) => v.name === h.proposer)) at('.header.proposer', `${h.proposer} is not a validator of the set in force`);
    const time = parseTime(h.time);
    if (c.height === 1) {
      if (h.previous !== ZERO_HASH) at('.header.previous', 'not 64 zeros at height 1');
      if (time < parseTime(g.genesis_time)) at('.header.time', 'before the genesis time');
    } else {
      const p = c.previous_header;
      if (blockHash(p) !== h.previous) at('.previous_header', 'its hash is not header.previous');
      if (p.height !== c.height - 1) at('.previous_header.height', `not ${c.height - 1}`);
      if (!(time > parseTime(p.time))) at('.header.time', 'not after the previous block');
      const before = ctx.checkpoints.get(c.height - 1);
      if (before && canonical(before.header) !== canonical(p)) at('.previous_header', `not the certified header of height ${c.height - 1} in this bundle`);
    }
    if (lastTime !== null && !(time > lastTime)) at('.header.time', 'block times do not increase with height');
    lastTime = time;
    // The commit certificate (7.4).
    if (error) at('.certificate', `certificate: ${error}`);
    let signers;
    try {
      ({ signers } = judgeNote(note, matched, verdicts));
    } catch (e) {
      at('.certificate', `certificate: ${e.message}`);
    }
    const total = set.reduce((n, v) => n + v.power, 0);
    const signed = signers.reduce((n, v) => n + v.power, 0);
    if (!(3 * signed > 2 * total)) at('.certificate', `certificate: signed power ${signed} of ${total} is not more than 2/3`);
    const round = /^round (0|[1-9][0-9]{0,5})$/m.exec(note.body);
    const expected = checkpointBody(h, round ? round[1] : '?');
    if (!round || note.body !== expected) at('.certificate', 'certificate: the checkpoint is not the one of this header');
    n.signers = signers.map((s) => s.name);
    n.round = Number(round[1]);
    // Consistency with the anchor (3.4).
    const proof = c.consistency_proof.map((x) => hexDecode(x));
    if (h.log_size === 0 || h.log_size === anchor.log_size) {
      if (proof.length !== 0) at('.consistency_proof', 'must be empty');
      if (h.log_size === anchor.log_size && h.log_root !== anchor.log_root) at('.header.log_root', 'differs from the anchor at the same size');
    } else if (!verifyConsistency(h.log_size, anchor.log_size, hexDecode(h.log_root), anchorRoot, proof)) {
      at('.consistency_proof', `the log at size ${h.log_size} is not proven a prefix of the anchor's`);
    }
  });
  for (const rec of ctx.records) {
    const cp = ctx.checkpoints.get(rec.height);
    const first = cp.previous_header ? cp.previous_header.log_size : 0;
    if (!(first <= rec.leaf_index && rec.leaf_index < cp.header.log_size))
      failAt(`leaf ${rec.leaf_index} is not in block ${rec.height} (leaves ${first}..${cp.header.log_size - 1})`, recordLocation(rec));
    const proof = rec.raw.inclusion_proof.map((x) => hexDecode(x));
    if (!rec.leaf || !verifyInclusion(rec.leaf, rec.leaf_index, cp.header.log_size, proof, hexDecode(cp.header.log_root)))
      failAt(`the inclusion proof does not verify against the log root of height ${rec.height}`, { ...recordLocation(rec), field: `${rec.field}.inclusion_proof` });
  }
}

export function checkpointBody(header, round) {
  const root = base64Encode(hexDecode(header.log_root));
  return `${header.chain_id}\n${header.log_size}\n${root}\nheight ${header.height}\nround ${round}\nblock ${blockHash(header)}\ntime ${header.time}\n`;
}

// ---------------------------------------------------------------- check 4: chain

function checkChain(ctx) {
  const b = ctx.bundle;
  for (const list of ['governance', 'events']) {
    const recs = ctx.records.filter((r) => r.list === list);
    for (let i = 1; i < recs.length; i++)
      if (!(recs[i].leaf_index > recs[i - 1].leaf_index)) failAt(`${list} are not in strictly increasing leaf order`, recordLocation(recs[i]));
  }
  const governanceLeaves = new Set(ctx.records.filter((r) => r.list === 'governance').map((r) => r.leaf_index));
  const items = new Set(b.items);
  const events = ctx.records.filter((r) => r.list === 'events');
  for (const rec of ctx.records) {
    if (rec.r1) continue;
    const e = rec.envelope.event;
    if (rec.list === 'governance') {
      if (!isGovernanceKind(e.kind)) failAt(`a ${e.kind} event among the governance records`, recordLocation(rec));
      continue;
    }
    if (governanceLeaves.has(rec.leaf_index)) failAt(`leaf ${rec.leaf_index} is both an event and a governance record`, recordLocation(rec));
    if (isGovernanceKind(e.kind)) failAt(`a governance event (${e.kind}) among the events`, recordLocation(rec));
    if (!items.has(e.item) && !(e.kind === 'derive' && items.has(e.new_item))) failAt(`the event concerns ${e.item}, not an item of items`, recordLocation(rec));
  }
  if (!items.has(b.item)) failAt(`items does not hold the bundle's item ${b.item}`, { field: 'items' });
  for (const rec of events)
    if (!rec.r1 && rec.envelope.event.kind === 'derive' && !items.has(rec.envelope.event.new_item))
      failAt(`items does not hold the derived item ${rec.envelope.event.new_item}`, recordLocation(rec));
  let registered = 0;
  for (const item of b.items) {
    const trail = events.filter((r) => !r.r1 && (r.envelope.event.item === item || (r.envelope.event.kind === 'derive' && r.envelope.event.new_item === item)));
    if (trail.length === 0) failAt(`no event of ${item}: its origin is missing`, { field: 'events' });
    const first = trail[0].envelope.event;
    const isOrigin = (first.kind === 'register' && first.item === item) || (first.kind === 'derive' && first.new_item === item);
    if (!isOrigin) failAt(`the first event of ${item} is a ${first.kind}, not its origin`, recordLocation(trail[0]));
    if (first.kind === 'register') registered++;
    for (let i = 1; i < trail.length; i++)
      if (trail[i].envelope.event.prev !== trail[i - 1].eventId)
        failAt(`${item}: prev is not the event before it (${trail[i - 1].eventId})`, { ...recordLocation(trail[i]), field: `${trail[i].field}.envelope.event.prev` });
  }
  if (registered !== 1) failAt(`items holds ${registered} registered items: a bundle is about one derivation family`, { field: 'items' });
}

// ---------------------------------------------------------------- check 5: custody rules

function checkCustodyRules(ctx) {
  for (const rec of ctx.merged) if (rec.rule) failAt(rec.rule, recordLocation(rec));
}

// ---------------------------------------------------------------- check 6: completeness (v3)

// 11.4 check 6: the state proven under the anchor's state_root says the bundle holds every event
// of its items and every governance record up to the anchor. Returns 'not run' for a v1 bundle
// (which has no state) and when check 5 did not replay every record.
function checkCompleteness(ctx) {
  if (!ctx.v2) return 'not run';
  if (ctx.merged.some((r) => r.r1 || r.r2 || r.signerRule || r.rule)) return 'not run';
  const b = ctx.bundle;
  const root = hexDecode(ctx.anchor.header.state_root);
  const anchorHeight = ctx.anchor.height;
  const proven = (entry, key, field) => {
    const p = entry.proof;
    let valueHash;
    try {
      valueHash = smtVerify(root, key, p.leaf === null ? null : { key: hexDecode(p.leaf.key), valueHash: hexDecode(p.leaf.value_hash) }, p.depth, hexDecode(p.empty), p.siblings.map((x) => hexDecode(x)));
    } catch (e) {
      failAt(`the state proof is refused: ${e.message}`, { field: `${field}.proof`, height: anchorHeight });
    }
    if (entry.value === null) {
      if (valueHash !== null) failAt('the value is null but the proof shows the key present', { field, height: anchorHeight });
      return;
    }
    if (valueHash === null || hexEncode(valueHash) !== hexH(canonicalBytes(entry.value)))
      failAt('the value is not the one the state root certifies', { field: `${field}.value`, height: anchorHeight });
  };
  if (b.state.items.length !== b.items.length) failAt('state.items does not hold one entry per item of items', { field: 'state.items' });
  const events = ctx.records.filter((r) => r.list === 'events');
  b.state.items.forEach((entry, i) => {
    const field = `state.items[${i}]`;
    if (entry.item !== b.items[i]) failAt(`expected the state of ${b.items[i]}`, { field: `${field}.item` });
    proven(entry, stateKey('item', utf8(entry.item)), field);
    const trail = events.filter((r) => r.envelope.event.item === entry.item || (r.envelope.event.kind === 'derive' && r.envelope.event.new_item === entry.item));
    const v = entry.value;
    if (!isObject(v)) failAt(`${entry.item} has no state at the anchor`, { field, height: anchorHeight });
    if (v.event_count !== trail.length)
      failAt(`the ledger holds ${v.event_count} events of ${entry.item} at height ${anchorHeight}; the bundle has ${trail.length}`, { field: `${field}.value.event_count`, height: anchorHeight });
    if (v.head !== trail.at(-1)?.eventId)
      failAt(`the last event of ${entry.item} at height ${anchorHeight} is ${v.head}, not the bundle's last`, { field: `${field}.value.head`, height: anchorHeight });
  });
  const signers = [...new Set(ctx.records.map((r) => r.envelope.signer))].sort();
  const listed = b.state.officers.map((o) => o.key);
  if (signers.join() !== listed.join()) failAt('state.officers does not list exactly the keys that signed a record', { field: 'state.officers' });
  b.state.officers.forEach((entry, i) => {
    const field = `state.officers[${i}]`;
    proven(entry, stateKey('officer', hexDecode(entry.key)), field);
    const record = ctx.governanceState.officers.get(entry.key);
    const expected = record ? canonical(Object.fromEntries(Object.entries(record).filter(([, x]) => x !== undefined))) : 'null';
    if (canonical(entry.value) !== expected)
      failAt(`the key's record at the anchor is not what the bundle's governance records give (a governance record left out?)`, { field: `${field}.value`, height: anchorHeight });
  });
  proven(b.state.governance, stateKey('governance'), 'state.governance');
  const governance = ctx.records.filter((r) => r.list === 'governance');
  const expected = { count: governance.length, head: governance.at(-1)?.eventId ?? null, type: 'custos.state.governance.v1' };
  if (canonical(b.state.governance.value) !== canonical(expected))
    failAt(`the ledger holds ${b.state.governance.value?.count} governance records at height ${anchorHeight}; the bundle has ${governance.length}`, { field: 'state.governance.value', height: anchorHeight });
}

// ---------------------------------------------------------------- check 7: exported (11.8)

const EXPORT_TYPE = 'custos.bundle.export.v1';
const READ_MEMBERS = ['action', 'subject', 'node', 'officer', 'outcome', 'status', 'signature_base', 'signature'];

// Section 12 / 6.7: the three covered components each once, in the order the last line lists
// them, and exactly the parameters created, expires, nonce, keyid, alg. Returns {values, params}.
function parseSignatureBase(base, field) {
  const lines = base.split('\n');
  const values = new Map();
  for (const line of lines.slice(0, -1)) {
    const at = line.indexOf(': ');
    if (at < 0 || values.has(line.slice(0, at))) failAt('signature base: a component line is malformed or repeated', { field });
    values.set(line.slice(0, at), line.slice(at + 2));
  }
  const last = lines.at(-1);
  const head = '"@signature-params": (';
  if (!last.startsWith(head)) failAt('signature base: the last line is not "@signature-params"', { field });
  const close = last.indexOf(')');
  const inner = last.slice(head.length, close);
  const names = [...values.keys()];
  if (close < 0 || inner !== names.join(' ') || [...names].sort().join() !== ['"@method"', '"@target-uri"', '"content-digest"'].sort().join())
    failAt('signature base: the covered components are not "@method", "@target-uri" and "content-digest", once each, in the listed order', { field });
  const params = {};
  const parts = last.slice(close + 1).split(';');
  if (parts[0] !== '') failAt('signature base: parameters must follow the inner list', { field });
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    const name = eq < 0 ? p : p.slice(0, eq);
    const value = eq < 0 ? '' : p.slice(eq + 1);
    if (!['created', 'expires', 'nonce', 'keyid', 'alg'].includes(name) || name in params) failAt(`signature base: parameter ${name} unknown or repeated`, { field });
    if (name === 'created' || name === 'expires') {
      if (!/^(0|[1-9][0-9]{0,14})$/.test(value)) failAt(`signature base: ${name} is not a decimal integer`, { field });
      params[name] = Number(value);
    } else {
      if (!/^"[^"\\]*"$/.test(value)) failAt(`signature base: ${name} is not a quoted string`, { field });
      params[name] = value.slice(1, -1);
    }
  }
  if (Object.keys(params).length !== 5) failAt('signature base: a parameter is missing', { field });
  return { values, params };
}

async function checkExported(ctx) {
  const b = ctx.bundle;
  if (!ctx.v2 || !('exported' in b)) {
    ctx.exporter = { stated: false };
    return;
  }
  ctx.exporter = { stated: true, verified: false };
  const x = b.exported;
  const at = (field) => ({ field: `exported${field ? '.' + field : ''}` });
  if (!isObject(x)) failAt('not an object', at(''));
  for (const k of Object.keys(x)) if (!['type', 'bundle', 'read', 'signature'].includes(k)) failAt('unknown member', at(k));
  for (const k of ['type', 'bundle', 'read', 'signature']) if (!(k in x)) failAt('missing', at(k));
  if (x.type !== EXPORT_TYPE) failAt(`must be "${EXPORT_TYPE}"`, at('type'));
  // 1. The digest of the bundle without `exported`.
  const rest = Object.fromEntries(Object.entries(b).filter(([k]) => k !== 'exported'));
  const digest = hexH(canonicalBytes(rest));
  if (x.bundle !== digest) failAt(`is not the SHA-256 of this bundle without exported (${digest}): the bundle was changed, or the member was taken from another bundle`, at('bundle'));
  // 2. The read record: a valid read event of this chain, signed by its signer.
  const env = x.read;
  if (!isObject(env) || Object.keys(env).sort().join() !== 'event,sig,signer') failAt('not an envelope (event, signer, sig)', at('read'));
  const e = env.event;
  if (!isObject(e) || Object.keys(e).sort().join() !== 'agency,chain_id,kind,read,time,type' || e.type !== 'custos.event.v1' || e.kind !== 'read')
    failAt('not a read event (6.7)', at('read.event'));
  if (e.chain_id !== b.genesis.chain_id) failAt('is not the genesis chain id', at('read.event.chain_id'));
  if (!isId(e.agency)) failAt('not an id', at('read.event.agency'));
  const received = parseTime(e.time);
  if (received === null) failAt('not a time', at('read.event.time'));
  if (!isHex(env.signer, 32)) failAt('not 64 lowercase hex digits', at('read.signer'));
  const recordSig = typeof env.sig === 'string' && env.sig.length === 88 ? base64Decode(env.sig) : null;
  if (recordSig === null || recordSig.length !== 64) failAt('not the canonical base64 of 64 bytes', at('read.sig'));
  const r = e.read;
  if (!isObject(r) || Object.keys(r).sort().join() !== [...READ_MEMBERS].sort().join()) failAt('must have exactly the members of 6.7', at('read.event.read'));
  if (!(await ctx.verifier.verify(hexDecode(env.signer), canonicalBytes(e), recordSig))) failAt('R2: the validator\'s signature of the read record does not verify', at('read.sig'));
  // 3. A served export of this bundle's item.
  if (r.action !== 'bundle') failAt('must be bundle', at('read.event.read.action'));
  if (r.subject !== b.item) failAt(`is ${r.subject}, the bundle is of ${b.item}`, at('read.event.read.subject'));
  if (r.outcome !== 'served' || r.status !== 200) failAt('must be served with status 200', at('read.event.read.outcome'));
  if (!isId(r.node)) failAt('not an id', at('read.event.read.node'));
  if (!isHex(r.officer, 32)) failAt('not 64 lowercase hex digits', at('read.event.read.officer'));
  const base = r.signature_base;
  if (typeof base !== 'string' || base.length < 1 || base.length > 8192 || !/^[\x20-\x7e\n]*$/.test(base))
    failAt('must be 1..8192 bytes of printable ASCII and LF', at('read.event.read.signature_base'));
  const requestSig = typeof r.signature === 'string' && r.signature.length === 88 ? base64Decode(r.signature) : null;
  if (requestSig === null || requestSig.length !== 64) failAt('not the canonical base64 of 64 bytes', at('read.event.read.signature'));
  // 4. R36: a GET of this item's bundle path, the officer's key id, ed25519, in the window.
  const baseField = 'exported.read.event.read.signature_base';
  const { values, params } = parseSignatureBase(base, baseField);
  if (values.get('"@method"') !== 'GET') failAt('@method is not GET', { field: baseField });
  const uri = /^https?:\/\/[^/?#]+(\/[^?]*)(\?.*)?$/.exec(values.get('"@target-uri"'));
  if (!uri || uri[1] !== `/v1/items/${b.item}/bundle`) failAt(`the signed @target-uri does not name /v1/items/${b.item}/bundle`, at('read.event.read.subject'));
  if (params.keyid !== r.officer) failAt('the signed keyid is not the officer', at('read.event.read.officer'));
  if (params.alg !== 'ed25519') failAt('alg must be ed25519', { field: baseField });
  if (!(params.expires > params.created && params.expires - params.created <= 300)) failAt('expires must be after created, by at most 300 s', { field: baseField });
  if (!(params.created * 1000 <= received + 30000 && received < params.expires * 1000)) failAt('the receipt time is outside the signature\'s window', at('read.event.time'));
  // 5. R35: the officer's signature over the base.
  if (!(await ctx.verifier.verify(hexDecode(r.officer), utf8(base), requestSig))) failAt(`the officer's request signature does not verify under key ${r.officer}`, at('read.event.read.signature'));
  // 6. The node: a validator of the set in force at the anchor, or of the latest one adopted.
  const sets = [ctx.governanceState.setAt(ctx.anchor.height), ctx.governanceState.latestSet];
  const validator = sets.flat().find((v) => v.name === r.node && v.key === env.signer);
  if (!validator) failAt(`${r.node} with key ${env.signer} is not a validator of the bundle's ledger at the anchor`, at('read.event.read.node'));
  if (validator.agency !== e.agency) failAt(`is not validator ${r.node}'s agency`, at('read.event.agency'));
  // 7. The node's signature over the digest and the read record together.
  const nodeSig = typeof x.signature === 'string' && x.signature.length === 88 ? base64Decode(x.signature) : null;
  if (nodeSig === null || nodeSig.length !== 64) failAt('not the canonical base64 of 64 bytes', at('signature'));
  if (!(await ctx.verifier.verify(hexDecode(env.signer), canonicalBytes({ bundle: digest, read: env, type: EXPORT_TYPE }), nodeSig)))
    failAt('the validator\'s signature over the bundle digest and the read record does not verify', at('signature'));
  // 8. Who holds the key, as the bundle's genesis and governance records say.
  const officer = ctx.governanceState.officers.get(r.officer) ?? null;
  ctx.exporter = {
    stated: true, verified: true, officer_key: r.officer,
    officer: officer ? { name: officer.name, agency: officer.agency, roles: officer.roles, revoked: Boolean(officer.revoked_by) } : null,
    node: r.node, node_agency: validator.agency, node_key: env.signer, received: e.time,
    read_record: hexH(canonicalBytes(e)), bundle_digest: digest,
  };
}

// "Exported by officer X (agency, role) on node N at T", as custos verify says it.
export function exporterStatement(x) {
  if (!x || !x.stated) return 'exporter not stated (the bundle has no exported member)';
  if (!x.verified) return 'exporter NOT shown: the exported member does not verify';
  const who = x.officer
    ? `officer ${x.officer.name} (${x.officer.agency}, ${x.officer.roles.join('/')}${x.officer.revoked ? ', key revoked by the anchor' : ''}) key ${x.officer_key}`
    : `key ${x.officer_key} (NOT an officer key of this ledger up to the anchor: the bundle proves that the holder of this key asked for it, not who that is)`;
  return `Exported by ${who} on node ${x.node} (${x.node_agency}) at ${x.received}`;
}

// ---------------------------------------------------------------- the list

export const CHECKS = [
  { number: 0, name: 'format', title: 'The file is a Custos court bundle (custos.bundle.v3, or v1) within its limits', run: checkFormat, stops: true },
  { number: 1, name: 'genesis', title: 'The genesis document is valid (and its hash the pinned one)', run: checkGenesisStep, stops: true },
  { number: 2, name: 'signatures', title: 'Every record is well formed and signed by an officer entitled to sign it then', run: checkSignatures },
  { number: 3, name: 'proofs', title: 'Every block is certified by the validators and every record proven in the log', run: checkProofs },
  { number: 4, name: 'chain', title: 'Each item\'s events run from its origin through unbroken prev links', run: checkChain },
  { number: 5, name: 'custody_rules', title: 'Replayed in log order, every event obeys the custody rules', run: checkCustodyRules },
  { number: 6, name: 'completeness', title: 'The certified state shows the bundle holds every event of its items and every governance record up to the anchor', run: checkCompleteness },
  { number: 7, name: 'exported', title: 'Who exported it: the officer\'s signed request and the validator\'s signature over this bundle (or "exporter not stated")', run: checkExported },
];

// Verifies a bundle given as bytes (Uint8Array), text or an already parsed value. Options:
// pinnedGenesisHash (64 hex, or null), verifier (an Ed25519Verifier). Returns the report.
export async function verifyBundle(input, { pinnedGenesisHash = null, verifier = new Ed25519Verifier() } = {}) {
  const started = nowMs();
  const report = {
    verified: false,
    checks: CHECKS.map((c) => ({ number: c.number, name: c.name, title: c.title, ran: false, passed: false, failure: null })),
    failure: null,
    genesis_hash: null,
    genesis_pinned: pinnedGenesisHash !== null,
    engine: await verifier.engineName(),
  };
  if (input instanceof Uint8Array) report.bundle_sha256 = hexEncode(H(input));
  else if (typeof input === 'string') report.bundle_sha256 = hexEncode(H(utf8(input)));
  const ctx = { pinned: pinnedGenesisHash, verifier };
  try {
    if (input instanceof Uint8Array && input.length > bundle_bytes_max) throw new Error(`the file is over ${bundle_bytes_max} bytes`);
    ctx.bundle = input instanceof Uint8Array || typeof input === 'string' ? parseJson(input, { bytesMax: bundle_bytes_max }) : input;
  } catch (e) {
    report.checks[0].ran = true;
    report.checks[0].failure = { message: `not JSON: ${e.message}`, location: {} };
    report.failure = { check: 'format', ...report.checks[0].failure };
    return finish(report, started);
  }
  for (const [i, check] of CHECKS.entries()) {
    if (i === 2) await prepare(ctx);
    const out = report.checks[i];
    out.ran = true;
    try {
      if ((await check.run(ctx)) === 'not run') out.ran = false;
      else out.passed = true;
    } catch (e) {
      if (!(e instanceof CheckFailure)) throw e;
      out.failure = { message: e.message, location: e.location };
      if (!report.failure) report.failure = { check: check.name, ...out.failure };
      if (check.stops) break;
    }
    if (check.name === 'genesis') report.genesis_hash = ctx.genesisHash ?? null;
  }
  report.verified = report.failure === null;
  report.exporter = ctx.exporter ?? { stated: ctx.bundle && isObject(ctx.bundle) && 'exported' in ctx.bundle };
  report.exporter_statement = exporterStatement(report.exporter);
  if (ctx.merged) describe(ctx, report);
  return finish(report, started);
}

function finish(report, started) {
  report.elapsed_ms = nowMs() - started;
  return report;
}

const nowMs = () => (globalThis.performance ? performance.now() : Date.now());

// What a reader sees beside the verdict: the exhibit, the anchor, the timeline.
function describe(ctx, report) {
  const b = ctx.bundle;
  const officers = ctx.state.officers;
  const headerTime = (height) => ctx.checkpoints.get(height)?.header.time;
  report.item = b.item;
  report.items = b.items;
  const itemState = ctx.state.items.get(b.item);
  report.case = itemState?.case ?? null;
  report.custodian = itemState?.custodian ?? null;
  report.integrity_alert = [...ctx.state.items.values()].some((s) => s.integrity_alert);
  report.item_states = [...ctx.state.items.values()].map((s) => ({
    item: s.item, case: s.case, custodian: s.custodian, sealed: s.seal !== undefined, seal: s.seal ?? null,
    disposed: s.disposed, integrity_alert: s.integrity_alert, alert_count: s.alert_count, first_alert: s.first_alert,
    pending_offer: s.pending_offer, derived_from: s.derived_from ?? null, event_count: s.event_count,
    grants: [...s.grants.values()].map((g) => ({ grantee: g.grantee, scope: g.scope, expires: g.expires, granted_by: g.granted_by })),
  }));
  report.genesis = { chain_id: b.genesis.chain_id, agencies: b.genesis.agencies, validators: b.genesis.validators };
  report.officers = [...ctx.state.officers.values()].map((o) => ({ key: o.key, agency: o.agency, roles: o.roles, name: o.name, revoked_by: o.revoked_by ?? null }));
  const a = ctx.anchor.header;
  report.anchor = { height: a.height, log_size: a.log_size, log_root: a.log_root, time: a.time };
  report.timeline = ctx.merged.map((rec) => {
    const e = isObject(rec.envelope) && isObject(rec.envelope.event) ? rec.envelope.event : {};
    const officer = officers.get(rec.envelope?.signer);
    return {
      leaf_index: rec.leaf_index,
      height: rec.height,
      ledger_time: headerTime(rec.height) ?? null,
      governance: rec.list === 'governance',
      event_id: rec.eventId ?? null,
      event: e,
      signer: rec.envelope?.signer ?? null,
      officer: officer ? { name: officer.name, roles: officer.roles, agency: officer.agency } : null,
      alert: rec.effect?.alert ?? false,
      digest_check: rec.effect?.digestCheck ?? null,
      seal_check: rec.effect?.sealCheck ?? null,
      problem: rec.r1 ?? rec.r2 ?? rec.signerRule ?? rec.rule ?? null,
      adopted: rec.effect?.adopted ? { in_force_from: rec.effect.inForceFrom } : null,
    };
  });
  report.checkpoints = ctx.notes.map(({ c, signers, round }) => ({ height: c.height, time: c.header.time, log_size: c.header.log_size, log_root: c.header.log_root, signers: signers ?? null, round: round ?? null }));
}

export { canonical };
