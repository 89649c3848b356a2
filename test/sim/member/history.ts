/**
 * The clients' history for the linearizability checker, timed by one logical clock that ticks
 * at every call and every return. An operation refused without touching the tree is dropped;
 * one whose outcome is unknown stays open (no return). At the end the simulation knows every
 * committed txn: an unknown write that no committed txn of its session matches, and every
 * unknown read, affected nothing and is dropped too (each open operation widens the checker's
 * search). Acknowledged successful writes are kept with their zxid for the lost-write check.
 */
import type { SessionId } from '../../../src/protocol/records.js';
import type { Operation, ZnodeInput, ZnodeOutput } from '../../support/linearizability/index.js';

export type ZnodeOperation = Operation<ZnodeInput, ZnodeOutput>;

export interface AckedWrite {
  readonly clientId: number;
  readonly input: ZnodeInput;
  readonly zxid: number;
}

/** Does a committed txn of `session` carry this write? (committed-log.ts answers.) */
export type CommittedMatch = (session: SessionId, input: ZnodeInput) => boolean;

export class MemberHistory {
  private readonly ops: (ZnodeOperation | null)[] = [];
  private readonly sessions: SessionId[] = [];
  readonly acked: AckedWrite[] = [];
  private clock = 0;
  unknown = 0;

  call(clientId: number, input: ZnodeInput, session: SessionId): number {
    const op: ZnodeOperation = {
      clientId,
      input,
      output: undefined,
      call: ++this.clock,
      ret: Infinity,
    };
    this.ops.push(op);
    this.sessions.push(session);
    return this.ops.length - 1;
  }

  ok(handle: number, output: ZnodeOutput, zxid?: number): void {
    const op = this.ops[handle];
    if (op === null || op === undefined) throw new Error(`history: no operation ${handle}`);
    op.ret = ++this.clock;
    op.output = output;
    if (zxid !== undefined && output.code === 'ok' && op.input.kind !== 'get') {
      this.acked.push({ clientId: op.clientId, input: op.input, zxid });
    }
  }

  /** Certainly had no effect. */
  drop(handle: number): void {
    this.ops[handle] = null;
  }

  /** The outcome is unknown: the operation stays open. */
  lost(_handle: number): void {
    this.unknown++;
  }

  /** Drops open operations that cannot have affected anything; returns how many. */
  dropUnobserved(committed: CommittedMatch): number {
    let dropped = 0;
    this.ops.forEach((op, i) => {
      if (op === null || op.ret !== Infinity) return;
      const session = this.sessions[i] ?? 0n;
      if (op.input.kind !== 'get' && committed(session, op.input)) return;
      this.ops[i] = null;
      dropped++;
    });
    return dropped;
  }

  operations(): ZnodeOperation[] {
    return this.ops.filter((op): op is ZnodeOperation => op !== null);
  }
}
