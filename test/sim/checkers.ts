/**
 * Safety checkers for the consensus simulation, one per invariant, run after every step:
 * - ElectionSafety (Raft §5.2): at most one leader per term.
 * - CommittedLog (§5.4, Leader Completeness and State Machine Safety): an index committed
 *   anywhere holds the same term everywhere it is committed, and every new leader's log holds
 *   every entry committed so far.
 * - AppliedPrefix: every server's applied sequence is a prefix of one common sequence.
 */
import type { Index, NodeId, Role, Term } from '../../src/consensus/types.js';
/** A host with the toy state machine: the entries it applied, replaced on install/restart. */
export interface AppliedHost {
  readonly id: NodeId;
  readonly applied: readonly string[];
  readonly appliedIndex: number;
  readonly generation: number;
}

/**
 * What the Raft-level checkers read of a server's node (RaftNode has all of it): its term,
 * role and commit, and its log as it sees it (entries not yet durable included). Nothing here
 * allocates: the checkers run after every event.
 */
export interface CheckedNode {
  term(): Term;
  role(): Role;
  committed(): Index;
  firstIndex(): Index;
  lastIndex(): Index;
  termAt(index: Index): Term | undefined;
}

/** What the Raft-level checkers look at: the consensus host and the ensemble server both fit. */
export interface CheckedServer {
  readonly id: NodeId;
  /** The current incarnation's node: a new object after each restart. */
  readonly node: CheckedNode;
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
      const node = host.node;
      if (node.role() !== 'leader') continue;
      const term = node.term();
      const known = this.leaders.get(term);
      if (known === host.id) continue;
      if (known !== undefined) fail(`two leaders in term ${term}: ${known} and ${host.id}`);
      this.leaders.set(term, host.id);
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
  private readonly cursors = new Map<NodeId, { node: CheckedNode; commit: number }>();
  /**
   * Per host: the last term in which its log was checked as leader's (each leadership is
   * checked once, when first seen; a host leads in ever higher terms).
   */
  private readonly leaderTermChecked = new Map<NodeId, Term>();

  get committedMax(): number {
    return this.terms.length - 1;
  }

  check(hosts: readonly CheckedServer[]): void {
    for (const host of hosts) this.checkHost(host);
    for (const host of hosts) {
      const node = host.node;
      if (node.role() !== 'leader') continue;
      const term = node.term();
      if (this.leaderTermChecked.get(host.id) === term) continue;
      this.leaderTermChecked.set(host.id, term);
      this.checkLeaderCompleteness(host.id, node);
    }
  }

  private checkHost(host: CheckedServer): void {
    const node = host.node;
    const commit = node.committed();
    const cursor = this.cursors.get(host.id);
    let from = 1;
    if (cursor !== undefined && cursor.node === node) {
      if (commit === cursor.commit) return;
      if (commit < cursor.commit)
        fail(`server ${host.id}: commit fell ${cursor.commit}->${commit}`);
      from = cursor.commit + 1;
    }
    const upTo = commit;
    for (let index = Math.max(from, node.firstIndex()); index <= upTo; index++) {
      const term = node.termAt(index);
      if (term === undefined) fail(`server ${host.id}: committed ${index} not stored`);
      // Indexes inside every member's first snapshot (a founding snapshot, or compaction
      // before this checker looked) are committed with terms it never saw: unknown (-1).
      while (this.terms.length < index && index === node.firstIndex()) this.terms.push(-1);
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
    if (cursor === undefined) this.cursors.set(host.id, { node, commit: upTo });
    else {
      cursor.node = node;
      cursor.commit = upTo;
    }
  }

  private checkLeaderCompleteness(id: NodeId, node: CheckedNode): void {
    const last = node.lastIndex();
    if (last < this.committedMax) fail(`leader ${id} lacks committed ${this.committedMax}`);
    for (let index = node.firstIndex(); index <= this.committedMax; index++) {
      if (this.terms[index] === -1) continue;
      if (node.termAt(index) !== this.terms[index]) {
        fail(`leader ${id} holds term ${node.termAt(index)} at committed ${index}`);
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
      // Updated in place: this runs after every event.
      if (cursor === undefined) {
        this.cursors.set(host.id, { generation: host.generation, applied: host.appliedIndex });
      } else {
        cursor.generation = host.generation;
        cursor.applied = host.appliedIndex;
      }
    }
  }
}
