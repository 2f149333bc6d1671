import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * End-to-end files first, then integration, then unit; vitest's own order
 * within each (the longest first when a previous run's timings are cached,
 * else the largest file first). Without a cache, as in CI, size alone ran
 * test/e2e/demo.test.ts (2 KB, ~20-35 s) near the end beside nothing but
 * sub-second unit files: one fork idled ~15 s. Unit files are short and
 * many, so they even out the two forks' ends.
 */
class SlowKindsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => (f.moduleId.includes('/test/e2e/') ? 0 : f.moduleId.includes('/test/integration/') ? 1 : 2);
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    sequence: { sequencer: SlowKindsFirst },
    env: { PARITY_FROM_SOURCE: '1' },
  },
});
