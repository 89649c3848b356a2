/**
 * Adding one queue item exactly once, shared by DistributedQueue and PriorityQueue. The item
 * is created in one transaction with an ephemeral receipt of the producer's own under
 * `<queue>/.receipts`. After a connection loss the receipt tells whether the create ran, even
 * when a consumer has already taken the item (looking for the item itself cannot tell "never
 * created" from "created and taken", and a second create would deliver it twice; the fault
 * campaign found exactly that). The receipt is deleted once the outcome is known; it is
 * ephemeral, so a producer that dies in between leaves nothing behind.
 */
import { randomUUID } from 'node:crypto';
import { TransactionError, type ZooKeeperClient } from '../client/index.js';
import { CONNECTION_LOSS_RETRIES_MAX } from './limits.js';
import { deleteIfExists, isConnectionLoss, retrying } from './nodes.js';

/** The child of a queue node that holds producers' receipts; it has no sequence suffix. */
export const QUEUE_RECEIPTS = '.receipts';

/**
 * Creates `${queuePath}/_c_<uuid>-${name}<sequence>` holding `data`; resolves with its path.
 * When the create ran but the item was taken before this producer could see it, the path has
 * no sequence number (`…-${name}`): which one it got is no longer known.
 */
export async function offerItem(
  client: ZooKeeperClient,
  queuePath: string,
  name: string,
  data: Buffer | string,
): Promise<string> {
  const uuid = randomUUID();
  const prefix = `_c_${uuid}-`;
  const receipt = `${queuePath}/${QUEUE_RECEIPTS}/${uuid}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const [item] = await client
        .transaction()
        .create(`${queuePath}/${prefix}${name}`, { mode: 'persistentSequential', data })
        .create(receipt, { mode: 'ephemeral' })
        .commit();
      await deleteIfExists(client, receipt);
      return item?.type === 'create' ? item.path : `${queuePath}/${prefix}${name}`;
    } catch (error) {
      if (error instanceof TransactionError) throw error;
      if (!isConnectionLoss(error) || attempt >= CONNECTION_LOSS_RETRIES_MAX) throw error;
    }
    // sync first: the transaction sent on the lost connection may still be in flight.
    await retrying(() => client.sync(queuePath), 'queue offer');
    if ((await retrying(() => client.exists(receipt), 'queue offer')) === null) continue;
    const children = await retrying(() => client.getChildren(queuePath), 'queue offer');
    const made = children.find((child) => child.startsWith(prefix));
    await deleteIfExists(client, receipt);
    return `${queuePath}/${made ?? `${prefix}${name}`}`;
  }
}
