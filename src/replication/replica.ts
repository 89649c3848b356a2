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
import { assert, fail } from '../util/assert.js';
import { pathBytesMaxCeiling } from '../util/limits.js';
import { ApplyError, describeTxn } from './apply-error.js';
import { DigestLedger } from './digest-ledger.js';
import { decodeEntry, encodeEntry, type DigestCheck, type EntryPayload } from './entry-codec.js';
import {
  applyRestore,
  type RestoreApplied,
  type RestoreEntry,
  type RestoreProposal,
} from './restore-apply.js';
import { RestoreAssembly } from './restore-assembly.js';
import type { WriteInput } from './write-input.js';

export type Applied =
  | {
      kind: 'txn';
      /** A txn's Applied is also its writer's WriteOutcome: no second object per write. */
      ok: true;
      index: Index;
      origin: NodeId;
      requestId: number;
      txn: Txn;
      result: ApplyResult;
    }
  | { kind: 'barrier'; index: Index; origin: NodeId; requestId: number }
  | { kind: 'config'; index: Index; change: ConfChange }
  /** A restore's commit entry (restore-apply.ts): the tree was replaced, or why not. */
  | { kind: 'restore'; index: Index; origin: NodeId; requestId: number; outcome: RestoreApplied };

/** `retryable`: nothing wrong with the write; it may go to this or the next leader later. */
export type ProposeRefused = { ok: false; reason: string; leader: NodeId; retryable: boolean };

export type ProposeOutcome = { ok: true; index: Index } | ProposeRefused;

/** A write of a batch that is not in the log: its position in the batch, and why. */
export interface Refusal {
  readonly at: number;
  readonly outcome: ProposeRefused;
}

/** A write to propose, and who answers it when it applies (origin and request id). */
export interface Proposal {
  readonly input: WriteInput;
  readonly origin: NodeId;
  readonly requestId: number;
}

export interface ReplicaOptions {
  readonly extendedTypesEnabled: boolean;
  /** warren.pathBytesMax of the member that prepares (the leader). */
  readonly pathBytesMax: number;
  /**
   * Reads a restore's snapshot file into a tree (member/replicated-restore.ts): checksums,
   * tree, digest; throws a sentence. Without it a restore's commit changes nothing here.
   */
  readonly loadRestoreImage?: (image: Buffer) => DataTree;
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
  /**
   * What this leader proposed and has not applied, by index: applying its own entry it uses
   * the payload it encoded instead of decoding the bytes again (the same bytes: the entry's
   * data is the very buffer proposed, which is checked).
   */
  private proposedIndexes: Index[] = [];
  private proposedData: Buffer[] = [];
  private proposedPayloads: EntryPayload[] = [];
  /** Entries before proposedHead in the three queues were applied or passed over. */
  private proposedHead = 0;
  /** The chunks of a restore applied here and not yet committed (restore-assembly.ts). */
  readonly restores = new RestoreAssembly();
  /** Leading: the index of a restore's commit entry proposed and not applied yet, else 0. */
  private restoringAt: Index = 0;

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
      // Nothing is prepared on the tree a proposed restore is about to replace.
      this.appliedIndex >= this.restoringAt &&
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
      this.proposedIndexes = [];
      this.proposedData = [];
      this.proposedPayloads = [];
      this.proposedHead = 0;
      this.creating.clear();
      this.closing.clear();
      this.termStart = Number.POSITIVE_INFINITY;
      this.restoringAt = 0;
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
    const index = this.node.lastIndex() + 1;
    const refusal = this.proposeMany([{ input, origin, requestId }], time)[0];
    return refusal === undefined ? { ok: true, index } : refusal.outcome;
  }

  /**
   * Leader: prepares each write at the next index in turn and proposes them all in one go
   * (one append to each follower). Returns the writes that are not in the log, with why (in
   * order; none on the hot path, so nothing is allocated per accepted write).
   */
  proposeMany(writes: readonly Proposal[], time: number): Refusal[] {
    // The leader applies the txn it prepared, the others the one they decode: both must
    // carry the same time, so it must be what the codec keeps (whole milliseconds).
    if (!Number.isSafeInteger(time)) fail(`replica: txn time ${time} is not whole milliseconds`);
    if (!this.acceptingWrites()) {
      const outcome = this.refuse('not the leader or not caught up yet', true);
      return writes.map((_, at) => ({ at, outcome }));
    }
    const first = this.node.lastIndex() + 1;
    // Our tree is at the applied index for the whole batch: every member checks its digest
    // there (one object shared by the batch's entries).
    const check = { index: this.appliedIndex, digest: this.tree.digest };
    const refusals: Refusal[] = [];
    const data: Buffer[] = [];
    const payloads: EntryPayload[] = [];
    let bytes = 0;
    let at = 0;
    for (; at < writes.length; at++) {
      const zxid = first + data.length;
      const payload = this.prepareEntry(writes[at] as Proposal, zxid, time, check);
      if (typeof payload === 'string') {
        refusals.push({ at, outcome: this.refuse(payload, false) });
        continue;
      }
      const encoded = encodeEntry(payload, this.writer);
      const refusal = this.node.proposalRefusal(bytes + encoded.length);
      if (refusal !== undefined) {
        if (payload.kind === 'txn') this.overlay.discardLatest(zxid);
        refusals.push({ at, outcome: this.refuse(refusal, true) });
        break;
      }
      bytes += encoded.length;
      data.push(encoded);
      payloads.push(payload);
    }
    if (at < writes.length) {
      const outcome = this.refuse('retry later', true);
      for (at++; at < writes.length; at++) refusals.push({ at, outcome });
    }
    if (data.length === 0) return refusals;
    const result = this.node.propose(...data);
    assert(result.ok && result.index === first, 'replica: proposal landed at another index');
    for (let i = 0; i < data.length; i++) {
      this.proposedIndexes.push(first + i);
      this.proposedData.push(data[i] as Buffer);
      this.proposedPayloads.push(payloads[i] as EntryPayload);
      this.accepted(payloads[i] as EntryPayload);
    }
    return refusals;
  }

  /** The payload of the entry for one write at `zxid`, or why there is nothing to propose. */
  private prepareEntry(
    write: Proposal,
    zxid: number,
    time: number,
    check: DigestCheck,
  ): EntryPayload | string {
    const { input, origin, requestId } = write;
    const prepared = this.prepare(input, zxid, time);
    if (typeof prepared === 'string') return prepared;
    return prepared === null
      ? { kind: 'barrier', origin, requestId, check }
      : { kind: 'txn', origin, requestId, check, txn: prepared };
  }

  /** A proposal is in the log: sessions it creates or closes are pending until applied. */
  private accepted(payload: EntryPayload): void {
    if (payload.kind !== 'txn') return;
    const body = payload.txn.body;
    // Only a real create/close is pending; one that became an error txn changes nothing.
    if (body.type === 'createSession') this.creating.add(body.sessionId);
    if (body.type === 'closeSession') this.closing.add(body.sessionId);
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
          pathBytesMax: this.options.pathBytesMax,
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
        const ctx = {
          zxid,
          time,
          sessionId: 0n,
          ids: [],
          extendedTypesEnabled: true,
          pathBytesMax: pathBytesMaxCeiling,
        };
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
          pathBytesMax: this.options.pathBytesMax,
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
    this.applyEach(entries, (_entry, applied) => {
      if (applied !== null) out.push(applied);
    });
    return out;
  }

  /**
   * Applies committed entries in order, calling `visit` right after each one (its effects
   * must go out before the next entry changes the tree further).
   */
  applyEach(entries: readonly Entry[], visit: (entry: Entry, applied: Applied | null) => void) {
    for (const entry of entries) {
      if (entry.index <= this.appliedIndex) fail(`replica: entry ${entry.index} applied twice`);
      const applied = this.applyOne(entry);
      this.appliedIndex = entry.index;
      this.ledger.record(entry.index, this.tree.digest);
      visit(entry, applied);
    }
  }

  private applyOne(entry: Entry): Applied | null {
    this.restores.onEntry(entry.term);
    if (entry.kind === 'config') {
      return { kind: 'config', index: entry.index, change: decodeConfChange(entry.data) };
    }
    let payload: EntryPayload | null;
    try {
      payload = this.payloadOf(entry);
    } catch (error) {
      throw new ApplyError(entry.index, `term ${entry.term}, ${entry.data.length} bytes`, error);
    }
    if (payload === null) return null;
    this.ledger.verify(payload.check.index, payload.check.digest, entry.index);
    const { origin, requestId } = payload;
    if (payload.kind === 'barrier')
      return { kind: 'barrier', index: entry.index, origin, requestId };
    if (payload.kind !== 'txn') return this.applyRestoreEntry(entry, payload);
    const txn = payload.txn;
    if (txn.zxid !== entry.index) fail(`replica: txn zxid ${txn.zxid} at index ${entry.index}`);
    let result: ApplyResult;
    try {
      result = applyTxn(this.tree, txn);
    } catch (error) {
      throw new ApplyError(entry.index, describeTxn(txn), error);
    }
    this.overlay.applied(txn.zxid);
    if (txn.body.type === 'createSession') this.creating.delete(txn.body.sessionId);
    if (txn.body.type === 'closeSession') this.closing.delete(txn.body.sessionId);
    return { kind: 'txn', ok: true, index: entry.index, origin, requestId, txn, result };
  }

  private applyRestoreEntry(entry: Entry, payload: RestoreEntry): Applied | null {
    const load = this.options.loadRestoreImage;
    const outcome = applyRestore(this.restores, entry, payload, this.tree, load);
    if (outcome === null) return null;
    if (outcome.ok) this.replaceTree(outcome.tree, entry.index);
    const { origin, requestId } = payload;
    return { kind: 'restore', index: entry.index, origin, requestId, outcome };
  }

  /**
   * Leader: proposes one entry of a restore (member/replicated-restore.ts) at the next index;
   * after a commit entry nothing else is prepared until it is applied. Its index, or why not.
   */
  proposeRestore(payload: RestoreProposal): ProposeOutcome {
    if (!this.acceptingWrites()) return this.refuse('not the leader or not caught up yet', true);
    const index = this.node.lastIndex() + 1;
    const check = { index: this.appliedIndex, digest: this.tree.digest };
    const data = encodeEntry({ ...payload, check }, this.writer);
    const refusal = this.node.proposalRefusal(data.length);
    if (refusal !== undefined) return this.refuse(refusal, true);
    const result = this.node.propose(data);
    assert(result.ok && result.index === index, 'replica: a restore entry landed elsewhere');
    if (payload.kind === 'restoreCommit') this.restoringAt = index;
    return { ok: true, index };
  }

  /** Our own proposals come back in index order: a queue, read from its head. */
  private payloadOf(entry: Entry): EntryPayload | null {
    const indexes = this.proposedIndexes;
    const data = this.proposedData;
    while (this.proposedHead < indexes.length) {
      const index = indexes[this.proposedHead] as Index;
      if (index > entry.index) break;
      const head = this.proposedHead++;
      if (index === entry.index && data[head] === entry.data) {
        const payload = this.proposedPayloads[head] as EntryPayload;
        this.compactProposed();
        return payload;
      }
    }
    this.compactProposed();
    return decodeEntry(entry.data);
  }

  private compactProposed(): void {
    const head = this.proposedHead;
    if (head === this.proposedIndexes.length) {
      this.proposedIndexes.length = 0;
      this.proposedData.length = 0;
      this.proposedPayloads.length = 0;
      this.proposedHead = 0;
      return;
    }
    if (head < 1024 || head * 2 < this.proposedData.length) return;
    this.proposedIndexes = this.proposedIndexes.slice(head);
    this.proposedData = this.proposedData.slice(head);
    this.proposedPayloads = this.proposedPayloads.slice(head);
    this.proposedHead = 0;
  }

  /**
   * A snapshot replaced the state: start over from its tree. A follower's comes from the
   * leader; a leader's only from an operator's restore on the only voter, which the core
   * accepts with nothing in flight, so nothing is prepared on the old tree.
   */
  replaceTree(tree: DataTree, index: Index): void {
    assert(index >= this.appliedIndex, 'replica: snapshot older than the applied state');
    const idle =
      this.overlay.size === 0 &&
      this.proposedHead === this.proposedIndexes.length &&
      this.creating.size === 0 &&
      this.closing.size === 0;
    assert(this.role !== 'leader' || idle, 'replica: a leader replaced its tree mid-write');
    this.tree = tree;
    this.overlay = new Overlay(tree);
    this.appliedIndex = index;
    this.ledger.reset();
    this.ledger.record(index, tree.digest);
  }

  private refuse(reason: string, retryable: boolean): ProposeRefused {
    return { ok: false, reason, leader: this.lead, retryable };
  }
}

function errorBody(err: number): Txn['body'] {
  return { type: 'error', err };
}
