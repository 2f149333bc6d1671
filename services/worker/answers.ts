import type { RecordAnonymiser } from '../../shared/anonymise/index.js';
import { UNTOUCHED } from '../../shared/anonymise/headers.js';
import type { Answer } from '../../shared/diff/types.js';
import type { CaptureRecord, CapturedBody } from '../../shared/record/schema.js';

/**
 * A target's answer (staging, a shadow, a baseline) through the same
 * anonymiser capture uses, before anything of it is compared, counted or
 * stored: staging often holds a copy of production's data. With the
 * proxy's key (PARITY_ANON_KEY) the same value gets the same pseudonym on
 * both sides, so exact diffs still compare like with like. The exchange
 * decoded a gzip/br/deflate body already: it says so, or the anonymiser
 * would try to decode it again and drop it.
 */
export function anonymiseAnswer(answer: Answer, anonymise: RecordAnonymiser, recordedBody?: Buffer): Answer {
  if (answer.error) return answer;
  // A body byte for byte the recorded (anonymised) one holds nothing capture would have replaced: only
  // the headers are read (most replayed answers of endpoints without personal data; bench:replay's)
  const same = recordedBody !== undefined && answer.body.length > 0 && answer.body.equals(recordedBody);
  // ...and when its headers were all seen before and came out unchanged, nothing is left to read
  const clean = cleanLinesOf(anonymise);
  if (same && allClean(answer.headers, clean)) return answer;
  const body: CapturedBody = { bytes: same ? EMPTY : answer.body, size: same ? 0 : answer.body.length, truncated: answer.truncated === true };
  const coding = decodedCoding(answer.headers);
  if (coding) body.decodedFrom = coding;
  const out = anonymise({ ...ANSWER_ONLY, res: { status: answer.status, headers: answer.headers, body }, anonymised: [] }).res!;
  const a: Answer = { ...answer, headers: out.headers, body: same ? answer.body : out.body.bytes };
  if (out.headers === answer.headers) rememberClean(answer.headers, clean);
  if (out.body.truncated || out.body.omitted) a.truncated = true;
  return a;
}

const EMPTY = Buffer.alloc(0);

/**
 * Header lines an anonymiser left as they were (`keep-alive: timeout=5`):
 * values by name, 10,000 at most per anonymiser (a worker's replay and
 * shadow anonymisers each have their own: a line clean under one's rules
 * need not be under the other's). Looked up by name then value, no string is
 * made per header and answer to ask.
 */
interface CleanLines {
  values: Map<string, Set<string>>;
  count: number;
}

const cleanByAnonymiser = new WeakMap<RecordAnonymiser, CleanLines>();

function cleanLinesOf(anonymise: RecordAnonymiser): CleanLines {
  let c = cleanByAnonymiser.get(anonymise);
  if (!c) cleanByAnonymiser.set(anonymise, (c = { values: new Map(), count: 0 }));
  return c;
}

function allClean(headers: readonly [string, string][], clean: CleanLines): boolean {
  for (const [k, v] of headers) if (!UNTOUCHED.has(k) && clean.values.get(k)?.has(v) !== true) return false;
  return true;
}

function rememberClean(headers: readonly [string, string][], clean: CleanLines): void {
  for (const [k, v] of headers) {
    if (UNTOUCHED.has(k) || v.length > 200) continue;
    let values = clean.values.get(k);
    if (values?.has(v)) continue;
    if (clean.count >= 10_000) {
      clean.values.clear();
      clean.count = 0;
      values = undefined;
    }
    if (!values) clean.values.set(k, (values = new Set()));
    values.add(v);
    clean.count++;
  }
}

/** A record that is only an answer: nothing else in it to anonymise. */
const ANSWER_ONLY: CaptureRecord = {
  v: 1, id: 'answer', session: '', ts: 0, method: 'GET', url: '/', httpVersion: '1.1', scheme: 'http',
  req: { headers: [], body: { bytes: Buffer.alloc(0), size: 0, truncated: false } }, res: null, timing: { ttfbUs: 0, totalUs: 0 }, anonymised: [],
};

function decodedCoding(headers: readonly [string, string][]): CapturedBody['decodedFrom'] {
  for (const [k, v] of headers) {
    if (k.toLowerCase() !== 'content-encoding') continue;
    const c = v.trim().toLowerCase();
    return c === 'gzip' || c === 'x-gzip' ? 'gzip' : c === 'br' ? 'br' : c === 'deflate' ? 'deflate' : undefined;
  }
  return undefined;
}
