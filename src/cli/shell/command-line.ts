/**
 * Splits a shell line into words and options the way zkCli does: words are separated by
 * blanks, a word in double or single quotes keeps its blanks (the quotes are dropped), and
 * each command declares its flags (`-s`) and its options with a value (`-v 3`).
 */

/** What one command accepts: flags without a value and options followed by one. */
export interface OptionSpec {
  flags?: readonly string[];
  valued?: readonly string[];
}

export interface ParsedArgs {
  /** Positional words after the command name. */
  args: string[];
  /** Flags given (`s` for `-s`). */
  flags: Set<string>;
  /** Options with their value (`v` → '3'). */
  values: Map<string, string>;
}

/** A mistake in how a command was typed; the shell prints its message and the usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const WORD = /\s*("([^"]*)"|'([^']*)'|\S+)/gy;

/** The words of a line, quotes removed. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  WORD.lastIndex = 0;
  for (let m = WORD.exec(line); m !== null; m = WORD.exec(line)) {
    words.push(m[2] ?? m[3] ?? m[1] ?? '');
  }
  return words;
}

/** Separates options from positional words; an unknown option is a UsageError. */
export function parseOptions(words: readonly string[], spec: OptionSpec): ParsedArgs {
  const parsed: ParsedArgs = { args: [], flags: new Set(), values: new Map() };
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (!/^-[A-Za-z]/.test(word)) {
      parsed.args.push(word);
      continue;
    }
    const name = word.slice(1);
    if (spec.flags?.includes(name) === true) {
      parsed.flags.add(name);
    } else if (spec.valued?.includes(name) === true) {
      const value = words[i + 1];
      if (value === undefined) throw new UsageError(`Missing argument for option: ${name}`);
      parsed.values.set(name, value);
      i++;
    } else {
      throw new UsageError(`Unrecognized option: ${word}`);
    }
  }
  return parsed;
}

/** An option's value as an integer, or a UsageError naming it. */
export function intOption(parsed: ParsedArgs, name: string): number | undefined {
  const text = parsed.values.get(name);
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new UsageError(`-${name} needs a number, got '${text}'`);
  return Number(text);
}
