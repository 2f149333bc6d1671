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
