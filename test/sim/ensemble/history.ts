/**
 * The clients' history for the linearizability checker, timed by one logical clock that ticks
 * at every call and every return (finer than simulation ticks, and exact). A request the
 * ensemble refused before proposing it certainly had no effect, so it is dropped; one whose
 * fate is unknown stays with no return. The simulation sees everything, so at the end an
 * unknown write that never reached the committed log (and any unknown read, which observed
 * nothing) is dropped too: it affected no other operation, and each pending operation left in
 * makes the checker's search much wider. Acknowledged successful writes are kept with their
 * zxid, for the end-of-run check that none was lost.
 */
import type { Operation } from '../../support/linearizability/index.js';
import type { ZnodeInput, ZnodeOutput } from '../../support/linearizability/index.js';

export type ZnodeOperation = Operation<ZnodeInput, ZnodeOutput>;

export interface AckedWrite {
  readonly clientId: number;
  readonly input: ZnodeInput;
  readonly zxid: number;
}

export class SimHistory {
  private readonly ops: (ZnodeOperation | null)[] = [];
  /** Per operation, the request that carried it: "origin:requestId". */
  private readonly requests: string[] = [];
  readonly acked: AckedWrite[] = [];
  private clock = 0;
  unknown = 0;

  call(clientId: number, input: ZnodeInput): number {
    const call = ++this.clock;
    const op: ZnodeOperation = { clientId, input, output: undefined, call, ret: Infinity };
    this.ops.push(op);
    this.requests.push('');
    return this.ops.length - 1;
  }

  identify(handle: number, origin: number, requestId: number): void {
    this.requests[handle] = `${origin}:${requestId}`;
  }

  /** Drops unknown-outcome operations that cannot have affected anything; returns how many. */
  dropUnobserved(committed: ReadonlySet<string>): number {
    let dropped = 0;
    this.ops.forEach((op, i) => {
      if (op === null || op.ret !== Infinity) return;
      if (op.input.kind !== 'get' && committed.has(this.requests[i] ?? '')) return;
      this.ops[i] = null;
      dropped++;
    });
    return dropped;
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

  /** The request was refused before being proposed: it never happened. */
  drop(handle: number): void {
    this.ops[handle] = null;
  }

  lost(): void {
    this.unknown++;
  }

  operations(): ZnodeOperation[] {
    return this.ops.filter((op): op is ZnodeOperation => op !== null);
  }
}
