/**
 * The progress line of a migration phase over many nodes (util/progress says it): done of
 * about total, rate and time left, at most every intervalMs. The total is an estimate (the
 * source keeps changing), so the share stays below 100% until the phase ends; the phase's
 * own summary line says how it ended.
 */
import { Progress } from '../util/progress.js';

export type ProgressSink = (line: string) => void;

export const PROGRESS_INTERVAL_MS = 2_000;

export class NodeProgress {
  private readonly progress: Progress;
  private readonly started: number;

  constructor(
    phase: string,
    total: number | null,
    sink: ProgressSink,
    private readonly now: () => number = Date.now,
    intervalMs = PROGRESS_INTERVAL_MS,
  ) {
    this.started = now();
    this.progress = new Progress({
      label: phase,
      unit: 'nodes',
      total,
      now,
      intervalMs,
      report: ({ text }) => sink(text),
    });
  }

  tick(done: number): void {
    this.progress.set(done);
  }

  /** Nodes per second since the start. */
  rate(done: number): number {
    return done / Math.max(0.001, this.elapsedS());
  }

  elapsedS(): number {
    return (this.now() - this.started) / 1000;
  }
}
