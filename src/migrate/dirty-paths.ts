/**
 * The paths the source's watch reported changed and the target has not caught up with.
 * Bounded: past `max` paths only a flag is kept, and the caller compares whole trees instead
 * (a rescan), as it must after a lost connection anyway (events may have been missed).
 */
import { depthOf } from './plan.js';

export class DirtyPaths {
  private paths = new Set<string>();
  private overflowed = false;

  constructor(private readonly max: number) {}

  add(path: string): void {
    if (this.overflowed || this.paths.has(path)) return;
    if (this.paths.size >= this.max) {
      this.rescanNeeded();
      return;
    }
    this.paths.add(path);
  }

  /** Events may have been missed: only a whole-tree comparison is safe. */
  rescanNeeded(): void {
    this.overflowed = true;
    this.paths.clear();
  }

  get size(): number {
    return this.paths.size;
  }

  get needsRescan(): boolean {
    return this.overflowed;
  }

  /** Takes everything: the rescan flag, and the paths, shallowest first (parents first). */
  take(): { rescan: boolean; paths: string[] } {
    const rescan = this.overflowed;
    const paths = [...this.paths].sort((a, b) => depthOf(a) - depthOf(b) || (a < b ? -1 : 1));
    this.paths = new Set();
    this.overflowed = false;
    return { rescan, paths: rescan ? [] : paths };
  }
}
