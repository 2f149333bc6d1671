import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The CLI the tests run as child processes, built once per test run into a
 * temporary folder laid out like the image (package.json, bin/, dist/ and
 * node_modules, see the Dockerfile): `npm run build`'s emit, without its
 * type check (`tsc --noCheck`; typecheck is a step of its own) nor the
 * dependencies' declarations (`--noResolve`: the same files, byte for byte,
 * in 2.6 instead of 3.9 s of CPU). A child
 * started from it skips tsx's loader hooks, which on a busy 2-core box cost
 * about a second per start; see docs/decisions.md (2026-12-07).
 * Never in the repo's dist/: a stale one there would be run by bin/parity.mjs.
 */
export interface BuiltCli {
  /** The folder holding bin/parity.mjs and dist/. */
  root: string;
  /** Builds again from the current sources (watch mode reruns). */
  rebuild(): Promise<void>;
  remove(): Promise<void>;
}

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function buildCli(): Promise<BuiltCli> {
  const root = await mkdtemp(join(tmpdir(), 'parity-cli-'));
  const build = async () => {
    await rm(join(root, 'dist'), { recursive: true, force: true });
    await Promise.all([copyFile(join(ROOT, 'package.json'), join(root, 'package.json')), copyFile(join(ROOT, 'bin', 'parity.mjs'), join(root, 'bin', 'parity.mjs'))]);
    try {
      await exec(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--noCheck', '--noResolve', '--sourceMap', 'false', '--outDir', join(root, 'dist')], { cwd: ROOT });
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      throw new Error(`building the CLI for the tests failed (PARITY_TEST_TSX=1 runs it through tsx instead):\n${stdout}${stderr}`, { cause: err });
    }
  };
  try {
    await mkdir(join(root, 'bin'));
    await symlink(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    await build();
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  return {
    root,
    rebuild: build,
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
