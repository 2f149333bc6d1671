import { describe, expect, it } from 'vitest';
import { auditRecord } from '../../shared/anonymise/audit.js';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { testRecord as record } from '../helpers/record.js';
import { expectClean } from '../helpers/leaks.js';

/**
 * Session 16 (2026-12-07): limits docs/anonymisation.md listed as left, each
 * failing here first.
 */

const anonymise = createRecordAnonymiser({ key: 'fifteenth-review-key-0123456789' });
const json: [string, string][] = [['content-type', 'application/json']];
const answer = (body: unknown) => anonymise(record({ resHeaders: json, resBody: typeof body === 'string' ? body : JSON.stringify(body) }));
const stored = (body: unknown) => JSON.parse(answer(body).res!.body.bytes.toString()) as unknown;

describe('anonymiser: headers kept as name/value pairs in a JSON body (Sentry, Mailgun)', () => {
  const KEY = 'kq8Vn3Lp0Wx7Rt2';

  it("reads each pair's value like that header's", () => {
    const event = { request: { headers: [['Authorization', 'Bearer abcDEF123xyz789'], ['Cookie', 'sid=Zq9wE3rT5yU7iO; theme=dark'], ['X-Api-Key', KEY], ['Accept', 'text/html']] } };
    const out = answer(event);
    expectClean(out, ['abcDEF123xyz789', 'Zq9wE3rT5yU7iO', KEY]);
    const headers = (JSON.parse(out.res!.body.bytes.toString()) as typeof event).request.headers;
    expect(headers[0]).toEqual(['Authorization', 'Bearer']);
    expect(headers[1]![1]).toMatch(/^sid=\w{14}; theme=\w{4}$/);
    expect(headers[2]![1]).toMatch(/^\w{15}$/);
    expect(headers[3]).toEqual(['Accept', 'text/html']);
  });

  it('walks a body in which no detector finds anything, pretty-printed too', () => {
    const body = `{\n  "message-headers": [\n    [\n      "X-Api-Key",\n      "${KEY}"\n    ],\n    [ "Subject", "Your invoice" ]\n  ]\n}`;
    const out = answer(body);
    expectClean(out, [KEY]);
    expect(out.res!.body.bytes.toString()).toContain('"Subject", "Your invoice"');
    expect(auditRecord(record({ resHeaders: json, resBody: body })).map((f) => f.kind)).toContain('credentials');
  });

  it("reads Node's rawHeaders, a flat list of names and values", () => {
    const dump = { req: { rawHeaders: ['Host', 'api.example.in', 'X-Api-Key', KEY, 'Accept', 'application/json', 'Cookie', 'connect.sid=s%3AZq9wE3rT5yU7iO'] } };
    const out = answer(dump);
    expectClean(out, [KEY, 'Zq9wE3rT5yU7iO']);
    const raw = (JSON.parse(out.res!.body.bytes.toString()) as typeof dump).req.rawHeaders;
    expect(raw.filter((_, i) => i % 2 === 0)).toEqual(['Host', 'X-Api-Key', 'Accept', 'Cookie']);
    expect(raw.slice(4, 6)).toEqual(['Accept', 'application/json']);
    expect(raw[7]).toMatch(/^connect\.sid=\w%3A\w{14}$/);
  });

  it("reads pairs only in a list under a key ending in headers: a spreadsheet's or a translation table's rows stay", () => {
    const rows = { values: [['Item', 'Notes'], ['Cookie', 'chocolate chip, 2 dozen'], ['Token', 'arcade, 10 pack']], fields: [['username', 'text'], ['password', 'password']], strings: [['Secret', 'Geheimnis']] };
    expect(stored(rows)).toEqual(rows);
    expectClean(answer({ requestHeaders: [['X-Api-Key', KEY]] }), [KEY]);
  });

  it('leaves a row that is no pair, a name that is no header, and a pair not in an array', () => {
    const rows = { rows: [['X-Api-Key', KEY, 'x'], ['Accept', 'application/json']], pair: ['X-Api-Key', 'kept-as-is'] };
    expect(stored(rows)).toEqual(rows);
  });
});

describe('anonymiser: phone numbers in a list under a phone\'s name (SCIM)', () => {
  it("pseudonymises a list's numbers and an entry's value, keeping their shape", () => {
    const user = { phoneNumbers: [{ value: '4155552671', type: 'work', primary: true }], phones: ['(415) 555-2672', 4155552673], phone: ['4155552674'] };
    const out = answer(user);
    expectClean(out, ['4155552671', '555-2672', '4155552673', '4155552674']);
    const back = JSON.parse(out.res!.body.bytes.toString()) as { phoneNumbers: { value: string; type: string }[]; phones: [string, number]; phone: string[] };
    expect(back.phoneNumbers[0]!.value).toMatch(/^\d{10}$/);
    expect(back.phoneNumbers[0]!.type).toBe('work');
    expect(back.phones[0]).toMatch(/^\(\d{3}\) \d{3}-\d{4}$/);
    expect(typeof back.phones[1]).toBe('number');
    const where = auditRecord(record({ resHeaders: json, resBody: JSON.stringify(user) })).map((f) => f.location);
    expect(where).toEqual(expect.arrayContaining(['res.body$.phoneNumbers[*].value', 'res.body$.phones[*]', 'res.body$.phone[*]']));
  });

  it('leaves what is no phone number in such a list', () => {
    const user = { phoneNumbers: [{ value: 'unknown', type: 'work', display: '2026-12-07' }], phones: ['2026-12-07', 12, true], phoneTypes: ['work', 'home'] };
    expect(stored(user)).toEqual(user);
  });
});

describe("anonymiser: a language model's logprobs", () => {
  it('keeps the tokens the model wrote, not a token under its own name', () => {
    const chat = { choices: [{ logprobs: { content: [{ token: 'Hello', logprob: -0.31, bytes: [72], top_logprobs: [{ token: 'Hi', logprob: -1.2 }] }, { logprob: -0.02, token: ' world' }] } }] };
    expect(stored(chat)).toEqual(chat);
    const session = { token: 'tok9Xv2Lm8Qw3Rt7', logprobs: null };
    expectClean(answer(session), ['tok9Xv2Lm8Qw3Rt7']);
  });
});

describe("anonymiser: a page's script storing or sending a credential", () => {
  const page = (script: string) => anonymise(record({ resHeaders: [['content-type', 'text/html']], resBody: `<html><script>${script}</script></html>` }));

  it('pseudonymises a quoted value after a credential-named first argument', () => {
    const out = page(`localStorage.setItem("authToken","Zq9wE3rT5yU7iOabc12"); xhr.setRequestHeader('X-Api-Key', 'kq8Vn3Lp0Wx7Rt2'); sessionStorage.setItem(\\"access_token\\", \\"Mx8Kd92jLq0Pz4\\")`);
    expectClean(out, ['Zq9wE3rT5yU7iOabc12', 'kq8Vn3Lp0Wx7Rt2', 'Mx8Kd92jLq0Pz4']);
    expect(out.res!.body.bytes.toString()).toMatch(/setItem\("authToken","\w{19}"\); xhr\.setRequestHeader\('X-Api-Key', '\w{15}'\)/);
  });

  it('leaves a variable passed instead and a value under another name', () => {
    const script = 'localStorage.setItem("token", token); localStorage.setItem("theme", "dark-9x"); fetch("/api", opts)';
    expect(page(script).res!.body.bytes.toString()).toBe(`<html><script>${script}</script></html>`);
  });
});

describe('anonymiser: a value labelled by the element before it (plist, debug pages, settings pages)', () => {
  const text = (type: string, body: string) => anonymise(record({ resHeaders: [['content-type', type]], resBody: body }));

  it("reads a plist's value after a credential's <key>", () => {
    const out = text('application/x-plist', '<plist><dict><key>Password</key>\n\t<string>hunter2-Secret9</string><key>Token</key><data>Zq9wE3rT5yU7iOabc12</data><key>Name</key><string>Asha</string></dict></plist>');
    expectClean(out, ['hunter2-Secret9', 'Zq9wE3rT5yU7iOabc12']);
    expect(out.res!.body.bytes.toString()).toContain('<key>Name</key><string>Asha</string>');
  });

  it("reads a table's next cell and a definition list's <dd>, inline elements inside them too", () => {
    const page = '<table><tr><td>APP_ENV</td><td><pre class="sf-dump">production</pre></td></tr><tr><td>DB_PASSWORD</td><td><pre class="sf-dump">hunter2-Secret9</pre></td></tr>'
      + '<tr><th>API key</th><td>kq8Vn3Lp0Wx7Rt2</td></tr><tr><th>Plan</th><td>Pro</td></tr></table><dl><dt>Client secret</dt><dd><code>Mx8Kd92jLq0Pz4</code></dd></dl>';
    const out = text('text/html', page);
    expectClean(out, ['hunter2-Secret9', 'kq8Vn3Lp0Wx7Rt2', 'Mx8Kd92jLq0Pz4']);
    const stored = out.res!.body.bytes.toString();
    expect(stored).toContain('<td>APP_ENV</td><td><pre class="sf-dump">production</pre>');
    expect(stored).toContain('<th>Plan</th><td>Pro</td>');
    expect(stored).toMatch(/<th>API key<\/th><td>\w{15}<\/td>/);
  });

  it('leaves a header row and a cell holding a form field', () => {
    const page = '<table><tr><th>Password</th><th>Last changed</th></tr><tr><td>Password</td><td><input type="text" name="hint"></td></tr></table>';
    expect(text('text/html', page).res!.body.bytes.toString()).toBe(page);
  });
});

describe("anonymiser: the review of session 16's fixes", () => {
  const KEY = 'kq8Vn3Lp0Wx7Rt2';
  const html = (body: string) => anonymise(record({ resHeaders: [['content-type', 'text/html']], resBody: body }));
  const htmlKept = (body: string) => expect(html(body).res!.body.bytes.toString()).toBe(body);

  it('finds a header pair after the first, and a body holding only a phone list or one after spaces', () => {
    const sentry = `{"request":{"headers":[["Accept","x"],["Host","api.example.in"],\n ["X-Api-Key","${KEY}"]]}}`;
    expectClean(answer(sentry), [KEY]);
    expect(auditRecord(record({ resHeaders: json, resBody: sentry })).map((f) => f.kind)).toContain('credentials');
    for (const body of ['{"phones":["4155552671"]}', '{"workPhones":["4155552671"]}', '{"phone_numbers":\n  ["4155552671"]}', '{"cellphones":\t["4155552671"]}']) {
      expectClean(answer(body), ['4155552671']);
    }
    expectClean(answer({ phoneNumbers: [{ value: '4155552671', display: '(415) 555-2671' }] }), ['4155552671', '555-2671']);
  });

  it('reads a pair cut by the capture limit, and leaves an empty value empty', () => {
    const cut = anonymise(record({ resHeaders: json, resBody: `{"headers":[["X-Api-Key","${KEY}`, truncated: true }));
    expect(cut.res!.body.bytes.toString()).not.toContain(KEY);
    expect(stored({ headers: [['Authorization', ''], ['Accept', '']] })).toEqual({ headers: [['Authorization', ''], ['Accept', '']] });
  });

  it('reads labels and calls kept in a JSON string', () => {
    const body = { message: 'Server Error', html: '<td>DB_PASSWORD</td><td><pre class="sf-dump">hunter2-Secret9</pre></td>', script: `<script>localStorage.setItem("authToken", "${KEY}")</script>` };
    expectClean(answer(body), ['hunter2-Secret9', KEY]);
  });

  it('reads wrapped calls and labels: new lines, wide alignment, capitals, a <label> or <div> around the text', () => {
    const page = `<script>localStorage.setItem(\n  "authToken",\n  "Zq9wE3rT5yU7iOabc12"\n);</script><?php define( 'SECURE_AUTH_KEY',${' '.repeat(40)}'Mx8Kd92jLq0Pz4' ); ?>`
      + `<TABLE><TR><TD>DB_PASSWORD</TD><TD>hunter2-Secret9</TD></TR><tr><th><label for="k">API key</label></th><td><div class="mono">${KEY}</div></td></tr></TABLE>`;
    expectClean(html(page), ['Zq9wE3rT5yU7iOabc12', 'Mx8Kd92jLq0Pz4', 'hunter2-Secret9', KEY]);
  });

  it("keeps an Authorization value's scheme in a call, as in the header", () => {
    const out = html('<script>xhr.setRequestHeader("Authorization", "Bearer Zq9wE3rT5yU7iOabc12")</script>').res!.body.bytes.toString();
    expect(out).toMatch(/"Authorization", "Bearer \w{19}"/);
    expect(out).not.toContain('Zq9wE3rT5yU7iOabc12');
  });

  it('leaves translations, events, logs and documentation tables alone', () => {
    htmlKept('<script>i18n.t("password", "Password"); wp.i18n.__("Password", "woocommerce"); t(\'auth.password\', \'Enter your password\'); socket.emit("token", "expired"); console.log("token", "missing")</script>');
    htmlKept('<table><tr><td>api_key</td><td>string</td></tr><tr><td>API keys</td><td>Unlimited</td></tr><tr><td>Access tokens</td><td>10</td></tr>'
      + '<tr><td>Password</td><td>Last changed 3 days ago</td></tr><tr><td>Token</td><td>Created</td></tr></table><dl><dt>token</dt><dd>The token returned by the login endpoint.</dd><dt>Password</dt><dd>••••••••</dd></dl>');
    expect(anonymise(record({ resHeaders: [['content-type', 'application/x-plist']], resBody: '<dict><key>HasPassword</key><string>YES</string></dict>' })).res!.body.bytes.toString()).toContain('<string>YES</string>');
  });

  it("decides a logprobs token by its own object's members only", () => {
    expectClean(answer({ logprobs: { content: [{ token: 'Hi', logprob: -1 }] }, token: 'tok9Xv2Lm8Qw3Rt7' }), ['tok9Xv2Lm8Qw3Rt7']);
    expectClean(answer({ x: { meta: { logprob: 0 }, token: 'tok9Xv2Lm8Qw3Rt8' } }), ['tok9Xv2Lm8Qw3Rt8']);
    const quoted = { token: '."', logprob: -0.3 };
    expect(stored(quoted)).toEqual(quoted);
  });

  it('walks a document nested thousands deep in linear memory, its deep locations cut at 64 levels', () => {
    const deep = `{"headers":${`[["X-Api-Key","${KEY}"],`.repeat(40_000)}`;
    const out = anonymise(record({ resHeaders: json, resBody: deep, truncated: true }));
    expect(out.res!.body.omitted).toBeUndefined();
    expect(out.res!.body.bytes.toString()).not.toContain(KEY);
    expect(out.anonymised.every((loc) => loc.length < 400)).toBe(true);
    const nested = `${'['.repeat(600)}"priya.sharma@acmecorp.in"${']'.repeat(600)}`;
    const shallow = answer(nested);
    expectClean(shallow, ['priya.sharma@acmecorp.in']);
    expect(shallow.anonymised).toEqual([`res.body$${'[*]'.repeat(64)}..*`]);
  });
});

describe("anonymiser: the second review of session 16's readings", () => {
  const KEY = 'kq8Vn3Lp0Wx7Rt2';
  const html = (body: string) => anonymise(record({ resHeaders: [['content-type', 'text/html']], resBody: body }));
  const text = (body: string) => anonymise(record({ resHeaders: [['content-type', 'text/plain']], resBody: body }));

  it('reads the calls of other languages and libraries that set, add or put a value', () => {
    const code = `req.Header.Set("X-Api-Key", "${KEY}")\nconn.Headers.Add("Authorization", "Bearer Zq9wE3rT5yU7iOabc12")\nSystem.setProperty("javax.net.ssl.keyStorePassword", "hunter2-Secret9")\n`
      + `prefs.edit().putString("auth_token", "Mx8Kd92jLq0Pz4")\nsetcookie('session_token', 'Wp6zM8lA5kN1mD7')\nbuilder.header("X-Auth-Token", "Tz8Ma94nCp8Nk9")\n`;
    expectClean(text(code), [KEY, 'Zq9wE3rT5yU7iOabc12', 'hunter2-Secret9', 'Mx8Kd92jLq0Pz4', 'Wp6zM8lA5kN1mD7', 'Tz8Ma94nCp8Nk9']);
    const ui = 'dialog.setTitle("Password", "Reset 2fa"); el.setAttribute("data-token", "x-9f8e7d6c5b")';
    expect(text(ui).res!.body.bytes.toString()).toBe(ui);
  });

  it('reads labels written over lines, with marks after them, under an Authorization or a variable name', () => {
    const page = `<tr>\n  <th>\n      API key\n    </th>\n    <td>\n      <code>Zq9wE3rT5yU7iOab12</code></td></tr><dl><dt>API key *</dt><dd>${KEY}</dd><dt>API key (live)</dt><dd>Mx8Kd92jLq0Pz4</dd></dl>`
      + '<table><tr><td>HTTP_AUTHORIZATION</td><td>Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b</td></tr><tr><td>DB_PASSWORD</td><td><pre class=sf-dump><span class=sf-dump-str>hunter</span></pre></td></tr>'
      + '<tr><th>Credentials</th><td>Wp6zM8lA5kN1mD7</td></tr></table><plist><key>Passwords</key><string>hunter</string></plist>';
    const out = html(page);
    expectClean(out, ['Zq9wE3rT5yU7iOab12', KEY, 'Mx8Kd92jLq0Pz4', '9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b', '>hunter<', 'Wp6zM8lA5kN1mD7']);
    expect(out.res!.body.bytes.toString()).toMatch(/<td>Token [0-9a-z]{40}<\/td>/);
  });

  it('leaves types, versions, dates and masked values in documentation and account tables', () => {
    const page = '<table><tr><td>token</td><td>int64</td></tr><tr><td>api_key</td><td>string(64)</td></tr><tr><td>token</td><td>uuid4</td></tr>'
      + '<tr><td>Token</td><td>2026-12-07</td></tr><tr><td>Token</td><td>v1.2.0</td></tr><tr><td>Secret key</td><td>sk_live_••••1234</td></tr></table>';
    expect(html(page).res!.body.bytes.toString()).toBe(page);
  });

  it("reads HTML escaped as Go's encoding/json writes it, and a call wrapped in a JSON string", () => {
    const go = '{"html":"\\u003ctd\\u003eDB_PASSWORD\\u003c/td\\u003e\\u003ctd\\u003ehunter2-Secret9\\u003c/td\\u003e","js":"localStorage.setItem(\\n  \\"authToken\\",\\n  \\"Zq9wE3rT5yU7iOabc12\\")"}';
    expectClean(answer(go), ['hunter2-Secret9', 'Zq9wE3rT5yU7iOabc12']);
  });

  it('the audit reports a raw Authorization or challenge token kept in a header pair', () => {
    for (const body of [{ request: { headers: [['Host', 'api.x'], ['Authorization', 'Bearer Zq9wE3rT5yU7iOab12']] } }, { headers: [['WWW-Authenticate', 'Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnag']] }, { rawHeaders: ['Authorization', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l'] }]) {
      const raw = record({ resHeaders: json, resBody: JSON.stringify(body) });
      expect(auditRecord(raw).map((f) => f.kind)).toContain('credentials');
      expectClean(anonymise(raw), ['Zq9wE3rT5yU7iOab12', 'YIIGhgYGKwYBBQUCoIIGejCCBnag', 'YWxhZGRpbjpvcGVuc2VzYW1l']);
    }
  });
});

describe("anonymiser: the third review of session 16's readings", () => {
  const KEY = 'Zq9wE3rT5yU7iOabc12';
  const html = (body: string) => anonymise(record({ resHeaders: [['content-type', 'text/html']], resBody: body }));

  it('reads a long run of marks after a label in linear time (a regex took 11 s on 4,000 colons)', () => {
    // the outcome only: a run past the bound would time the test out
    const page = `<table><tr><td>Password</td><td>Summer2024x</td></tr><tr><td>a${':'.repeat(40_000)}b</td><td>x</td></tr></table>`;
    expectClean(html(page), ['Summer2024x']);
  });

  it('reads a pair whose name no prose has under any key, a prose-like name only under a key naming headers', () => {
    for (const body of [{ hdrs: [['X-Api-Key', KEY]] }, [['X-Api-Key', KEY]], { request: { header: [['Authorization', `Bearer ${KEY}`], ['X-Api-Key', `${KEY}x`]] } }, { headers_list: [['Cookie', `session=${KEY}`]] }]) {
      expectClean(answer(body), [KEY]);
    }
    const rows = { rows: [['Cookie', 'Chocolate chip'], ['Token', 'Jeton']] };
    expect(stored(rows)).toEqual(rows);
  });

  it('reads only storing and sending callees, and no value with a space', () => {
    const code = 'setTimeout("refreshToken", "5000"); $(el).addClass(\'password\', \'has-error-field\'); this.setState("token", "pending_review"); formik.setFieldError("password", "Password must be at least 8 characters"); validator.addRule("password", "required|min:8"); i18n.add("token", "Jeton_de_session"); messages.put("password", "Mot_de_passe")';
    expect(html(`<script>${code}</script>`).res!.body.bytes.toString()).toBe(`<script>${code}</script>`);
  });

  it('keeps plural labels and masked values, but reads a partly starred password and a date under a password', () => {
    const kept = '<table><tr><td>API keys</td><td>Unlimited2024</td></tr><tr><td>API key</td><td>sk_live_••••••••••1234</td></tr></table>';
    expect(html(kept).res!.body.bytes.toString()).toBe(kept);
    expectClean(html('<table><tr><td>Password</td><td>Tr0ub***dor3x</td></tr><tr><td>Password</td><td>1990-04-12</td></tr></table>'), ['Tr0ub***dor3x', '1990-04-12']);
  });

  it('the audit reports a bare token kept as an Authorization pair', () => {
    const raw = record({ resHeaders: json, resBody: JSON.stringify({ headers: [['Authorization', KEY]] }) });
    expect(auditRecord(raw).map((f) => f.kind)).toContain('credentials');
    expectClean(anonymise(raw), [KEY]);
  });
});
