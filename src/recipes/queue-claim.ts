/**
 * Taking one queue item exactly once, shared by DistributedQueue and PriorityQueue: the item
 * is moved, in one transaction, to a claim node of the taker's own under `<queue>/.claims`.
 * After a connection loss the claim node tells whether the move ran, so competing consumers
 * never take the same item twice and a lost reply never loses an item.
 */
import { randomUUID } from 'node:crypto';
import { NoNodeError, TransactionError, type ZooKeeperClient } from '../client/index.js';
import { CONNECTION_LOSS_RETRIES_MAX } from './limits.js';
import { deleteIfExists, isConnectionLoss, retrying } from './nodes.js';

/** The child of a queue node that holds claims; it has no sequence suffix. */
export const QUEUE_CLAIMS = '.claims';

/** Moves one item to a claim of ours; undefined when another consumer took it first. */
export async function claimItem(
  client: ZooKeeperClient,
  queuePath: string,
  name: string,
): Promise<Buffer | undefined> {
  const itemPath = `${queuePath}/${name}`;
  const read = await retrying(() => client.getData(itemPath), 'queue read').catch(
    (error: unknown) => {
      if (error instanceof NoNodeError) return undefined;
      throw error;
    },
  );
  if (read === undefined) return undefined;
  const claimPath = `${queuePath}/${QUEUE_CLAIMS}/${randomUUID()}-${name}`;
  const data = read.data ?? Buffer.alloc(0);
  const moved = await move(client, itemPath, read.stat.version, claimPath, data);
  if (!moved) return undefined;
  await deleteIfExists(client, claimPath);
  return data;
}

/** True when the move ran (learned from the claim node after a connection loss). */
async function move(
  client: ZooKeeperClient,
  from: string,
  version: number,
  to: string,
  data: Buffer,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.transaction().delete(from, version).create(to, { data }).commit();
      return true;
    } catch (error) {
      if (error instanceof TransactionError) return false;
      if (!isConnectionLoss(error) || attempt >= CONNECTION_LOSS_RETRIES_MAX) throw error;
    }
    // sync first: the move sent on the lost connection may still be in flight.
    await retrying(() => client.sync(to), 'queue claim');
    if ((await retrying(() => client.exists(to), 'queue claim')) !== null) return true;
    if ((await retrying(() => client.exists(from), 'queue claim')) === null) return false;
  }
}
