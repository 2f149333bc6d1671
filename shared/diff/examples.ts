import { isUtf8 } from 'node:buffer';
import type { Answer, ExchangeInput, FieldDifference } from './types.js';
import { contentType } from './headers.js';

/**
 * A few concrete examples per route and per field. Which examples are kept
 * is decided by a hash of their content, never by arrival order, so stats
 * merged from many workers keep the same examples in any merge order.
 */

const BODY_PREVIEW = 1024;
const MAX_EXAMPLE_DIFFS = 10;

/** One request with both answers (bodies cut to 1 KiB) and what differed. */
export interface Example {
  /** Order key: the set keeps the smallest keys. */
  key: string;
  method: string;
  url: string;
  recordId?: string;
  reference: AnswerPreview;
  target: AnswerPreview;
  differences: FieldDifference[];
}

export interface AnswerPreview {
  status: number;
  contentType: string;
  latencyUs: number;
  /** UTF-8 text of the body, or `<N bytes of binary>`; cut to 1 KiB. */
  body: string;
  /** Size of the whole body in bytes. */
  size: number;
  error?: string;
}

/** FNV-1a, 32 bits, as 8 hex digits. */
export function fnv1a(text: string, seed = 0x811c9dc5): string {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

function fnvBytes(b: Buffer, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

/** First part of an example's key: cheap, decides most admissions. */
export function exampleKeyHead(method: string, url: string, signature: string): string {
  return fnv1a(`${method} ${url}\n${signature}`);
}

/** The full key: head, a hash of both bodies, then the request line (so equal keys mean equal content). */
export function exampleKey(head: string, input: ExchangeInput): string {
  const bodies = fnvBytes(input.target.body, fnvBytes(input.reference.body));
  return `${head}${bodies.toString(16).padStart(8, '0')} ${input.method} ${input.url}`;
}

function previewAnswer(a: Answer): AnswerPreview {
  const p: AnswerPreview = { status: a.status, contentType: contentType(a.headers), latencyUs: Math.round(a.latencyUs), body: '', size: a.body.length };
  if (a.error) {
    p.error = a.error;
    return p;
  }
  const head = a.body.subarray(0, BODY_PREVIEW + 4);
  if (a.body.length === 0) p.body = '';
  else if (isUtf8(head) || isUtf8(a.body.subarray(0, BODY_PREVIEW))) {
    const text = a.body.subarray(0, BODY_PREVIEW).toString('utf8');
    p.body = a.body.length > BODY_PREVIEW ? `${text}…` : text;
  } else p.body = `<${a.body.length} bytes of binary>`;
  return p;
}

/** Builds an example; `first` lists differences to show before the others. */
export function buildExample(key: string, input: ExchangeInput, differences: FieldDifference[], first?: (d: FieldDifference) => boolean): Example {
  const ordered = first ? [...differences.filter(first), ...differences.filter((d) => !first(d))] : differences;
  const ex: Example = {
    key,
    method: input.method,
    url: input.url,
    reference: previewAnswer(input.reference),
    target: previewAnswer(input.target),
    differences: ordered.slice(0, MAX_EXAMPLE_DIFFS),
  };
  if (input.recordId) ex.recordId = input.recordId;
  return ex;
}

const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const answerOrder = (a: AnswerPreview, b: AnswerPreview) => a.latencyUs - b.latencyUs || a.status - b.status || text(a.contentType, b.contentType) || text(a.error ?? '', b.error ?? '');

/** Orders two examples of one key by what the key leaves out (timings, statuses, record), so a set's choice never depends on arrival order. */
function byContent(a: Example, b: Example): number {
  return answerOrder(a.reference, b.reference) || answerOrder(a.target, b.target) || text(a.recordId ?? '', b.recordId ?? '');
}

/** The k examples with the smallest keys. */
export class ExampleSet {
  items: Example[] = [];
  constructor(readonly capacity: number) {}

  /** True when an example whose key starts with `head` could be kept. */
  admits(head: string): boolean {
    if (this.items.length < this.capacity) return true;
    return head <= this.items[this.items.length - 1]!.key.slice(0, head.length);
  }

  offer(ex: Example): void {
    const same = this.items.findIndex((e) => e.key === ex.key);
    if (same >= 0) {
      // equal keys mean equal request and bodies, not equal timings: keep the smaller by content, whatever came first
      if (byContent(ex, this.items[same]!) < 0) this.items[same] = ex;
      return;
    }
    if (this.items.length >= this.capacity && ex.key >= this.items[this.items.length - 1]!.key) return;
    this.items.push(ex);
    this.items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    if (this.items.length > this.capacity) this.items.length = this.capacity;
  }

  merge(other: ExampleSet | Example[]): void {
    for (const e of Array.isArray(other) ? other : other.items) this.offer(e);
  }
}
