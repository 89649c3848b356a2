/**
 * Builds create requests: the mode picks the opcode (container → createContainer 19, TTL modes
 * → createTTL 21, otherwise create2 15 when the Stat is wanted, else create 1), as the Java
 * client does.
 */
import { OpCode } from '../protocol/opcodes.js';
import type { CreateRequest } from '../protocol/requests.js';
import { Acls, CREATE_FLAGS, type ACL, type CallOptions, type CreateMode } from './types.js';

export interface CreateOptions extends CallOptions {
  data?: Buffer | string | null;
  /** Default 'persistent'. */
  mode?: CreateMode;
  /** Default Acls.openUnsafe. */
  acl?: readonly ACL[];
  /** Required for the TTL modes: how long the node may live without changes or children. */
  ttlMs?: number;
  /** Return `{ path, stat }` instead of the path alone. */
  withStat?: boolean;
  /**
   * Create missing ancestors first, as empty persistent nodes with this ACL (`mkdir -p`); an
   * ancestor another client creates at the same time is fine. Not in transactions.
   */
  parents?: boolean;
}

export function toBytes(data: Buffer | string | null | undefined): Buffer | null {
  if (data === undefined || data === null) return null;
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

export function buildCreate(path: string, opts: CreateOptions, withStat: boolean): CreateRequest {
  const mode = opts.mode ?? 'persistent';
  const ttl = mode === 'persistentWithTtl' || mode === 'persistentSequentialWithTtl';
  if (ttl && (opts.ttlMs === undefined || opts.ttlMs <= 0)) {
    throw new TypeError(`create ${path}: mode ${mode} needs a positive ttlMs`);
  }
  if (!ttl && opts.ttlMs !== undefined) {
    throw new TypeError(`create ${path}: ttlMs is only for the TTL modes, not ${mode}`);
  }
  let type: CreateRequest['type'] = withStat ? OpCode.create2 : OpCode.create;
  if (mode === 'container') type = OpCode.createContainer;
  if (ttl) type = OpCode.createTTL;
  return {
    type,
    path,
    data: toBytes(opts.data),
    acl: [...(opts.acl ?? Acls.openUnsafe)],
    flags: CREATE_FLAGS[mode],
    ttl: ttl ? (opts.ttlMs ?? -1) : -1,
  };
}
