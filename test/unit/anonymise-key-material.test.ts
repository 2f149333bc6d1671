import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { auditRecord } from '../../shared/anonymise/audit.js';
import { findPii, ALL_KINDS } from '../../shared/anonymise/detect/index.js';
import type { CaptureRecord, HeaderPair } from '../../shared/record/schema.js';
import { testRecord } from '../helpers/record.js';

/**
 * Secrets announced by their surroundings rather than a prefix (a review of
 * realistic payloads, 2026-12-07): the body of a PEM private key.
 */

const anonymise = createRecordAnonymiser({ key: 'key-material-test-0123456789' });
const JSON_TYPE: HeaderPair[] = [['content-type', 'application/json']];
const LINES = ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj', 'MZj9rO5cqfP0cxQ8mV3mWbJH4fLz3r0q2lZpL3KFa0bXGmK7wHQ7aY1eQm9TkYcP', 'AgMBAAECggEAKZ0g2xq=='];
const PEM = `-----BEGIN PRIVATE KEY-----\n${LINES.join('\n')}\n-----END PRIVATE KEY-----\n`;

function bodies(r: CaptureRecord): string {
  return [r.url, r.req.body.bytes.toString(), r.res?.body.bytes.toString() ?? ''].join('\n');
}

function expectGone(r: CaptureRecord, planted: readonly string[]): string {
  const text = bodies(r);
  for (const p of planted) expect(text, p).not.toContain(p);
  expect(auditRecord(r)).toEqual([]);
  return text;
}

describe('detectors: key material', () => {
  const values = (text: string) => findPii(text, ALL_KINDS).map((f) => `${f.kind}:${text.slice(f.start, f.end)}`);

  it('finds the body of a PEM private key of any kind, and keeps its armour', () => {
    for (const kind of ['', 'RSA ', 'EC ', 'OPENSSH ', 'ENCRYPTED ']) {
      const pem = `-----BEGIN ${kind}PRIVATE KEY-----\n${LINES.join('\n')}\n-----END ${kind}PRIVATE KEY-----`;
      expect(values(pem), kind).toEqual([`apikey:${LINES.join('\n')}`]);
    }
  });

  it('takes a key cut off by the capture limit up to where it was cut', () => {
    expect(values(`-----BEGIN RSA PRIVATE KEY-----\r\n${LINES[0]}\r\n${LINES[1]!.slice(0, 20)}`)).toEqual([`apikey:${LINES[0]}\r\n${LINES[1]!.slice(0, 20)}`]);
  });

  it('leaves public keys and certificates alone', () => {
    expect(values(`-----BEGIN PUBLIC KEY-----\n${LINES.join('\n')}\n-----END PUBLIC KEY-----`).filter((v) => v.includes(LINES[0]!))).toEqual([]);
  });
});

describe('anonymiser: key material in records', () => {
  it('pseudonymises a private key in a JSON string, its line breaks escaped, keeping the JSON valid', () => {
    const r = anonymise(testRecord({ reqHeaders: JSON_TYPE, reqBody: JSON.stringify({ name: 'prod-tls', kind: 'tls', pem: PEM }) }));
    const body = expectGone(r, LINES.map((l) => l.slice(0, 30)));
    const pem = (JSON.parse(r.req.body.bytes.toString()) as { pem: string }).pem;
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=]{64}\n[A-Za-z0-9+/=]{64}\n[A-Za-z0-9+/=]{21}\n-----END PRIVATE KEY-----\n$/);
    expect(body).toContain('prod-tls');
  });

  it('pseudonymises a private key in a text body, and in a JSON string whose slashes are escaped', () => {
    expectGone(anonymise(testRecord({ reqHeaders: [['content-type', 'text/plain']], reqBody: `key:\n${PEM}` })), LINES.map((l) => l.slice(0, 30)));
    const php = JSON.stringify({ pem: PEM }).replace(/\//g, '\\/');
    expectGone(anonymise(testRecord({ reqHeaders: JSON_TYPE, reqBody: php })), LINES.map((l) => l.slice(0, 30).replace(/\//g, '\\/')));
  });
});

describe('anonymiser: newer API key formats keep their prefix', () => {
  it('pseudonymises npm, Hugging Face, Shopify and SendGrid keys, keeping what names the service', () => {
    const keys = [`npm_${'a1B2'.repeat(9)}`, `hf_${'a1B2'.repeat(8)}xy`, `shpat_${'0a1b2c3d'.repeat(4)}`, `SG.${'a1B2c3D4e5F6g7H8i9J0kL'}.${'a1B2c3D4e5F6g7H8i9J0kLm1N2o3P4q5R6s7T8u9V0w'}`];
    const r = anonymise(testRecord({ reqHeaders: JSON_TYPE, reqBody: JSON.stringify({ keys }) }));
    expectGone(r, keys);
    const out = (JSON.parse(r.req.body.bytes.toString()) as { keys: string[] }).keys;
    out.forEach((k, i) => {
      expect(k).toHaveLength(keys[i]!.length);
      expect(k.slice(0, 3)).toBe(keys[i]!.slice(0, 3));
    });
  });
});
