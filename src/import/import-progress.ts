/**
 * The progress line of a long import (util/progress.ts: bytes read of all input files, the
 * rate and the time left), and a check, at each line, that the tree being built still fits
 * in the heap, so a too-large input stops with advice instead of an out-of-memory crash.
 */
import { getHeapStatistics } from 'node:v8';
import { Progress, type ProgressReport } from '../util/progress.js';
import { ImportError } from './import-error.js';
import { progressIntervalMs } from './import-limits.js';

/** Share of the heap limit the import may fill before it stops. */
const heapShareMax = 0.92;
const MB = 1024 * 1024;

export type ProgressSink = (report: ProgressReport) => void;

export class ImportProgress {
  private filesDone = 0;
  private readonly progress: Progress;

  constructor(total: number, sink: ProgressSink) {
    this.progress = new Progress({
      label: 'importing',
      unit: 'bytes',
      total,
      intervalMs: progressIntervalMs,
      report: (report) => {
        if (!report.final) checkHeap();
        sink(report);
      },
    });
  }

  /** A file's bytes are done (all of them, even the preallocated zeros not read). */
  finish(bytes: number): void {
    this.filesDone += bytes;
    this.progress.set(this.filesDone);
  }

  /** `current` bytes of the file being read are done. */
  tick(current: number): void {
    this.progress.set(this.filesDone + current);
  }

  /** Everything is read: the last line. */
  end(): void {
    this.progress.finish();
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
