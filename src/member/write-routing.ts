/**
 * Where a member's writes go. A write from a client becomes a pending request; the leader
 * proposes it itself, a follower forwards it to the leader. Either way the member that took
 * it answers when it applies the entry (matched by origin and request id), so a session's
 * replies stay in order and a read after a write sees it. Writes forwarded to a leader that
 * has not caught up yet wait there (remoteHeld); reconfigs go to the leader too.
 *
 * A write is good for the term in which this member took it from its client, as in
 * ZooKeeper, whose servers drop their clients' requests when the leader changes. One held
 * across a term (no leader, or its forward stuck behind a partition) fails instead of going
 * to the next leader, and a leader refuses one forwarded in another term: by then its client
 * may have been told "connection loss", moved to another server and written again, and the
 * connection tokens (attachments) the new leader holds are not yet complete.
 */
import type { Logger } from 'pino';
import { Err } from '../protocol/error-codes.js';
import type { Id, SessionId } from '../protocol/records.js';
import type { ReconfigRequest } from '../protocol/requests.js';
import type { ProposeRefused, Proposal, Replica } from '../replication/replica.js';
import type { WriteInput } from '../replication/write-input.js';
import { heldWritesMax } from '../util/limits.js';

/** Tokens kept beyond twice the live sessions before gone ones are dropped. */
const attachmentsSlack = 1024;
import type { Runtime } from '../util/runtime.js';
import { PendingRequests, type Completion } from './pending-requests.js';
import type { PeerMessage } from './peer-messages.js';
import type { RaftDriver } from './raft-driver.js';
import type { Reconfigurer } from './reconfig.js';

export interface RoutingHost {
  readonly selfId: number;
  readonly replica: Replica;
  readonly driver: RaftDriver;
  readonly runtime: Runtime;
  readonly logger: Logger;
  readonly reconfigEnabled: boolean;
  readonly reconfigurer: Reconfigurer;
  /** How long a write may wait for its entry to apply before its client is cut off. */
  readonly requestTimeoutMs: number;
  /** Why no write may be taken now (stopped, storage failed), or null. */
  blocked(): string | null;
  /**
   * The log holds so many entry bytes that new writes wait for a snapshot to compact it
   * (raftLogFullBytes), rather than pass raftHeldEntryBytesMax and stop the member.
   */
  logFull(): boolean;
  sendPeer(to: number, message: PeerMessage): boolean;
  /** The Raft term this member is in. */
  term(): number;
  /** The sessions attached to a connection here, with that connection's token. */
  localAttachments(): Iterable<readonly [SessionId, number]>;
}

interface RemoteWrite {
  from: number;
  requestId: number;
  input: WriteInput;
  /** The Raft term its member took it in. */
  term: number;
}

/** Writes whose client could have moved and written again: good only in their own term. */
function termBound(input: WriteInput): boolean {
  return input.type === 'request' || input.type === 'closeSession';
}

const staleReason = 'the leader changed after the write was taken';

export class WriteRouter {
  readonly pending: PendingRequests;
  /** Forwarded writes that reached us while we lead but have not caught up yet. */
  private remoteHeld: RemoteWrite[] = [];
  /**
   * Writes to propose together at the node's next input (one append per batch), and for
   * each the follower's write it is (null: ours, by pending id).
   */
  private batch: Proposal[] = [];
  private batchRemotes: (RemoteWrite | null)[] = [];
  /** Reconfigs forwarded to the leader, by request id. */
  private readonly reconfigs = new Map<number, (err: number) => void>();
  /**
   * Leading: each session's connection token as last heard (SessionState.attach). A write
   * that names another token came on a connection its client has left: it is refused, as
   * ZooKeeper's leader refuses a moved session's requests (SessionMoved), so a write held by
   * a server that was cut off cannot run after its client retried elsewhere. Bounded by the
   * sessions (pruneAttachments); rebuilt from every member's report on a leader change.
   */
  private readonly attachments = new Map<SessionId, number>();
  private nextReconfigId = 1;

  constructor(private readonly host: RoutingHost) {
    this.pending = new PendingRequests(host.runtime.randomInt(0x3ffffe));
  }

  /** Takes a write; `done` learns how it ended (undefined: nobody waits for it). */
  enqueue(input: WriteInput, done: ((c: Completion) => void) | undefined): void {
    const blocked = this.host.blocked();
    if (blocked !== null) return done?.({ ok: false, error: new Error(blocked) });
    const deadline = this.host.runtime.now() + this.host.requestTimeoutMs;
    // A leader proposes at once, behind nothing held (hot path); if it cannot take writes
    // just now, proposeMany says so and the write is held after all.
    const term = this.host.term();
    if (this.pending.heldCount === 0 && this.host.replica.isLeader && !this.host.logFull()) {
      const requestId = this.pending.addRouted(input, done, deadline, term);
      this.queue({ input, origin: this.host.selfId, requestId }, null);
      return;
    }
    const id = this.pending.add(input, done, deadline, term);
    if (id === undefined) {
      return done?.({ ok: false, error: new Error('too many writes waiting for a leader') });
    }
    this.route();
  }

  /** Sends held writes to the leader, or proposes them if we lead and have caught up. */
  route(): void {
    const { replica } = this.host;
    if (this.host.blocked() !== null) return;
    if (replica.isLeader) {
      if (!replica.acceptingWrites() || this.host.logFull()) return;
      const remote = this.remoteHeld;
      this.remoteHeld = [];
      for (const r of remote) this.proposeRemote(r);
      const self = this.host.selfId;
      for (const { id, input } of this.takeHeldOfThisTerm()) {
        this.queue({ input, origin: self, requestId: id }, null);
      }
      return;
    }
    const leader = replica.leader;
    if (leader === 0) return;
    for (const { id, input, term } of this.takeHeldOfThisTerm()) {
      const sent = this.host.sendPeer(leader, { type: 'forward', requestId: id, input, term });
      if (!sent) this.pending.fail(id, new Error('could not reach the leader'));
    }
  }

  /** The held writes to route now; those taken in an earlier term fail instead. */
  private takeHeldOfThisTerm(): { id: number; input: WriteInput; term: number }[] {
    if (this.pending.heldCount === 0) return [];
    const now = this.host.term();
    return this.pending.takeHeld().filter(({ id, input, term }) => {
      if (!termBound(input) || term === now) return true;
      this.pending.fail(id, new Error(staleReason));
      return false;
    });
  }

  /**
   * Adds a write to the next batch. The batch is proposed at the node's next input: at once
   * when no Ready is in progress, else after it, together with everything that came meanwhile.
   */
  private queue(proposal: Proposal, remote: RemoteWrite | null): void {
    if (this.moved(proposal.input)) {
      const reason = 'the session moved to another connection';
      if (remote !== null) this.host.sendPeer(remote.from, { ...remote, type: 'refused', reason });
      else this.pending.fail(proposal.requestId, new Error(reason));
      return;
    }
    this.batch.push(proposal);
    this.batchRemotes.push(remote);
    if (this.batch.length === 1) this.host.driver.run(() => this.proposeBatch());
  }

  private proposeBatch(): void {
    const { replica, runtime } = this.host;
    const proposals = this.batch;
    const remotes = this.batchRemotes;
    this.batch = [];
    this.batchRemotes = [];
    if (proposals.length === 0) return;
    const refusals = replica.proposeMany(proposals, runtime.now());
    if (refusals.length === 0) return;
    // By now we may have stopped accepting (a leadership transfer began): those wait.
    const again: number[] = [];
    for (const { at, outcome } of refusals) {
      const remote = remotes[at] ?? null;
      if (remote !== null) {
        this.notProposed(remote, outcome);
        continue;
      }
      const id = (proposals[at] as Proposal).requestId;
      if (outcome.retryable) again.push(id);
      else this.pending.fail(id, new Error(outcome.reason));
    }
    if (again.length > 0) this.pending.rehold(again);
  }

  /** A follower's write the leader could not propose: held if it may go later, else refused. */
  private notProposed(write: RemoteWrite, outcome: ProposeRefused) {
    const replica = this.host.replica;
    // Still leading but not accepting for now (catching up, handing over): keep it.
    if (outcome.retryable && replica.isLeader && this.remoteHeld.length < heldWritesMax) {
      this.remoteHeld.push(write);
      return;
    }
    const { from, requestId } = write;
    this.host.sendPeer(from, { type: 'refused', requestId, reason: outcome.reason });
  }

  /** A follower forwarded a write to us. */
  onForward(write: RemoteWrite): void {
    if (termBound(write.input) && write.term !== this.host.term()) {
      const { from, requestId } = write;
      this.host.sendPeer(from, { type: 'refused', requestId, reason: staleReason });
      return;
    }
    const replica = this.host.replica;
    if (replica.isLeader && (!replica.acceptingWrites() || this.host.logFull())) {
      if (this.remoteHeld.length < heldWritesMax) {
        this.remoteHeld.push(write);
        return;
      }
    }
    this.proposeRemote(write);
  }

  private proposeRemote(write: RemoteWrite): void {
    const { from, requestId, input } = write;
    if (this.host.blocked() !== null) {
      this.host.sendPeer(from, { type: 'refused', requestId, reason: 'the leader cannot write' });
      return;
    }
    this.queue({ input, origin: from, requestId }, write);
  }

  /** The leader changed: routed writes fail (outcome unknown), barriers go again. */
  leaderChanged(): void {
    this.pending.failRouted(new Error('the leader changed'));
    this.remoteHeld = [];
    // The new leader learns where each session is attached from every member, ahead of any
    // write sent to it from here (one link, in order).
    this.attachments.clear();
    for (const [sessionId, attach] of this.host.localAttachments()) {
      this.localAttached(sessionId, attach);
    }
  }

  /** A client attached a session here: the leader hears of it before the session's writes. */
  localAttached(sessionId: SessionId, attach: number): void {
    const { replica } = this.host;
    const term = this.host.term();
    if (replica.isLeader) return this.noteAttached(sessionId, attach, term);
    if (replica.leader !== 0) {
      this.host.sendPeer(replica.leader, { type: 'attached', sessionId, attach, term });
    }
  }

  /**
   * Leading: session `sessionId` is attached on connection `attach` now, as a member said in
   * `term`. A report from another term is stale: a later one replaced it.
   */
  noteAttached(sessionId: SessionId, attach: number, term: number): void {
    if (!this.host.replica.isLeader || term !== this.host.term()) return;
    this.attachments.set(sessionId, attach);
    this.pruneAttachments();
  }

  private moved(input: WriteInput): boolean {
    if (input.type !== 'request' && input.type !== 'closeSession') return false;
    const attach = input.attach ?? 0;
    const current = this.attachments.get(input.sessionId);
    return attach !== 0 && current !== undefined && current !== attach;
  }

  /** Drops the tokens of sessions that are gone, once there are many more than sessions. */
  private pruneAttachments(): void {
    const sessions = this.host.replica.tree.sessions;
    if (this.attachments.size <= 2 * sessions.size + attachmentsSlack) return;
    for (const id of this.attachments.keys()) {
      if (!sessions.has(id)) this.attachments.delete(id);
    }
  }

  /** A client's reconfig: run by the leader; resolves with the error code (0 = applied). */
  reconfig(req: ReconfigRequest, sessionId: SessionId, ids: readonly Id[]): Promise<number> {
    return new Promise<number>((resolve) => {
      const { replica, reconfigurer, logger } = this.host;
      if (!this.host.reconfigEnabled) return resolve(Err.reconfigDisabled);
      if (replica.isLeader) {
        reconfigurer.reconfig(req, sessionId, ids).then(resolve, (e: unknown) => {
          logger.error({ err: e }, 'reconfig failed');
          resolve(Err.runtimeInconsistency);
        });
        return;
      }
      const leader = replica.leader;
      if (leader === 0) return resolve(Err.connectionLoss);
      const requestId = this.nextReconfigId++;
      this.reconfigs.set(requestId, resolve);
      const message = { type: 'reconfig' as const, requestId, sessionId, ids: [...ids] };
      if (!this.host.sendPeer(leader, { ...message, request: req })) {
        this.reconfigs.delete(requestId);
        resolve(Err.connectionLoss);
      }
    });
  }

  /** The leader answered a reconfig we forwarded. */
  onReconfigResult(requestId: number, err: number): void {
    const done = this.reconfigs.get(requestId);
    this.reconfigs.delete(requestId);
    done?.(err);
  }
}
