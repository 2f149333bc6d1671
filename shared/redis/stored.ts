import type { z } from 'zod';
import { errorText } from '../errors.js';

/**
 * Values read back from Redis are checked before use: a key another program
 * wrote (by hand, a half-restored backup, another version) must fail with an
 * error naming it, not deep inside a reader ("Cannot read properties of
 * undefined"). `refuse` turns what is wrong into the caller's coded error.
 */
export type Refuse = (problem: string, cause?: unknown) => Error;

/** Awaits a read; a key holding another type than `type` (WRONGTYPE) is refused. */
export async function readTyped<T>(read: Promise<T>, type: 'hash' | 'list' | 'string' | 'stream', refuse: Refuse): Promise<T> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('WRONGTYPE')) throw refuse(`is not a ${type}`, err);
    throw err;
  }
}

/** Stored JSON checked against `schema` (`what` names what it should be); the value as stored, not zod's copy. */
export function parseStoredJson<T>(text: string, schema: z.ZodType, what: string, refuse: Refuse): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw refuse(`is not JSON (${errorText(err)})`, err);
  }
  const checked = schema.safeParse(value);
  if (!checked.success) {
    const issues = checked.error.issues.slice(0, 3).map((i) => `${i.path.length > 0 ? i.path.join('.') : 'the value'}: ${i.message}`);
    throw refuse(`is not ${what} (${issues.join('; ')})`);
  }
  return value as T;
}
