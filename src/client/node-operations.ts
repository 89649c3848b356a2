/**
 * The node operations of ZooKeeperClient, Promise-based and typed. Each maps its paths
 * through the chroot, submits one request and turns the reply into a result or a typed
 * ZooKeeperError (`NoNodeError: /app/x does not exist (getData)`). One-shot watchers are given
 * per call (`{ watch: (event) => ... }`) and registered when the reply is read, so no change
 * after the read is missed; persistent ones come from addWatch. Watch management, auth and
 * the other session-level operations are in client.ts.
 */
import { Err } from '../protocol/error-codes.js';
import { OpCode } from '../protocol/opcodes.js';
import type { Stat } from '../protocol/records.js';
import type { WriteSubRequest } from '../protocol/requests.js';
import { ClientCore, expectKind } from './client-core.js';
import { buildCreate, toBytes, type CreateOptions } from './create-request.js';
import { Transaction } from './transaction.js';
import { createWithParents } from './tree-operations.js';
import type { ACL, CallOptions, Watcher } from './types.js';
import { errorFor } from './zookeeper-errors.js';

export interface WatchOptions extends CallOptions {
  /** A one-shot watcher, fired once by the next change of the node (then removed). */
  watch?: Watcher;
}

export interface VersionOptions extends CallOptions {
  /** Expected version; -1 (the default) matches any. */
  version?: number;
}

export interface DataResult {
  data: Buffer | null;
  stat: Stat;
}

export interface CreateResult {
  path: string;
  stat: Stat;
}

export interface ChildrenResult {
  children: string[];
  stat: Stat;
}

export class NodeOperations extends ClientCore {
  /**
   * Creates a node; resolves with its path (with the sequence suffix for sequential modes).
   * With `parents: true` missing ancestors are created first (persistent, same ACL).
   */
  create(path: string, opts?: CreateOptions & { withStat?: false }): Promise<string>;
  /** Creates a node; resolves with its path and Stat. */
  create(path: string, opts: CreateOptions & { withStat: true }): Promise<CreateResult>;
  async create(path: string, opts: CreateOptions = {}): Promise<string | CreateResult> {
    if (opts.parents !== true) return this.createOnce(path, opts);
    return createWithParents((p, o) => this.createOnce(p, o), path, opts);
  }

  private async createOnce(path: string, opts: CreateOptions): Promise<string | CreateResult> {
    const request = buildCreate(this.serverPath(path, 'create'), opts, opts.withStat === true);
    const res = await this.run({ request, path }, opts, 'create', path);
    if (res.kind === 'path') return this.clientPath(res.path);
    const { path: created, stat } = expectKind(res, 'pathStat', path, 'create');
    const clientPath = this.clientPath(created);
    return opts.withStat === true ? { path: clientPath, stat } : clientPath;
  }

  async delete(path: string, opts: VersionOptions = {}): Promise<void> {
    const request = {
      type: OpCode.delete,
      path: this.serverPath(path, 'delete'),
      version: opts.version ?? -1,
    };
    await this.run({ request, path }, opts, 'delete', path);
  }

  /** The node's Stat, or null when it does not exist (a watch is set either way). */
  async exists(path: string, opts: WatchOptions = {}): Promise<Stat | null> {
    const server = this.serverPath(path, 'exists');
    const watch = opts.watch;
    const request = { type: OpCode.exists, path: server, watch: watch !== undefined };
    const reply = await this.submit(
      {
        request,
        path,
        onReply: (r) => {
          if (watch === undefined) return;
          if (r.err === 0) this.watches.addData(server, watch);
          else if (r.err === Err.noNode) this.watches.addExist(server, watch);
        },
      },
      opts,
    );
    if (reply.err === Err.noNode) return null;
    if (reply.err !== 0) throw errorFor(reply.err, path, 'exists');
    return expectKind(reply.response ?? { kind: 'empty' }, 'stat', path, 'exists').stat;
  }

  async getData(path: string, opts: WatchOptions = {}): Promise<DataResult> {
    const server = this.serverPath(path, 'getData');
    const watch = opts.watch;
    const request = { type: OpCode.getData, path: server, watch: watch !== undefined };
    const onReply = this.registerOnSuccess(watch, (w) => this.watches.addData(server, w));
    const res = await this.run({ request, path, onReply }, opts, 'getData', path);
    const { data, stat } = expectKind(res, 'data', path, 'getData');
    return { data, stat };
  }

  async setData(
    path: string,
    data: Buffer | string | null,
    opts: VersionOptions = {},
  ): Promise<Stat> {
    const request = {
      type: OpCode.setData,
      path: this.serverPath(path, 'setData'),
      data: toBytes(data),
      version: opts.version ?? -1,
    };
    const res = await this.run({ request, path }, opts, 'setData', path);
    return expectKind(res, 'stat', path, 'setData').stat;
  }

  /** Child names (not paths), in the server's order. */
  getChildren(path: string, opts?: WatchOptions & { withStat?: false }): Promise<string[]>;
  /** Child names and the parent's Stat. */
  getChildren(path: string, opts: WatchOptions & { withStat: true }): Promise<ChildrenResult>;
  async getChildren(
    path: string,
    opts: WatchOptions & { withStat?: boolean } = {},
  ): Promise<string[] | ChildrenResult> {
    const server = this.serverPath(path, 'getChildren');
    const watch = opts.watch;
    const withStat = opts.withStat === true;
    const type = withStat ? OpCode.getChildren2 : OpCode.getChildren;
    const request = { type, path: server, watch: watch !== undefined };
    const onReply = this.registerOnSuccess(watch, (w) => this.watches.addChild(server, w));
    const res = await this.run({ request, path, onReply }, opts, 'getChildren', path);
    if (!withStat) return expectKind(res, 'children', path, 'getChildren').children;
    const { children, stat } = expectKind(res, 'children2', path, 'getChildren');
    return { children, stat };
  }

  async getACL(path: string, opts: CallOptions = {}): Promise<{ acl: ACL[]; stat: Stat }> {
    const request = { type: OpCode.getACL, path: this.serverPath(path, 'getACL') };
    const res = await this.run({ request, path }, opts, 'getACL', path);
    const { acl, stat } = expectKind(res, 'acl', path, 'getACL');
    return { acl, stat };
  }

  /** Sets the ACL; `version` is compared with the node's aversion. */
  async setACL(path: string, acl: readonly ACL[], opts: VersionOptions = {}): Promise<Stat> {
    const request = {
      type: OpCode.setACL,
      path: this.serverPath(path, 'setACL'),
      acl: [...acl],
      version: opts.version ?? -1,
    };
    const res = await this.run({ request, path }, opts, 'setACL', path);
    return expectKind(res, 'stat', path, 'setACL').stat;
  }

  /** Waits until the server has applied every write committed before this call. */
  async sync(path: string, opts: CallOptions = {}): Promise<void> {
    const request = { type: OpCode.sync, path: this.serverPath(path, 'sync') };
    await this.run({ request, path }, opts, 'sync', path);
  }

  /** A multi builder: `transaction().create(..).delete(..).setData(..).check(..).commit()`. */
  transaction(): Transaction {
    return new Transaction(async (ops, opts) => {
      const mapped: WriteSubRequest[] = ops.map((op) => ({
        ...op,
        path: this.serverPath(op.path, 'multi'),
      }));
      const res = await this.run(
        { request: { type: OpCode.multi, ops: mapped }, path: '' },
        opts,
        'multi',
        '',
      );
      const { results } = expectKind(res, 'multi', '', 'multi');
      return { results, toClientPath: (p) => this.clientPath(p) };
    });
  }

  protected registerOnSuccess(
    watch: Watcher | undefined,
    register: (w: Watcher) => void,
  ): ((r: { err: number }) => void) | undefined {
    if (watch === undefined) return undefined;
    return (r) => {
      if (r.err === 0) register(watch);
    };
  }
}
