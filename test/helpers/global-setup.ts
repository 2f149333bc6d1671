import type { TestProject } from 'vitest/node';
import { buildCli, type BuiltCli } from './build-cli.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

let server: RedisServer | undefined;
let cli: BuiltCli | undefined;

/**
 * One redis-server for the whole run; each test takes its own database (see testRedis).
 * The CLI children run a build of the sources made here, once per run (see build-cli.ts).
 */
export async function setup(project: TestProject): Promise<void> {
  const fromSource = process.env.PARITY_TEST_TSX === '1';
  [server, cli] = await Promise.all([startRedisServer({ databases: 4096 }), fromSource ? undefined : buildCli()]);
  project.provide('redisPort', server.port);
  project.provide('cliRoot', cli?.root ?? '');
  // watch mode: the sources may have changed since the build
  project.onTestsRerun(async () => {
    await cli?.rebuild();
  });
}

export async function teardown(): Promise<void> {
  await Promise.all([server?.stop(), cli?.remove()]);
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisPort: number;
    /** A folder laid out like the image (bin/, dist/, node_modules), or '' to run the CLI through tsx. */
    cliRoot: string;
  }
}
