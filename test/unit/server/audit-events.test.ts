/**
 * Audit lines in ZooKeeper's format: field order, omitted fields, users as AuthUtil names
 * them, ACLs as ZKUtil.aclToString writes them, one event per changed node of a multi, and
 * values that cannot forge a field or a line.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateFlag, OpCode, Perm } from '../../../src/protocol/opcodes.js';
import {
  aclToString,
  auditUsers,
  formatAuditLine,
  writeEvents,
} from '../../../src/server/audit-events.js';
import type { Txn } from '../../../src/tree/txn.js';

const header = { zxid: 5, time: 1, sessionId: 0x10n };

describe('audit events', () => {
  it('formats fields in ZooKeeper order, leaving out absent ones', () => {
    const line = formatAuditLine(
      {
        operation: 'create',
        session: '0x10',
        ip: '10.0.0.1',
        znode: '/a',
        znode_type: 'persistent',
      },
      'success',
    );
    assert.equal(
      line,
      'session=0x10\tip=10.0.0.1\toperation=create\tznode=/a\tznode_type=persistent\tresult=success',
    );
  });

  it('escapes tabs and newlines so a path cannot forge fields or lines', () => {
    const line = formatAuditLine(
      { operation: 'setData', znode: '/a\tresult=success\nfake' },
      'failure',
    );
    assert.equal(line.split('\n').length, 1);
    assert.equal(line.split('\t').length, 3);
    assert.ok(line.endsWith('\tresult=failure'));
  });

  it('names users as ZooKeeper does and ACLs as ZKUtil.aclToString', () => {
    assert.equal(
      auditUsers([
        { scheme: 'ip', id: '10.0.0.1' },
        { scheme: 'digest', id: 'alice:HASH=' },
      ]),
      '10.0.0.1,alice',
    );
    assert.equal(auditUsers([]), undefined);
    const acl = [
      { perms: Perm.all, id: { scheme: 'world', id: 'anyone' } },
      { perms: Perm.read | Perm.write, id: { scheme: 'digest', id: 'bob:x' } },
    ];
    assert.equal(aclToString(acl), 'world:anyone:cdrwadigest:bob:x:rw');
  });

  it('gives one event per changed node of a multi, none for check, one failure otherwise', () => {
    const multi = {
      type: OpCode.multi,
      ops: [
        {
          type: OpCode.create,
          path: '/q/n-',
          data: null,
          acl: [],
          flags: CreateFlag.persistentSequential,
          ttl: -1,
        },
        { type: OpCode.check, path: '/q', version: 0 },
        { type: OpCode.delete, path: '/old', version: -1 },
      ],
    } as const;
    const ok = {
      ...header,
      body: {
        type: 'ops',
        ops: [
          { type: 'create', path: '/q/n-0000000007' },
          { type: 'check', path: '/q' },
          { type: 'delete', path: '/old' },
        ],
      },
    } as unknown as Txn;
    assert.deepEqual(writeEvents(multi as never, ok), [
      {
        operation: 'create',
        znode: '/q/n-0000000007',
        znode_type: 'persistent_sequential',
        result: 'success',
      },
      { operation: 'delete', znode: '/old', result: 'success' },
    ]);
    const failed = {
      ...header,
      body: { type: 'multiError', errs: [0, -101, -2] },
    } as unknown as Txn;
    assert.deepEqual(writeEvents(multi as never, failed), [
      { operation: 'multiOperation', result: 'failure' },
    ]);
    const denied = { ...header, body: { type: 'error', err: -102 } } as unknown as Txn;
    assert.deepEqual(
      writeEvents({ type: OpCode.setData, path: '/x', data: null, version: -1 } as never, denied),
      [{ operation: 'setData', znode: '/x', result: 'failure' }],
    );
  });
});
