/**
 * A restore POSTed to a member that does not lead goes to the leader over the peer link, as
 * its clients' writes do, so an operator may send it to any member: the follower sends the
 * verified upload in parts of restoreForwardPartBytes, each acknowledged before the next, so
 * Raft's messages on the link never queue behind a large one; the leader gathers one upload
 * at a time (capped at restoreLogBytesMax, dropped when idle restoreForwardIdleMs), runs the
 * restore, and answers the last part with the outcome. The follower answers its HTTP client
 * once it has applied the restore itself.
 */
import type { Logger } from 'pino';
import type { NodeId } from '../consensus/index.js';
import type { Replica } from '../replication/replica.js';
import {
  restoreForwardIdleMs,
  restoreForwardPartBytes,
  restoreInstallMs,
  restoreLogBytesMax,
} from '../util/limits.js';
import { sleepOn, type Runtime } from '../util/runtime.js';
import type { PeerMessage } from './peer-messages.js';
import { refused, type RestoreOutcome } from './restore-outcome.js';

export type RestorePart = Extract<PeerMessage, { type: 'restorePart' }>;
export type RestoreReply = Extract<PeerMessage, { type: 'restoreReply' }>;

export interface ForwardingHost {
  readonly selfId: number;
  readonly replica: Replica;
  readonly runtime: Runtime;
  readonly logger: Logger;
  send(to: NodeId, message: PeerMessage): boolean;
  /** Leader: run a restore of `upload` here (never forwarded again). */
  restoreHere(upload: Buffer): Promise<RestoreOutcome>;
  /** Why no restore may start here now (one running), or null. */
  busy(): string | null;
}

interface Incoming {
  readonly from: NodeId;
  readonly transferId: number;
  readonly total: number;
  readonly parts: Buffer[];
  received: number;
  heardMs: number;
}

const pollMs = 5;

export class RestoreForwarding {
  private incoming: Incoming | null = null;
  private readonly replies = new Map<number, RestoreReply>();

  constructor(private readonly host: ForwardingHost) {}

  // ---- the member that took the POST ----

  async forward(upload: Buffer): Promise<RestoreOutcome> {
    const { replica, runtime } = this.host;
    const leader = replica.leader;
    if (leader === 0) return refused(503, 'no leader: retry once one is elected');
    const transferId = 1 + runtime.randomInt(2 ** 48 - 1);
    this.host.logger.info({ leader, bytes: upload.length }, 'restore: forwarding to the leader');
    let outcome: RestoreOutcome | null = null;
    try {
      for (let offset = 0; outcome === null; ) {
        const bytes = upload.subarray(offset, offset + restoreForwardPartBytes);
        const last = offset + bytes.length >= upload.length;
        const part = {
          type: 'restorePart' as const,
          transferId,
          offset,
          total: upload.length,
          bytes,
        };
        const waitMs = last ? restoreInstallMs + restoreForwardIdleMs : restoreForwardIdleMs;
        const reply = await this.exchange(leader, part, waitMs);
        if (typeof reply === 'string') return refused(503, reply);
        outcome = reply.outcome;
        offset += bytes.length;
        if (outcome === null && (last || reply.received !== offset)) {
          return refused(500, `the leader acknowledged ${reply.received} bytes of ${offset}`);
        }
      }
    } finally {
      this.replies.delete(transferId);
    }
    if (outcome.ok) await this.appliedHere(outcome.index);
    return outcome;
  }

  /** Sends `part` and waits for the leader's reply to it, or says why there is none. */
  private async exchange(
    leader: NodeId,
    part: RestorePart,
    waitMs: number,
  ): Promise<RestoreReply | string> {
    const { runtime, replica } = this.host;
    this.replies.delete(part.transferId);
    if (!this.host.send(leader, part)) return 'could not reach the leader; retry';
    const deadline = runtime.now() + waitMs;
    for (;;) {
      const reply = this.replies.get(part.transferId);
      if (reply !== undefined) return reply;
      if (replica.leader !== leader)
        return 'the leader changed while the upload was forwarded; retry';
      if (runtime.now() > deadline) return `the leader did not answer within ${waitMs} ms`;
      await sleepOn(runtime, pollMs);
    }
  }

  /** The restore is committed: wait (bounded) until this member applied it too. */
  private async appliedHere(index: number): Promise<void> {
    const { runtime, replica } = this.host;
    const deadline = runtime.now() + restoreForwardIdleMs;
    while (replica.applied < index && runtime.now() < deadline) await sleepOn(runtime, pollMs);
  }

  onReply(reply: RestoreReply): void {
    this.replies.set(reply.transferId, reply);
  }

  // ---- the leader ----

  onPart(from: NodeId, part: RestorePart): void {
    const { transferId, offset, total, bytes } = part;
    const answer = (received: number, outcome: RestoreOutcome | null) =>
      void this.host.send(from, { type: 'restoreReply', transferId, received, outcome });
    const refuse = (status: number, reason: string) => answer(0, refused(status, reason));
    if (!this.host.replica.isLeader) return refuse(503, 'this member does not lead any more');
    const now = this.host.runtime.now();
    let into = this.incoming;
    if (offset === 0) {
      const idle = into === null || now - into.heardMs > restoreForwardIdleMs;
      const busy = this.host.busy();
      if (!idle || busy !== null) return refuse(409, busy ?? 'another restore is being uploaded');
      if (total > restoreLogBytesMax) {
        return refuse(413, `the upload is ${total} bytes, over restoreLogBytesMax`);
      }
      into = { from, transferId, total, parts: [], received: 0, heardMs: now };
      this.incoming = into;
    } else if (into?.from !== from || into.transferId !== transferId || into.received !== offset) {
      return refuse(409, 'a part of the upload came out of order; retry');
    }
    into.parts.push(bytes);
    into.received += bytes.length;
    into.heardMs = now;
    if (into.received > into.total || (bytes.length === 0 && into.received < into.total)) {
      this.incoming = null;
      return refuse(400, `the upload's parts do not add up to ${into.total} bytes`);
    }
    if (into.received < into.total) return answer(into.received, null);
    this.incoming = null;
    const upload = Buffer.concat(into.parts, into.total);
    this.host.restoreHere(upload).then(
      (outcome) => answer(upload.length, outcome),
      (error: unknown) => answer(upload.length, refused(500, String(error))),
    );
  }
}
