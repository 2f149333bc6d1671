import { describe, expect, it } from 'vitest';
import { auditRecord } from '../../shared/anonymise/audit.js';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { isEchoable, RecordSecrets, sweepText } from '../../shared/anonymise/echoes.js';
import type { HeaderPair } from '../../shared/record/schema.js';
import { testRecord as record } from '../helpers/record.js';
import { expectClean, storedText } from '../helpers/leaks.js';

/**
 * A secret taken whole in one place of a record is replaced wherever else
 * the record echoes it (thirteenth review: `/reset?password=X&confirm=X`
 * kept X under `confirm`).
 */

const anonymise = createRecordAnonymiser({ key: 'echoes-test-key-0123456789abcdef' });
const json: HeaderPair[] = [['content-type', 'application/json']];
const form: HeaderPair[] = [['content-type', 'application/x-www-form-urlencoded']];
const text: HeaderPair[] = [['content-type', 'text/plain']];
const TOKEN = 'Zq8xPLm2Rt7vWn4K';

describe('anonymiser: echoes of a secret elsewhere in the record', () => {
  it('a password repeated under a neutral name, with the same pseudonym', () => {
    const out = anonymise(record({ url: `/reset?password=${TOKEN}&confirm=${TOKEN}` }));
    expectClean(out, [TOKEN]);
    const q = new URL(out.url, 'http://x').searchParams;
    expect(q.get('confirm')).toBe(q.get('password'));
    expect(out.anonymised).toContain('req.url');
  });

  it("an OAuth code echoed in the token endpoint's error", () => {
    const out = anonymise(record({
      url: '/oauth/token',
      reqHeaders: form,
      reqBody: `grant_type=authorization_code&code=${TOKEN}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb`,
      resHeaders: json,
      resBody: JSON.stringify({ error: 'invalid_grant', error_description: `Authorization code ${TOKEN} has expired` }),
    }));
    expectClean(out, [TOKEN]);
    expect(out.anonymised).toContain('res.body');
  });

  it('a bearer token (dropped from Authorization) printed by a debug page, and percent-encoded in a Location', () => {
    const slashy = 'ab+cd/efGH12ij34kl';
    const out = anonymise(record({
      url: '/debug',
      reqHeaders: [['authorization', `Bearer ${TOKEN}`], ['x-api-key', slashy]],
      resHeaders: [...text, ['location', `/next?t=${encodeURIComponent(slashy)}`]],
      resBody: `GET /debug\nauth: ${TOKEN}\n`,
    }));
    expectClean(out, [TOKEN, slashy, encodeURIComponent(slashy)]);
    expect(out.req.headers[0]).toEqual(['authorization', 'Bearer']);
    // one pseudonym for the key, in both spellings
    const key = out.req.headers[1]![1];
    expect(out.res!.headers[1]![1]).toBe(`/next?t=${encodeURIComponent(key)}`);
  });

  it('a session cookie a page writes into its script, JSON-escaped in a JSON body', () => {
    const quoted = 'k"9Lm2Rt7vWn4Kx';
    const out = anonymise(record({
      reqHeaders: [['cookie', `sid=${TOKEN}`], ['x-auth-token', quoted]],
      resHeaders: json,
      resBody: JSON.stringify({ sid: TOKEN, debug: { got: quoted } }),
    }));
    expectClean(out, [TOKEN, JSON.stringify(quoted).slice(1, -1)]);
    expect(JSON.parse(out.res!.body.bytes.toString())).toEqual({ sid: out.req.headers[0]![1].slice(4), debug: { got: out.req.headers[1]![1] } });
  });

  it('keeps words that only look like a weak password, short codes, and longer tokens holding the value', () => {
    const body = JSON.stringify({ password: 'password', hint: 'type your password' });
    const out = anonymise(record({ reqHeaders: json, reqBody: body }));
    expect(out.req.body.bytes.toString()).toContain('"hint":"type your password"');
    const otp = anonymise(record({ url: '/verify?otp=482913', resHeaders: text, resBody: 'order 482913 shipped' }));
    expect(otp.res!.body.bytes.toString()).toBe('order 482913 shipped');
    const inside = anonymise(record({ url: `/x?token=${TOKEN}`, resHeaders: text, resBody: `id x${TOKEN}y` }));
    expect(inside.res!.body.bytes.toString()).toBe(`id x${TOKEN}y`);
  });

  it('keeps the content length equal to the stored body', () => {
    const out = anonymise(record({ url: `/x?api_key=${TOKEN}`, resHeaders: [...text, ['content-length', '17']], resBody: `key ${TOKEN}\n` }));
    expect(storedText(out)).not.toContain(TOKEN);
    expect(out.res!.headers).toContainEqual(['content-length', String(out.res!.body.bytes.length)]);
    expect(out.res!.body.size).toBe(out.res!.body.bytes.length);
  });
});

describe('echoes.ts', () => {
  it('notes a value of 8 to 128 characters with a letter and a digit', () => {
    expect(isEchoable('abc12345')).toBe(true);
    expect(isEchoable('abcdefgh')).toBe(false);
    expect(isEchoable('12345678')).toBe(false);
    expect(isEchoable('correcthorsebatterystaple')).toBe(false);
    expect(isEchoable('-'.repeat(24))).toBe(false);
    expect(isEchoable(`a1${'x'.repeat(127)}`)).toBe(false);
    expect(isEchoable('a1')).toBe(false);
  });

  it('notes at most 32 values a record and replaces only bounded occurrences, longest first', () => {
    const s = new RecordSecrets(() => true);
    for (let i = 0; i < 40; i++) s.add(`secret${String(i).padStart(4, '0')}`, `pseudo${String(i).padStart(4, '0')}`);
    expect(s.size).toBe(32);
    const spellings = s.spellings(() => 'unused');
    expect(sweepText('a secret0001, secret0001x, xsecret0001, "secret0001"', spellings)).toBe('a pseudo0001, secret0001x, xsecret0001, "pseudo0001"');
    const nested = new RecordSecrets(() => true);
    nested.add('abcd1234', 'wxyz9876');
    nested.add('abcd1234-xyz98765', 'qrst5678-abc12345');
    expect(sweepText('{"note":"abcd1234-xyz98765"}', nested.spellings(() => 'unused'))).toBe('{"note":"qrst5678-abc12345"}');
  });

  it('sweeps repetitive text in linear time and skips a value a detector finds in it or its replacement', () => {
    const s = new RecordSecrets((text) => !text.includes('@'));
    s.add('a1'.repeat(64), 'b2'.repeat(64));
    s.add('me1@example.in', 'xy2@example.in');
    expect(s.size).toBe(1);
    let charged = 0;
    const body = 'a1'.repeat(1 << 19);
    expect(sweepText(body, s.spellings(() => 'unused'), (n) => (charged += n))).toBe(body);
    expect(charged).toBeLessThanOrEqual(2 * body.length);
  });

  it('skips the percent spelling of a value with a lone surrogate (an imported record) instead of throwing', () => {
    const s = new RecordSecrets(() => true);
    s.add('abcd1234\ud800', 'wxyz9876\ud800');
    expect(() => s.spellings(() => 'unused')).not.toThrow();
  });
});

describe('echo sweep: what the review of it found (2026-12-07)', () => {
  const auditClean = (r: ReturnType<typeof anonymise>) => expect(auditRecord(r)).toEqual([]);

  it('lists a JSON key renamed by the sweep under its new name, and never the secret', () => {
    const out = anonymise(record({ reqHeaders: [['cookie', 'sid=abc123XYZ987']], resHeaders: json, resBody: '{"sessions":{"abc123XYZ987":{"email":"alice@example.com","ip":"10.20.30.40"}}}' }));
    expectClean(out, ['abc123XYZ987']);
    expect(out.anonymised.join('\n')).not.toContain('abc123XYZ987');
  });

  it('leaves a value holding something a detector finds to the detectors (the audit passes)', () => {
    auditClean(anonymise(record({ reqHeaders: json, reqBody: '{"password":"ab 1000039595 cd5","note":"ab 1000039595 cd5"}' })));
    auditClean(anonymise(record({ url: '/reset?password=ab%201000039595%20cd5&confirm=ab%201000039595%20cd5' })));
    auditClean(anonymise(record({ reqHeaders: [['authorization', 'Token ab 1000039595 cd5']], resHeaders: text, resBody: 'you sent ab 1000039595 cd5.' })));
  });

  it('does not throw on a lone surrogate in a secret (an imported record)', () => {
    const out = anonymise(record({ reqHeaders: [['cookie', 'sid=abcd1234\ud800efgh'], ['authorization', 'Bearer abcd1234\ud800efgh'], ...json], reqBody: '{"password":"abcd1234\\ud800"}' }));
    expect(out.req.body.omitted).toBeUndefined();
    expect(storedText(out)).not.toContain('abcd1234');
  });

  it("searches for session cookies only: analytics cookies neither use up the quota nor rename a region's echo", () => {
    const cookies = Array.from({ length: 32 }, (_, i) => `c${i}=GA1.2.10000${i}.17000000`).join('; ');
    expectClean(anonymise(record({ reqHeaders: [['cookie', cookies], ...json], reqBody: '{"password":"Secr3tPass99","note":"Secr3tPass99"}' })), ['Secr3tPass99']);
    const body = '{"u":"https://s3.ap-south-1a.amazonaws.com/x"}';
    expect(anonymise(record({ reqHeaders: [['cookie', 'region=ap-south-1a'], ...json], reqBody: body })).req.body.bytes.toString()).toBe(body);
  });

  it('is linear on repetitive bodies', () => {
    const doc: Record<string, unknown> = { note: 'a1'.repeat(1 << 18) };
    for (let i = 0; i < 32; i++) doc[`u${i}`] = { password: `${'a1'.repeat(60)}${i}` };
    const out = anonymise(record({ reqHeaders: json, reqBody: JSON.stringify(doc) }));
    expect(out.req.body.omitted).toBeUndefined();
    auditClean(out);
  });
});
