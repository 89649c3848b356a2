/**
 * The progress line of a long import (bytes read of all input files, the rate and the time
 * left), at most every progressIntervalMs; and a check that the tree being built still fits
 * in the heap, so a too-large input stops with advice instead of an out-of-memory crash.
 */
import { getHeapStatistics } from 'node:v8';
import { ImportError } from './import-error.js';
import { progressIntervalMs } from './import-limits.js';

/** Share of the heap limit the import may fill before it stops. */
const heapShareMax = 0.92;
const MB = 1024 * 1024;

export type ProgressSink = (line: string, fields: Record<string, number>) => void;

export class ImportProgress {
  private done = 0;
  private lastLine: number;
  private readonly started: number;

  constructor(
    private readonly total: number,
    private readonly sink: ProgressSink,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
    this.lastLine = this.started;
  }

  /** A file's bytes are done (all of them, even the preallocated zeros not read). */
  finish(bytes: number): void {
    this.done += bytes;
  }

  /** `current` bytes of the file being read are done. */
  tick(current: number): void {
    const now = this.now();
    if (now - this.lastLine < progressIntervalMs) return;
    this.lastLine = now;
    checkHeap();
    const read = Math.min(this.total, this.done + current);
    const seconds = Math.max(0.001, (now - this.started) / 1000);
    const rate = read / seconds;
    const leftS = rate > 0 ? Math.round((this.total - read) / rate) : 0;
    const percent = this.total > 0 ? Math.floor((100 * read) / this.total) : 100;
    this.sink(
      `importing: ${percent}% (${(read / MB).toFixed(1)} of ${(this.total / MB).toFixed(1)} MB), ` +
        `${(rate / MB).toFixed(1)} MB/s, about ${leftS} s left`,
      { percent, readBytes: read, totalBytes: this.total, bytesPerS: Math.round(rate), leftS },
    );
  }
}

function checkHeap(): void {
  const heap = getHeapStatistics();
  if (heap.used_heap_size < heap.heap_size_limit * heapShareMax) return;
  throw new ImportError(
    `the imported tree does not fit in this process's heap ` +
      `(${Math.round(heap.heap_size_limit / MB)} MB): run the import with ` +
      'NODE_OPTIONS=--max-old-space-size=<MB> (Warren will need as much to serve it)',
  );
}
