/**
 * One well-formed request for every opcode Warren serves, all under a caller-chosen base path,
 * as raw material for the bad-input tests: they are cut, mutated and re-framed, never sent as
 * they are except as controls. Auth uses the digest scheme (always accepted), so a mutation of
 * it exercises the auth decoder rather than AuthFailed alone.
 */
import { OpCode } from '../../src/protocol/opcodes.js';
import type { Request } from '../../src/protocol/requests.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';

export const OPEN_ACL = [...OPEN_ACL_UNSAFE];

export interface Sample {
  name: string;
  request: Request;
}

/** Requests with a body, one per served opcode (ping, whoAmI and closeSession have none). */
export function sampleRequests(base: string): Sample[] {
  const node = `${base}/n`;
  const data = Buffer.from('sample-data');
  const list: Request[] = [
    { type: OpCode.create, path: `${node}c`, data, acl: OPEN_ACL, flags: 0, ttl: -1 },
    { type: OpCode.delete, path: node, version: -1 },
    { type: OpCode.exists, path: node, watch: true },
    { type: OpCode.getData, path: node, watch: false },
    { type: OpCode.setData, path: node, data, version: -1 },
    { type: OpCode.getACL, path: node },
    { type: OpCode.setACL, path: node, acl: OPEN_ACL, version: -1 },
    { type: OpCode.getChildren, path: base, watch: false },
    { type: OpCode.sync, path: base },
    { type: OpCode.getChildren2, path: base, watch: true },
    { type: OpCode.check, path: node, version: -1 },
    {
      type: OpCode.multi,
      ops: [
        { type: OpCode.create, path: `${node}m`, data, acl: OPEN_ACL, flags: 0, ttl: -1 },
        { type: OpCode.setData, path: `${node}m`, data: null, version: 0 },
        { type: OpCode.check, path: `${node}m`, version: 1 },
        { type: OpCode.delete, path: `${node}m`, version: 1 },
      ],
    },
    { type: OpCode.create2, path: `${node}2`, data, acl: OPEN_ACL, flags: 2, ttl: -1 },
    {
      type: OpCode.reconfig,
      joiningServers: 'server.2=127.0.0.1:2888:3888',
      leavingServers: '',
      newMembers: '',
      curConfigId: -1,
    },
    { type: OpCode.checkWatches, path: node, watcherType: 3 },
    { type: OpCode.removeWatches, path: node, watcherType: 1 },
    { type: OpCode.createContainer, path: `${node}k`, data, acl: OPEN_ACL, flags: 4, ttl: -1 },
    { type: OpCode.createTTL, path: `${node}t`, data, acl: OPEN_ACL, flags: 5, ttl: 60_000 },
    {
      type: OpCode.multiRead,
      ops: [
        { type: OpCode.getData, path: node, watch: false },
        { type: OpCode.getChildren, path: base, watch: false },
      ],
    },
    { type: OpCode.auth, scheme: 'digest', auth: Buffer.from('fuzz:secret') },
    {
      type: OpCode.setWatches,
      relativeZxid: 1,
      dataWatches: [node],
      existWatches: [`${node}x`],
      childWatches: [base],
      persistentWatches: [],
      persistentRecursiveWatches: [],
    },
    { type: OpCode.getEphemerals, prefix: base },
    { type: OpCode.getAllChildrenNumber, path: base },
    {
      type: OpCode.setWatches2,
      relativeZxid: 1,
      dataWatches: [node],
      existWatches: [],
      childWatches: [base],
      persistentWatches: [`${node}p`],
      persistentRecursiveWatches: [base],
    },
    { type: OpCode.addWatch, path: `${node}w`, mode: 1 },
  ];
  return list.map((request) => ({ name: nameOf(request), request }));
}

function nameOf(request: Request): string {
  if (request.type === 'unknown') return `op${request.opcode}`;
  const entry = Object.entries(OpCode).find(([, code]) => code === request.type);
  return entry?.[0] ?? `op${request.type}`;
}
