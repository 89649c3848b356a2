/**
 * Safety checkers for the consensus simulation, one per invariant, run after every step:
 * - ElectionSafety (Raft §5.2): at most one leader per term.
 * - CommittedLog (§5.4, Leader Completeness and State Machine Safety): an index committed
 *   anywhere holds the same term everywhere it is committed, and every new leader's log holds
 *   every entry committed so far.
 * - AppliedPrefix: every server's applied sequence is a prefix of one common sequence.
 */
import type { Status } from '../../src/consensus/node.js';
import type { LogStorage } from '../../src/consensus/storage.js';
import type { NodeId, Term } from '../../src/consensus/types.js';
/** A host with the toy state machine: the entries it applied, replaced on install/restart. */
export interface AppliedHost {
  readonly id: NodeId;
  readonly applied: readonly string[];
  readonly appliedIndex: number;
  readonly generation: number;
}

/** What the Raft-level checkers look at: the consensus host and the ensemble server both fit. */
export interface CheckedServer {
  readonly id: NodeId;
  /** The current incarnation's node: a new object after each restart. */
  readonly node: object;
  readonly storage: Pick<LogStorage, 'firstIndex' | 'lastIndex' | 'term'>;
  status(): Status;
}

export class SafetyViolation extends Error {
  override readonly name = 'SafetyViolation';
}

function fail(message: string): never {
  throw new SafetyViolation(message);
}

export class ElectionSafety {
  private readonly leaders = new Map<Term, NodeId>();

  check(hosts: readonly CheckedServer[]): void {
    for (const host of hosts) {
      const status = host.status();
      if (status.role !== 'leader') continue;
      const known = this.leaders.get(status.term);
      if (known !== undefined && known !== host.id) {
        fail(`two leaders in term ${status.term}: ${known} and ${host.id}`);
      }
      this.leaders.set(status.term, host.id);
    }
  }

  get terms(): number {
    return this.leaders.size;
  }
}

export class CommittedLog {
  /** Term of the entry committed at each index, as first seen. */
  private readonly terms: Term[] = [0];
  /** Per host: how far its committed entries were checked, and in which incarnation. */
  private readonly cursors = new Map<NodeId, { node: object; commit: number }>();
  private readonly leadersChecked = new Set<string>();

  get committedMax(): number {
    return this.terms.length - 1;
  }

  check(hosts: readonly CheckedServer[]): void {
    const statuses = hosts.map((host) => host.status());
    hosts.forEach((host, i) => this.checkHost(host, (statuses[i] as Status).commit));
    hosts.forEach((host, i) => {
      const status = statuses[i] as Status;
      if (status.role !== 'leader') return;
      const key = `${status.term}/${host.id}`;
      if (this.leadersChecked.has(key)) return;
      this.leadersChecked.add(key);
      this.checkLeaderCompleteness(host);
    });
  }

  private checkHost(host: CheckedServer, commit: number): void {
    const cursor = this.cursors.get(host.id);
    let from = 1;
    if (cursor !== undefined && cursor.node === host.node) {
      if (commit < cursor.commit)
        fail(`server ${host.id}: commit fell ${cursor.commit}->${commit}`);
      from = cursor.commit + 1;
    }
    const storage = host.storage;
    const upTo = commit;
    for (let index = Math.max(from, storage.firstIndex()); index <= upTo; index++) {
      const term = storage.term(index);
      if (term === undefined) fail(`server ${host.id}: committed ${index} not stored`);
      // Indexes inside every member's first snapshot (a founding snapshot, or compaction
      // before this checker looked) are committed with terms it never saw: unknown (-1).
      while (this.terms.length < index && index === storage.firstIndex()) this.terms.push(-1);
      const known = this.terms[index];
      if (known === undefined) {
        if (index !== this.terms.length) fail(`committed index ${index} leaves a gap`);
        this.terms.push(term);
      } else if (known === -1) {
        this.terms[index] = term;
      } else if (known !== term) {
        fail(`index ${index} committed as term ${known} and ${term}`);
      }
    }
    // Updated in place: this runs after every event.
    if (cursor === undefined) this.cursors.set(host.id, { node: host.node, commit: upTo });
    else {
      cursor.node = host.node;
      cursor.commit = upTo;
    }
  }

  private checkLeaderCompleteness(host: CheckedServer): void {
    const storage = host.storage;
    const last = storage.lastIndex();
    if (last < this.committedMax) fail(`leader ${host.id} lacks committed ${this.committedMax}`);
    for (let index = storage.firstIndex(); index <= this.committedMax; index++) {
      if (this.terms[index] === -1) continue;
      if (storage.term(index) !== this.terms[index]) {
        fail(`leader ${host.id} holds term ${storage.term(index)} at committed ${index}`);
      }
    }
  }
}

export class AppliedPrefix {
  private readonly sequence: string[] = [''];
  private readonly cursors = new Map<NodeId, { generation: number; applied: number }>();

  get length(): number {
    return this.sequence.length - 1;
  }

  check(hosts: readonly AppliedHost[]): void {
    for (const host of hosts) {
      const cursor = this.cursors.get(host.id);
      const fresh = cursor === undefined || cursor.generation !== host.generation;
      const from = fresh ? 1 : cursor.applied + 1;
      for (let index = from; index <= host.appliedIndex; index++) {
        const entry = host.applied[index] as string;
        const known = this.sequence[index];
        if (known === undefined) this.sequence.push(entry);
        else if (known !== entry)
          fail(`server ${host.id} applied ${entry} at ${index}, not ${known}`);
      }
      this.cursors.set(host.id, { generation: host.generation, applied: host.appliedIndex });
    }
  }
}
