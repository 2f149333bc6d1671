/**
 * Child processes of bench:proxy and bench:capture-loss, one role each, so
 * that the proxy under test has a process (and a CPU account) of its own:
 *
 *   tsx scripts/bench/proxy-roles.ts upstream
 *   tsx scripts/bench/proxy-roles.ts parity <upstream> <redisUrl> <engine> <sample> <thread|inline> <session>
 *   tsx scripts/bench/proxy-roles.ts fastify <upstream>
 *
 * Each prints `PORT <n> [ADMIN <n>]` on stdout once it listens. nginx is
 * started from a generated config (nginxConfig below).
 */
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import fastifyHttpProxy from '@fastify/http-proxy';
import { startProxy } from '../../services/proxy/proxy.js';
import type { EngineName } from '../../services/proxy/engine.js';
import type { CaptureMode } from '../../shared/capture/backend.js';
import { loadConfig } from '../../shared/config/load.js';
import { createLogger } from '../../shared/log.js';

/** 1 KiB of JSON, the body BENCHMARKS.md prescribes. */
export const BODY = Buffer.from(
  JSON.stringify({ items: Array.from({ length: 14 }, (_, i) => ({ id: i, name: `item ${i}`, price: i * 3.5, tags: ['a', 'b'] })) }).slice(0, 1000).padEnd(1024, ' '),
);

function upstream(): void {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length }).end(BODY));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    process.stdout.write(`PORT ${typeof a === 'object' && a ? a.port : 0}\n`);
  });
}

async function parity(args: string[]): Promise<void> {
  const [up, redisUrl, engine, sample, mode, session] = args as [string, string, EngineName, string, CaptureMode, string];
  const { config } = loadConfig({
    flags: { upstream: up, redisUrl, listen: '127.0.0.1:0', adminListen: '127.0.0.1:0', sampleRate: sample, session, logLevel: 'warn', logFormat: 'json' },
    env: {},
    cwd: tmpdir(),
  });
  const proxy = await startProxy({ config, log: createLogger({ level: 'warn', format: 'json' }), engine, captureMode: mode });
  process.stdout.write(`PORT ${proxy.port} ADMIN ${proxy.adminPort}\n`);
  process.once('SIGTERM', () => void proxy.close({ graceMs: 200, flushMs: 2000 }).then(() => process.exit(0)));
}

async function fastify(up: string): Promise<void> {
  const app = Fastify({ logger: false });
  await app.register(fastifyHttpProxy, { upstream: up });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  process.stdout.write(`PORT ${typeof a === 'object' && a ? a.port : 0}\n`);
}

/** An nginx reverse proxy with upstream keep-alive, one worker, no access log. Returns the -p prefix and the config path. */
export function nginxConfig(upstreamPort: number, listenPort: number): { prefix: string; conf: string } {
  const prefix = mkdtempSync(join(tmpdir(), 'parity-bench-nginx-'));
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fcgi; uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${listenPort};
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; }
  }
}
`,
  );
  return { prefix, conf };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [role, ...rest] = process.argv.slice(2);
  if (role === 'upstream') upstream();
  else if (role === 'parity') await parity(rest);
  else if (role === 'fastify') await fastify(rest[0]!);
  else {
    process.stderr.write(`unknown role ${role}\n`);
    process.exit(2);
  }
}
