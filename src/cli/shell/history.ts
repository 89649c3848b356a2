/**
 * The command history: numbered like zkCli's (`history` shows the last ten, `redo N` runs N
 * again), kept in memory and appended to ~/.warren_history so the next shell can recall it.
 */
import { appendFileSync, readFileSync } from 'node:fs';

/** Lines kept in memory and loaded from the file. */
export const HISTORY_LINES_MAX = 1000;
const SHOWN_BY_HISTORY = 10;

export class History {
  private readonly lines = new Map<number, string>();
  private nextNumber = 0;

  private file: string | undefined;

  /**
   * `file` is where lines are appended; undefined keeps history in memory only. If the file
   * cannot be written, `warn` is told once and history stays in memory.
   */
  constructor(
    file: string | undefined,
    private readonly warn: (message: string) => void = () => undefined,
  ) {
    this.file = file;
  }

  /** Lines from earlier shells (newest first, as node:readline wants them). */
  loadPrevious(): string[] {
    if (this.file === undefined) return [];
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-HISTORY_LINES_MAX)
      .reverse();
  }

  /** The number the next command will get (shown in the prompt). */
  get current(): number {
    return this.nextNumber;
  }

  add(line: string): void {
    this.lines.set(this.nextNumber, line);
    this.lines.delete(this.nextNumber - HISTORY_LINES_MAX);
    this.nextNumber++;
    if (this.file === undefined) return;
    try {
      appendFileSync(this.file, line + '\n', { mode: 0o600 });
    } catch (error) {
      this.warn(`History will not be saved to ${this.file}: ${(error as Error).message}`);
      this.file = undefined;
    }
  }

  /** Rewrites the newest entry in memory (redo records the command it ran). */
  replaceLast(line: string): void {
    if (this.nextNumber > 0) this.lines.set(this.nextNumber - 1, line);
  }

  get(n: number): string | undefined {
    return this.lines.get(n);
  }

  /** `N - line` for the last ten commands. */
  recent(): string[] {
    const out: string[] = [];
    const first = Math.max(0, this.nextNumber - SHOWN_BY_HISTORY);
    for (let n = first; n < this.nextNumber; n++) {
      const line = this.lines.get(n);
      if (line !== undefined) out.push(`${n} - ${line}`);
    }
    return out;
  }
}
