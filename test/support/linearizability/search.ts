/**
 * The search for a linearization of one partition: Wing & Gong's backtracking with Lowe's
 * improvements. It walks the time-ordered entry list of completed operations "just in time":
 * at a call it tries to linearize that operation next (lifting its call and return out of the
 * list); at the first return still in the list it has hit an operation that must already have
 * taken effect. There it tries the optional pending operations (unknown outcome, called by
 * then) and, when none helps, backtracks. Explored configurations are memoized (see
 * ExploredConfigurations), and pending operations are tried only after completed ones.
 */
import { EntryList, type TimedOperation } from './entry-list.js';
import { ExploredConfigurations } from './explored-configurations.js';
import { LinearizedSet } from './linearized-set.js';
import type { Model } from './model.js';

export interface SearchOperation<I, O> extends TimedOperation {
  input: I;
  output: O | undefined;
}

export type SearchOutcome =
  /** `order` is a witness: the operations (by index) in one valid linearization. */
  | { verdict: 'linearizable'; steps: number; order: number[] }
  /**
   * `longestOrder` is the longest valid prefix found. `relevantOps` are the operations the search
   * ever looked at (called before the latest return it backtracked at): that sub-history alone
   * is already not linearizable.
   */
  | { verdict: 'violation'; steps: number; longestOrder: number[]; relevantOps: number[] }
  | { verdict: 'budgetExceeded'; steps: number };

interface Frame<S> {
  op: number;
  /** The call entry of a completed operation, or -1 for a pending one. */
  callEntry: number;
  /** For a pending operation: its position among the pending ones. */
  pendingPosition: number;
  /** The return entry the scan stood at when a pending operation was tried. */
  scanEntry: number;
  stateBefore: S;
}

export function searchLinearization<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly SearchOperation<I, O>[],
  budgetSteps: number,
): SearchOutcome {
  return new LinearizationSearch(model, ops).run(budgetSteps);
}

class LinearizationSearch<S, I, O> {
  private readonly list: EntryList;
  /** Pending operations (by index) in call order. */
  private readonly pending: number[];
  private readonly completed: LinearizedSet;
  private readonly pendingDone: LinearizedSet;
  private readonly explored = new ExploredConfigurations();
  private readonly stack: Frame<S>[] = [];
  private state: S;
  private completedLeft: number;
  private longestOrder: number[] = [];
  private latestBacktrack = 0;

  constructor(
    private readonly model: Model<S, I, O>,
    private readonly ops: readonly SearchOperation<I, O>[],
  ) {
    this.list = new EntryList(ops);
    this.pending = ops.flatMap((op, index) => (op.ret === Infinity ? [index] : []));
    this.pending.sort((a, b) => this.opAt(a).call - this.opAt(b).call || a - b);
    this.completed = new LinearizedSet(ops.length);
    this.pendingDone = new LinearizedSet(this.pending.length);
    this.completedLeft = ops.length - this.pending.length;
    this.state = model.init();
  }

  run(budgetSteps: number): SearchOutcome {
    const list = this.list;
    let entry = list.first();
    let pendingFrom = 0;
    let steps = 0;
    while (this.completedLeft > 0) {
      if (++steps > budgetSteps) return { verdict: 'budgetExceeded', steps };
      if (list.isCall[entry] === 1) {
        const op = list.opOf[entry] ?? -1;
        if (this.tryLinearize(op, entry, -1, entry)) entry = list.first();
        else entry = list.next[entry] ?? list.tail;
        continue;
      }
      // The first return in the list: only pending operations may still go before it.
      const tried = this.tryPending(entry, pendingFrom);
      steps += tried.attempts;
      if (tried.linearized) {
        entry = list.first();
        pendingFrom = 0;
        continue;
      }
      this.latestBacktrack = Math.max(this.latestBacktrack, entry);
      if (this.stack.length > this.longestOrder.length) this.longestOrder = this.order();
      const frame = this.undo();
      if (frame === undefined) return this.violation(steps);
      if (frame.callEntry >= 0) {
        entry = list.next[frame.callEntry] ?? list.tail;
        pendingFrom = 0;
      } else {
        entry = frame.scanEntry;
        pendingFrom = frame.pendingPosition + 1;
      }
    }
    return { verdict: 'linearizable', steps, order: this.order() };
  }

  /** Tries the pending operations called by `returnEntry`, from position `from` on. */
  private tryPending(returnEntry: number, from: number): { linearized: boolean; attempts: number } {
    const deadline = this.list.time[returnEntry] ?? Infinity;
    let attempts = 0;
    for (let position = from; position < this.pending.length; position++) {
      const op = this.pending[position] ?? -1;
      if (this.opAt(op).call > deadline) break;
      if (this.pendingDone.has(position)) continue;
      attempts++;
      if (this.tryLinearize(op, -1, position, returnEntry)) return { linearized: true, attempts };
    }
    return { linearized: false, attempts };
  }

  /** Linearizes `op` next if the model allows it and the configuration is new. */
  private tryLinearize(op: number, callEntry: number, pendingPosition: number, scanEntry: number) {
    const { input, output } = this.opAt(op);
    const after = this.model.step(this.state, input, output);
    if (after === undefined) return false;
    const afterKey = this.model.stateKey(after);
    // A pending operation that changes nothing here is never needed: leaving it out keeps
    // every option open, and trying it would multiply the configurations.
    if (callEntry < 0 && afterKey === this.model.stateKey(this.state)) return false;
    this.mark(op, callEntry, pendingPosition, true);
    if (!this.explored.visit(this.completed, afterKey, this.pendingDone)) {
      this.mark(op, callEntry, pendingPosition, false);
      return false;
    }
    this.stack.push({ op, callEntry, pendingPosition, scanEntry, stateBefore: this.state });
    this.state = after;
    if (callEntry >= 0) this.list.lift(callEntry);
    return true;
  }

  private undo(): Frame<S> | undefined {
    const frame = this.stack.pop();
    if (frame === undefined) return undefined;
    this.state = frame.stateBefore;
    this.mark(frame.op, frame.callEntry, frame.pendingPosition, false);
    if (frame.callEntry >= 0) this.list.unlift(frame.callEntry);
    return frame;
  }

  private mark(op: number, callEntry: number, pendingPosition: number, linearized: boolean) {
    if (callEntry >= 0) {
      if (linearized) this.completed.add(op);
      else this.completed.remove(op);
      this.completedLeft += linearized ? -1 : 1;
    } else if (linearized) {
      this.pendingDone.add(pendingPosition);
    } else {
      this.pendingDone.remove(pendingPosition);
    }
  }

  private violation(steps: number): SearchOutcome {
    const list = this.list;
    const relevantOps: number[] = [];
    for (let entry = 1; entry < this.latestBacktrack; entry++) {
      if (list.isCall[entry] === 1) relevantOps.push(list.opOf[entry] ?? -1);
    }
    const deadline = list.time[this.latestBacktrack] ?? Infinity;
    for (const op of this.pending) if (this.opAt(op).call <= deadline) relevantOps.push(op);
    return { verdict: 'violation', steps, longestOrder: this.longestOrder, relevantOps };
  }

  private order(): number[] {
    return this.stack.map((frame) => frame.op);
  }

  private opAt(index: number): SearchOperation<I, O> {
    return this.ops[index] as SearchOperation<I, O>;
  }
}
