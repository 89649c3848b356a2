/**
 * The consensus core's public surface for server/ and the simulator: drive a RaftNode with
 * tick/step/propose, act on its Ready, call advance. Everything else in this folder is
 * internal.
 */
export { RaftNode, type ProposeResult, type Status } from './node.js';
export type { RaftConfig } from './raft.js';
export type { Ready } from './ready.js';
export type { Message, MessageType } from './messages.js';
export { decodeMessage, encodeMessage, PeerDecodeError } from './codec.js';
export type { InitialState, LogStorage } from './storage.js';
export { MemoryStorage } from './memory-storage.js';
export { SeededRandom, type Random } from './prng.js';
export {
  decodeConfChange,
  encodeConfChange,
  type ConfChange,
  type ConfChangeType,
} from './config-change.js';
export {
  emptyHardState,
  entryBytes,
  noNode,
  type Entry,
  type EntryKind,
  type HardState,
  type Index,
  type Membership,
  type NodeId,
  type Role,
  type Snapshot,
  type SnapshotMeta,
  type SoftState,
  type Term,
} from './types.js';
