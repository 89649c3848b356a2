/**
 * The links to the other members as the member uses them: TCP in production
 * (peer/peer-transport.ts), a simulated network in test/sim. A server alone (no server.N
 * lines) has none: `noPeers`.
 */
import type { NodeId } from '../consensus/index.js';

export interface PeerAddress {
  id: NodeId;
  host: string;
  port: number;
}

export interface PeerLinkStats {
  connected: boolean;
  queuedBytes: number;
  dropped: number;
}

export interface PeerNetwork {
  /** Queues `payload` for `to`; false when it cannot go (no link, or its queue is full). */
  send(to: NodeId, payload: Buffer): boolean;
  isConnected(id: NodeId): boolean;
  /** When our connection to `id` was made, or null when it is not connected. */
  connectedSince(id: NodeId): number | null;
  /** Drops the connection to `id` and dials again. */
  redial(id: NodeId): void;
  /** Everyone to stay connected to (reconfig adds and drops). */
  setPeers(peers: PeerAddress[]): void;
  stats(): Map<NodeId, PeerLinkStats>;
  close(): Promise<void>;
}

/** What the member hears from its peer network. */
export interface PeerEvents {
  /** A message from `from`, in order per link. */
  onMessage(from: NodeId, payload: Buffer): void;
  /** The link to `id` dropped or could not be made. */
  onUnreachable(id: NodeId): void;
}

/** A member alone: nobody to talk to. */
export const noPeers: PeerNetwork = {
  send: () => false,
  isConnected: () => false,
  connectedSince: () => null,
  redial: () => undefined,
  setPeers: () => undefined,
  stats: () => new Map(),
  close: () => Promise.resolve(),
};
