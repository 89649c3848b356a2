/**
 * DistributedQueue: a FIFO queue of byte items (ZooKeeper's queue recipe). Producers add
 * persistent-sequential children together with an ephemeral receipt (queue-offer.ts), so a
 * create retried after a connection loss never adds an item twice, even one taken meanwhile.
 * A consumer takes the smallest item by moving it, in one transaction, to a claim node of its
 * own under `<queue>/.claims`; after a connection
 * loss the claim tells whether the move ran, so each item is taken exactly once even with
 * competing consumers, and none is lost. The claim is deleted once the item is returned (a
 * consumer that dies in between leaves the item in its claim node, not lost).
 *
 *   const queue = new DistributedQueue(client, '/jobs');
 *   await queue.offer(JSON.stringify(job));
 *   const item = await queue.take({ timeoutMs: 10_000 });
 */
import type { ZooKeeperClient } from '../client/index.js';
import { QUEUE_TAKE_BATCH_MAX } from './limits.js';
import { ensurePath, retrying, sortedBySequence } from './nodes.js';
import { claimItem, QUEUE_CLAIMS } from './queue-claim.js';
import { offerItem, QUEUE_RECEIPTS } from './queue-offer.js';
import { deadlineSignal, untilSignalled, type WaitOptions } from './signals.js';

export const QUEUE_ITEM_NAME = 'qn-';
export { QUEUE_CLAIMS };

export class DistributedQueue {
  private ready = false;

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
  ) {}

  /** Adds an item; resolves with its node's path. */
  async offer(data: Buffer | string): Promise<string> {
    await this.ensure();
    return offerItem(this.client, this.path, QUEUE_ITEM_NAME, data);
  }

  /** The items' node names in queue order. */
  async items(): Promise<string[]> {
    await this.ensure();
    const children = await retrying(() => this.client.getChildren(this.path), 'queue items');
    return sortedBySequence(children, QUEUE_ITEM_NAME);
  }

  /** Takes the head item, or resolves null when the queue is empty. */
  async poll(): Promise<Buffer | null> {
    for (const name of (await this.items()).slice(0, QUEUE_TAKE_BATCH_MAX)) {
      const item = await this.claim(name);
      if (item !== undefined) return item;
    }
    return null;
  }

  /** Takes the head item, waiting (by a children watch) while the queue is empty. */
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
          'queue take',
        );
        const names = sortedBySequence(children, QUEUE_ITEM_NAME);
        for (const name of names.slice(0, QUEUE_TAKE_BATCH_MAX)) {
          const item = await this.claim(name);
          if (item !== undefined) return item;
        }
        if (names.length === 0) await untilSignalled(this.client, changed, deadline.signal);
      }
    } finally {
      deadline.dispose();
    }
  }

  private claim(name: string): Promise<Buffer | undefined> {
    return claimItem(this.client, this.path, name);
  }

  private async ensure(): Promise<void> {
    if (this.ready) return;
    await ensurePath(this.client, `${this.path}/${QUEUE_CLAIMS}`);
    await ensurePath(this.client, `${this.path}/${QUEUE_RECEIPTS}`);
    this.ready = true;
  }
}
