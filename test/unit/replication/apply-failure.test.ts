/**
 * A committed entry that cannot be applied stops the member with an error naming the entry
 * (index, zxid, what it does), not an anonymous assertion; and a restart that fails on the
 * same entry again says it will fail on every start instead of looping quietly.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noteFatal } from '../../../src/member/apply-failure-marker.js';
import { ApplyError } from '../../../src/replication/apply-error.js';
import { encodeEntry, noCheck } from '../../../src/replication/entry-codec.js';
import { nodeDisk } from '../../../src/storage/disk.js';
import { NodeKind } from '../../../src/tree/node.js';
import { ReplicaHost } from './replica-cluster.js';

describe('a committed entry that cannot be applied', () => {
  it('stops with an ApplyError naming the entry', () => {
    const host = new ReplicaHost(1, [1], {});
    // A create under a parent that does not exist: no leader prepares this; a bug or damage.
    const data = encodeEntry({
      kind: 'txn',
      origin: 1,
      requestId: 1,
      check: noCheck,
      txn: {
        zxid: 1,
        time: 1,
        sessionId: 0n,
        body: {
          type: 'ops',
          ops: [
            {
              type: 'create',
              path: '/missing/child',
              data: null,
              acl: [],
              kind: NodeKind.persistent,
              ephemeralOwner: 0n,
              ttlMs: 0,
            },
          ],
        },
      },
    });
    const entry = { index: 1, term: 1, kind: 'normal' as const, data };
    assert.throws(
      () => host.replica.applyEach([entry], () => undefined),
      (error: unknown) => {
        assert.ok(error instanceof ApplyError);
        assert.equal(error.index, 1);
        assert.match(
          error.message,
          /the committed entry at index 1 \(zxid 0x1, create \/missing\/child\) cannot be applied/,
        );
        return true;
      },
    );
    const garbage = { index: 1, term: 1, kind: 'normal' as const, data: Buffer.from([9, 9, 9]) };
    assert.throws(
      () => host.replica.applyEach([garbage], () => undefined),
      /index 1 \(term 1, 3 bytes\)/,
    );
  });

  it('a restart failing on the same entry says it will fail on every start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-apply-failure-'));
    try {
      const first = new ApplyError(42, 'zxid 0x2a, create /x', new Error('boom'));
      assert.equal(await noteFatal(nodeDisk, dir, first), first, 'the first time: as it is');
      const again = await noteFatal(
        nodeDisk,
        dir,
        new ApplyError(42, 'zxid 0x2a', new Error('boom')),
      );
      assert.match(again.message, /failed on the previous start: it will fail on every start/);
      const other = new ApplyError(43, 'zxid 0x2b', new Error('boom'));
      assert.equal(await noteFatal(nodeDisk, dir, other), other, 'another entry: as it is');
      const plain = new Error('disk full');
      assert.equal(await noteFatal(nodeDisk, dir, plain), plain, 'other fatal errors: untouched');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
