/**
 * A scripted multi-node cluster for consensus tests: in-process hosts, a message queue that
 * the test delivers explicitly, and cuts between pairs of servers. Nothing is random except
 * the seeded election timeouts.
 */
import assert from 'node:assert/strict';
import type { ConfChange } from '../../../src/consensus/config-change.js';
import type { Message } from '../../../src/consensus/messages.js';
import type { ProposeResult } from '../../../src/consensus/node.js';
import type { NodeId } from '../../../src/consensus/types.js';
import { defaultHostOptions, Host, type HostOptions } from './host.js';

export class Cluster {
  readonly hosts = new Map<NodeId, Host>();
  queue: Message[] = [];
  /** Dropped links, as "from->to". */
  private readonly cut = new Set<string>();
  /** Every message delivered, for assertions on traffic. */
  readonly delivered: Message[] = [];

  constructor(
    voters: readonly NodeId[],
    learners: readonly NodeId[] = [],
    readonly options: HostOptions = defaultHostOptions,
  ) {
    const membership = { voters: [...voters], learners: [...learners] };
    for (const id of [...voters, ...learners]) {
      this.hosts.set(id, new Host(id, membership, options));
    }
  }

  host(id: NodeId): Host {
    const host = this.hosts.get(id);
    assert.ok(host !== undefined, `no host ${id}`);
    return host;
  }

  /** Adds a server that knows only the given membership (it learns the rest from the leader). */
  addHost(id: NodeId, voters: readonly NodeId[], learners: readonly NodeId[] = []): Host {
    const host = new Host(id, { voters: [...voters], learners: [...learners] }, this.options);
    this.hosts.set(id, host);
    return host;
  }

  isolate(id: NodeId): void {
    for (const other of this.hosts.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}->${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  drainAll(): void {
    for (const host of this.hosts.values()) this.queue.push(...host.drain());
  }

  /** Delivers everything queued now (not what the deliveries produce). */
  deliverAll(filter: (m: Message) => boolean = () => true): void {
    const batch = this.queue;
    this.queue = [];
    for (const message of batch) {
      if (!filter(message) || this.cut.has(`${message.from}->${message.to}`)) continue;
      const host = this.hosts.get(message.to);
      if (host === undefined) continue;
      this.delivered.push(message);
      host.node.step(message);
      this.queue.push(...host.drain());
    }
  }

  /** Drains and delivers until no message is left. */
  stabilize(roundsMax = 200): void {
    this.drainAll();
    for (let round = 0; this.queue.length > 0; round++) {
      assert.ok(round < roundsMax, 'cluster did not stabilize');
      this.deliverAll();
    }
  }

  campaign(id: NodeId): void {
    this.host(id).node.campaign();
    this.stabilize();
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.host(id).node.tick();
      this.queue.push(...this.host(id).drain());
    }
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) for (const id of this.hosts.keys()) this.tick(id);
  }

  propose(id: NodeId, data: string): ProposeResult {
    const result = this.host(id).node.propose(Buffer.from(data));
    this.stabilize();
    return result;
  }

  proposeConfChange(id: NodeId, change: ConfChange): ProposeResult {
    const result = this.host(id).node.proposeConfChange(change);
    this.stabilize();
    return result;
  }

  leaders(): NodeId[] {
    return [...this.hosts.values()]
      .filter((host) => host.status().role === 'leader')
      .map((host) => host.id);
  }
}

/** Lets only the servers other than `excluded` feel time pass until one of them leads. */
export function electWithout(cluster: Cluster, excluded: number): number {
  for (let i = 0; i < 100; i++) {
    for (const id of cluster.hosts.keys()) if (id !== excluded) cluster.tick(id);
    cluster.stabilize();
    const leader = cluster.leaders().find((id) => id !== excluded);
    if (leader !== undefined) return leader;
  }
  assert.fail('no leader elected');
}
