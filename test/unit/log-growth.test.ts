import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logGrowth } from '../../shared/log.js';

/** A real pino logger whose lines are kept in an array. */
function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info', base: null, timestamp: false }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

describe('logGrowth', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('says a thousand failures in one interval in one line, with the count since the last line and the total', () => {
    const { log, lines } = memoryLogger();
    let failures = 0;
    const watch = logGrowth(log, { count: () => failures, everyMs: 5000, msg: 'dropped', fields: { reason: 'redis-error' } });
    failures += 1000;
    vi.advanceTimersByTime(5000);
    failures += 3;
    vi.advanceTimersByTime(5000);
    expect(lines).toEqual([
      { level: 40, reason: 'redis-error', count: 1000, total: 1000, msg: 'dropped' },
      { level: 40, reason: 'redis-error', count: 3, total: 1003, msg: 'dropped' },
    ]);
    watch.stop();
  });

  it('says nothing while the counter stands still, nor about what it held when watching began', () => {
    const { log, lines } = memoryLogger();
    const watch = logGrowth(log, { count: () => 42, everyMs: 5000, msg: 'dropped' });
    vi.advanceTimersByTime(60_000);
    watch.stop();
    expect(lines).toEqual([]);
  });

  it('on stop says what grew since the last line, then nothing more', () => {
    const { log, lines } = memoryLogger();
    let failures = 0;
    const watch = logGrowth(log, { count: () => failures, everyMs: 5000, msg: 'dropped' });
    failures = 7;
    watch.stop();
    failures = 9;
    vi.advanceTimersByTime(60_000);
    expect(lines).toEqual([{ level: 40, count: 7, total: 7, msg: 'dropped' }]);
  });
});
