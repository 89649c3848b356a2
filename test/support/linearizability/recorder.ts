/**
 * Records a history from real processes: call `invoke` just before sending a request and
 * resolve the handle when the reply arrives (`ok`) or when its fate became unknowable
 * (`unknown`: timeout, connection loss). Times come from a monotonic clock (milliseconds from
 * `performance.now()` unless another clock is given, e.g. simulation ticks). Requests never
 * resolved are reported as unknown too.
 */
import { performance } from 'node:perf_hooks';
import type { Operation } from './history.js';

export interface CallHandle<O> {
  ok(output: O): void;
  unknown(): void;
}

export class HistoryRecorder<I, O> {
  private readonly ops: Operation<I, O>[] = [];

  constructor(private readonly clock: () => number = () => performance.now()) {}

  invoke(clientId: number, input: I, flags: { staleReadAllowed?: boolean } = {}): CallHandle<O> {
    const op: Operation<I, O> = {
      clientId,
      input,
      output: undefined,
      call: this.clock(),
      ret: Infinity,
    };
    if (flags.staleReadAllowed === true) op.staleReadAllowed = true;
    this.ops.push(op);
    let settled = false;
    const settle = (): void => {
      if (settled) throw new Error(`client ${clientId}: operation resolved twice`);
      settled = true;
    };
    return {
      ok: (output: O) => {
        settle();
        op.ret = this.clock();
        op.output = output;
      },
      unknown: () => settle(),
    };
  }

  /** A copy of the history so far; unresolved operations appear with unknown outcome. */
  history(): Operation<I, O>[] {
    return this.ops.map((op) => ({ ...op }));
  }

  get size(): number {
    return this.ops.length;
  }
}
