/**
 * PriorityQueue: a queue whose items carry a numeric priority (Curator's
 * DistributedPriorityQueue). The priority is written into the item's persistent-sequential
 * node name (`pq-<priority>-<sequence>`), so a consumer orders one children listing without
 * reading any data: the lowest priority first, FIFO (by sequence) within a priority. Offers use
 * protected names (never doubled after a connection loss) and takes use DistributedQueue's
 * claim-by-transaction, so each item is taken exactly once by competing consumers.
 *
 *   const queue = new PriorityQueue(client, '/jobs');
 *   await queue.offer('urgent', 0);
 *   await queue.offer('later', 10);
 *   const item = await queue.take({ timeoutMs: 10_000 }); // 'urgent'
 */
import type { ZooKeeperClient } from '../client/index.js';
import { QUEUE_TAKE_BATCH_MAX } from './limits.js';
import { ensurePath, retrying, sequenceOf } from './nodes.js';
import { offerItem, QUEUE_RECEIPTS } from './queue-offer.js';
import { claimItem, QUEUE_CLAIMS } from './queue-claim.js';
import { deadlineSignal, untilSignalled, type WaitOptions } from './signals.js';

/** The marker before the priority in every item's node name. */
export const PRIORITY_ITEM_NAME = 'pq-';

const ITEM_PATTERN = /pq-(-?\d{1,16})-(\d{10})$/;

/** The priority written in an item's node name, or NaN for a name that is not an item. */
export function priorityOf(name: string): number {
  const match = ITEM_PATTERN.exec(name);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}

/** Item node names in take order: by priority, then by sequence number. */
export function sortedByPriority(children: readonly string[]): string[] {
  return children
    .filter((c) => !Number.isNaN(priorityOf(c)))
    .sort((a, b) => priorityOf(a) - priorityOf(b) || sequenceOf(a) - sequenceOf(b));
}

export class PriorityQueue {
  private ready = false;

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
  ) {}

  /**
   * Adds an item with a priority (an integer; lower is taken first, default 0); resolves with
   * its node's path.
   */
  async offer(data: Buffer | string, priority = 0): Promise<string> {
    if (!Number.isSafeInteger(priority) || Math.abs(priority) >= 1e16) {
      throw new RangeError(`priority must be an integer below 1e16 in size (got ${priority})`);
    }
    await this.ensure();
    return offerItem(this.client, this.path, `${PRIORITY_ITEM_NAME}${priority}-`, data);
  }

  /** The items' node names in take order. */
  async items(): Promise<string[]> {
    await this.ensure();
    return sortedByPriority(
      await retrying(() => this.client.getChildren(this.path), 'priority queue items'),
    );
  }

  /** Takes the first item in take order, or resolves null when the queue is empty. */
  async poll(): Promise<Buffer | null> {
    for (const name of (await this.items()).slice(0, QUEUE_TAKE_BATCH_MAX)) {
      const item = await claimItem(this.client, this.path, name);
      if (item !== undefined) return item;
    }
    return null;
  }

  /** Takes the first item, waiting (by a children watch) while the queue is empty. */
  async take(opts: WaitOptions = {}): Promise<Buffer> {
    await this.ensure();
    const deadline = deadlineSignal(opts, `take from ${this.path}`);
    try {
      for (;;) {
        deadline.signal.throwIfAborted();
        let fire: () => void = () => undefined;
        const changed = new Promise<void>((resolve) => (fire = resolve));
        const children = await retrying(
          () => this.client.getChildren(this.path, { watch: () => fire() }),
          'priority queue take',
        );
        const names = sortedByPriority(children);
        for (const name of names.slice(0, QUEUE_TAKE_BATCH_MAX)) {
          const item = await claimItem(this.client, this.path, name);
          if (item !== undefined) return item;
        }
        if (names.length === 0) await untilSignalled(this.client, changed, deadline.signal);
      }
    } finally {
      deadline.dispose();
    }
  }

  private async ensure(): Promise<void> {
    if (this.ready) return;
    await ensurePath(this.client, `${this.path}/${QUEUE_CLAIMS}`);
    await ensurePath(this.client, `${this.path}/${QUEUE_RECEIPTS}`);
    this.ready = true;
  }
}
