/**
 * DoubleBarrier: a fixed number of members enter together and leave together (ZooKeeper's
 * double barrier, Curator's DistributedDoubleBarrier). enter() adds an ephemeral member node
 * and waits until `members` nodes exist, when one of them creates the `ready` node; leave()
 * deletes the member node and waits until no member node is left. A member whose session
 * expires drops out (its node goes); its waits reject with WARREN_RECIPE_SESSION_LOST.
 * Each barrier path serves one round; use a new path per round.
 */
import { randomUUID } from 'node:crypto';
import { NodeExistsError, type ZooKeeperClient } from '../client/index.js';
import { deleteIfExists, ensurePath, retrying } from './nodes.js';
import { RecipeError } from './recipe-errors.js';
import { deadlineSignal, untilSignalled, type WaitOptions } from './signals.js';

export const DOUBLE_BARRIER_READY = 'ready';

export class DoubleBarrier {
  private readonly memberPath: string;
  private entered = false;

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    readonly members: number,
  ) {
    if (!Number.isInteger(members) || members < 1) {
      throw new RangeError(`double barrier ${path}: members must be a positive integer`);
    }
    this.memberPath = `${path}/${randomUUID()}`;
  }

  /** Joins and waits until every member has joined. */
  async enter(opts: WaitOptions = {}): Promise<void> {
    if (this.entered) throw new RecipeError('WARREN_RECIPE_BUSY', `${this.path}: entered already`);
    const deadline = deadlineSignal(opts, `double barrier ${this.path} enter`);
    try {
      await ensurePath(this.client, this.path);
      await this.createIgnoringExists(this.memberPath, 'ephemeral');
      this.entered = true;
      const ready = `${this.path}/${DOUBLE_BARRIER_READY}`;
      for (;;) {
        let fire: () => void = () => undefined;
        const changed = new Promise<void>((resolve) => (fire = resolve));
        const watch = (): void => fire();
        if ((await retrying(() => this.client.exists(ready, { watch }), 'enter')) !== null) return;
        if ((await this.memberNames()).length >= this.members) {
          await this.createIgnoringExists(ready, 'persistent');
          return;
        }
        await untilSignalled(this.client, changed, deadline.signal);
      }
    } catch (error) {
      if (this.entered) await deleteIfExists(this.client, this.memberPath).catch(() => false);
      this.entered = false;
      throw error;
    } finally {
      deadline.dispose();
    }
  }

  /** Leaves and waits until every member has left. */
  async leave(opts: WaitOptions = {}): Promise<void> {
    if (!this.entered) throw new RecipeError('WARREN_RECIPE_NOT_HELD', `${this.path}: not entered`);
    this.entered = false;
    const deadline = deadlineSignal(opts, `double barrier ${this.path} leave`);
    try {
      await deleteIfExists(this.client, this.memberPath);
      for (;;) {
        let fire: () => void = () => undefined;
        const changed = new Promise<void>((resolve) => (fire = resolve));
        const names = await this.memberNames(() => fire());
        if (names.length === 0) return;
        await untilSignalled(this.client, changed, deadline.signal);
      }
    } finally {
      deadline.dispose();
    }
  }

  private async memberNames(watch?: () => void): Promise<string[]> {
    const children = await retrying(
      () => this.client.getChildren(this.path, watch === undefined ? {} : { watch }),
      `double barrier ${this.path}`,
    );
    return children.filter((c) => c !== DOUBLE_BARRIER_READY);
  }

  private async createIgnoringExists(
    path: string,
    mode: 'ephemeral' | 'persistent',
  ): Promise<void> {
    await retrying(async () => {
      await this.client.create(path, { mode }).catch((error: unknown) => {
        if (!(error instanceof NodeExistsError)) throw error;
      });
    }, `create ${path}`);
  }
}
