import { describe, expect, it } from 'vitest';
import { auditRecord } from '../../shared/anonymise/audit.js';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { testRecord as record } from '../helpers/record.js';
import { expectClean } from '../helpers/leaks.js';

/**
 * Session 17 (2026-12-07): what the review of session 16's readings left
 * (docs/anonymisation.md), each failing here first. Each planted value must
 * not survive in any form; what is around it stays byte for byte.
 */

const anonymise = createRecordAnonymiser({ key: 'sixteenth-review-key-0123456789' });
const json: [string, string][] = [['content-type', 'application/json']];
const answer = (body: unknown) => anonymise(record({ resHeaders: json, resBody: typeof body === 'string' ? body : JSON.stringify(body) }));
const stored = (body: unknown) => JSON.parse(answer(body).res!.body.bytes.toString()) as unknown;
const typed = (type: string, body: string) => anonymise(record({ resHeaders: [['content-type', type]], resBody: body }));
const html = (body: string) => typed('text/html', body);
const bodyOf = (r: CaptureRecord) => r.res!.body.bytes.toString();
/** The body is stored as it came: nothing in it was taken. */
const htmlKept = (body: string) => expect(bodyOf(html(body))).toBe(body);
/** What the audit reports of a raw record: the anonymiser's readings are the audit's. */
const auditKinds = (type: string, body: string) => auditRecord(record({ resHeaders: [['content-type', type]], resBody: body })).map((f) => f.kind);

const KEY = 'kq8Vn3Lp0Wx7Rt2';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJlLXZhbHVlLTEyMw';

describe("anonymiser: a script's call with its quotes written \\u0027 or \\u0022 (PHP's JSON_HEX_APOS, JSON_HEX_QUOT)", () => {
  it('reads the call in a JSON string, an opaque token and a JWT', () => {
    const apos = '{"js":"localStorage.setItem(\\u0027authToken\\u0027, \\u0027' + KEY + '\\u0027); x.setItem(\\u0027id_token\\u0027, \\u0027' + JWT + '\\u0027)"}';
    const quot = '{"js":"localStorage.setItem(\\u0022authToken\\u0022, \\u0022Zq9wE3rT5yU7iOabc12\\u0022)"}';
    expectClean(answer(apos), [KEY, JWT, 'c2lnbmF0dXJlLXZhbHVlLTEyMw']);
    expectClean(answer(quot), ['Zq9wE3rT5yU7iOabc12']);
    expect(auditKinds('application/json', quot)).toContain('credentials');
  });

  it('reads it in text that keeps the escapes (NDJSON read as text), the escapes kept', () => {
    const ndjson = `{"js":"setItem(\\u0027authToken\\u0027, \\u0027${KEY}\\u0027)"}\n{"js":"setRequestHeader(\\u0022Authorization\\u0022, \\u0022Bearer Zq9wE3rT5yU7iOabc12\\u0022)"}\n`;
    const out = typed('application/x-ndjson', ndjson);
    expectClean(out, [KEY, 'Zq9wE3rT5yU7iOabc12']);
    expect(bodyOf(out)).toMatch(/^\{"js":"setItem\(\\u0027authToken\\u0027, \\u0027\w{15}\\u0027\)"\}\n\{"js":"setRequestHeader\(\\u0022Authorization\\u0022, \\u0022Bearer \w{19}\\u0022\)"\}\n$/);
    expect(auditKinds('application/x-ndjson', ndjson)).toContain('credentials');
  });

  it('leaves such a call under another name, and a variable', () => {
    const body = '{"js":"localStorage.setItem(\\u0027theme\\u0027, \\u0027dark-9x2k\\u0027); setItem(\\u0027token\\u0027, token)"}';
    expect(bodyOf(answer(body))).toBe(body);
  });
});

describe('anonymiser: a mark after the end of an inline element in a label cell', () => {
  it('reads the value after <b>Password</b>: and <span>API key</span>:', () => {
    const page = '<table><tr><td><b>Password</b>:</td><td>Xk29sdPq!</td></tr><tr><th><span>API key</span>:</th><td>' + KEY + '</td></tr>'
      + '<tr><td><strong>Client secret</strong> *</td><td>Mx8Kd92jLq0Pz4</td></tr><tr><th><span>API key</span> (live):</th><td>Zq9wE3rT5yU7iOabc12</td></tr></table>';
    const out = html(page);
    expectClean(out, ['Xk29sdPq!', KEY, 'Mx8Kd92jLq0Pz4', 'Zq9wE3rT5yU7iOabc12']);
    expect(bodyOf(out)).toMatch(/^<table><tr><td><b>Password<\/b>:<\/td><td>[^<]{9}<\/td><\/tr><tr><th><span>API key<\/span>:<\/th><td>\w{15}<\/td>/);
    expect(auditKinds('text/html', page)).toContain('credentials');
  });

  it('leaves ordinary words after such a label, and a label that is no credential', () => {
    htmlKept('<table><tr><td><b>Password</b>:</td><td>Last changed 3 days ago</td></tr><tr><td><b>Plan</b>:</td><td>Pro2024x</td></tr><tr><th><span>API key</span>:</th><td>Not set</td></tr></table>');
  });
});

describe("anonymiser: a variable's name in lower case or dotted as a label", () => {
  it('takes any one word under it, as under DB_PASSWORD', () => {
    const page = '<table><tr><td>db_password</td><td>secret</td></tr><tr><td>spring.datasource.password</td><td><pre>hunter</pre></td></tr>'
      + '<tr><td>aws.secret_access_key</td><td>wJalrXUtnFEMI</td></tr><tr><td>mail.smtp_pass</td><td>s3cr</td></tr></table>';
    const out = html(page);
    expectClean(out, ['>secret<', '>hunter<', 'wJalrXUtnFEMI', '>s3cr<']);
    expect(bodyOf(out)).toMatch(/^<table><tr><td>db_password<\/td><td>\w{6}<\/td><\/tr><tr><td>spring\.datasource\.password<\/td><td><pre>\w{6}<\/pre>/);
    expect(auditKinds('text/html', page)).toContain('credentials');
  });

  it('reads it in a JSON string too', () => {
    expectClean(answer({ html: '<td>db_password</td><td>hunter</td>' }), ['>hunter<']);
  });

  it("leaves a documentation table's types and places, flags, words with spaces, and phpinfo's settings", () => {
    htmlKept('<table><tr><td>api_key</td><td>header</td></tr><tr><td>access_token</td><td>query</td></tr><tr><td>client_secret</td><td>str</td></tr><tr><td>id_token</td><td>JWT</td></tr>'
      + '<tr><td>db_password</td><td>Your database password</td></tr><tr><td>refresh_token</td><td>Optional</td></tr></table>');
    htmlKept('<table><tr><td class="e">session.use_only_cookies</td><td class="v">1</td><td class="v">1</td></tr><tr><td class="e">session.use_trans_sid</td><td class="v">0</td><td class="v">0</td></tr>'
      + '<tr><td class="e">session.cookie_secure</td><td class="v">Off</td><td class="v">Off</td></tr><tr><td class="e">session.cookie_samesite</td><td class="v">Lax</td><td class="v">Lax</td></tr>'
      + '<tr><td class="e">session.trans_sid_tags</td><td class="v">a=href,area=href,frame=src,form=</td><td class="v">a=href,area=href,frame=src,form=</td></tr>'
      + '<tr><td class="e">session.cookie_path</td><td class="v">/</td><td class="v">/</td></tr><tr><td class="e">mysqli.default_pw</td><td class="v"><i>no value</i></td><td class="v"><i>no value</i></td></tr></table>');
  });
});

describe('anonymiser: a read-only input in a labelled cell', () => {
  it('reads its value in any attribute order and quoting', () => {
    const page = `<table><tr><th>API key</th><td><input readonly value="${KEY}"></td></tr><tr><td>Client secret</td><td><input type=text value='Mx8Kd92jLq0Pz4' readonly class="mono"></td></tr>`
      + '<tr><td>DB_PASSWORD</td><td><div><input value=hunter readonly></div></td></tr><tr><td>Token</td><td>\n  <input\n readonly\n data-x="a>b" value = "Zq9wE3rT5yU7iOabc12"/></td></tr></table>';
    const out = html(page);
    expectClean(out, [KEY, 'Mx8Kd92jLq0Pz4', '=hunter ', 'Zq9wE3rT5yU7iOabc12']);
    expect(bodyOf(out)).toMatch(new RegExp(`^<table><tr><th>API key</th><td><input readonly value="\\w{15}"></td></tr><tr><td>Client secret</td><td><input type=text value='\\w{14}' readonly class="mono">`));
    expect(auditKinds('text/html', page)).toContain('credentials');
  });

  it('leaves buttons, an empty field and a field under another label', () => {
    htmlKept('<table><tr><th>API key</th><td><input type="submit" value="Regenerate2"><input type="button" value="Copy to clipboard"></td></tr>'
      + '<tr><td>Password</td><td><input type="password" name="pw"></td></tr><tr><td>Plan</td><td><input readonly value="Pro2024x"></td></tr></table>');
  });
});

describe("anonymiser: a comment between a plist's <key> and its value", () => {
  it('reads the value after the comment', () => {
    const plist = '<plist><dict><key>Password</key><!-- set by the installer --><string>hunter2-Secret9</string><key>Token</key>\n\t<!-- x -->\n\t<!-- y --><data>Zq9wE3rT5yU7iOabc12</data>'
      + '<key>Name</key><!-- n --><string>Asha</string></dict></plist>';
    const out = typed('application/x-plist', plist);
    expectClean(out, ['hunter2-Secret9', 'Zq9wE3rT5yU7iOabc12']);
    expect(bodyOf(out)).toMatch(/^<plist><dict><key>Password<\/key><!-- set by the installer --><string>[^<]{15}<\/string>/);
    expect(bodyOf(out)).toContain('<key>Name</key><!-- n --><string>Asha</string>');
    expect(auditKinds('application/x-plist', plist)).toContain('credentials');
  });
});

describe('anonymiser: a phone number nested deeper in a phone list', () => {
  it("reads an entry's phone object and a list of lists", () => {
    const user = { phoneNumbers: [{ phone: { number: '4155552671', countryCode: '1' }, type: 'work' }], phones: [['4155552672', '(415) 555-2673'], [[4155552674]]] };
    const out = answer(user);
    expectClean(out, ['4155552671', '4155552672', '555-2673', '4155552674']);
    const back = JSON.parse(bodyOf(out)) as { phoneNumbers: { phone: { number: string; countryCode: string }; type: string }[]; phones: [[string, string], [[number]]] };
    expect(back.phoneNumbers[0]!.phone.number).toMatch(/^\d{10}$/);
    expect(back.phoneNumbers[0]!.phone.countryCode).toBe('1');
    expect(back.phones[0][1]).toMatch(/^\(\d{3}\) \d{3}-\d{4}$/);
    expect(typeof back.phones[1][0][0]).toBe('number');
    const where = auditRecord(record({ resHeaders: json, resBody: JSON.stringify(user) })).map((f) => f.location);
    expect(where).toEqual(expect.arrayContaining(['res.body$.phoneNumbers[*].phone.number', 'res.body$.phones[*][*]', 'res.body$.phones[*][*][*]']));
  });

  it("leaves what is no phone number there, and an entry's other objects", () => {
    const user = { phoneNumbers: [{ phone: { number: 'unknown', verifiedAt: '2026-12-07' }, meta: { value: 41555526, number: '4155552671' } }], phones: [['work', 'home']] };
    expect(stored(user)).toEqual(user);
  });
});

describe("anonymiser: a template literal in a script's call", () => {
  it('reads a template without ${…}, in a page and in a JSON string', () => {
    const out = html('<script>localStorage.setItem("token", `abc123XyZ789qq`); xhr.setRequestHeader(\'Authorization\', `Bearer Zq9wE3rT5yU7iOabc12`)</script>');
    expectClean(out, ['abc123XyZ789qq', 'Zq9wE3rT5yU7iOabc12']);
    expect(bodyOf(out)).toMatch(/setItem\("token", `\w{14}`\); xhr\.setRequestHeader\('Authorization', `Bearer \w{19}`\)/);
    expectClean(answer({ js: 'localStorage.setItem("authToken", `Mx8Kd92jLq0Pz4`)' }), ['Mx8Kd92jLq0Pz4']);
    expect(auditKinds('text/html', '<script>setItem("token", `abc123XyZ789qq`)</script>')).toContain('credentials');
  });

  it('leaves a template that interpolates, or holds a space', () => {
    htmlKept('<script>localStorage.setItem("token", `${prefix}abc123XyZ789`); setItem("token", `not a token`)</script>');
  });
});

describe('anonymiser: a masked value is one mostly of mask characters', () => {
  it('reads a password with a run of stars inside it', () => {
    const page = '<table><tr><td>Password</td><td>Tr0ub****dor3</td></tr><tr><td>DB_PASSWORD</td><td>Tr0ub••••dor3</td></tr></table>';
    expectClean(html(page), ['Tr0ub****dor3', 'Tr0ub••••dor3']);
    expect(auditKinds('text/html', page)).toContain('credentials');
  });

  it('keeps a value masked after a visible prefix or before its last characters', () => {
    htmlKept('<table><tr><td>API key</td><td>sk_live_••••1234</td></tr><tr><td>Token</td><td>ghp_****abcd</td></tr><tr><td>Password</td><td>************</td></tr><tr><td>Secret</td><td>••••••••1234</td></tr><tr><td>Access key</td><td>AKIA••••••••••••WXYZ</td></tr></table>');
  });
});

describe('anonymiser: the new readings are bounded', () => {
  // the outcome only (processed, or dropped by the scan budget): a run past its bound would time the test out
  const MIB = 1 << 20;
  const done = (r: CaptureRecord) => expect([undefined, 'anonymiser-budget']).toContain(r.res!.body.omitted);

  it('a MiB of label cells, comments, marks and inputs', () => {
    for (const unit of ['<td><b>Password</b>:', '<key>Password</key><!--', '<td>db_password</td><td><input ', '<td>Token</td><td><input value="', '<td>Token</td><td>', '<td>x</td><td>Tr0ub*']) {
      done(html(unit.repeat(Math.ceil(MIB / unit.length))));
    }
    done(html(`<td><b>Password</b>${':'.repeat(MIB)}`));
    done(html(`<key>Password</key><!--${'-'.repeat(MIB)}`));
    done(html(`<td>Token</td><td><input ${' value="'.repeat(MIB / 8)}`));
    done(html(`<td>Password</td><td>${'*'.repeat(4000)}x</td>`.repeat(256)));
  });

  it('a MiB of calls with escaped quotes or templates', () => {
    for (const unit of ['setItem(\\u0027authToken\\u0027, \\u0027', 'setItem("token", `', 'setItem(\\u0027token\\u0027,\\u0022']) {
      done(typed('text/plain', unit.repeat(Math.ceil(MIB / unit.length))));
      done(answer(`{"a":"${unit.repeat(Math.ceil(MIB / unit.length))}"}`));
    }
    done(typed('text/plain', `setItem("token", \`${'a'.repeat(MIB)}`));
  });

  it('a phone list nested a MiB deep', () => {
    done(anonymise(record({ resHeaders: json, resBody: `{"phones":${'['.repeat(MIB)}`, truncated: true })));
    done(anonymise(record({ resHeaders: json, resBody: `{"phoneNumbers":[${'{"phone":'.repeat(MIB / 9)}`, truncated: true })));
  });
});
