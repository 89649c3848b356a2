/**
 * The time-ordered list of call and return events that the just-in-time search walks (Lowe's
 * improvement of Wing & Gong). Linearizing an operation lifts its call and return out of the
 * list; backtracking puts them back in the reverse order (dancing links), so both are O(1).
 *
 * Events are sorted by time; at equal times calls come before returns, so operations whose
 * times touch count as concurrent (the permissive reading). Pending operations (ret Infinity)
 * are left out: the search keeps them apart, as optional candidates.
 */
export interface TimedOperation {
  call: number;
  ret: number;
}

export class EntryList {
  /** Entry 0 is the head sentinel and entry `size - 1` the tail sentinel. */
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** The operation an entry belongs to (-1 for the sentinels). */
  readonly opOf: Int32Array;
  readonly isCall: Uint8Array;
  /** For a call entry: its return entry (-1 for return entries and sentinels). */
  readonly returnOf: Int32Array;
  /** Each entry's event time; the head sentinel is -Infinity and the tail +Infinity. */
  readonly time: Float64Array;
  readonly tail: number;

  constructor(ops: readonly TimedOperation[]) {
    const events: { op: number; isCall: boolean; time: number }[] = [];
    ops.forEach((op, index) => {
      if (op.ret === Infinity) return;
      events.push({ op: index, isCall: true, time: op.call });
      events.push({ op: index, isCall: false, time: op.ret });
    });
    events.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.op - b.op);
    const size = events.length + 2;
    this.tail = size - 1;
    this.next = new Int32Array(size);
    this.prev = new Int32Array(size);
    this.opOf = new Int32Array(size).fill(-1);
    this.isCall = new Uint8Array(size);
    this.returnOf = new Int32Array(size).fill(-1);
    this.time = new Float64Array(size);
    this.time[0] = -Infinity;
    this.time[this.tail] = Infinity;
    const callEntryOfOp = new Int32Array(ops.length);
    events.forEach((event, position) => {
      const entry = position + 1;
      this.opOf[entry] = event.op;
      this.isCall[entry] = event.isCall ? 1 : 0;
      this.time[entry] = event.time;
      if (event.isCall) callEntryOfOp[event.op] = entry;
      else this.returnOf[callEntryOfOp[event.op] ?? 0] = entry;
    });
    for (let entry = 0; entry < size; entry++) {
      this.next[entry] = entry + 1;
      this.prev[entry] = entry - 1;
    }
  }

  first(): number {
    return this.next[0] ?? this.tail;
  }

  /** Removes a call entry and its return entry. */
  lift(callEntry: number): void {
    this.unlink(callEntry);
    const ret = this.returnOf[callEntry] ?? -1;
    if (ret >= 0) this.unlink(ret);
  }

  /** Undoes `lift(callEntry)`; must be called in the reverse order of the lifts. */
  unlift(callEntry: number): void {
    const ret = this.returnOf[callEntry] ?? -1;
    if (ret >= 0) this.relink(ret);
    this.relink(callEntry);
  }

  private unlink(entry: number): void {
    const before = this.prev[entry] ?? 0;
    const after = this.next[entry] ?? this.tail;
    this.next[before] = after;
    this.prev[after] = before;
  }

  private relink(entry: number): void {
    this.next[this.prev[entry] ?? 0] = entry;
    this.prev[this.next[entry] ?? this.tail] = entry;
  }
}
