import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../shared/config/load.js';
import { loadRulesFile } from '../../shared/config/rules.js';
import { isParityError } from '../../shared/errors.js';
import { loadShadowPolicy, shadowPolicy } from '../../shared/shadow/rules.js';
import { markerHeader, shadowProxyOptions } from '../../shared/shadow/options.js';
import { parseWindow, windowBuckets, BUCKET_MS } from '../../shared/shadow/window.js';

describe('shadow rules', () => {
  it('mirrors GET, HEAD and OPTIONS by default and nothing else', () => {
    const p = shadowPolicy();
    for (const m of ['GET', 'HEAD', 'OPTIONS', 'get']) expect(p.skip(m, '/api/users/1?x=1')).toBeUndefined();
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(p.skip(m, '/api/users/1')).toBe('method');
  });

  it('mirrors another method only on a route allowed explicitly', () => {
    const p = shadowPolicy({ allow: [{ methods: ['POST'], path: '/api/cart/**' }], deny: [] });
    expect(p.skip('POST', '/api/cart/items?qty=2')).toBeUndefined();
    expect(p.skip('PUT', '/api/cart/items')).toBe('method');
    expect(p.skip('POST', '/api/orders')).toBe('method');
  });

  it('keeps denied routes out even for safe methods', () => {
    const p = shadowPolicy({ allow: [], deny: [{ path: '/admin/**' }, { methods: ['GET'], path: '/api/export' }] });
    expect(p.skip('GET', '/admin/users')).toBe('denied');
    expect(p.skip('HEAD', '/api/export')).toBeUndefined();
    expect(p.skip('GET', '/api/export?all=1')).toBe('denied');
  });

  it('reads the shadow section of a rules file and names a bad entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-shadow-'));
    const good = join(dir, 'rules.yaml');
    writeFileSync(good, 'shadow:\n  allow:\n    - { methods: [post], path: /api/cart/** }\n');
    expect(loadShadowPolicy(loadRulesFile(good), good).skip('POST', '/api/cart/1')).toBeUndefined();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'shadow:\n  allow:\n    - { methods: [POST], path: api/cart }\n');
    try {
      loadShadowPolicy(loadRulesFile(bad), bad);
      expect.unreachable();
    } catch (err) {
      expect(isParityError(err) && err.code).toBe('PARITY_ERR_CONFIG_INVALID');
      expect((err as Error).message).toMatch(/rules\.shadow\.allow\.0\.path.*starting with \//);
    }
    // a deny glob picomatch cannot read would deny nothing, silently: refused
    const unread = join(dir, 'unread.yaml');
    writeFileSync(unread, 'shadow:\n  deny:\n    - { path: "/admin/{users,roles/**" }\n');
    expect(() => loadShadowPolicy(loadRulesFile(unread), unread)).toThrow(/rules\.shadow\.deny\.0\.path.*not a readable glob/s);
  });
});

describe('shadow settings', () => {
  it('parses the marker header and defaults it to x-parity-shadow: 1', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'parity-shadow-'));
    expect(markerHeader(loadConfig({ env: {}, cwd }).config.shadowMarker)).toEqual(['x-parity-shadow', '1']);
    expect(markerHeader(loadConfig({ env: { PARITY_SHADOW_MARKER: 'X-Mirror=yes' }, cwd }).config.shadowMarker)).toEqual(['x-mirror', 'yes']);
    expect(() => loadConfig({ env: { PARITY_SHADOW_MARKER: 'no header here' }, cwd })).toThrow(/shadowMarker.*expected "header-name: value"/);
  });

  it('refuses raw mirroring without a key, and a shadow target that is production', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'parity-shadow-'));
    const env = { PARITY_SHADOW_TARGET: 'http://127.0.0.1:4000', PARITY_UPSTREAM: 'http://127.0.0.1:3000' };
    expect(shadowProxyOptions(loadConfig({ env: { PARITY_UPSTREAM: env.PARITY_UPSTREAM }, cwd }).config, {})).toBeUndefined();
    const opts = shadowProxyOptions(loadConfig({ env, cwd }).config, {});
    expect(opts?.destination).toEqual({ target: 'http://127.0.0.1:4000', marker: ['x-parity-shadow', '1'] });
    expect(opts?.raw).toBeUndefined();
    expect(() => shadowProxyOptions(loadConfig({ env: { ...env, PARITY_SHADOW_RAW: 'true' }, cwd }).config, {})).toThrow(/PARITY_SHADOW_KEY is not set/);
    const key = 'ab'.repeat(32);
    expect(shadowProxyOptions(loadConfig({ env: { ...env, PARITY_SHADOW_RAW: 'true', PARITY_SHADOW_KEY: key }, cwd }).config, {})?.raw?.key).toHaveLength(32);
    expect(() => shadowProxyOptions(loadConfig({ env: { ...env, PARITY_SHADOW_TARGET: 'http://127.0.0.1:3000/v2' }, cwd }).config, {})).toThrow(/production upstream itself/);
    // production by another of its names: every mirrored request would reach it twice
    for (const other of ['http://localhost:3000', 'http://0.0.0.0:3000']) {
      expect(() => shadowProxyOptions(loadConfig({ env: { ...env, PARITY_SHADOW_TARGET: other }, cwd }).config, {})).toThrow(/production upstream itself/);
      expect(() => shadowProxyOptions(loadConfig({ env: { ...env, PARITY_SHADOW_BASELINE: other }, cwd }).config, {})).toThrow(/production upstream itself/);
    }
  });

  it("refuses a shadow or baseline that is the proxy's own listener", () => {
    const cwd = mkdtempSync(join(tmpdir(), 'parity-shadow-'));
    const env = { PARITY_UPSTREAM: 'http://127.0.0.1:3000', PARITY_LISTEN: '0.0.0.0:8099' };
    for (const own of ['http://127.0.0.1:8099', 'http://localhost:8099/v2']) {
      expect(() => shadowProxyOptions(loadConfig({ env: { ...env, PARITY_SHADOW_TARGET: own }, cwd }).config, {})).toThrow(/own listener/);
      expect(() => shadowProxyOptions(loadConfig({ env: { ...env, PARITY_SHADOW_TARGET: 'http://127.0.0.1:4000', PARITY_SHADOW_BASELINE: own }, cwd }).config, {})).toThrow(/own listener/);
    }
    expect(shadowProxyOptions(loadConfig({ env: { ...env, PARITY_SHADOW_TARGET: 'http://127.0.0.1:8100' }, cwd }).config, {})).toBeDefined();
  });

  it('rejects a sealing key that is not 32 bytes without printing it', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'parity-shadow-'));
    try {
      loadConfig({ env: { PARITY_SHADOW_KEY: 'short-secret-value' }, cwd });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/shadowKey \(from env, PARITY_SHADOW_KEY\): expected 32 bytes/);
      expect((err as Error).message).not.toContain('short-secret-value');
    }
  });
});

describe('shadow windows', () => {
  const now = Date.UTC(2026, 10, 21, 12, 30, 15);
  it('covers a duration back from now in one-minute buckets', () => {
    const w = parseWindow('5m', now);
    expect(w.since).toBe(Date.UTC(2026, 10, 21, 12, 25));
    expect(windowBuckets(w)).toHaveLength(6);
    expect(windowBuckets(w).every((t) => t % BUCKET_MS === 0)).toBe(true);
  });

  it('accepts an ISO date and refuses anything else with a usage error', () => {
    expect(parseWindow('2026-11-21T12:00:00Z', now).since).toBe(Date.UTC(2026, 10, 21, 12));
    expect(() => parseWindow('yesterday', now)).toThrow(/neither a duration/);
  });
});
