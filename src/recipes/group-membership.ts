/**
 * GroupMembership: this process is a member of a group, and sees every other member (Curator's
 * GroupMember). Its own member node is a PersistentEphemeralNode, so it is re-created after a
 * deletion, checked on every reconnect and re-created by a new session after an expiry; the
 * members are listed and watched by a ChildrenCache that survives expiry too. Both make their
 * clients from the factory you pass (two sessions: one owns the node, one watches).
 *
 *   const group = new GroupMembership(() => createClient(hosts).connect(), '/workers', 'w-1');
 *   group.on('joined', (m) => console.log('joined', m.id));
 *   await group.start(); // group.members(): Map<id, data>
 */
import { EventEmitter } from 'node:events';
import type { ZooKeeperClient } from '../client/index.js';
import { ChildrenCache, type ChildData } from './children-cache.js';
import { checkNodeName } from './nodes.js';
import { PersistentEphemeralNode } from './persistent-ephemeral-node.js';
import { RecipeError } from './recipe-errors.js';

export interface GroupMember {
  readonly id: string;
  readonly data: Buffer | null;
}

export type GroupMembershipEvents = {
  joined: [GroupMember];
  /** A member's data changed. */
  updated: [GroupMember];
  left: [GroupMember];
  error: [Error];
};

function member(child: ChildData): GroupMember {
  return { id: child.name, data: child.data };
}

export class GroupMembership extends EventEmitter<GroupMembershipEvents> {
  private readonly node: PersistentEphemeralNode;
  private readonly cache: ChildrenCache;
  private started = false;

  constructor(
    private readonly connect: () => Promise<ZooKeeperClient>,
    readonly path: string,
    readonly memberId: string,
    data: Buffer | string = '',
  ) {
    super();
    checkNodeName(memberId, 'memberId');
    this.node = new PersistentEphemeralNode(connect, `${path}/${memberId}`, data);
    this.cache = new ChildrenCache(connect, path);
    this.cache.on('added', (c) => this.emit('joined', member(c)));
    this.cache.on('updated', (c) => this.emit('updated', member(c)));
    this.cache.on('removed', (c) => this.emit('left', member(c)));
    const report = (error: Error): void => {
      if (this.listenerCount('error') > 0) this.emit('error', error);
    };
    this.node.on('error', report);
    this.cache.on('error', report);
  }

  /** Joins the group and loads the members; resolves once both are done. */
  async start(): Promise<void> {
    if (this.started) throw new RecipeError('WARREN_RECIPE_BUSY', `group ${this.path}: started`);
    this.started = true;
    await this.node.start();
    await this.cache.start();
  }

  /** The members now (this one included once its node is seen), by id. */
  members(): Map<string, Buffer | null> {
    return new Map([...this.cache.current].map(([id, c]) => [id, c.data]));
  }

  /** Leaves the group (the member node goes with its session) and stops watching. */
  async close(): Promise<void> {
    await this.node.close();
    await this.cache.close();
  }
}
