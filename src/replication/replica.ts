/**
 * One ensemble member's replicated state machine, pure: the tree, the leader's pending
 * overlay, and the rules that tie them to the Raft log. The leader prepares each write into a
 * txn whose zxid is the log index it will occupy, then proposes it; every member applies
 * committed entries in index order and gets back who to answer. Shared by the server and the
 * deterministic simulation, so the simulation tests the code that runs.
 *
 * Why a leader waits before preparing: validation must see every entry before the ones it
 * prepares. A new leader may hold entries of earlier terms it has not applied yet, so it
 * accepts writes only once it has applied up to the empty entry that opened its term.
 */
import {
  decodeConfChange,
  type ConfChange,
  type Entry,
  type Index,
  type NodeId,
  type RaftNode,
  type SoftState,
} from '../consensus/index.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import { Err } from '../protocol/error-codes.js';
import type { SessionId } from '../protocol/records.js';
import { applyTxn, type ApplyResult } from '../tree/apply.js';
import type { DataTree } from '../tree/data-tree.js';
import { Overlay } from '../tree/overlay.js';
import {
  prepareCloseSession,
  prepareConfigUpdate,
  prepareReap,
  prepareWrite,
} from '../tree/prepare.js';
import type { Txn } from '../tree/txn.js';
import { assert } from '../util/assert.js';
import { DigestLedger } from './digest-ledger.js';
import { decodeEntry, encodeEntry } from './entry-codec.js';
import type { WriteInput } from './write-input.js';

export type Applied =
  | {
      kind: 'txn';
      index: Index;
      origin: NodeId;
      requestId: number;
      txn: Txn;
      result: ApplyResult;
    }
  | { kind: 'barrier'; index: Index; origin: NodeId; requestId: number }
  | { kind: 'config'; index: Index; change: ConfChange };

export type ProposeOutcome =
  | { ok: true; index: Index }
  /** `retryable`: nothing wrong with the write; it may go to this or the next leader later. */
  | { ok: false; reason: string; leader: NodeId; retryable: boolean };

export interface ReplicaOptions {
  readonly extendedTypesEnabled: boolean;
}

export class Replica {
  overlay: Overlay;
  /** Index of the empty entry that opened our term as leader; Infinity when not leading. */
  private termStart = Number.POSITIVE_INFINITY;
  private role: SoftState['role'] = 'follower';
  private lead: NodeId = 0;
  private appliedIndex: Index;
  /** Sessions whose create/close this leader proposed and has not applied yet. */
  private readonly creating = new Set<SessionId>();
  private readonly closing = new Set<SessionId>();
  private readonly writer = new JuteWriter(1024);
  /** This member's digests at recent applied indexes, to check the leader's against. */
  readonly ledger = new DigestLedger();

  constructor(
    readonly node: RaftNode,
    public tree: DataTree,
    appliedIndex: Index,
    private readonly options: ReplicaOptions,
  ) {
    this.overlay = new Overlay(tree);
    this.appliedIndex = appliedIndex;
    this.ledger.record(appliedIndex, tree.digest);
  }

  get applied(): Index {
    return this.appliedIndex;
  }

  get leader(): NodeId {
    return this.lead;
  }

  get isLeader(): boolean {
    return this.role === 'leader';
  }

  /**
   * Leading, and every entry before our term is applied: writes may be prepared. The node
   * is asked too: between two Readies it may already have stepped down (a higher term
   * arrived) and cut its log, before the Ready that tells us so.
   */
  acceptingWrites(): boolean {
    return (
      this.role === 'leader' &&
      this.appliedIndex >= this.termStart &&
      this.node.proposalRefusal(0) === undefined
    );
  }

  /** Call with each Ready's softState (when set) before applying its entries. */
  onSoftState(soft: SoftState): void {
    const wasLeader = this.role === 'leader';
    this.role = soft.role;
    this.lead = soft.lead;
    if (wasLeader && soft.role !== 'leader') {
      // Our pending proposals may never commit: prepare afresh if we lead again.
      this.overlay.clear();
      this.creating.clear();
      this.closing.clear();
      this.termStart = Number.POSITIVE_INFINITY;
    }
    if (!wasLeader && soft.role === 'leader') {
      assert(this.overlay.size === 0, 'replica: a new leader with pending changes');
      this.termStart = this.node.lastIndex();
    }
  }

  /** Whether the leader knows the session as live (created, not closing). */
  sessionLive(id: SessionId): boolean {
    if (this.closing.has(id)) return false;
    return this.tree.sessions.has(id) || this.creating.has(id);
  }

  /** Leader: prepares `input` at the next index and proposes it. */
  propose(input: WriteInput, origin: NodeId, requestId: number, time: number): ProposeOutcome {
    if (!this.acceptingWrites()) return this.refuse('not the leader or not caught up yet', true);
    const zxid = this.node.lastIndex() + 1;
    const prepared = this.prepare(input, zxid, time);
    if (typeof prepared === 'string') return this.refuse(prepared, false);
    // Our tree is at the applied index: every member checks its digest there.
    const check = { index: this.appliedIndex, digest: this.tree.digest };
    const data =
      prepared === null
        ? encodeEntry({ kind: 'barrier', origin, requestId, check }, this.writer)
        : encodeEntry({ kind: 'txn', origin, requestId, check, txn: prepared }, this.writer);
    const refusal = this.node.proposalRefusal(data.length);
    if (refusal !== undefined) {
      if (prepared !== null) this.overlay.discardLatest(zxid);
      return this.refuse(refusal, true);
    }
    const result = this.node.propose(data);
    assert(result.ok && result.index === zxid, 'replica: proposal landed at another index');
    // Only a real create/close is pending; one that became an error txn changes nothing.
    const body = prepared?.body.type;
    if (input.type === 'createSession' && body === 'createSession') {
      this.creating.add(input.sessionId);
    }
    if (input.type === 'closeSession' && body === 'closeSession') this.closing.add(input.sessionId);
    return { ok: true, index: zxid };
  }

  /** The txn for `input` (null: a barrier), or why there is nothing to propose. */
  private prepare(input: WriteInput, zxid: number, time: number): Txn | null | string {
    switch (input.type) {
      case 'request': {
        if (!this.sessionLive(input.sessionId)) {
          return { zxid, time, sessionId: input.sessionId, body: errorBody(Err.sessionExpired) };
        }
        const ctx = {
          zxid,
          time,
          sessionId: input.sessionId,
          ids: input.ids,
          extendedTypesEnabled: this.options.extendedTypesEnabled,
        };
        return prepareWrite(input.request, this.overlay, ctx);
      }
      case 'createSession':
        if (this.tree.sessions.has(input.sessionId) || this.creating.has(input.sessionId)) {
          return 'session id already in use';
        }
        return {
          zxid,
          time,
          sessionId: 0n,
          body: {
            type: 'createSession',
            sessionId: input.sessionId,
            timeoutMs: input.timeoutMs,
            passwd: input.passwd,
          },
        };
      case 'closeSession': {
        if (!this.sessionLive(input.sessionId)) {
          return { zxid, time, sessionId: input.sessionId, body: errorBody(Err.sessionExpired) };
        }
        const committed = this.tree.ephemerals.get(input.sessionId) ?? [];
        return prepareCloseSession(input.sessionId, committed, this.overlay, { zxid, time });
      }
      case 'reap': {
        const ctx = { zxid, time, sessionId: 0n, ids: [], extendedTypesEnabled: true };
        return prepareReap(input.path, this.overlay, ctx) ?? 'nothing to reap';
      }
      case 'barrier':
        return null;
      case 'setConfig': {
        const ctx = {
          zxid,
          time,
          sessionId: input.sessionId,
          ids: input.ids,
          extendedTypesEnabled: this.options.extendedTypesEnabled,
        };
        return prepareConfigUpdate(input.text, this.overlay, ctx);
      }
    }
  }

  /**
   * Applies committed entries in order; says whom each one answers. An entry whose digest
   * check fails throws DivergenceError before it changes anything.
   */
  apply(entries: readonly Entry[]): Applied[] {
    const out: Applied[] = [];
    for (const entry of entries) {
      assert(entry.index > this.appliedIndex, `replica: entry ${entry.index} applied twice`);
      const applied = this.applyOne(entry);
      this.appliedIndex = entry.index;
      this.ledger.record(entry.index, this.tree.digest);
      if (applied !== null) out.push(applied);
    }
    return out;
  }

  private applyOne(entry: Entry): Applied | null {
    if (entry.kind === 'config') {
      return { kind: 'config', index: entry.index, change: decodeConfChange(entry.data) };
    }
    const payload = decodeEntry(entry.data);
    if (payload === null) return null;
    this.ledger.verify(payload.check.index, payload.check.digest, entry.index);
    const { origin, requestId } = payload;
    if (payload.kind === 'barrier')
      return { kind: 'barrier', index: entry.index, origin, requestId };
    const txn = payload.txn;
    assert(txn.zxid === entry.index, `replica: txn zxid ${txn.zxid} at index ${entry.index}`);
    const result = applyTxn(this.tree, txn);
    this.overlay.applied(txn.zxid);
    if (txn.body.type === 'createSession') this.creating.delete(txn.body.sessionId);
    if (txn.body.type === 'closeSession') this.closing.delete(txn.body.sessionId);
    return { kind: 'txn', index: entry.index, origin, requestId, txn, result };
  }

  /** A snapshot from the leader replaced the state: start over from its tree. */
  replaceTree(tree: DataTree, index: Index): void {
    assert(index >= this.appliedIndex, 'replica: snapshot older than the applied state');
    assert(this.role !== 'leader', 'replica: a leader never installs a snapshot');
    this.tree = tree;
    this.overlay = new Overlay(tree);
    this.appliedIndex = index;
    this.ledger.reset();
    this.ledger.record(index, tree.digest);
  }

  private refuse(reason: string, retryable: boolean): ProposeOutcome {
    return { ok: false, reason, leader: this.lead, retryable };
  }
}

function errorBody(err: number): Txn['body'] {
  return { type: 'error', err };
}
