/**
 * The shell's command line, spelled as zkCli's: `-server host:port[,host:port][/chroot]`,
 * `-timeout ms`, `-r` (accept a read-only server), and a command as `-c "ls /"` or as the
 * remaining words (`ls /`). The double-dash spellings (`--server`) work too.
 */
import type { ShellOptions } from './shell.js';

export class ShellArgsError extends Error {
  override name = 'ShellArgsError';
}

const DEFAULT_SERVER = 'localhost:2181';
const DEFAULT_TIMEOUT_MS = 30_000;

function valueAfter(argv: readonly string[], i: number, flag: string): string {
  const value = argv[i + 1];
  if (value === undefined) throw new ShellArgsError(`${flag} needs a value`);
  return value;
}

export function parseShellArgs(argv: readonly string[]): ShellOptions {
  const options: ShellOptions = { server: DEFAULT_SERVER, timeoutMs: DEFAULT_TIMEOUT_MS };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    const flag = rest.length === 0 ? word.replace(/^--?/, '-') : '';
    if (flag === '-server') {
      options.server = valueAfter(argv, i++, word);
    } else if (flag === '-timeout') {
      const text = valueAfter(argv, i++, word);
      if (!/^\d+$/.test(text) || Number(text) <= 0) {
        throw new ShellArgsError(`${word} needs a positive number of ms, got '${text}'`);
      }
      options.timeoutMs = Number(text);
    } else if (flag === '-r') {
      options.readOnly = true;
    } else if (flag === '-c') {
      options.command = valueAfter(argv, i++, word);
    } else if (flag.startsWith('-') && rest.length === 0 && !/^-\d/.test(flag)) {
      throw new ShellArgsError(`unknown option ${word} (expected -server, -timeout, -r or -c)`);
    } else {
      rest.push(word);
    }
  }
  if (rest.length > 0) {
    if (options.command !== undefined)
      throw new ShellArgsError('give a command with -c or after the options, not both');
    options.command = rest.map((w) => (/\s/.test(w) ? `"${w}"` : w)).join(' ');
  }
  return options;
}
