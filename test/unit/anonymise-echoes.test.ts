import { describe, expect, it } from 'vitest';
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
  it('notes a value of 8 characters or more with a letter and a digit, or 20 characters or more', () => {
    expect(isEchoable('abc12345')).toBe(true);
    expect(isEchoable('abcdefgh')).toBe(false);
    expect(isEchoable('12345678')).toBe(false);
    expect(isEchoable('correcthorsebatterystaple')).toBe(true);
    expect(isEchoable('a1')).toBe(false);
  });

  it('notes at most 32 values a record and replaces only bounded occurrences', () => {
    const s = new RecordSecrets();
    for (let i = 0; i < 40; i++) s.add(`secret${String(i).padStart(4, '0')}`, `pseudo${String(i).padStart(4, '0')}`);
    expect(s.size).toBe(32);
    const spellings = s.spellings(() => 'unused');
    expect(sweepText('a secret0001, secret0001x, xsecret0001, "secret0001"', spellings)).toBe('a pseudo0001, secret0001x, xsecret0001, "pseudo0001"');
  });
});
