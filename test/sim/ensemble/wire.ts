/**
 * What travels between simulated ensemble servers: Raft's own messages, and the two messages a
 * real ensemble adds on top, a follower forwarding a client's write (or sync barrier) to the
 * leader, and the leader saying it refused one (so the origin can fail it at once). Forwarded
 * inputs travel encoded, as on a real wire, so the write-input codec is exercised too.
 */
import type { Message } from '../../../src/consensus/messages.js';
import type { NodeId } from '../../../src/consensus/types.js';

export interface ForwardRequest {
  readonly type: 'forward';
  readonly from: NodeId;
  readonly to: NodeId;
  readonly requestId: number;
  /** An encoded WriteInput. */
  readonly input: Buffer;
}

export interface ForwardRefused {
  readonly type: 'forwardRefused';
  readonly from: NodeId;
  readonly to: NodeId;
  readonly requestId: number;
  readonly reason: string;
}

export type Wire = Message | ForwardRequest | ForwardRefused;

export function isRaftMessage(wire: Wire): wire is Message {
  return wire.type !== 'forward' && wire.type !== 'forwardRefused';
}
