/**
 * The links between simulated members, with TCP's semantics, since that is what the member's
 * peer protocol relies on: each direction of a link delivers in order, never duplicates, and
 * loses messages only when the link breaks (a partition, a crash, a reset), which both ends
 * learn of (onUnreachable) a little later. A broken link comes back, after a redial delay,
 * once both ends are up and nothing separates them. A "silent" link (a one-way partition, a
 * connection stuck in retransmission) swallows one direction without breaking, until the
 * member's own link check redials it.
 */
import type { NodeId } from '../../../src/consensus/index.js';
import type {
  PeerAddress,
  PeerEvents,
  PeerLinkStats,
  PeerNetwork,
} from '../../../src/member/peer-network.js';
import type { Prng } from '../../support/prng.js';
import type { Incarnation, SimWorld } from './world.js';

export interface LinkOptions {
  readonly delayMinMs: number;
  readonly delayMaxMs: number;
  /** How long a broken link takes to be noticed and to be dialled again. */
  readonly noticeMs: number;
  readonly redialMs: number;
}

interface Endpoint {
  readonly incarnation: Incarnation;
  readonly events: PeerEvents;
}

interface Link {
  /** Bumped when the link breaks: messages of an older epoch are lost. */
  epoch: number;
  up: boolean;
  upSince: number;
  /** Per direction (see `direction`): when its last message arrives, for FIFO delivery. */
  lastArrival: [number, number];
  /** Directions that swallow messages until the next redial. */
  silent: [boolean, boolean];
  redialing: boolean;
}

export class SimLinks {
  private readonly endpoints = new Map<NodeId, Endpoint>();
  private readonly links = new Map<string, Link>();
  /** Pairs a partition separates ("a-b" with a < b). */
  private cut = new Set<string>();
  messages = 0;
  lost = 0;

  constructor(
    private readonly world: SimWorld,
    private readonly prng: Prng,
    private readonly options: LinkOptions,
  ) {}

  /** A member (re)started: its links come up with everyone reachable. */
  attach(id: NodeId, incarnation: Incarnation, events: PeerEvents, clock: Clock): SimPeerNetwork {
    this.endpoints.set(id, { incarnation, events });
    for (const other of this.endpoints.keys()) {
      if (other !== id) this.breakLink(id, other, false);
    }
    return new SimPeerNetwork(this, id, clock);
  }

  /** Virtual ms since `at` (a link's upSince). */
  ago(at: number): number {
    return this.world.now - at;
  }

  /** A member went down: its links break. */
  detach(id: NodeId): void {
    this.endpoints.delete(id);
    for (const key of this.links.keys()) {
      const [a, b] = key.split('-').map(Number) as [number, number];
      if (a === id || b === id) this.breakLink(a, b, true);
    }
  }

  /** Separates the members into groups: links across groups break, the rest may heal. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    const next = new Set<string>();
    const groupOf = new Map<NodeId, number>();
    groups.forEach((group, i) => group.forEach((id) => groupOf.set(id, i)));
    const ids = [...groupOf.keys()];
    for (const a of ids) {
      for (const b of ids) {
        if (a < b && groupOf.get(a) !== groupOf.get(b)) next.add(pairKey(a, b));
      }
    }
    this.cut = next;
    for (const key of next) {
      const [a, b] = key.split('-').map(Number) as [number, number];
      this.breakLink(a, b, true);
    }
    for (const key of this.links.keys()) {
      const [a, b] = key.split('-').map(Number) as [number, number];
      if (!next.has(key)) this.scheduleRedial(a, b);
    }
  }

  heal(): void {
    this.partition([[...this.endpoints.keys()]]);
    for (const link of this.links.values()) link.silent = [false, false];
  }

  /** One direction of a link starts swallowing messages without breaking. */
  silence(from: NodeId, to: NodeId): void {
    const link = this.links.get(pairKey(from, to));
    if (link?.up === true) link.silent[direction(from, to)] = true;
  }

  /** A connection reset: the link breaks and is dialled again. */
  reset(a: NodeId, b: NodeId): void {
    this.breakLink(a, b, true);
  }

  send(from: NodeId, to: NodeId, payload: Buffer): boolean {
    const link = this.links.get(pairKey(from, to));
    if (link === undefined || !link.up) return false;
    const receiver = this.endpoints.get(to);
    if (receiver === undefined) return false;
    this.messages++;
    const way = direction(from, to);
    if (link.silent[way]) {
      this.lost++;
      return true;
    }
    const { delayMinMs, delayMaxMs } = this.options;
    const delay = delayMinMs + this.prng.next() * (delayMaxMs - delayMinMs);
    const arrival = Math.max(this.world.now + delay, link.lastArrival[way]);
    link.lastArrival[way] = arrival;
    const epoch = link.epoch;
    this.world.at(
      arrival,
      () => {
        if (link.epoch !== epoch || !link.up) {
          this.lost++;
          return;
        }
        receiver.events.onMessage(from, payload);
      },
      receiver.incarnation,
    );
    return true;
  }

  isUp(a: NodeId, b: NodeId): boolean {
    return this.links.get(pairKey(a, b))?.up === true;
  }

  upSince(a: NodeId, b: NodeId): number | null {
    const link = this.links.get(pairKey(a, b));
    return link?.up === true ? link.upSince : null;
  }

  private link(a: NodeId, b: NodeId): Link {
    const key = pairKey(a, b);
    let link = this.links.get(key);
    if (link === undefined) {
      link = {
        epoch: 0,
        up: false,
        upSince: 0,
        lastArrival: [0, 0],
        silent: [false, false],
        redialing: false,
      };
      this.links.set(key, link);
    }
    return link;
  }

  /** Breaks the a-b link (telling both live ends when `notify`) and schedules a redial. */
  breakLink(a: NodeId, b: NodeId, notify: boolean): void {
    const link = this.link(a, b);
    const wasUp = link.up;
    link.epoch++;
    link.up = false;
    link.silent = [false, false];
    link.lastArrival = [0, 0];
    if (wasUp && notify) {
      for (const [self, other] of [
        [a, b],
        [b, a],
      ] as const) {
        const end = this.endpoints.get(self);
        if (end === undefined) continue;
        this.world.after(
          this.options.noticeMs,
          () => end.events.onUnreachable(other),
          end.incarnation,
        );
      }
    }
    this.scheduleRedial(a, b);
  }

  private scheduleRedial(a: NodeId, b: NodeId): void {
    const link = this.link(a, b);
    if (link.up || link.redialing) return;
    link.redialing = true;
    const delay = this.options.redialMs * (0.5 + this.prng.next());
    this.world.after(delay, () => {
      link.redialing = false;
      if (link.up) return;
      if (!this.endpoints.has(a) || !this.endpoints.has(b) || this.cut.has(pairKey(a, b))) return;
      link.up = true;
      link.upSince = this.world.now;
    });
  }
}

/** A link's direction from `from` to `to`: 0 from the lower id, 1 from the higher. */
function direction(from: NodeId, to: NodeId): 0 | 1 {
  return from < to ? 0 : 1;
}

function pairKey(a: NodeId, b: NodeId): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

/** The member's clock, which connection times must be read on. */
interface Clock {
  now(): number;
}

/** One member incarnation's view of the links: the member's PeerNetwork. */
export class SimPeerNetwork implements PeerNetwork {
  private closed = false;

  constructor(
    private readonly links: SimLinks,
    private readonly self: NodeId,
    private readonly clock: Clock,
  ) {}

  send(to: NodeId, payload: Buffer): boolean {
    return !this.closed && this.links.send(this.self, to, payload);
  }

  isConnected(id: NodeId): boolean {
    return !this.closed && this.links.isUp(this.self, id);
  }

  connectedSince(id: NodeId): number | null {
    const since = this.closed ? null : this.links.upSince(this.self, id);
    return since === null ? null : this.clock.now() - this.links.ago(since);
  }

  redial(id: NodeId): void {
    if (!this.closed) this.links.reset(this.self, id);
  }

  setPeers(_peers: PeerAddress[]): void {
    // Every simulated member can reach every other: who is dialled does not change that.
  }

  stats(): Map<NodeId, PeerLinkStats> {
    return new Map();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
