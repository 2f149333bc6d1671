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

/** How a loop settled, and how many requests were still in flight when it did. */
function settled(loop: Promise<void>, f: { inFlight: number }): Promise<{ inFlight: number; err: unknown }> {
  return loop.then(
    () => ({ inFlight: f.inFlight, err: undefined }),
    (err: unknown) => ({ inFlight: f.inFlight, err }),
  );
}

describe('the open loop', () => {
  it('fails once its requests in flight settle when one is lost, and fires nothing after', async () => {
    const due = nowUs();
    // three arrivals due now, two a minute later: due long after the loop settles, however loaded the box
    const arrivals = [0, 1, 2, 3, 4].map((i) => ({ i, dueUs: i < 3 ? due : due + 60_000_000 }));
    const f = firing(1);
    const loop = settled(openLoop(arrivals, new AbortController().signal, (a) => f.fire(a.i)), f);
    await tick();
    expect(f.fired).toEqual([0, 1, 2]);
    f.answerAll();
    expect(await loop).toMatchObject({ inFlight: 0, err: { message: 'request 1 lost' } });
    expect(f.fired).toEqual([0, 1, 2]);
  });
});

describe('the closed loop', () => {
  it('stops every user when one fails, and fails only once all have settled', async () => {
    let next = 0;
    const claim = () => Promise.resolve(next++);
    const f = firing(1);
    // the window (a minute) is open throughout, however loaded the box: users left running would go on firing
    const loop = settled(closedLoop(3, nowUs() + 60_000_000, new AbortController().signal, claim, (item) => f.fire(item)), f);
    await tick();
    expect(f.fired).toEqual([0, 1, 2]);
    f.answerAll();
    expect(await loop).toMatchObject({ inFlight: 0, err: { message: 'request 1 lost' } });
    await new Promise((r) => setTimeout(r, 20));
    expect(f.fired).toEqual([0, 1, 2]);
  });
});
