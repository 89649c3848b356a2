/**
 * Whom an ensemble member dials: every current member, every server in /zookeeper/config,
 * and the targets of a reconfig in progress (joining servers are in neither yet). Addresses
 * come from zoo.cfg first and from /zookeeper/config as it changes.
 */
import type { Membership, NodeId } from '../consensus/index.js';
import type { EnsembleServer } from '../config/config-ensemble.js';
import type { PeerAddress } from '../peer/peer-transport.js';

export class PeerAddresses {
  private readonly byId = new Map<NodeId, EnsembleServer>();
  private recent: NodeId[] = [];

  constructor(
    private readonly selfId: NodeId,
    servers: readonly EnsembleServer[],
  ) {
    for (const server of servers) this.byId.set(server.id, server);
  }

  /** Remembers these servers' addresses; they stay dialed until the next call. */
  learn(servers: readonly EnsembleServer[]): void {
    for (const server of servers) this.byId.set(server.id, server);
    this.recent = servers.map((server) => server.id);
  }

  /** The peers to dial given the membership and the configured servers. */
  peers(membership: Membership, configured: readonly EnsembleServer[]): PeerAddress[] {
    const wanted = new Set([...membership.voters, ...membership.learners, ...this.recent]);
    for (const server of configured) wanted.add(server.id);
    wanted.delete(this.selfId);
    return [...wanted].flatMap((id) => {
      const server = this.byId.get(id);
      return server === undefined ? [] : [{ id, host: server.host, port: server.peerPort }];
    });
  }
}
