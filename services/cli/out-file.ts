import { createWriteStream } from 'node:fs';
import { chmod, lstat, readlink, realpath, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { errorText, parityError } from '../../shared/errors.js';

/**
 * Writing a command's output to the file named by `--out`. A regular file
 * (or a name not taken yet) is written beside itself and renamed over at the
 * end, so a failed export leaves no half file; a symlink is followed to the
 * file it names, and that file is replaced, not the link. Anything else — a
 * device, a FIFO, `/dev/stdout` — is written straight to: renaming over it
 * replaced the device entry or the FIFO with a regular file (and, as root,
 * `--out /dev/full` "succeeded").
 */

type OutTarget = { kind: 'replace'; path: string; mode?: number } | { kind: 'direct' };

/** Symlinks followed at most, as the kernel's own limit (ELOOP). */
const MAX_LINKS = 40;

/** `/proc/<pid>/fd`: the directory `/dev/stdout` and `/dev/fd/N` lead to on Linux. */
const DESCRIPTOR_DIR = /^\/proc\/[^/]+\/fd$/;

async function outTarget(file: string): Promise<OutTarget> {
  let path = resolve(file);
  for (let links = 0; links <= MAX_LINKS; links++) {
    const dir = await realpath(dirname(path));
    // an open descriptor (stdout redirected to a file, a pipe): written to, never renamed over
    if (DESCRIPTOR_DIR.test(dir)) return { kind: 'direct' };
    path = join(dir, basename(path));
    const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!st) return { kind: 'replace', path };
    if (st.isSymbolicLink()) path = resolve(dir, await readlink(path));
    else if (st.isFile()) return { kind: 'replace', path, mode: st.mode & 0o7777 };
    else return { kind: 'direct' };
  }
  throw new Error(`more than ${MAX_LINKS} symbolic links to follow`);
}

function cannotWrite(file: string, err: unknown) {
  return parityError('PARITY_ERR_FILE', `cannot write ${file}: ${errorText(err)}`);
}

/**
 * Opens `file`, hands the stream to `write` and closes it; a failure to open
 * or write the file is PARITY_ERR_FILE naming it, other errors pass through.
 */
export async function writeOutFile<T>(file: string, write: (out: Writable) => Promise<T>): Promise<T> {
  let target: OutTarget;
  try {
    target = await outTarget(file);
  } catch (err) {
    throw cannotWrite(file, err);
  }
  const partial = target.kind === 'replace' ? `${target.path}.partial-${process.pid}` : undefined;
  const out = createWriteStream(partial ?? file);
  try {
    await new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', reject);
    });
    const result = await write(out);
    out.end();
    await finished(out);
    if (target.kind === 'replace') {
      // the file replaced keeps its permissions
      if (target.mode !== undefined) await chmod(partial!, target.mode);
      await rename(partial!, target.path);
    }
    return result;
  } catch (err) {
    out.destroy();
    if (partial) await unlink(partial).catch(() => undefined);
    if ((err as NodeJS.ErrnoException).syscall) throw cannotWrite(file, err);
    throw err;
  }
}
