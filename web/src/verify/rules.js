// The custody rules R3..R32 of docs/CUSTODY_RULES.md, applied event by event to a state that
// starts from the genesis, as a ledger replays them. R1 (schema) and R2 (signature) are checked by
// the caller before apply(); everything here is pure and synchronous.
import { parseTime, isAddress, isId, CUSTODY_KINDS, OFFICER_KINDS, VALIDATOR_KINDS } from './schema.js';
import { isNoteKeyName } from './note.js';

export class RuleError extends Error {
  constructor(rule, field, message) {
    super(`${rule} ${field}: ${message}`);
    this.rule = rule;
    this.field = field;
  }
}

const refuse = (rule, field, message) => {
  throw new RuleError(rule, field, message);
};

const ROLE_FOR = {
  access: ['custodian', 'prosecutor'],
  grant: ['custodian', 'admin'],
  revoke: ['custodian', 'admin'],
  'officer.add': ['admin'],
  'officer.revoke': ['admin'],
  'validator.propose': ['admin'],
  'validator.approve': ['admin'],
};
const rolesFor = (kind) => ROLE_FOR[kind] ?? ['custodian'];
const POWER_MAX = 2 ** 40;
const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

// The state the rules read: officers, items, validator governance. Built from a genesis document
// that checkGenesis accepted.
export class LedgerState {
  constructor(genesis) {
    this.genesis = genesis;
    this.agencies = new Set(genesis.agencies.map((a) => a.id));
    this.officers = new Map();  // key hex -> {key, agency, roles, name, added_by?, revoked_by?}
    for (const o of genesis.officers) this.officers.set(o.key, { key: o.key, agency: o.agency, roles: o.roles, name: o.name });
    this.genesisValidatorKeys = new Set(genesis.validators.map((v) => v.key));
    this.items = new Map();
    this.eventIds = new Set();
    this.latestSet = [...genesis.validators].sort(byName);
    this.adoptions = 0;
    this.proposals = new Map();  // propose event id -> {id, agency, validator, approvals:Set, epoch, adopted_as?}
    this.setHistory = [{ from: 1, validators: this.latestSet }];  // sets in force, by first height
  }

  // The validator set in force at a height (FORMAT.md 6.6).
  setAt(height) {
    let set = this.setHistory[0].validators;
    for (const entry of this.setHistory) if (entry.from <= height) set = entry.validators;
    return set;
  }

  // R3..R6 and R23: who may sign. Throws RuleError.
  checkSigner(envelope) {
    const e = envelope.event;
    if (e.chain_id !== this.genesis.chain_id) refuse('R3', 'event.chain_id', `${e.chain_id} is not the genesis chain id ${this.genesis.chain_id}`);
    const officer = this.officers.get(envelope.signer);
    if (!officer) refuse('R4', 'signer', `${envelope.signer.slice(0, 16)}… is not an officer key`);
    if (officer.revoked_by) refuse('R23', 'signer', `the key was revoked by event ${officer.revoked_by}`);
    if (officer.agency !== e.agency) refuse('R5', 'event.agency', `the signer is an officer of ${officer.agency}, not ${e.agency}`);
    const needed = rolesFor(e.kind);
    if (!officer.roles.some((r) => needed.includes(r))) refuse('R6', 'signer', `a ${e.kind} needs the role ${needed.join(' or ')}`);
    return officer;
  }

  // Applies one envelope (R1 and R2 already hold) with its event id, at a ledger time (ms) in block
  // `height`. Throws RuleError and leaves the state unchanged on a refusal; returns what the
  // event did (for a timeline).
  apply(envelope, eventId, ledgerTime, height) {
    const e = envelope.event;
    const officer = this.checkSigner(envelope);
    if (this.eventIds.has(eventId)) refuse('R7', 'event', `event ${eventId} is already in the ledger`);
    const time = parseTime(e.time);
    if (time > ledgerTime + this.genesis.params.clock_skew_max_ms) refuse('R8', 'event.time', 'ahead of ledger time by more than the allowed clock skew');
    let effect;
    if (CUSTODY_KINDS.includes(e.kind)) effect = this.applyCustody(e, eventId, time, ledgerTime);
    else if (OFFICER_KINDS.includes(e.kind)) effect = this.applyOfficer(e, eventId);
    else effect = this.applyValidator(e, eventId, height);
    this.eventIds.add(eventId);
    return { officer, ...effect };
  }

  applyCustody(e, eventId, time, ledgerTime) {
    const kind = e.kind;
    const existing = this.items.get(e.item);
    if (kind === 'register') {
      if (existing) refuse('R9', 'event.item', `${e.item} already exists`);
    } else if (!existing) {
      refuse('R9', 'event.item', `${e.item} does not exist`);
    }
    const item = existing ? structuredCloneItem(existing) : null;
    if (item) {
      if (e.prev !== item.head) refuse('R10', 'event.prev', `expected ${item.head} (the item's head), found ${e.prev}`);
      if (e.case !== item.case) refuse('R11', 'event.case', `the item belongs to case ${item.case}`);
      if (time < item.last_time) refuse('R12', 'event.time', "before the item's latest event");
      if (item.disposed) refuse('R13', 'event.kind', 'the item was disposed of');
      if (item.pending_offer && !['transfer.accept', 'transfer.reject', 'transfer.cancel'].includes(kind))
        refuse('R14', 'event.kind', 'a transfer offer is pending');
      const answering = kind === 'transfer.accept' || kind === 'transfer.reject';
      if (!answering && e.agency !== item.custodian && !(kind === 'access'))
        refuse('R15', 'event.agency', `${e.agency} is not the custodian (${item.custodian})`);
      if (['transfer.accept', 'transfer.reject', 'transfer.cancel'].includes(kind)) {
        if (!item.pending_offer) refuse('R16', 'event.kind', 'no transfer offer is pending');
        if (answering && e.agency !== item.pending_offer.recipient)
          refuse('R16', 'event.agency', `the offer names ${item.pending_offer.recipient}`);
      }
      if (kind === 'access' && e.agency !== item.custodian) {
        const grant = item.grants.get(e.agency);
        if (!grant || !grant.scope.includes(e.action))
          refuse('R17', 'event.action', `${e.agency} holds no grant for ${e.action} on the item`);
        const expires = parseTime(grant.expires);
        if (!(time < expires && ledgerTime < expires)) refuse('R17', 'event.time', 'the grant has expired');
      }
    }
    const effect = { alert: false, digestCheck: null, sealCheck: null };
    switch (kind) {
      case 'register': {
        this.items.set(e.item, {
          item: e.item, case: e.case, custodian: e.agency, head: eventId, origin: eventId, last_time: time,
          event_count: 1, digests: e.digests, integrity_alert: false, alert_count: 0, grants: new Map(),
          seal: e.seal, pending_offer: null, disposed: null, first_alert: null,
        });
        return effect;
      }
      case 'transfer.offer':
        if (!this.agencies.has(e.recipient) || e.recipient === item.custodian)
          refuse('R18', 'event.recipient', 'not an agency of the genesis other than the custodian');
        item.pending_offer = { offer: eventId, recipient: e.recipient };
        break;
      case 'transfer.accept':
        item.custodian = e.agency;
        item.pending_offer = null;
        item.grants = new Map();
        effect.digestCheck = digestsMatch(item.digests, e.digests);
        effect.sealCheck = e.seal_intact;
        if (!effect.digestCheck || !e.seal_intact) effect.alert = true;
        break;
      case 'transfer.reject':
      case 'transfer.cancel':
        item.pending_offer = null;
        break;
      case 'grant':
        if (!this.agencies.has(e.grantee) || e.grantee === item.custodian)
          refuse('R19', 'event.grantee', 'not an agency of the genesis other than the custodian');
        item.grants.set(e.grantee, { grantee: e.grantee, scope: e.scope, expires: e.expires, granted_by: eventId });
        break;
      case 'revoke':
        if (!item.grants.has(e.grantee)) refuse('R19', 'event.grantee', `${e.grantee} holds no grant on the item`);
        item.grants.delete(e.grantee);
        break;
      case 'verify':
        effect.digestCheck = digestsMatch(item.digests, e.digests);
        if (!effect.digestCheck) effect.alert = true;
        break;
      case 'seal':
        if (item.seal !== undefined) refuse('R20', 'event.seal', 'the item is already sealed');
        item.seal = e.seal;
        break;
      case 'unseal':
        if (item.seal === undefined) refuse('R20', 'event.seal', 'the item is not sealed');
        if (item.seal !== e.seal) refuse('R20', 'event.seal', `the item's seal is ${item.seal}`);
        item.seal = undefined;
        break;
      case 'derive':
        if (this.items.has(e.new_item)) refuse('R21', 'event.new_item', `${e.new_item} already exists`);
        this.items.set(e.new_item, {
          item: e.new_item, case: e.case, custodian: e.agency, head: eventId, origin: eventId, last_time: time,
          event_count: 1, digests: e.digests, integrity_alert: false, alert_count: 0, grants: new Map(),
          seal: undefined, pending_offer: null, disposed: null, first_alert: null, derived_from: e.item,
        });
        break;
      case 'dispose':
        item.disposed = e.outcome;
        break;
      default:
        break;  // access changes nothing but the head
    }
    item.head = eventId;
    item.last_time = time;
    item.event_count += 1;
    if (effect.alert) {
      item.integrity_alert = true;
      item.alert_count += 1;
      if (!item.first_alert) item.first_alert = eventId;
    }
    this.items.set(e.item, item);
    return effect;
  }

  applyOfficer(e, eventId) {
    const target = this.officers.get(e.officer);
    if (e.kind === 'officer.add') {
      if ((target && !target.revoked_by) || this.genesisValidatorKeys.has(e.officer) || this.latestSet.some((v) => v.key === e.officer))
        refuse('R24', 'event.officer', 'already an officer key in force or a validator key');
      if (target && target.revoked_by) refuse('R25', 'event.officer', `the key was revoked by ${target.revoked_by}`);
      this.officers.set(e.officer, { key: e.officer, agency: e.agency, roles: e.roles, name: e.name, added_by: eventId });
      return {};
    }
    if (!target || target.revoked_by || target.agency !== e.agency)
      refuse('R26', 'event.officer', `not a key in force of ${e.agency}`);
    if (target.roles.includes('admin')) {
      const admins = [...this.officers.values()].filter((o) => o.agency === e.agency && !o.revoked_by && o.roles.includes('admin'));
      if (admins.length <= 1) refuse('R27', 'event.officer', `the last admin key of ${e.agency}`);
    }
    this.officers.set(e.officer, { ...target, revoked_by: eventId });
    return {};
  }

  applyValidator(e, eventId, height) {
    let proposal;
    if (e.kind === 'validator.propose') {
      const v = e.validator;
      const current = this.latestSet.find((x) => x.name === v.name);
      if (v.power === 0 && !current) refuse('R28', 'event.validator.name', `${v.name} is not in the latest adopted set`);
      if (current && current.agency === v.agency && current.key === v.key && current.power === v.power && current.address === v.address)
        refuse('R28', 'event.validator', 'the validator is already in the set as given');
      const next = applyChange(this.latestSet, v);
      this.checkSet(next, v);
      proposal = { id: eventId, agency: e.agency, validator: v, approvals: new Set([e.agency]), epoch: this.adoptions, adopted_as: null };
      this.proposals.set(eventId, proposal);
    } else {
      proposal = this.proposals.get(e.proposal);
      if (!proposal) refuse('R30', 'event.proposal', 'not a validator.propose event earlier in the log');
      if (proposal.adopted_as !== null) refuse('R31', 'event.proposal', 'already adopted');
      if (proposal.epoch < this.adoptions) refuse('R31', 'event.proposal', 'stale: another proposal was adopted after it was made');
      if (proposal.approvals.has(e.agency)) refuse('R32', 'event.agency', `${e.agency} has approved it already`);
      proposal.approvals = new Set([...proposal.approvals, e.agency]);
    }
    const total = this.latestSet.reduce((n, v) => n + v.power, 0);
    const approving = this.latestSet.filter((v) => proposal.approvals.has(v.agency)).reduce((n, v) => n + v.power, 0);
    if (3 * approving > 2 * total) {
      this.adoptions += 1;
      proposal.adopted_as = this.adoptions;
      this.latestSet = applyChange(this.latestSet, proposal.validator);
      this.setHistory.push({ from: height + 2, validators: this.latestSet });
      return { adopted: proposal.id, inForceFrom: height + 2 };
    }
    return {};
  }

  // R29 on the set a proposal would make.
  checkSet(set, v) {
    if (set.length < 1 || set.length > 128) refuse('R29', 'event.validator', 'the set would have no validator or more than 128');
    const names = new Set();
    const keys = new Set();
    for (const x of set) {
      if (names.has(x.name) || keys.has(x.key)) refuse('R29', 'event.validator', 'a name or key would serve twice');
      names.add(x.name);
      keys.add(x.key);
      if (!isId(x.name, 256) || !isNoteKeyName(x.name)) refuse('R29', 'event.validator.name', 'not a validator name');
      if (!(x.power >= 1 && x.power <= POWER_MAX)) refuse('R29', 'event.validator.power', 'not 1..2^40');
      if (!this.agencies.has(x.agency)) refuse('R29', 'event.validator.agency', 'not a member agency');
      if (!isAddress(x.address)) refuse('R29', 'event.validator.address', 'not host:port');
    }
    if (v.power >= 1 && this.officers.has(v.key)) refuse('R29', 'event.validator.key', 'an officer key');
  }
}

function applyChange(set, v) {
  const rest = set.filter((x) => x.name !== v.name);
  if (v.power >= 1) rest.push({ name: v.name, agency: v.agency, key: v.key, power: v.power, address: v.address });
  return rest.sort(byName);
}

function structuredCloneItem(item) {
  return { ...item, grants: new Map(item.grants), pending_offer: item.pending_offer ? { ...item.pending_offer } : null };
}

// R22: SHA-256 always; MD5 or SHA-1 only when both sides have them.
export function digestsMatch(reference, measured) {
  if (reference.sha256 !== measured.sha256) return false;
  for (const k of ['md5', 'sha1']) if (k in reference && k in measured && reference[k] !== measured[k]) return false;
  return true;
}

export const CHECK2_RULES = new Set(['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R23']);
