/**
 * The writes this member took from its clients and has not seen applied: by request id, with
 * the callback that answers the client and a deadline. A write is answered when the entry it
 * became is applied here, or failed (outcome unknown to the client) when the leader changes,
 * refuses it, or it outlives its deadline. Writes with no leader to go to yet are held, in
 * order, up to a cap.
 */
import type { WriteInput } from '../replication/write-input.js';
import type { WriteOutcome } from '../server/write-path.js';
import { heldWritesMax } from '../util/limits.js';
import { SlotMap } from './slot-map.js';

/** How a write ends: its txn applied, a barrier reached, or a failure. */
export type Completion = WriteOutcome | { ok: true; barrier: true };
export type CompletionCallback = (completion: Completion) => void;

interface Pending {
  input: WriteInput;
  done: CompletionCallback | undefined;
  deadline: number;
  /** Sent to a leader (or proposed); false while held. */
  routed: boolean;
  /** The Raft term when this member took it (see WriteRouter: stale writes). */
  term: number;
}

/** Counter values per process; small integers keep the map's keys cheap to hash. */
const counterLimit = 2 ** 30;

export class PendingRequests {
  /** By counter (the id minus this process's base). */
  private readonly byId = new SlotMap<Pending>();
  private held: number[] = [];
  /** A random prefix per process: ids of an earlier run (still in the log) never match. */
  private readonly base: number;
  private counter = 0;

  /** @param prefix a random integer in [0, 0x3ffffe), drawn once per process. */
  constructor(prefix: number) {
    this.base = (1 + prefix) * 2 ** 31;
  }

  get size(): number {
    return this.byId.size;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Registers a write taken in `term`; undefined when too many are held already. */
  add(input: WriteInput, done: CompletionCallback | undefined, deadline: number, term: number) {
    if (this.held.length >= heldWritesMax) return undefined;
    this.counter = (this.counter % (counterLimit - 1)) + 1;
    const id = this.base + this.counter;
    this.byId.set(this.counter, { input, done, deadline, routed: false, term });
    this.held.push(id);
    return id as number | undefined;
  }

  /** The map key of a request id, or -1 for an id another process (or run) issued. */
  private keyOf(id: number): number {
    const key = id - this.base;
    return key > 0 && key < counterLimit ? key : -1;
  }

  /** Registers a write that is routed at once (a leader proposing it); see add. */
  addRouted(
    input: WriteInput,
    done: CompletionCallback | undefined,
    deadline: number,
    term: number,
  ) {
    this.counter = (this.counter % (counterLimit - 1)) + 1;
    this.byId.set(this.counter, { input, done, deadline, routed: true, term });
    return this.base + this.counter;
  }

  /** Held writes in arrival order, now routed (the caller sends or proposes each). */
  takeHeld(): { id: number; input: WriteInput; term: number }[] {
    const out: { id: number; input: WriteInput; term: number }[] = [];
    for (const id of this.held) {
      const pending = this.byId.get(this.keyOf(id));
      if (pending === undefined) continue;
      pending.routed = true;
      out.push({ id, input: pending.input, term: pending.term });
    }
    this.held = [];
    return out;
  }

  /** Writes taken from held that could not be proposed yet: held again, ahead, in order. */
  rehold(ids: readonly number[]): void {
    const back = ids.filter((id) => {
      const pending = this.byId.get(this.keyOf(id));
      if (pending !== undefined) pending.routed = false;
      return pending !== undefined;
    });
    this.held = back.concat(this.held);
  }

  /** The entry for `id` was applied here: answer it. */
  complete(id: number, outcome: Completion): void {
    const pending = this.byId.get(this.keyOf(id));
    if (pending === undefined) return;
    this.byId.delete(this.keyOf(id));
    pending.done?.(outcome);
  }

  fail(id: number, error: Error): void {
    this.complete(id, { ok: false, error });
  }

  /**
   * The leader changed: every routed write fails (it may or may not commit), except
   * barriers, which change nothing and are simply sent again to the next leader. Held
   * writes wait for the next leader.
   */
  failRouted(error: Error): void {
    for (const [key, pending] of this.byId.entries()) {
      const id = this.base + key;
      if (!pending.routed) continue;
      if (pending.input.type === 'barrier') {
        pending.routed = false;
        this.held.push(id);
      } else {
        this.fail(id, error);
      }
    }
  }

  failAll(error: Error): void {
    this.held = [];
    for (const [key] of this.byId.entries()) this.fail(this.base + key, error);
  }

  /** Fails writes past their deadline. */
  expire(now: number): void {
    for (const [key, pending] of this.byId.entries()) {
      if (pending.deadline > now) continue;
      this.fail(this.base + key, new Error('write timed out in the ensemble'));
    }
    if (this.held.length > 0) this.held = this.held.filter((id) => this.byId.has(this.keyOf(id)));
  }
}
