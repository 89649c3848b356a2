/**
 * Membership change one server at a time (thesis §4.1): each change adds or removes a single
 * voter or learner, so the old and new majorities always overlap and no joint phase is needed.
 * A change travels in a `config` entry and takes effect when that entry is applied; the
 * leader lets only one change be in flight at a time.
 */
import { assert } from '../util/assert.js';
import { membersMax } from './limits.js';
import type { Membership, NodeId } from './types.js';

export type ConfChangeType = 'addVoter' | 'addLearner' | 'removeNode';

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
}

const typeCodes: readonly ConfChangeType[] = ['addVoter', 'addLearner', 'removeNode'];
const encodedBytes = 5;

export function encodeConfChange(change: ConfChange): Buffer {
  const out = Buffer.alloc(encodedBytes);
  out.writeUInt8(typeCodes.indexOf(change.type), 0);
  out.writeUInt32BE(change.nodeId, 1);
  return out;
}

export function decodeConfChange(data: Buffer): ConfChange {
  assert(data.length === encodedBytes, `config entry: ${data.length} bytes, want 5`);
  const type = typeCodes[data.readUInt8(0)];
  assert(type !== undefined, `config entry: unknown change type ${data.readUInt8(0)}`);
  return { type, nodeId: data.readUInt32BE(1) };
}

/** Why a change cannot be made, or undefined when it can. */
export function refuseConfChange(membership: Membership, change: ConfChange): string | undefined {
  const isVoter = membership.voters.includes(change.nodeId);
  const isLearner = membership.learners.includes(change.nodeId);
  if (change.nodeId <= 0) return `server id ${change.nodeId} is not positive`;
  switch (change.type) {
    case 'addVoter':
      if (isVoter) return `server ${change.nodeId} is already a voter`;
      break;
    case 'addLearner':
      if (isLearner) return `server ${change.nodeId} is already a learner`;
      if (isVoter && membership.voters.length === 1) return 'cannot demote the last voter';
      break;
    case 'removeNode':
      if (!isVoter && !isLearner) return `server ${change.nodeId} is not a member`;
      if (isVoter && membership.voters.length === 1) return 'cannot remove the last voter';
      break;
  }
  const members = membership.voters.length + membership.learners.length;
  if (!isVoter && !isLearner && members >= membersMax) return `membership is full (${membersMax})`;
  return undefined;
}

/** The membership after `change`; asserts the change is allowed. */
export function applyConfChange(membership: Membership, change: ConfChange): Membership {
  const refusal = refuseConfChange(membership, change);
  assert(refusal === undefined, `applying a refused config change: ${refusal}`);
  const id = change.nodeId;
  const voters = membership.voters.filter((v) => v !== id);
  const learners = membership.learners.filter((l) => l !== id);
  if (change.type === 'addVoter') voters.push(id);
  if (change.type === 'addLearner') learners.push(id);
  voters.sort((a, b) => a - b);
  learners.sort((a, b) => a - b);
  return { voters, learners };
}
