import type { Answer, DiffMode, ExchangeInput, ExchangeResult, FieldDifference } from './types.js';
import { DiffCollector } from './json-diff.js';
import { headerDiff } from './headers.js';
import { bodyDiff } from './body.js';
import { routeTemplate } from './route.js';
import { rulesForRoute, type RouteRules } from './rules.js';

/**
 * Compares one exchange: the target's answer against the reference, and —
 * for noise — the reference against each further baseline answer, with the
 * same mode and rules. When the status differs nothing else is compared
 * (a 500 page against a JSON body would only bury the status change).
 */

function answerDiff(reference: Answer, target: Answer, mode: DiffMode, rules: RouteRules): { diffs: FieldDifference[]; clipped: number; bodyCompared: boolean } {
  const c = new DiffCollector(rules);
  let bodyCompared = false;
  if (reference.status !== target.status) {
    const new5xx = target.status >= 500 && reference.status < 500;
    c.field('status', new5xx ? 'new-5xx' : 'status', String(reference.status), String(target.status));
  } else if (mode !== 'status') {
    headerDiff(reference.headers, target.headers, mode, c);
    if (!reference.truncated && !target.truncated) {
      bodyDiff(reference, target, mode, c);
      bodyCompared = true;
    }
  }
  return { diffs: c.out, clipped: c.clipped, bodyCompared };
}

/**
 * Never throws. The JSON walks recurse, so a body nested a few thousand
 * levels deep (8,000 levels fit in 16 KB) overflows the stack; rather than
 * lose the request, such an exchange is compared by status alone and its
 * body counted as skipped (`compare-failed`). Catching is simpler than
 * making every walk (shape, exact, canonical text, previews) iterative, and
 * costs nothing on the common path.
 */
export function compareExchange(input: ExchangeInput): ExchangeResult {
  try {
    return compareAll(input);
  } catch {
    return compareStatusOnly(input);
  }
}

/** The exchange compared by status alone, its body (and headers) counted as skipped: what a comparison that could not finish still tells. */
export function compareStatusOnly(input: ExchangeInput): ExchangeResult {
  const result = compareAll({ ...input, mode: 'status' });
  if (!result.skipped && !result.targetError) result.skipped = 'compare-failed';
  return result;
}

function compareAll(input: ExchangeInput): ExchangeResult {
  const route = input.route ?? routeTemplate(input.method, input.url);
  const result: ExchangeResult = { route, differences: [], noise: [], noiseSampled: false, statusChanged: false, new5xx: false };
  if (input.reference.error) {
    result.skipped = 'reference-error';
    return result;
  }
  if (input.target.error) {
    result.targetError = input.target.error;
    return result;
  }
  const rules = rulesForRoute(input.rules, route);
  const main = answerDiff(input.reference, input.target, input.mode, rules);
  result.differences = main.diffs;
  if (main.clipped > 0) result.clipped = main.clipped;
  if (!main.bodyCompared && input.mode !== 'status' && input.reference.status === input.target.status) result.skipped = 'body-truncated';
  result.statusChanged = input.reference.status !== input.target.status;
  result.new5xx = input.target.status >= 500 && input.reference.status < 500;
  // most exchanges have no baseline answers: no list filtered for them then
  const baselines = input.baselines;
  if (baselines?.some((b) => !b.error)) {
    result.noiseSampled = true;
    const seen = new Set<string>();
    for (const b of baselines) {
      if (b.error) continue;
      for (const d of answerDiff(input.reference, b, input.mode, rules).diffs) {
        const key = `${d.field}\u0000${d.kind}`;
        if (seen.has(key)) continue;
        seen.add(key);
        result.noise.push(d);
      }
    }
  }
  return result;
}
