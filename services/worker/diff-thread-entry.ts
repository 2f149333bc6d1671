import { parentPort, workerData } from 'node:worker_threads';
import { createRecordAnonymiser, type AnonymiseRules } from '../../shared/anonymise/index.js';
import { anonymiseAnswer } from './answers.js';
import { compareExchange } from '../../shared/diff/compare.js';
import { RunStats } from '../../shared/diff/stats.js';
import type { DiffRules } from '../../shared/diff/rules.js';
import type { Answer, DiffMode } from '../../shared/diff/types.js';
import type { FromDiffThread, ToDiffThread } from './diff-protocol.js';

/** The diff thread: compares exchanges and keeps each open chunk's RunStats. */

interface OpenChunk {
  mode: DiffMode;
  rules: DiffRules;
  stats: RunStats;
}

const chunks = new Map<string, OpenChunk>();
const port = parentPort!;
// the answers' anonymiser, when the worker gave its key and rules
const anon = workerData as { key: string | undefined; rules: AnonymiseRules | undefined } | null;
const anonymise = anon ? createRecordAnonymiser({ ...(anon.key === undefined ? {} : { key: anon.key }), ...(anon.rules === undefined ? {} : { rules: anon.rules }) }) : undefined;
const clean = (a: Answer, recordedBody?: Buffer) => (anonymise ? anonymiseAnswer(a, anonymise, recordedBody) : a);

// Structured clone turns Buffers into plain Uint8Arrays.
function asBuffer(a: Answer): Answer {
  const body = a.body as Uint8Array;
  return Buffer.isBuffer(body) ? a : { ...a, body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
}

function reply(m: FromDiffThread): void {
  port.postMessage(m);
}

port.on('message', (m: ToDiffThread) => {
  if (m.type === 'open') {
    chunks.set(m.chunk, { mode: m.mode, rules: m.rules, stats: new RunStats() });
    return;
  }
  const chunk = chunks.get(m.chunk);
  if (m.type === 'collect') {
    chunks.delete(m.chunk);
    reply({ type: 'collected', id: m.id, stats: chunk ? chunk.stats.toJSON() : null });
    return;
  }
  if (!chunk) return reply({ type: 'failed', id: m.id, error: `chunk ${m.chunk} is not open in the diff thread` });
  try {
    const recorded = asBuffer(m.input.reference);
    const input = {
      ...m.input,
      // the recorded answer was anonymised at capture; a baseline's answer, like the target's, not yet
      reference: m.referenceIsAnswer ? clean(asBuffer(m.input.reference)) : recorded,
      target: clean(asBuffer(m.input.target), m.referenceIsAnswer ? undefined : recorded.body),
      baselines: (m.input.baselines ?? []).map((b) => clean(asBuffer(b), m.referenceIsAnswer ? undefined : recorded.body)),
      mode: chunk.mode,
      rules: chunk.rules,
    };
    const compared = compareExchange(input);
    chunk.stats.add(input, compared, m.lateUs === undefined ? undefined : { lateUs: m.lateUs });
    const differences = compared.differences.filter((d) => !d.expected).length;
    if (m.keep === undefined || input.target.error) return reply({ type: 'diffed', id: m.id, differences });
    // cut after anonymising, never before (diff-protocol.ts); a copy, not a view of the whole body
    const body = input.target.body;
    const cut = body.length > m.keep;
    const kept = { headers: input.target.headers, body: cut ? Buffer.from(body.subarray(0, m.keep)) : body, truncated: cut || input.target.truncated === true };
    reply({ type: 'diffed', id: m.id, differences, kept });
  } catch (err) {
    reply({ type: 'failed', id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
