/**
 * A scripted cluster of Replicas for unit tests: each member is a real RaftNode over a
 * MemoryStorage with a Replica on top, driven the way the ensemble's driver does it (soft
 * state first, persist, then apply committed entries). Messages move only when the test
 * delivers them; a filter can hold some back to be released later.
 */
import assert from 'node:assert/strict';
import { MemoryStorage } from '../../../src/consensus/memory-storage.js';
import type { Message } from '../../../src/consensus/messages.js';
import { RaftNode } from '../../../src/consensus/node.js';
import { SeededRandom } from '../../../src/consensus/prng.js';
import type { NodeId } from '../../../src/consensus/types.js';
import { Replica, type Applied } from '../../../src/replication/replica.js';
import { DataTree } from '../../../src/tree/data-tree.js';
import { toStat } from '../../../src/tree/node.js';

export interface ReplicaClusterOptions {
  readonly uncommittedBytesMax?: number;
}

export class ReplicaHost {
  readonly storage: MemoryStorage;
  readonly node: RaftNode;
  readonly replica: Replica;
  /** Everything the replica's apply returned, in order. */
  readonly applied: Applied[] = [];

  constructor(
    readonly id: NodeId,
    voters: readonly NodeId[],
    options: ReplicaClusterOptions,
  ) {
    this.storage = new MemoryStorage({ voters: [...voters], learners: [] });
    this.node = new RaftNode({
      id,
      storage: this.storage,
      random: new SeededRandom(7919 + id * 104729),
      electionTicks: 10,
      heartbeatTicks: 1,
      preVote: true,
      checkQuorum: true,
      ...(options.uncommittedBytesMax === undefined
        ? {}
        : { uncommittedBytesMax: options.uncommittedBytesMax }),
    });
    this.replica = new Replica(this.node, new DataTree(), 0, {
      extendedTypesEnabled: true,
      pathBytesMax: 4096,
    });
  }

  drain(): Message[] {
    const out: Message[] = [];
    while (this.node.hasReady()) {
      const ready = this.node.ready();
      if (ready.softState !== undefined) this.replica.onSoftState(ready.softState);
      this.storage.append(ready.entries);
      if (ready.hardState !== undefined) this.storage.setHardState(ready.hardState);
      out.push(...ready.messages, ...ready.messagesAfterPersist);
      this.applied.push(...this.replica.apply(ready.committedEntries));
      this.node.advance();
    }
    return out;
  }
}

export class ReplicaCluster {
  readonly hosts = new Map<NodeId, ReplicaHost>();
  queue: Message[] = [];
  /** Messages a filter kept back; `release` queues them again. */
  held: Message[] = [];
  private readonly cut = new Set<string>();

  constructor(ids: readonly NodeId[] = [1, 2, 3], options: ReplicaClusterOptions = {}) {
    for (const id of ids) this.hosts.set(id, new ReplicaHost(id, ids, options));
  }

  host(id: NodeId): ReplicaHost {
    const host = this.hosts.get(id);
    assert.ok(host !== undefined, `no host ${id}`);
    return host;
  }

  replica(id: NodeId): Replica {
    return this.host(id).replica;
  }

  isolate(id: NodeId): void {
    for (const other of this.hosts.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  release(): void {
    this.queue.push(...this.held);
    this.held = [];
  }

  /** Drains every host and delivers until quiet; messages failing `pass` are held back. */
  stabilize(pass: (m: Message) => boolean = () => true): void {
    for (const host of this.hosts.values()) this.queue.push(...host.drain());
    for (let round = 0; this.queue.length > 0; round++) {
      assert.ok(round < 500, 'cluster did not stabilize');
      const batch = this.queue;
      this.queue = [];
      for (const message of batch) {
        if (this.cut.has(`${message.from}->${message.to}`)) continue;
        if (!pass(message)) {
          this.held.push(message);
          continue;
        }
        const host = this.hosts.get(message.to);
        if (host === undefined) continue;
        host.node.step(message);
        this.queue.push(...host.drain());
      }
    }
  }

  campaign(id: NodeId): void {
    this.host(id).node.campaign();
    this.stabilize();
  }

  tick(id: NodeId): void {
    this.host(id).node.tick();
    this.queue.push(...this.host(id).drain());
  }

  /** Lets every server but `excluded` feel time pass until one of them leads. */
  electWithout(excluded: NodeId): NodeId {
    for (let i = 0; i < 200; i++) {
      for (const id of this.hosts.keys()) if (id !== excluded) this.tick(id);
      this.stabilize();
      for (const [id, host] of this.hosts) {
        if (id !== excluded && host.replica.isLeader) return id;
      }
    }
    assert.fail('no leader elected');
  }
}

function bigints(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** A canonical text image of a tree: nodes with stats and data, sessions, ephemerals. */
export function treeImage(tree: DataTree): string {
  const nodes = [...tree.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([path, node]) => {
      const data = node.data === null ? 'null' : Buffer.from(node.data, 'latin1').toString('hex');
      const stat = JSON.stringify(toStat(node), bigints);
      return `${path} ${data} ${JSON.stringify(node.acl)} ${stat}`;
    });
  const sessions = [...tree.sessions.entries()].map(
    ([id, s]) => `session ${id} ${JSON.stringify(s, bigints)}`,
  );
  const ephemerals = [...tree.ephemerals.entries()].map(
    ([id, paths]) => `ephemerals ${id} ${[...paths].sort().join(',')}`,
  );
  return [...nodes.sort(), ...sessions.sort(), ...ephemerals.sort(), `zxid=${tree.lastZxid}`].join(
    '\n',
  );
}
