import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditRecord } from '../../shared/anonymise/audit.js';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import type { CaptureRecord, HeaderPair } from '../../shared/record/schema.js';

const anonymise = createRecordAnonymiser({ key: 'audit-test-key-0123456789' });

function record(url: string, reqHeaders: HeaderPair[], reqBody: string, resBody: string): CaptureRecord {
  const body = (s: string) => ({ bytes: Buffer.from(s), size: Buffer.byteLength(s), truncated: false });
  return {
    v: 1,
    id: 'r-1',
    session: 'unit',
    ts: 1,
    method: 'POST',
    url,
    httpVersion: '1.1',
    scheme: 'http',
    clientIp: '198.51.100.23',
    req: { headers: [['content-type', 'application/json'], ...reqHeaders], body: body(reqBody) },
    res: { status: 200, headers: [['content-type', 'text/plain']], body: body(resBody) },
    timing: { ttfbUs: 1, totalUs: 2 },
    anonymised: [],
  };
}

const PII = ['alice@example.com', '+91 98765 43210', '4111 1111 1111 1111', 'ABCPE1234F', '27AAPFU0939F1ZV', '10.20.30.40', 'alice@okaxis', 'GB82 WEST 1234 5698 7654 32', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'];

describe('audit', () => {
  it('reports raw personal data by record, location and kind, never the value', () => {
    const raw = record('/users/alice@example.com?card=4111111111111111', [['authorization', 'Bearer abc.def'], ['cookie', 'sid=xyz']], JSON.stringify({ user: { pan: 'ABCPE1234F' } }), 'call 9876543210');
    const findings = auditRecord(raw);
    expect(findings).toEqual(
      expect.arrayContaining([
        { record: 'r-1', location: 'req.url.path[1]', kind: 'email' },
        { record: 'r-1', location: 'req.url.query.card', kind: 'card' },
        { record: 'r-1', location: 'req.headers.authorization', kind: 'credentials' },
        { record: 'r-1', location: 'req.headers.cookie', kind: 'cookie' },
        { record: 'r-1', location: 'clientIp', kind: 'ipv4' },
        { record: 'r-1', location: 'req.body$.user.pan', kind: 'pan' },
        { record: 'r-1', location: 'res.body', kind: 'phone' },
      ]),
    );
    expect(JSON.stringify(findings)).not.toMatch(/alice|4111|ABCPE|9876543210|abc\.def|xyz/);
  });

  it('passes what the anonymiser stored, though pseudonyms look like PII to the detectors', () => {
    const raw = record('/users/alice@example.com', [['x-forwarded-for', '10.20.30.40']], JSON.stringify({ all: PII, nested: JSON.stringify({ p: PII[1] }) }), PII.join(' | '));
    expect(auditRecord(raw).length).toBeGreaterThan(5);
    expect(auditRecord(anonymise(raw))).toEqual([]);
  });

  it('flags a pseudonym-shaped value at a location the anonymiser never changed', () => {
    const stored = anonymise(record('/', [], JSON.stringify({ email: 'alice@example.com' }), ''));
    expect(auditRecord(stored)).toEqual([]);
    // the same value copied somewhere the anonymiser did not touch
    const pseudonym = (JSON.parse(stored.req.body.bytes.toString()) as { email: string }).email;
    const copied: CaptureRecord = { ...stored, res: { ...stored.res!, body: { ...stored.res!.body, bytes: Buffer.from(pseudonym) } } };
    expect(auditRecord(copied)).toEqual([{ record: 'r-1', location: 'res.body', kind: 'email' }]);
  });

  it('flags raw data at a listed location unless it carries the marker', () => {
    const stored = anonymise(record('/', [], JSON.stringify({ email: 'alice@example.com' }), ''));
    const tampered: CaptureRecord = { ...stored, req: { ...stored.req, body: { ...stored.req.body, bytes: Buffer.from(JSON.stringify({ email: 'bob@example.com' })) } } };
    expect(auditRecord(tampered)).toEqual([{ record: 'r-1', location: 'req.body$.email', kind: 'email' }]);
  });

  it('flags a value taken whole (named like a credential, a token in a link) where the anonymiser never changed it', () => {
    const token = 'zzzzQWERTY12345asdfgHJKL9876';
    const raw = record('/login?password=hunter2', [['referer', `https://app.example.com/reset-password/${token}`], ['x-debug', 'user=a password=hunter2']], '{"user":"asha","password":"hunter2"}', '');
    expect(auditRecord(raw).filter((f) => f.kind === 'credentials').map((f) => f.location).sort()).toEqual(['req.body$.password', 'req.headers.referer', 'req.headers.x-debug', 'req.url.query.password']);
    expect(auditRecord(anonymise(raw))).toEqual([]);
  });

  it('never prints personal data that names a location (a header, a JSON key, a form field named by an address)', () => {
    const raw = record('/x', [['x-user-carol@example.com', 'yes']], '{"dave.secret@example.com":{"phone":"+447911123456"}}', '');
    const found = auditRecord(raw);
    expect(found.length).toBeGreaterThan(0);
    const text = JSON.stringify(found);
    for (const v of ['carol@example.com', 'dave.secret@example.com', '447911123456']) expect(text).not.toContain(v);
    expect(found.map((f) => f.location)).toContain("req.body$['(email)'].phone");
  });

  it('passes an address whose new leading digits follow other digits (they are scanned again)', () => {
    // the pseudonym of 11119.alice@example.com once made 4111 1111 1111 64880 a valid card number
    const raw = record('/', [], '{}', '4111 1111 1111 11119.alice@example.com');
    expect(auditRecord(anonymise(raw))).toEqual([]);
  });

  it('property: anything the anonymiser stores passes the audit', () => {
    const piece = fc.oneof(fc.constantFrom(...PII), fc.string({ maxLength: 8 }), fc.constantFrom(' ', ', ', '-', '@', '.', '9', 'x'));
    const text = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));
    const json = fc.dictionary(fc.constantFrom('a', 'b', 'email', 'n'), fc.oneof(text, fc.array(text, { maxLength: 3 })), { maxKeys: 4 }).map((o) => JSON.stringify(o));
    fc.assert(
      fc.property(text, json, text, (seg, body, resBody) => {
        const raw = record(`/p/${encodeURIComponent(seg)}?q=${encodeURIComponent(seg)}`, [['x-note', seg.replace(/[\r\n]/g, ' ')]], body, resBody);
        expect(auditRecord(anonymise(raw))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
