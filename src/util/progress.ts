/**
 * The progress of a long job (recovery, snapshot, restore, import, migration): how much is
 * done of a total (which may be an estimate, or unknown), the rate and the time left, reported
 * at most every `intervalMs` and once at the end. Pure: the clock and where the line goes are
 * the caller's (a logger, a terminal, a test).
 */

export type ProgressUnit = 'bytes' | 'nodes' | 'entries' | 'records';

export interface ProgressReport {
  readonly label: string;
  readonly unit: ProgressUnit;
  readonly done: number;
  /** null when the total is not known. */
  readonly total: number | null;
  /** 0–100; null without a total. Capped at 99 until the end (the total may be an estimate). */
  readonly percent: number | null;
  readonly perSecond: number;
  /** Whole seconds left at the current rate; null without a total (or before any progress). */
  readonly leftS: number | null;
  readonly elapsedS: number;
  /** The last report, from finish(). */
  readonly final: boolean;
  /** The line to show: `label: 42% (4.2 of 10.0 MiB), 1.3 MiB/s, about 4 s left`. */
  readonly text: string;
}

export interface ProgressOptions {
  readonly label: string;
  readonly unit: ProgressUnit;
  readonly total: number | null;
  readonly report: (report: ProgressReport) => void;
  readonly now?: () => number;
  /** At most one report this often (default 2 s); finish() always reports. */
  readonly intervalMs?: number;
  /** Jobs that end sooner report nothing at all, not even a final line (default 0). */
  readonly quietUnderMs?: number;
}

const MiB = 1024 * 1024;
const defaultIntervalMs = 2_000;

export class Progress {
  private doneCount = 0;
  private readonly began: number;
  private reportedAt: number;
  private reported = false;
  private readonly now: () => number;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.began = this.now();
    this.reportedAt = this.began;
  }

  get done(): number {
    return this.doneCount;
  }

  /** `amount` more are done. */
  advance(amount: number): void {
    this.set(this.doneCount + amount);
  }

  /** `done` are done in all. */
  set(done: number): void {
    this.doneCount = done;
    const now = this.now();
    if (now - this.reportedAt < (this.options.intervalMs ?? defaultIntervalMs)) return;
    if (now - this.began < (this.options.quietUnderMs ?? 0)) return;
    this.reportedAt = now;
    this.reported = true;
    this.options.report(this.build(now, false));
  }

  /** The job is over: a final report (unless it was quick and quietUnderMs says so). */
  finish(): void {
    const now = this.now();
    if (!this.reported && now - this.began < (this.options.quietUnderMs ?? 0)) return;
    this.options.report(this.build(now, true));
  }

  private build(now: number, final: boolean): ProgressReport {
    const { label, unit, total } = this.options;
    const done = this.doneCount;
    const elapsedS = Math.max(now - this.began, 1) / 1000;
    const perSecond = done / elapsedS;
    const known = total !== null && total > 0;
    const percent = !known ? null : final ? 100 : Math.min(99, Math.floor((100 * done) / total));
    let leftS: number | null = null;
    if (known)
      leftS = final ? 0 : perSecond > 0 ? Math.round(Math.max(0, total - done) / perSecond) : null;
    const amount = known
      ? `${quantity(done, unit)} of ${quantity(total, unit)}`
      : quantity(done, unit);
    const tail = final
      ? `in ${elapsedS.toFixed(1)} s`
      : leftS === null
        ? `${elapsedS.toFixed(0)} s so far`
        : `about ${leftS} s left`;
    const share = percent === null ? '' : `${percent}% `;
    const text = `${label}: ${share}(${amount}), ${rate(perSecond, unit)}, ${tail}`;
    return { label, unit, done, total, percent, perSecond, leftS, elapsedS, final, text };
  }
}

function quantity(amount: number, unit: ProgressUnit): string {
  if (unit === 'bytes') return `${(amount / MiB).toFixed(1)} MiB`;
  return `${Math.round(amount)} ${unit}`;
}

function rate(perSecond: number, unit: ProgressUnit): string {
  if (unit === 'bytes') return `${(perSecond / MiB).toFixed(1)} MiB/s`;
  return `${Math.round(perSecond)} ${unit}/s`;
}
