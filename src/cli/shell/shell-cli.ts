/**
 * The entry point `warren shell` calls with its raw arguments: parses them (printing a usage
 * message on a mistake) and runs the shell; resolves with the exit code.
 */
import { ShellArgsError, parseShellArgs } from './shell-args.js';
import { runShell } from './shell.js';

const USAGE = 'usage: warren shell [-server host:port[,host:port][/chroot]] [-timeout ms] [-c cmd]';

export async function runShellCli(argv: readonly string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  try {
    return await runShell(parseShellArgs(argv));
  } catch (error) {
    if (!(error instanceof ShellArgsError)) throw error;
    process.stderr.write(`warren shell: ${error.message}\n${USAGE}\n`);
    return 2;
  }
}
