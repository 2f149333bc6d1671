/**
 * A bounded line diff for text bodies: common prefix and suffix are
 * skipped, the middle is aligned by longest common subsequence when small
 * enough (else shown as removed-then-added), and the output is cut to a
 * number of lines. Input past 64 KiB per side is not looked at.
 */

const MAX_INPUT = 64 * 1024;
const MAX_LCS_CELLS = 250_000;
const MAX_LINE = 200;

const clip = (line: string) => (line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line);

/** `@@ line N`, then `-` reference lines and `+` target lines; empty when the texts are equal. */
export function textDiff(reference: string, target: string, maxLines: number): string[] {
  if (reference === target) return [];
  const a = reference.slice(0, MAX_INPUT).split('\n');
  const b = target.slice(0, MAX_INPUT).split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const ops = midA.length * midB.length <= MAX_LCS_CELLS ? alignByLcs(midA, midB) : [...midA.map((l) => `-${l}`), ...midB.map((l) => `+${l}`)];
  const out = [`@@ line ${start + 1}`];
  for (const op of ops) {
    if (out.length >= maxLines) {
      out.push(`… ${ops.length - (out.length - 1)} more changed lines`);
      break;
    }
    out.push(clip(op));
  }
  if (reference.length > MAX_INPUT || target.length > MAX_INPUT) out.push('… compared the first 64 KiB only');
  return out;
}

/** Edit script from the LCS table: unchanged lines are omitted, changed ones prefixed with - or +. */
function alignByLcs(a: string[], b: string[]): string[] {
  const n = a.length;
  const m = b.length;
  const w = m + 1;
  const t = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      t[i * w + j] = a[i] === b[j] ? t[(i + 1) * w + j + 1]! + 1 : Math.max(t[(i + 1) * w + j]!, t[i * w + j + 1]!);
    }
  }
  const ops: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      i++;
      j++;
    } else if (t[(i + 1) * w + j]! >= t[i * w + j + 1]!) ops.push(`-${a[i++]}`);
    else ops.push(`+${b[j++]}`);
  }
  while (i < n) ops.push(`-${a[i++]}`);
  while (j < m) ops.push(`+${b[j++]}`);
  return ops;
}
