/**
 * The progress line of the data commands (backup, restore) on standard error: util/progress
 * decides what to say; here, at a terminal, one line is redrawn every 200 ms, and otherwise (a
 * pipe, a log) a line is written every 5 s, so a log shows the job moving without a flood.
 */
import { Progress } from '../util/progress.js';

const terminalEveryMs = 200;
const pipeEveryMs = 5_000;

export interface ProgressSink {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export class ProgressLine {
  private readonly progress: Progress;

  constructor(
    label: string,
    total: number,
    sink: ProgressSink = process.stderr,
    now: () => number = Date.now,
  ) {
    const terminal = sink.isTTY === true;
    this.progress = new Progress({
      label,
      unit: 'bytes',
      total,
      now,
      intervalMs: terminal ? terminalEveryMs : pipeEveryMs,
      report: ({ text, final }) =>
        sink.write(terminal ? `\r${text}${final ? '\n' : ''}` : `${text}\n`),
    });
  }

  /** `bytes` more are done; shows the line when it is time to. */
  advance(bytes: number): void {
    this.progress.advance(bytes);
  }

  /** The final line (always shown). */
  finish(): void {
    this.progress.finish();
  }
}
