/**
 * Audit log lines as ZooKeeper 3.6+ writes them (`audit.enable=true`): tab-separated
 * `key=value` fields in the order session, user, ip, operation, znode, znode_type, acl, then
 * `result=success|failure|invoked`, absent fields left out; one line per write a client made
 * (a multi logs each changed node, or one `multiOperation` failure), plus server start and
 * stop. Warren also logs every authentication attempt (`operation=addAuth`, the scheme as
 * znode_type is not ZooKeeper's: it goes in `scheme=`), which ZooKeeper's audit log leaves out.
 * Pure: the caller stamps the time and writes the line.
 */
import { CreateFlag, OpCode, Perm } from '../protocol/opcodes.js';
import type { ACL, Id } from '../protocol/records.js';
import type { MultiRequest, SetACLRequest, WriteSubRequest } from '../protocol/requests.js';
import type { Txn } from '../tree/txn.js';

export type AuditResult = 'success' | 'failure' | 'invoked';

export interface AuditFields {
  session?: string;
  user?: string;
  ip?: string;
  operation: string;
  znode?: string;
  znode_type?: string;
  acl?: string;
  scheme?: string;
}

const ORDER: readonly (keyof AuditFields)[] = [
  'session',
  'user',
  'ip',
  'operation',
  'znode',
  'znode_type',
  'acl',
  'scheme',
];

/** Tabs and newlines in a value would forge fields or lines: they are escaped. */
function clean(value: string): string {
  return value.replace(/[\t\n\r\\]/g, (c) =>
    c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\\\',
  );
}

export function formatAuditLine(fields: AuditFields, result: AuditResult): string {
  const parts: string[] = [];
  for (const key of ORDER) {
    const value = fields[key];
    if (value !== undefined) parts.push(`${key}=${clean(value)}`);
  }
  parts.push(`result=${result}`);
  return parts.join('\t');
}

/** ZooKeeper's AuthUtil.getUsers: each id's user name, comma-joined; undefined if none. */
export function auditUsers(ids: readonly Id[]): string | undefined {
  const names = ids
    .map((id) =>
      id.scheme === 'digest'
        ? (id.id.split(':')[0] ?? '')
        : id.scheme === 'super'
          ? 'super'
          : id.id,
    )
    .filter((name) => name.trim() !== '');
  return names.length === 0 ? undefined : names.join(',');
}

/** ZooKeeper's ZKUtil.aclToString: `scheme:id:perms` per entry (letters cdrwa), concatenated. */
export function aclToString(acl: readonly ACL[]): string {
  const letters: readonly (readonly [number, string])[] = [
    [Perm.create, 'c'],
    [Perm.delete, 'd'],
    [Perm.read, 'r'],
    [Perm.write, 'w'],
    [Perm.admin, 'a'],
  ];
  const perms = (bits: number): string =>
    letters.map(([bit, letter]) => ((bits & bit) !== 0 ? letter : '')).join('');
  return acl.map((a) => `${a.id.scheme}:${a.id.id}:${perms(a.perms)}`).join('');
}

function createModeName(flags: number): string {
  switch (flags) {
    case CreateFlag.persistent:
      return 'persistent';
    case CreateFlag.ephemeral:
      return 'ephemeral';
    case CreateFlag.persistentSequential:
      return 'persistent_sequential';
    case CreateFlag.ephemeralSequential:
      return 'ephemeral_sequential';
    case CreateFlag.container:
      return 'container';
    case CreateFlag.persistentWithTtl:
      return 'persistent_with_ttl';
    case CreateFlag.persistentSequentialWithTtl:
      return 'persistent_sequential_with_ttl';
    default:
      return `flags_${flags}`;
  }
}

export type AuditedWrite = WriteSubRequest | SetACLRequest | MultiRequest;

/** The request-specific fields of one audit event, without who and result. */
export interface WriteEvent {
  operation: string;
  znode?: string;
  znode_type?: string;
  acl?: string;
  result: AuditResult;
}

/** The audit events of one answered write (none for `check`, which changes nothing). */
export function writeEvents(req: AuditedWrite, txn: Txn): WriteEvent[] {
  const body = txn.body;
  const failed = body.type === 'error' || body.type === 'multiError';
  if (req.type === OpCode.multi) {
    if (failed) return [{ operation: 'multiOperation', result: 'failure' }];
    return req.ops.flatMap((op) => (op.type === OpCode.check ? [] : writeEvents(op, txn)));
  }
  const result: AuditResult = failed ? 'failure' : 'success';
  switch (req.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL: {
      // The created path (a sequential node's real name) when the txn has it.
      const created = body.type === 'ops' ? body.ops.find((op) => op.type === 'create') : undefined;
      const znode = created?.type === 'create' && !failed ? created.path : req.path;
      return [{ operation: 'create', znode, znode_type: createModeName(req.flags), result }];
    }
    case OpCode.delete:
      return [{ operation: 'delete', znode: req.path, result }];
    case OpCode.setData:
      return [{ operation: 'setData', znode: req.path, result }];
    case OpCode.setACL:
      return [{ operation: 'setAcl', znode: req.path, acl: aclToString(req.acl ?? []), result }];
    case OpCode.check:
      return [];
  }
}
