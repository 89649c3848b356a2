/**
 * What the simulation checks of the members' state machines, fed by every member as it
 * applies an entry (the member's ApplyObserver):
 * - AppliedLog: every member applies the same entry bytes at each index, whatever mix of live
 *   apply, restart replay and snapshot install brought it there.
 * - DigestAgreement: every member's tree digest after an index is the same.
 * At the end: the members' trees are equal, field by field (tree-digest.ts), and each tree's
 * incremental digest equals the one computed from scratch.
 */
import type { Entry, Index } from '../../../src/consensus/index.js';
import { decodeEntry } from '../../../src/replication/entry-codec.js';
import type { SessionId } from '../../../src/protocol/records.js';
import type { DataTree } from '../../../src/tree/data-tree.js';
import type { ZnodeInput } from '../../support/linearizability/index.js';
import { SafetyViolation } from '../checkers.js';

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new SafetyViolation(message);
}

/** For the checks run per applied entry: `if (bad) violated(\`...\`)` formats only on failure. */
export function violated(message: string): never {
  throw new SafetyViolation(message);
}

export class AppliedLog {
  /** entries[i]: the bytes applied at index i, as first seen (normal entries only). */
  readonly entries = new Map<Index, Buffer>();

  observe(member: number, entry: Entry): void {
    if (entry.kind !== 'normal') return;
    const known = this.entries.get(entry.index);
    if (known === undefined) this.entries.set(entry.index, entry.data);
    else if (!known.equals(entry.data)) {
      violated(`member ${member} applied other bytes at ${entry.index}`);
    }
  }

  /** Whether a committed txn of `session` carries this write (for unknown outcomes). */
  carries(session: SessionId, input: ZnodeInput): boolean {
    for (const data of this.entries.values()) {
      const payload = decodeEntry(data);
      if (payload?.kind !== 'txn' || payload.txn.sessionId !== session) continue;
      const body = payload.txn.body;
      if (body.type !== 'ops') continue;
      for (const op of body.ops) {
        if (op.path !== input.path || op.type !== input.kind) continue;
        if (input.kind === 'delete') return true;
        const data = 'data' in input ? input.data : '';
        if ((op.type === 'create' || op.type === 'setData') && op.data?.toString() === data) {
          return true;
        }
      }
    }
    return false;
  }
}

export class DigestAgreement {
  private readonly digests = new Map<Index, { member: number; digest: number }>();
  compared = 0;

  observe(member: number, index: Index, tree: DataTree): void {
    const known = this.digests.get(index);
    if (known === undefined) {
      this.digests.set(index, { member, digest: tree.digest });
      return;
    }
    this.compared++;
    if (known.digest !== tree.digest) {
      violated(
        `member ${member}'s tree after index ${index} has digest ${tree.digest.toString(16)}, ` +
          `member ${known.member}'s had ${known.digest.toString(16)}`,
      );
    }
  }
}
