/**
 * The blocks of bench:shadow-interleaved and the statistics over them: a
 * block is four windows labelled on-a, on-b, paused-a, paused-b in a random
 * order, each with its own latency histograms, request count and proxy CPU.
 * Ratios of p99 pooled over blocks or taken block by block, their bootstrap
 * intervals, and an A/A split of the same shape.
 */
import type { Histogram } from 'hdr-histogram-js';
import { histogram, median } from './shadow-harness.js';

/** Resamples per bootstrap interval. */
const BOOTSTRAP = 1000;

export const LABELS = ['on-a', 'on-b', 'paused-a', 'paused-b'] as const;
export type Label = (typeof LABELS)[number];
export const isOn = (l: Label) => l.startsWith('on');

/** One block's measurements, per label. */
export interface Block {
  order: Label[];
  latency: Record<Label, Histogram>;
  fromIntended: Record<Label, Histogram>;
  /** Requests counted (open: issued; closed: completed) and proxy CPU µs spent, outside the guards. */
  requests: Record<Label, number>;
  cpuUs: Record<Label, number>;
}

const perLabel = <T>(make: () => T) => Object.fromEntries(LABELS.map((l) => [l, make()])) as Record<Label, T>;

export function newBlock(): Block {
  const order: Label[] = [...LABELS];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return { order, latency: perLabel(histogram), fromIntended: perLabel(histogram), requests: perLabel(() => 0), cpuUs: perLabel(() => 0) };
}

/** Adds the histograms of `labels` over `blocks` into one. */
export function pool(blocks: Block[], labels: Label[], which: 'latency' | 'fromIntended' = 'latency'): Histogram {
  const h = histogram();
  for (const s of blocks) for (const l of labels) h.add(s[which][l]);
  return h;
}

export const ON: Label[] = ['on-a', 'on-b'];
export const PAUSED: Label[] = ['paused-a', 'paused-b'];

/** The 5th and 95th percentiles of `stat` over blocks resampled with replacement. */
export function bootstrap(blocks: Block[], stat: (pick: Block[]) => number): [number, number] {
  const values: number[] = [];
  for (let b = 0; b < BOOTSTRAP; b++) values.push(stat(Array.from({ length: blocks.length }, () => blocks[Math.floor(Math.random() * blocks.length)]!)));
  values.sort((x, y) => x - y);
  return [values[Math.floor(0.05 * BOOTSTRAP)]!, values[Math.floor(0.95 * BOOTSTRAP)]!];
}

export const p99Of = (blocks: Block[], labels: Label[]) => pool(blocks, labels).getValueAtPercentile(99);
/** Pooled p99 of every request, `top` windows over `bottom` windows. */
export const pooledRatio = (top: Label[], bottom: Label[]) => (blocks: Block[]) => p99Of(blocks, top) / p99Of(blocks, bottom);
/**
 * Median over blocks of each block's own p99 ratio: a stall of the box (on
 * these machines up to ~0.9 s, landing in one window) moves one block's
 * ratio, where it can decide a pooled p99.
 */
export const pairedRatio = (top: Label[], bottom: Label[]) => (blocks: Block[]) => median(blocks.map((b) => p99Of([b], top) / p99Of([b], bottom)));
/** An A/A split with the same shape as on / paused: each side one window on and one paused. */
export const SIDE_A: Label[] = ['on-a', 'paused-a'];
export const SIDE_B: Label[] = ['on-b', 'paused-b'];

/** Sum of `f` over the windows labelled `labels` of every block. */
export const sum = (blocks: Block[], labels: Label[], f: (s: Block, l: Label) => number) => blocks.reduce((a, s) => a + labels.reduce((b, l) => b + f(s, l), 0), 0);
