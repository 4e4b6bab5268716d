// JSON as docs/FORMAT.md section 1 specifies it: a strict RFC 8259 parser (1.5) and the RFC 8785
// canonical text (1.1-1.4) of what it returns.
//
// Values: null, booleans, strings, arrays, objects (null-prototype, so a key named "__proto__"
// is an ordinary key), and numbers: a number written without fraction or exponent that fits a
// 64-bit integer is a JS number when |n| <= 2^53 and a JsonBigInteger beyond (which has no
// canonical text); any other number is a JsonDouble, so a verifier can tell `1` from `1.0` (the
// formats' integer fields accept only the first).

export const json_bytes_max = 4194304;
export const json_depth_max = 64;

export class JsonError extends Error {
  constructor(message, offset) {
    super(offset === undefined ? message : `${message} at byte ${offset}`);
    this.offset = offset;
  }
}

export class JsonDouble {
  constructor(value) {
    this.value = value;
  }
}

export class JsonBigInteger {
  constructor(text) {
    this.text = text;
  }
}

const MAX_SAFE = 2 ** 53;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// Parses UTF-8 bytes (a Uint8Array) or a string already decoded. Byte offsets are reported for
// byte input; for a string, offsets count UTF-16 code units.
export function parseJson(input, { bytesMax = json_bytes_max } = {}) {
  let text = input;
  if (input instanceof Uint8Array) {
    if (input.length > bytesMax) throw new JsonError(`input of ${input.length} bytes is over the limit of ${bytesMax}`);
    if (input.length >= 3 && input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf)
      throw new JsonError('byte order mark', 0);
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input);
    } catch {
      throw new JsonError('invalid UTF-8', firstInvalidUtf8(input));
    }
  } else if (typeof input === 'string') {
    if (input.length > bytesMax) throw new JsonError(`input over the limit of ${bytesMax} bytes`);
    if (input.charCodeAt(0) === 0xfeff) throw new JsonError('byte order mark', 0);
  } else {
    throw new JsonError('input is neither bytes nor text');
  }
  const parser = new Parser(text);
  parser.ws();
  if (parser.at >= text.length) throw new JsonError('no value', parser.at);
  const value = parser.value(0);
  parser.ws();
  if (parser.at < text.length) throw new JsonError('text after the value', parser.at);
  return value;
}

function firstInvalidUtf8(bytes) {
  for (let i = 0; i < bytes.length; i++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, i + 1));
    } catch {
      return i;
    }
  }
  return bytes.length;
}

class Parser {
  constructor(text) {
    this.text = text;
    this.at = 0;
  }

  fail(message, at = this.at) {
    throw new JsonError(message, at);
  }

  ws() {
    const t = this.text;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.at++;
      else break;
    }
  }

  value(depth) {
    const c = this.text[this.at];
    if (c === '{') return this.object(depth + 1);
    if (c === '[') return this.array(depth + 1);
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]]) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return v;
      }
    }
    if (c === undefined) this.fail('input ends inside a value');
    return this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  object(depth) {
    if (depth > json_depth_max) this.fail(`nesting deeper than ${json_depth_max}`);
    this.at++;
    const out = Object.create(null);
    const seen = new Set();
    this.ws();
    if (this.text[this.at] === '}') {
      this.at++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.text[this.at] !== '"') this.fail('expected a key');
      const keyAt = this.at;
      const key = this.string();
      if (seen.has(key)) this.fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
      seen.add(key);
      this.ws();
      if (this.text[this.at] !== ':') this.fail('expected :');
      this.at++;
      this.ws();
      out[key] = this.value(depth);
      this.ws();
      const c = this.text[this.at++];
      if (c === '}') return out;
      if (c !== ',') this.fail('expected , or }', this.at - 1);
    }
  }

  array(depth) {
    if (depth > json_depth_max) this.fail(`nesting deeper than ${json_depth_max}`);
    this.at++;
    const out = [];
    this.ws();
    if (this.text[this.at] === ']') {
      this.at++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(depth));
      this.ws();
      const c = this.text[this.at++];
      if (c === ']') return out;
      if (c !== ',') this.fail('expected , or ]', this.at - 1);
    }
  }

  string() {
    const t = this.text;
    this.at++;
    let out = '';
    let start = this.at;
    for (;;) {
      if (this.at >= t.length) this.fail('input ends inside a string');
      const c = t.charCodeAt(this.at);
      if (c === 0x22) {
        out += t.slice(start, this.at);
        this.at++;
        return out;
      }
      if (c < 0x20) this.fail('raw control character in a string');
      if (c >= 0xd800 && c <= 0xdfff) {
        // Decoded from valid UTF-8, so surrogates come in pairs here; skip the pair.
        this.at += 2;
        continue;
      }
      if (c !== 0x5c) {
        this.at++;
        continue;
      }
      out += t.slice(start, this.at);
      const e = t[this.at + 1];
      const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }[e];
      if (simple !== undefined) {
        out += simple;
        this.at += 2;
      } else if (e === 'u') {
        const unit = this.hex4(this.at + 2);
        this.at += 6;
        if (unit >= 0xd800 && unit <= 0xdbff) {
          if (t[this.at] !== '\\' || t[this.at + 1] !== 'u') this.fail('lone high surrogate', this.at - 6);
          const low = this.hex4(this.at + 2);
          if (low < 0xdc00 || low > 0xdfff) this.fail('lone high surrogate', this.at - 6);
          out += String.fromCharCode(unit, low);
          this.at += 6;
        } else if (unit >= 0xdc00 && unit <= 0xdfff) {
          this.fail('lone low surrogate', this.at - 6);
        } else {
          out += String.fromCharCode(unit);
        }
      } else {
        this.fail('invalid escape');
      }
      start = this.at;
    }
  }

  hex4(at) {
    const digits = this.text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail('invalid \\u escape', at);
    return parseInt(digits, 16);
  }

  number() {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.at, this.at + 400));
    if (!m) this.fail('invalid number');
    const literal = m[0];
    const next = this.text[this.at + literal.length];
    if (next !== undefined && /[0-9.eE+\-]/.test(next)) this.fail('invalid number');
    const start = this.at;
    this.at += literal.length;
    if (m[2] === undefined && m[3] === undefined) {
      const big = BigInt(literal);
      if (big >= INT64_MIN && big <= INT64_MAX) {
        if (big > BigInt(MAX_SAFE) || big < -BigInt(MAX_SAFE)) return new JsonBigInteger(literal);
        return Number(literal);
      }
    }
    const value = Number(literal);
    if (!Number.isFinite(value)) this.fail('number out of range of a double', start);
    return new JsonDouble(value);
  }
}

// --- canonical text (1.1) ---

function canonicalString(s) {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw new JsonError('lone surrogate has no canonical form');
      out += s[i] + s[i + 1];
      i++;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) throw new JsonError('lone surrogate has no canonical form');
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20) out += '\\u00' + c.toString(16).padStart(2, '0');
    else out += s[i];
  }
  return out + '"';
}

// Sort by UTF-16 code units: JS string comparison is exactly that.
const byCodeUnits = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

function canonicalNumber(x) {
  if (!Number.isFinite(x)) throw new JsonError('NaN and Infinity have no canonical text');
  return String(x);  // ECMAScript Number::toString, which RFC 8785 adopts (FORMAT.md 1.4)
}

export function canonical(v) {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) > MAX_SAFE) throw new JsonError('integer beyond 2^53');
    return canonicalNumber(v);
  }
  if (v instanceof JsonDouble) return canonicalNumber(v.value);
  if (v instanceof JsonBigInteger) throw new JsonError(`integer ${v.text} beyond 2^53`);
  if (typeof v === 'string') return canonicalString(v);
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort(byCodeUnits);
    return '{' + keys.map((k) => canonicalString(k) + ':' + canonical(v[k])).join(',') + '}';
  }
  throw new JsonError(`no JSON value: ${typeof v}`);
}

const encoder = new TextEncoder();
export const canonicalBytes = (v) => encoder.encode(canonical(v));

export const isObject = (v) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonDouble) && !(v instanceof JsonBigInteger);

// A JSON integer (written without fraction or exponent) in [min, max].
export const isInteger = (v, min = 0, max = MAX_SAFE) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
