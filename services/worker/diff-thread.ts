import type { Worker } from 'node:worker_threads';
import { RunStats } from '../../shared/diff/stats.js';
import type { DiffRules } from '../../shared/diff/rules.js';
import type { Answer, DiffMode, ExchangeInput } from '../../shared/diff/types.js';
import { startModuleThread } from '../../shared/thread.js';
import type { FromDiffThread, ToDiffThread } from './diff-protocol.js';

/**
 * The replay worker's diff thread, seen from the firing loop. Comparing a
 * 250 KiB JSON answer takes milliseconds of CPU; done on the loop it delays
 * every request due meanwhile and inflates the latency the loop measures.
 * The loop hands over only large answers (replay-send.ts): handing one over
 * costs more CPU than comparing a small one in place.
 */
export class DiffThread {
  readonly #thread: Worker;
  readonly #pending = new Map<number, { resolve: (m: FromDiffThread) => void; reject: (e: Error) => void }>();
  /** Chunks opened here whose mode and rules the thread has not needed yet. */
  readonly #unsent = new Map<string, { mode: DiffMode; rules: DiffRules }>();
  #nextId = 1;
  #dead: Error | undefined;

  /**
   * `anonymise`: the key and rules the thread anonymises answers with before
   * comparing them (as the firing thread does small ones; see answers.ts).
   */
  constructor(anonymise?: { key: string | undefined; rules: unknown }) {
    this.#thread = startModuleThread(import.meta.url, './diff-thread-entry', anonymise ?? null);
    this.#thread.on('message', (m: FromDiffThread) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (m.type === 'failed') p.reject(new Error(`diff thread: ${m.error}`));
      else p.resolve(m);
    });
    const fail = (err: Error) => {
      this.#dead = err;
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    };
    this.#thread.on('error', fail);
    this.#thread.on('exit', (code) => fail(new Error(`diff thread exited with code ${code}`)));
  }

  /**
   * Names a chunk's mode and rules. They reach the thread with the chunk's
   * first large answer, not now: copying a run's rules to the thread took
   * 1.6–3.4 ms of the firing loop per chunk (a CPU profile of bench:replay on
   * a 2-core box), and most chunks never hand an answer over.
   */
  open(chunk: string, mode: DiffMode, rules: DiffRules): void {
    this.#unsent.set(chunk, { mode, rules });
  }

  /**
   * Compares and counts one exchange in `chunk`: resolves with its count of real differences and,
   * with `keep`, also the target's answer as the thread anonymised it, its body cut to
   * `keep` bytes (undefined when the target gave no answer): what the results stream may store.
   */
  async diff(chunk: string, input: ExchangeInput, lateUs?: number, referenceIsAnswer = false, keep?: number): Promise<{ differences: number; kept?: Answer }> {
    const unsent = this.#unsent.get(chunk);
    if (unsent) {
      this.#unsent.delete(chunk);
      this.#post({ type: 'open', chunk, ...unsent });
    }
    const { rules: _rules, mode: _mode, ...rest } = input;
    const m = await this.#request((id) => ({ type: 'diff', id, chunk, input: rest, ...(lateUs === undefined ? {} : { lateUs }), ...(referenceIsAnswer ? { referenceIsAnswer } : {}), ...(keep === undefined ? {} : { keep }) }));
    if (m.type !== 'diffed') return { differences: 0 };
    if (!m.kept) return { differences: m.differences };
    // structured clone turns Buffers into plain Uint8Arrays
    const b = m.kept.body;
    const kept: Answer = { ...input.target, headers: m.kept.headers, body: Buffer.from(b.buffer, b.byteOffset, b.byteLength) };
    if (m.kept.truncated) kept.truncated = true;
    return { differences: m.differences, kept };
  }

  /** The chunk's stats (empty when nothing was diffed); the thread forgets the chunk. */
  async collect(chunk: string): Promise<RunStats> {
    if (this.#unsent.delete(chunk)) return new RunStats(); // nothing was handed over
    const m = await this.#request((id) => ({ type: 'collect', id, chunk }));
    return m.type === 'collected' && m.stats ? RunStats.fromJSON(m.stats) : new RunStats();
  }

  async close(): Promise<void> {
    await this.#thread.terminate();
  }

  #request(make: (id: number) => ToDiffThread): Promise<FromDiffThread> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#post(make(id));
    });
  }

  #post(m: ToDiffThread): void {
    this.#thread.postMessage(m);
  }
}
