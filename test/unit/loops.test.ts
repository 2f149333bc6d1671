import { describe, expect, it } from 'vitest';
import { nowUs } from '../../shared/record/convert.js';
import { closedLoop, openLoop } from '../../services/worker/loops.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

/** A fire function whose requests stay in flight until `answerAll` (once called, later ones are answered at once); item `failing` rejects. */
function firing<T>(failing: T) {
  const fired: T[] = [];
  let inFlight = 0;
  let answers: (() => void)[] | undefined = [];
  return {
    fired,
    get inFlight() {
      return inFlight;
    },
    fire: (item: T) => {
      fired.push(item);
      inFlight++;
      return new Promise<void>((resolve, reject) => {
        const answer = () => {
          inFlight--;
          if (item === failing) reject(new Error(`request ${String(item)} lost`));
          else resolve();
        };
        if (answers) answers.push(answer);
        else setImmediate(answer);
      });
    },
    answerAll() {
      for (const a of answers ?? []) a();
      answers = undefined;
    },
  };
}

describe('the open loop', () => {
  it('fails once its requests in flight settle when one is lost, and fires nothing after', async () => {
    const due = nowUs();
    // three arrivals due now, two a little later
    const arrivals = [0, 1, 2, 3, 4].map((i) => ({ i, dueUs: i < 3 ? due : due + 200_000 }));
    const f = firing(1);
    let settledWith: { inFlight: number; err: unknown } | undefined;
    const loop = openLoop(arrivals, new AbortController().signal, (a) => f.fire(a.i)).then(
      () => (settledWith = { inFlight: f.inFlight, err: undefined }),
      (err: unknown) => (settledWith = { inFlight: f.inFlight, err }),
    );
    await tick();
    expect(f.fired).toEqual([0, 1, 2]);
    f.answerAll();
    await loop;
    expect(settledWith).toMatchObject({ inFlight: 0, err: { message: 'request 1 lost' } });
    expect(f.fired).toEqual([0, 1, 2]);
  });
});

describe('the closed loop', () => {
  it('stops every user when one fails, and fails only once all have settled', async () => {
    let next = 0;
    const claim = () => Promise.resolve(next++);
    const f = firing(1);
    let settledWith: { inFlight: number; err: unknown } | undefined;
    // the window is long enough for users left running to go on firing
    const loop = closedLoop(3, nowUs() + 300_000, new AbortController().signal, claim, (item) => f.fire(item)).then(
      () => (settledWith = { inFlight: f.inFlight, err: undefined }),
      (err: unknown) => (settledWith = { inFlight: f.inFlight, err }),
    );
    await tick();
    expect(f.fired).toEqual([0, 1, 2]);
    f.answerAll();
    await loop;
    expect(settledWith).toMatchObject({ inFlight: 0, err: { message: 'request 1 lost' } });
    await new Promise((r) => setTimeout(r, 20));
    expect(f.fired).toEqual([0, 1, 2]);
  });
});
