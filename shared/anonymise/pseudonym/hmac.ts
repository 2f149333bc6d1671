import { createHash } from 'node:crypto';

/**
 * HMAC-SHA256 (RFC 2104, FIPS 180-4) for the short messages pseudonyms are
 * keyed on, with the key's inner and outer pad blocks compressed once up
 * front: a message of up to 55 bytes then costs two block compressions and
 * no allocation. node:crypto's createHmac gives the same bytes (a property
 * test compares them) but costs 2-4 µs a call, nearly all of it per-call
 * overhead, which at several personal values per KiB was the anonymiser's
 * largest single cost (see docs/decisions.md).
 *
 * SHA-256 is additions, rotations and bitwise operations only: no table is
 * indexed by key or message data and no branch depends on them.
 */

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const BLOCK = 64;

/** The message schedule, shared: compression never re-enters. */
const W = new Int32Array(64);

/** One SHA-256 compression of the 64 bytes at `at` into `st`. */
function compress(st: Int32Array, bytes: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++, at += 4) W[i] = (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
  compressBlock(st);
}

/** The outer hash's one block: the inner digest (eight words) and SHA-256 padding for 64 + 32 bytes. */
function compressDigest(st: Int32Array, digest: Int32Array): void {
  W.set(digest);
  W[8] = 0x80000000;
  W.fill(0, 9, 15);
  W[15] = (BLOCK + 32) * 8;
  compressBlock(st);
}

/** One compression into `st` of the block in W[0, 16). */
function compressBlock(st: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15]!;
    const y = W[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = st[0]!;
  let b = st[1]!;
  let c = st[2]!;
  let d = st[3]!;
  let e = st[4]!;
  let f = st[5]!;
  let g = st[6]!;
  let h = st[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  st[0] = (st[0]! + a) | 0;
  st[1] = (st[1]! + b) | 0;
  st[2] = (st[2]! + c) | 0;
  st[3] = (st[3]! + d) | 0;
  st[4] = (st[4]! + e) | 0;
  st[5] = (st[5]! + f) | 0;
  st[6] = (st[6]! + g) | 0;
  st[7] = (st[7]! + h) | 0;
}

/** Pads `bytes[0, n)` as the tail of a message of `prefix + n` bytes; returns the padded length. */
function pad(bytes: Uint8Array, n: number, prefix: number): number {
  const end = (((n + 8) >> 6) + 1) * BLOCK;
  bytes[n] = 0x80;
  bytes.fill(0, n + 1, end - 4);
  // lengths in bits stay below 2^32 here (messages are bounded by the scan budget well below 512 MiB)
  const bits = (prefix + n) * 8;
  bytes[end - 4] = bits >>> 24;
  bytes[end - 3] = bits >>> 16;
  bytes[end - 2] = bits >>> 8;
  bytes[end - 1] = bits;
  return end;
}

const encoder = new TextEncoder();

export class HmacSha256 {
  readonly #inner = new Int32Array(8);
  readonly #outer = new Int32Array(8);
  readonly #innerDigest = new Int32Array(8);
  readonly #state = new Int32Array(8);
  #bytes = new Uint8Array(4 * BLOCK);

  constructor(key: Uint8Array) {
    const block = new Uint8Array(BLOCK);
    block.set(key.length > BLOCK ? createHash('sha256').update(key).digest() : key);
    for (const [st, x] of [[this.#inner, 0x36], [this.#outer, 0x5c]] as const) {
      const padded = block.map((v) => v ^ x);
      st.set(IV);
      compress(st, padded, 0);
      padded.fill(0);
    }
    block.fill(0);
  }

  /**
   * The MAC of `prefix + message` (as UTF-8, lone surrogates as U+FFFD,
   * like node:crypto) as eight big-endian words: the digest's bytes
   * 4i..4i+3 are word i. The array is reused by the next call. Passing a
   * constant prefix apart saves joining the two strings.
   */
  digestWords(message: string, prefix = ''): Int32Array {
    const n = this.#encode(prefix, message);
    const inner = this.#innerDigest;
    inner.set(this.#inner);
    const end = pad(this.#bytes, n, BLOCK);
    for (let at = 0; at < end; at += BLOCK) compress(inner, this.#bytes, at);
    const st = this.#state;
    st.set(this.#outer);
    compressDigest(st, inner);
    return st;
  }

  /** Writes the UTF-8 of `prefix + message` to the byte buffer (grown to fit it and its padding); returns its length. */
  #encode(prefix: string, message: string): number {
    const p = prefix.length;
    const n = p + message.length;
    if (this.#bytes.length < 3 * n + 2 * BLOCK) this.#bytes = new Uint8Array(3 * n + 2 * BLOCK);
    const bytes = this.#bytes;
    // ASCII byte for byte; anything else (rare in what pseudonyms are keyed on) by the encoder, joined
    for (let i = 0; i < p; i++) {
      const c = prefix.charCodeAt(i);
      if (c >= 0x80) return encoder.encodeInto(prefix + message, bytes).written;
      bytes[i] = c;
    }
    for (let i = p; i < n; i++) {
      const c = message.charCodeAt(i - p);
      if (c >= 0x80) return encoder.encodeInto(prefix + message, bytes).written;
      bytes[i] = c;
    }
    return n;
  }
}
