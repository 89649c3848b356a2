/**
 * A data directory belongs to the server that first started on it: a later start under
 * another id is refused with a message naming both ids and what to do; the same id starts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/config/config-error.js';
import { claimIdentity } from '../../../src/member/member-identity.js';
import { nodeDisk } from '../../../src/storage/disk.js';

describe('member identity', () => {
  it('records the first id and refuses another one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warren-identity-'));
    try {
      await claimIdentity(nodeDisk, dir, 1);
      assert.equal((await readFile(join(dir, 'raft-member'), 'latin1')).trim(), '1');
      await claimIdentity(nodeDisk, dir, 1);
      await assert.rejects(
        claimIdentity(nodeDisk, dir, 2),
        (error: unknown) =>
          error instanceof ConfigError &&
          /Raft state of server 1/.test(error.message) &&
          /this server is server 2/.test(error.message) &&
          /Growing a standalone server/.test(error.message),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
