import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The demo runs Parity's real processes (`parity proxy`, `parity worker`,
 * `parity replay`) as children of itself, with their logs in one file, and
 * stops every one of them on the way out — also on Ctrl-C.
 */

/** The package root: the folder holding bin/parity.mjs (from sources or dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'bin', 'parity.mjs'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find bin/parity.mjs above the demo script');
}

export interface ChildResult {
  code: number | null;
  stdout: string;
}

export class DemoProcesses {
  readonly #children = new Set<ChildProcess>();
  readonly #log: WriteStream;
  readonly #bin: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor(logFile: string, env: NodeJS.ProcessEnv) {
    this.#log = createWriteStream(logFile, { flags: 'a' });
    this.#bin = join(packageRoot(), 'bin', 'parity.mjs');
    this.#env = { ...process.env, PARITY_LOG_FORMAT: 'json', ...env };
  }

  /** Starts a long-running `parity` command and resolves once `ready` shows in its output. */
  start(name: string, args: string[], ready: RegExp, timeoutMs = 20_000): Promise<{ child: ChildProcess; line: string }> {
    return this.#startNode(name, [this.#bin, ...args], ready, timeoutMs);
  }

  /**
   * Starts one of the project's scripts (e.g. `scripts/sample-app/main`) in a
   * process of its own: the TypeScript source through tsx, or the compiled
   * file when the demo itself runs from dist/.
   */
  startScript(name: string, script: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; line: string }> {
    const root = packageRoot();
    const fromSource = import.meta.url.endsWith('.ts');
    const nodeArgs = fromSource ? ['--import', 'tsx', join(root, `${script}.ts`)] : [join(root, 'dist', `${script}.js`)];
    return this.#startNode(name, [...nodeArgs, ...args], ready, 20_000);
  }

  async #startNode(name: string, nodeArgs: string[], ready: RegExp, timeoutMs: number): Promise<{ child: ChildProcess; line: string }> {
    const child = this.#spawn(name, nodeArgs);
    const line = await new Promise<string>((resolve, reject) => {
      let seen = '';
      const onData = (d: Buffer) => {
        seen += d.toString();
        const m = seen.split('\n').find((l) => ready.test(l));
        if (m) done(() => resolve(m));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${name} did not start within ${timeoutMs} ms (log: ${this.#log.path.toString()})`))), timeoutMs);
      const onExit = (code: number | null) => done(() => reject(new Error(`${name} exited with ${code} before it was ready (log: ${this.#log.path.toString()})`)));
      const done = (fn: () => void) => {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
        fn();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', onExit);
    });
    return { child, line };
  }

  /** Runs a `parity` command to its end and returns its exit code and stdout. */
  run(name: string, args: string[]): Promise<ChildResult> {
    const child = this.#spawn(name, [this.#bin, ...args]);
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout })));
  }

  #spawn(name: string, nodeArgs: string[]): ChildProcess {
    const child = spawn(process.execPath, nodeArgs, { env: this.#env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    child.stderr?.on('data', (d: Buffer) => this.#log.write(prefix(name, d)));
    return child;
  }

  /** SIGTERM to every child still running, SIGKILL after a grace period. */
  async stopAll(graceMs = 5000): Promise<void> {
    await Promise.all(
      [...this.#children].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    await new Promise<void>((resolve) => this.#log.end(resolve));
  }
}

function prefix(name: string, d: Buffer): string {
  return d
    .toString()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => `[${name}] ${l}\n`)
    .join('');
}
