import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { errorText, isParityError, parityError } from '../../shared/errors.js';
import { registerCommands } from './commands/index.js';

/**
 * The `parity` command. Exit codes (SPEC): 0 success, 1 gate failed,
 * 2 usage or configuration error, 3 runtime failure. Errors print their code,
 * message and hint on stderr, never a stack (PARITY_DEBUG=1 adds it).
 */

/** The command whose arguments commander refused last (`parity runs list`), named in the hint. */
let refusedBy = 'parity';

const commandPath = (c: Command): string => (c.parent ? `${commandPath(c.parent)} ${c.name()}` : c.name());

/**
 * The version in Parity's package.json: the first one above this file, two
 * folders up in the sources (services/cli/), three in a build (dist/services/cli/).
 */
function packageVersion(): string {
  for (let dir = new URL('./', import.meta.url); dir.pathname !== '/'; dir = new URL('../', dir)) {
    try {
      return (JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { version: string }).version;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return 'unknown';
}

export function buildProgram(): Command {
  const program = new Command('parity')
    .description('Capture production traffic, replay it at staging or mirror it to a shadow, and diff the answers.')
    .version(packageVersion(), '-V, --version', 'print the version (package.json) and exit')
    .addOption(new Option('--config <file>', 'config file (default: parity.config.json or .yaml in the working directory)'))
    .addOption(new Option('--redis <url>', 'Redis URL [PARITY_REDIS_URL]'))
    .addOption(new Option('--log-level <level>', 'log level [PARITY_LOG_LEVEL]'));
  registerCommands(program);
  (function exitOverrideAll(c: Command) {
    // commander's own errors (unknown option, invalid choice, missing argument) are printed by
    // reportError with PARITY_ERR_USAGE and a hint, like every other error
    c.exitOverride().configureOutput({ outputError: () => void (refusedBy = commandPath(c)) });
    c.commands.forEach(exitOverrideAll);
  })(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // help and version are "errors" to commander; the text is already printed
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    // "error: unknown command 'runz'\n(Did you mean runs?)" → one line after the code
    const message = err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
    return reportError(parityError('PARITY_ERR_USAGE', message, { hint: `Run \`${refusedBy} --help\` for the accepted arguments.` }));
  }
  if (isParityError(err)) {
    process.stderr.write(`error ${err.describe()}\n`);
    if (process.env.PARITY_DEBUG === '1' && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  process.stderr.write(`error PARITY_ERR_INTERNAL: ${errorText(err)}\n  hint: re-run with PARITY_DEBUG=1 for the stack and report it\n`);
  if (process.env.PARITY_DEBUG === '1' && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return 3;
}

// a reader that stops early (`parity runs list | head`) closes the pipe: the rest of the output has
// nowhere to go, which is no error of the command's (without this, an unhandled EPIPE printed a stack).
// The command goes on and exits with its own code: `parity replay --wait | head -1` must still fail a failed gate.
// Any other failure (a full disk, `> /dev/full`) loses the output: the command stops there, exit 2.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') return;
  const failed = parityError('PARITY_ERR_FILE', `cannot write to standard output: ${errorText(err)}`, {
    hint: 'What was written is incomplete: free space where stdout goes, or redirect it elsewhere (`sessions export` also takes --out FILE).',
  });
  process.exit(reportError(failed));
});

const code = await main(process.argv.slice(2));
// Long-running commands (proxy, worker) never return here until they stop.
process.exitCode = code;
