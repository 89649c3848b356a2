/**
 * A committed entry that cannot be applied: a bug or a damaged entry, never a client's fault
 * (clients' mistakes became error txns when the leader prepared them). The entry is in the log
 * and fsynced, so the member stops with a message naming it (index, zxid, what it does), and
 * a restart replaying it would fail the same way: the member says so instead of looping.
 */
import type { Txn } from '../tree/txn.js';

export class ApplyError extends Error {
  override readonly name = 'ApplyError';
  readonly code = 'WARREN_APPLY_FAILED';

  constructor(
    readonly index: number,
    readonly what: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`the committed entry at index ${index} (${what}) cannot be applied: ${reason}`, {
      cause,
    });
  }
}

/** What a txn does, for the message: `zxid 0x2a, create /a, delete /b`. */
export function describeTxn(txn: Txn): string {
  const zxid = `zxid 0x${txn.zxid.toString(16)}`;
  const body = txn.body;
  switch (body.type) {
    case 'ops': {
      const ops = body.ops.slice(0, 8).map((op) => `${op.type} ${op.path}`);
      if (body.ops.length > 8) ops.push(`and ${body.ops.length - 8} more`);
      return `${zxid}, ${ops.join(', ')}`;
    }
    case 'createSession':
    case 'closeSession':
      return `${zxid}, ${body.type} 0x${body.sessionId.toString(16)}`;
    default:
      return `${zxid}, ${body.type}`;
  }
}
