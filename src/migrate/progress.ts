/**
 * The progress line of a phase over many nodes: done of total, rate and time left, at most
 * every intervalMs. The total is an estimate (the source keeps changing), so the share is
 * capped at 99% until the phase ends.
 */
export type ProgressSink = (line: string) => void;

export const PROGRESS_INTERVAL_MS = 2_000;

export class NodeProgress {
  private readonly started: number;
  private last: number;

  constructor(
    private readonly phase: string,
    private readonly total: number | null,
    private readonly sink: ProgressSink,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {
    this.started = now();
    this.last = this.started;
  }

  tick(done: number): void {
    const now = this.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    this.sink(progressLine(this.phase, done, this.total, (now - this.started) / 1000));
  }

  /** Nodes per second since the start. */
  rate(done: number): number {
    return done / Math.max(0.001, (this.now() - this.started) / 1000);
  }

  elapsedS(): number {
    return (this.now() - this.started) / 1000;
  }
}

export function progressLine(
  phase: string,
  done: number,
  total: number | null,
  seconds: number,
): string {
  const rate = done / Math.max(0.001, seconds);
  const rateText = `${Math.round(rate)} nodes/s`;
  if (total === null || total <= 0) return `${phase}: ${done} nodes, ${rateText}`;
  const percent = Math.min(99, Math.floor((100 * done) / total));
  const left = rate > 0 ? Math.max(0, Math.round((total - done) / rate)) : 0;
  const share = `${percent}% (${done} of about ${total} nodes)`;
  return `${phase}: ${share}, ${rateText}, about ${left} s left`;
}
