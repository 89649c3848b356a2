/**
 * The progress line of `warren bench` on stderr: the workload, seconds (or operations) done,
 * the rate so far and the errors. At a terminal it redraws one line; into a pipe or a log it
 * writes a line every few seconds, so a log shows the run moving without being flooded.
 */
const PIPE_EVERY_MS = 5_000;

export interface ProgressSink {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export class BenchProgress {
  private lastLineAt = -Infinity;
  private drawn = false;

  constructor(
    private readonly sink: ProgressSink = process.stderr,
    private readonly now: () => number = Date.now,
  ) {}

  /** A line about the running workload; `target` is its seconds or operations. */
  update(
    workload: string,
    replies: number,
    errors: number,
    elapsedMs: number,
    target: string,
  ): void {
    const rate = elapsedMs > 0 ? Math.round((replies * 1000) / elapsedMs) : 0;
    const text =
      `[bench] ${workload}: ${(elapsedMs / 1000).toFixed(1)} s of ${target}, ` +
      `${replies.toLocaleString('en-US')} ops, ${rate.toLocaleString('en-US')} ops/s, ` +
      `${errors} errors`;
    if (this.sink.isTTY === true) {
      this.sink.write(`\r\x1b[2K${text}`);
      this.drawn = true;
      return;
    }
    const now = this.now();
    if (now - this.lastLineAt < PIPE_EVERY_MS) return;
    this.lastLineAt = now;
    this.sink.write(`${text}\n`);
  }

  /** A line that stays (a phase began or ended). */
  note(text: string): void {
    this.clear();
    this.sink.write(`[bench] ${text}\n`);
    this.lastLineAt = -Infinity;
  }

  clear(): void {
    if (this.drawn) this.sink.write('\r\x1b[2K');
    this.drawn = false;
  }
}
