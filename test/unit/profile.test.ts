import { describe, expect, it } from 'vitest';
import { describeProfile, parseDuration, parseStages, profileFromFlags } from '../../shared/replay/profile.js';

describe('replay profiles from flags', () => {
  it('parses durations in ms, s, m and h, a bare number being seconds', () => {
    expect([parseDuration('500ms'), parseDuration('10s'), parseDuration('2m'), parseDuration('1.5h'), parseDuration('3')]).toEqual([500, 10_000, 120_000, 5_400_000, 3000]);
    expect(parseDuration('ten seconds')).toBeUndefined();
  });

  it('parses k6-style stages and names a malformed one', () => {
    expect(parseStages('10s:50,30s:200,10s:0')).toEqual([
      { durationMs: 10_000, target: 50 },
      { durationMs: 30_000, target: 200 },
      { durationMs: 10_000, target: 0 },
    ]);
    expect(() => parseStages('10s:50,fast:200')).toThrow(/stage "fast:200"/);
  });

  it('defaults to as-recorded at 1x and infers the profile from its knobs', () => {
    expect(profileFromFlags({})).toEqual({ kind: 'as-recorded', speed: 1 });
    expect(profileFromFlags({ speed: '4' })).toEqual({ kind: 'as-recorded', speed: 4 });
    expect(profileFromFlags({ rate: '200', duration: '30s' })).toEqual({ kind: 'constant-rate', rate: 200, durationMs: 30_000 });
    expect(profileFromFlags({ stages: '10s:50' })).toEqual({ kind: 'ramping-rate', startRate: 0, stages: [{ durationMs: 10_000, target: 50 }] });
    expect(profileFromFlags({ concurrency: '8', duration: '1m' })).toEqual({ kind: 'constant-concurrency', vus: 8, durationMs: 60_000 });
    expect(profileFromFlags({ rate: '10', spikeRate: '100', spikeAt: '5s', spikeFor: '2s', duration: '10s' })).toMatchObject({ kind: 'spike', spikeAtMs: 5000 });
    expect(profileFromFlags({ profile: 'soak', rate: '20', duration: '1h' })).toEqual({ kind: 'soak', rate: 20, durationMs: 3_600_000 });
  });

  it('lists every problem at once, naming the flags', () => {
    let err: unknown;
    try {
      profileFromFlags({ profile: 'constant-concurrency', speed: '2', concurrency: '0' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'PARITY_ERR_USAGE', exitCode: 2 });
    const text = (err as Error).message;
    expect(text).toMatch(/--speed does not apply to the constant-concurrency profile/);
    expect(text).toMatch(/--concurrency expects a whole number >= 1 and <= 10000, got "0"/);
    expect(text).toMatch(/needs --duration/);
  });

  it('refuses an unknown profile and a spike that ends after the run', () => {
    expect(() => profileFromFlags({ profile: 'bursty' })).toThrow(/not one of as-recorded/);
    expect(() => profileFromFlags({ rate: '1', spikeRate: '5', spikeAt: '8s', spikeFor: '5s', duration: '10s' })).toThrow(/must end within --duration/);
  });

  it('describes a profile in one line', () => {
    expect(describeProfile({ kind: 'constant-rate', rate: 200, durationMs: 30_000 })).toBe('constant-rate 200/s for 30s');
  });
});
