// Byte helpers of docs/FORMAT.md's conventions: lowercase hex, canonical padded base64 (one byte
// string has exactly one text), UTF-8, SHA-256. Decoders return null on anything not canonical.
import { sha256 } from '@noble/hashes/sha2';

const HEX = '0123456789abcdef';

export function hexEncode(bytes) {
  let out = '';
  for (const b of bytes) out += HEX[b >> 4] + HEX[b & 15];
  return out;
}

// Lowercase hex only, even length; `length` (in bytes) checked when given.
export function hexDecode(text, length) {
  if (typeof text !== 'string' || text.length % 2 !== 0) return null;
  if (length !== undefined && text.length !== length * 2) return null;
  if (!/^[0-9a-f]*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
  return out;
}

export function isHex(text, length) {
  return typeof text === 'string' && text.length === length * 2 && /^[0-9a-f]*$/.test(text);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

export function base64Encode(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? B64[n & 63] : '=';
  }
  return out;
}

// RFC 4648 section 4 with padding; refuses whitespace, misplaced padding and non-zero bits after
// the last byte (FORMAT.md conventions).
export function base64Decode(text) {
  if (typeof text !== 'string' || text.length % 4 !== 0) return null;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const body = text.slice(0, text.length - pad);
  const values = [];
  for (const c of body) {
    const v = B64_INDEX.get(c);
    if (v === undefined) return null;
    values.push(v);
  }
  const out = new Uint8Array((body.length * 6) >> 3);
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (const v of values) {
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) return null;  // non-zero bits after the last byte
  return out;
}

const encoder = new TextEncoder();
export const utf8 = (text) => encoder.encode(text);

export function concatBytes(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const H = (bytes) => sha256(bytes);
export const hexH = (bytes) => hexEncode(sha256(bytes));
export const EMPTY_ROOT = sha256(new Uint8Array(0));
