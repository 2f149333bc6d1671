/**
 * Polls `probe` until it gives a value (anything but undefined or false) and
 * returns it; past `timeoutMs` throws, naming `what` it waited for. Bounded:
 * tests wait on the condition itself, never a fixed sleep.
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 25_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * 'settled' once `promise` resolves (a rejection is thrown), or 'still
 * pending' after `neverMs`: for what must not wait on anything (a close),
 * with `neverMs` far past any wait it should have, so that only one that
 * waits for good gives 'still pending'.
 */
export async function settles(promise: Promise<unknown>, neverMs = 20_000): Promise<'settled' | 'still pending'> {
  let timer: NodeJS.Timeout | undefined;
  const never = new Promise<'still pending'>((resolve) => (timer = setTimeout(() => resolve('still pending'), neverMs)));
  try {
    return await Promise.race([promise.then(() => 'settled' as const), never]);
  } finally {
    clearTimeout(timer);
  }
}
