import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import type { Answer } from '../../shared/diff/types.js';
import { anonymiseAnswer } from '../../services/worker/answers.js';

describe('replay answers', () => {
  const answer = (): Answer => ({ status: 200, headers: [['x-tag', 'blue'], ['content-type', 'application/json']], body: Buffer.from('{"ok":true}'), latencyUs: 100 });

  it('skips an answer equal to the recorded one only once its header lines came out clean under the same anonymiser', () => {
    const plain = createRecordAnonymiser({ key: 'answers-key' });
    const ruled = createRecordAnonymiser({ key: 'answers-key', rules: { rules: [{ header: 'x-tag', action: 'redact' }] } });
    const recorded = Buffer.from('{"ok":true}');
    // clean under the plain anonymiser, twice (the second time from its cache)
    for (let i = 0; i < 2; i++) expect(anonymiseAnswer(answer(), plain, recorded).headers).toContainEqual(['x-tag', 'blue']);
    // another anonymiser in the same process (a worker's shadow beside its replay) applies its own rule
    for (let i = 0; i < 2; i++) expect(anonymiseAnswer(answer(), ruled, recorded).headers).toContainEqual(['x-tag', '[redacted]']);
  });

  it('reads a body that differs from the recorded one', () => {
    const plain = createRecordAnonymiser({ key: 'answers-key' });
    const a = { ...answer(), body: Buffer.from('{"email":"priya.sharma@acmecorp.in"}') };
    expect(anonymiseAnswer(a, plain, Buffer.from('{"ok":true}')).body.toString()).not.toContain('priya');
  });
});
