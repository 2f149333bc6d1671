import type { TestProject } from 'vitest/node';
import { startRedisServer, type RedisServer } from './redis-server.js';

let server: RedisServer | undefined;

/** One redis-server for the whole run; each test takes its own database (see testRedis). */
export async function setup(project: TestProject): Promise<void> {
  server = await startRedisServer({ databases: 4096 });
  project.provide('redisPort', server.port);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisPort: number;
  }
}
