/**
 * A progress line for the long jobs of the data commands (backup, restore, inspect): done and
 * total, rate and time left. At a terminal it redraws one line; otherwise (a pipe, a log) it
 * writes a line every few seconds, so a log shows the job moving without being flooded.
 */
const terminalEveryMs = 200;
const pipeEveryMs = 5_000;
const MiB = 1024 * 1024;

export interface ProgressSink {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export class ProgressLine {
  private done = 0;
  private readonly began: number;
  private shownAt: number;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly sink: ProgressSink = process.stderr,
    private readonly now: () => number = Date.now,
  ) {
    this.began = now();
    this.shownAt = this.began;
  }

  /** `bytes` more are done; shows the line when it is time to. */
  advance(bytes: number): void {
    this.done += bytes;
    const now = this.now();
    const every = this.sink.isTTY === true ? terminalEveryMs : pipeEveryMs;
    if (now - this.shownAt < every) return;
    this.shownAt = now;
    this.show(now, false);
  }

  /** The final line (always shown). */
  finish(): void {
    this.done = Math.max(this.done, this.total); // the total was an estimate (restore)
    this.show(this.now(), true);
  }

  private show(now: number, final: boolean): void {
    const seconds = Math.max(now - this.began, 1) / 1000;
    const rate = this.done / seconds;
    const share = this.total > 0 ? Math.min(100, (100 * this.done) / this.total) : 100;
    const left = rate > 0 ? Math.max(0, (this.total - this.done) / rate) : 0;
    const text =
      `${this.label}: ${share.toFixed(0)}% (${size(this.done)} of ${size(this.total)}, ` +
      `${size(rate)}/s, ` +
      (final ? `${seconds.toFixed(1)} s)` : `${left.toFixed(0)} s left)`);
    if (this.sink.isTTY === true) this.sink.write(`\r${text}${final ? '\n' : ''}`);
    else this.sink.write(`${text}\n`);
  }
}

function size(bytes: number): string {
  return bytes < MiB ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / MiB).toFixed(1)} MiB`;
}
