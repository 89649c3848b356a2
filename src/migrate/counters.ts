/**
 * Moves a target node's sequence counter forward: each child creation adds one, so a multi
 * of create+delete pairs of a scratch child adds one per pair and leaves the children as
 * they were. Afterwards a sequential create on the target never reuses a suffix the source
 * handed out (to a node since deleted, or to an ephemeral that was not carried).
 */
import { randomBytes } from 'node:crypto';
import { ZooKeeperError, type ZooKeeperClient } from '../client/index.js';
import { MigrateError } from './migrate-error.js';
import { childPath } from './plan.js';
import { noAuth } from './read-node.js';

/** Pairs per multi: 1000 ops, far below jute.maxbuffer with short paths. */
const PAIRS_PER_MULTI = 500;
/** A parent whose counter lags more than this is reported, not advanced (hours of writes). */
export const COUNTER_GAP_MAX = 10_000_000;
/** Scratch names tried before giving up (a name taken by a real child is retried). */
const NAME_ATTEMPTS = 3;

function scratchName(): string {
  return `warren-migrate-counter-${randomBytes(6).toString('hex')}`;
}

/** Adds `gap` child creations to `parent` on the target. */
export async function advanceCounter(
  target: ZooKeeperClient,
  parent: string,
  gap: number,
): Promise<void> {
  if (gap > COUNTER_GAP_MAX) {
    throw new MigrateError(
      `target ${parent}: its sequence counter lags the source's by ${gap} (over ` +
        `${COUNTER_GAP_MAX}); not advanced`,
    );
  }
  let left = gap;
  let attempts = 0;
  let scratch = childPath(parent, scratchName());
  while (left > 0) {
    const pairs = Math.min(left, PAIRS_PER_MULTI);
    const tx = target.transaction();
    for (let i = 0; i < pairs; i++) tx.create(scratch).delete(scratch);
    try {
      await tx.commit();
      left -= pairs;
    } catch (error) {
      // A failed transaction carries the failing operation's code.
      const code = error instanceof ZooKeeperError ? error.codeName : '';
      if (code === 'noAuth') throw noAuth('target', parent, 'create and delete children');
      if (code !== 'nodeExists' || ++attempts >= NAME_ATTEMPTS) throw error;
      scratch = childPath(parent, scratchName());
    }
  }
}
