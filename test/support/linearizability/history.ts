/**
 * What a linearizability check consumes: one operation per client request, with the time it was
 * sent and the time its reply arrived. Times are any monotonic numbers (simulation ticks or a
 * high-resolution clock); they only need to be comparable within one history.
 *
 * An operation whose outcome is unknown (timeout, connection loss) has `ret = Infinity` and no
 * output: it may have taken effect at any moment after its call, or never.
 */
export interface Operation<I, O> {
  clientId: number;
  input: I;
  /** The observed reply; undefined exactly when the outcome is unknown (`ret` is Infinity). */
  output: O | undefined;
  call: number;
  ret: number;
  /**
   * A plain ZooKeeper read served by a follower is only sequentially consistent, not
   * linearizable. Mark such reads so the checker skips them; record a read as linearizable only
   * when it was preceded by a sync on the same connection.
   */
  staleReadAllowed?: boolean;
}

/** True when the operation's outcome is unknown (it never returned). */
export function isPending(op: Operation<unknown, unknown>): boolean {
  return op.ret === Infinity;
}

/** Throws on an operation the checker cannot reason about (bad times, output on a pending op). */
export function validateOperation(op: Operation<unknown, unknown>, index: number): void {
  if (!Number.isFinite(op.call)) {
    throw new RangeError(`operation ${index}: call time ${op.call} must be finite`);
  }
  if (Number.isNaN(op.ret) || op.ret < op.call) {
    throw new RangeError(`operation ${index}: return ${op.ret} precedes call ${op.call}`);
  }
  if (op.ret !== Infinity && op.output === undefined) {
    throw new RangeError(`operation ${index}: returned at ${op.ret} but has no output`);
  }
}
