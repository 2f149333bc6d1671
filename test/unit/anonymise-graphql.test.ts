import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { auditRecord } from '../../shared/anonymise/audit.js';
import { credentialVariables } from '../../shared/anonymise/graphql-vars.js';
import type { HeaderPair } from '../../shared/record/schema.js';
import { testRecord } from '../helpers/record.js';

/**
 * A GraphQL credential passed as a variable named unlike a credential
 * (`login(password: $p)` with `{"variables":{"p":"…"}}`) was stored raw
 * (known limit until 2026-12-07): the variable is now found by the argument
 * it is passed to.
 */

const anonymise = createRecordAnonymiser({ key: 'graphql-test-key-0123456789' });
const JSON_TYPE: HeaderPair[] = [['content-type', 'application/json']];
const SECRET = 'correct-horse-42';
const run = (body: unknown) => {
  const r = anonymise(testRecord({ reqHeaders: JSON_TYPE, reqBody: JSON.stringify(body) }));
  return { r, text: r.req.body.bytes.toString() };
};

describe('GraphQL variables passed to credential arguments', () => {
  it('finds the variables by the argument or input field they are passed to, however the query is spaced', () => {
    expect(credentialVariables(JSON.stringify({ query: 'mutation($e: String!, $p: String!) {\n  login(\n    email: $e\n    password: $p\n  ) { token }\n}', variables: {} }))).toEqual(['p']);
    expect(credentialVariables(JSON.stringify({ query: 'mutation($a:String!,$b:String!){reset(token:$a,newPassword:$b){ok}}', variables: {} }))).toEqual(['a', 'b']);
    expect(credentialVariables(JSON.stringify({ query: 'mutation($i:String!){login(input:{user:"x",secret:$i}){ok}}', variables: {} }))).toEqual(['i']);
    // named like a credential already, passed to another argument, or no variables at all
    expect(credentialVariables(JSON.stringify({ query: 'mutation($password:String!){login(password:$password){ok}}', variables: {} }))).toEqual([]);
    expect(credentialVariables(JSON.stringify({ query: 'query($q:String!){search(term:$q){id}}', variables: {} }))).toEqual([]);
    expect(credentialVariables('{"price":"$5","note":"password: $p"}')).toEqual([]);
  });

  it('pseudonymises the value in variables, before or after the query, and keeps the query as it was', () => {
    const query = 'mutation Login($e: String!, $p: String!) {\n  login(email: $e, password: $p) { token }\n}';
    for (const body of [{ query, variables: { e: 'someone', p: SECRET } }, { operationName: 'Login', variables: { e: 'someone', p: SECRET }, query }]) {
      const { r, text } = run(body);
      expect(text).not.toContain(SECRET);
      const out = JSON.parse(text) as { query: string; variables: { e: string; p: string } };
      expect(out.query).toBe(query);
      expect(out.variables.e).toBe('someone');
      expect(out.variables.p).toHaveLength(SECRET.length);
      expect(auditRecord(r)).toEqual([]);
    }
  });

  it('pseudonymises them in each operation of a batch', () => {
    const { text } = run([{ query: '{ me { id } }' }, { query: 'mutation($p:String!){login(password:$p){ok}}', variables: { p: SECRET } }]);
    expect(text).not.toContain(SECRET);
  });

  it('leaves an operation without credential arguments byte for byte', () => {
    const body = { query: 'query($q: String!) { search(term: $q) { id } }', variables: { q: 'red shoes' } };
    expect(run(body).text).toBe(JSON.stringify(body));
  });
});

describe('GraphQL variables outside a JSON body (thirteenth review, left then; fixed 2026-12-07)', () => {
  const QUERY = 'mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}';
  const VARS = JSON.stringify({ e: 'priya.sharma@acmecorp.in', p: SECRET });
  const clean = (r: ReturnType<typeof anonymise>) => {
    const stored = [r.url, r.req.body.bytes.toString()].join('\n');
    expect(stored).not.toContain(SECRET);
    expect(stored).not.toContain(encodeURIComponent(SECRET));
    expect(stored).not.toContain('priya.sharma');
    expect(auditRecord(r)).toEqual([]);
  };

  it('by GET: ?query=…&variables=…, in either order', () => {
    for (const url of [
      `/graphql?query=${encodeURIComponent(QUERY)}&variables=${encodeURIComponent(VARS)}`,
      `/graphql?variables=${encodeURIComponent(VARS)}&operationName=Login&query=${encodeURIComponent(QUERY)}`,
    ]) {
      const r = anonymise(testRecord({ url }));
      clean(r);
      const q = new URL(r.url, 'http://x').searchParams;
      expect(q.get('query')).toBe(QUERY);
      // the variables stay JSON with the same members, the secret's length kept
      const vars = JSON.parse(q.get('variables')!) as Record<string, string>;
      expect(Object.keys(vars)).toEqual(['e', 'p']);
      expect(vars.p).toHaveLength(SECRET.length);
    }
  });

  it('in a urlencoded form body', () => {
    const body = `query=${encodeURIComponent(QUERY)}&variables=${encodeURIComponent(VARS)}`;
    clean(anonymise(testRecord({ url: '/graphql', reqHeaders: [['content-type', 'application/x-www-form-urlencoded']], reqBody: body })));
  });

  it("in an Apollo multipart upload's operations part", () => {
    const ops = JSON.stringify({ query: 'mutation($f:Upload!,$k:String!){upload(file:$f,apiSecret:$k){ok}}', variables: { f: null, k: SECRET } });
    const body = [
      '--b1', 'Content-Disposition: form-data; name="operations"', '', ops,
      '--b1', 'Content-Disposition: form-data; name="map"', '', '{"0":["variables.f"]}',
      '--b1', 'Content-Disposition: form-data; name="0"; filename="a.txt"', 'Content-Type: text/plain', '', 'hello',
      '--b1--', '',
    ].join('\r\n');
    const r = anonymise(testRecord({ url: '/graphql', reqHeaders: [['content-type', 'multipart/form-data; boundary=b1']], reqBody: body }));
    clean(r);
    const stored = r.req.body.bytes.toString();
    expect(stored).toContain('{"0":["variables.f"]}');
    expect(stored).toContain('hello');
  });

  it('in a JSON body whose variables are a JSON string', () => {
    const { r, text } = run({ query: QUERY, variables: VARS });
    clean(r);
    const vars = JSON.parse((JSON.parse(text) as { variables: string }).variables) as Record<string, string>;
    expect(vars.p).toHaveLength(SECRET.length);
  });

  it('leaves a GET operation without credential arguments as it was', () => {
    const url = `/graphql?query=${encodeURIComponent('query($id:ID!){product(id:$id){name}}')}&variables=${encodeURIComponent('{"id":"SKU-0042"}')}`;
    expect(anonymise(testRecord({ url })).url).toBe(url);
  });
});
