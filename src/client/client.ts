/**
 * ZooKeeperClient: the whole public client. Node operations come from NodeOperations; this
 * file adds multiRead, deleteRecursive, watch management (addWatch, watchEvents,
 * removeWatches, checkWatches), auth and the session-level reads (getEphemerals,
 * getAllChildrenNumber, whoAmI) and reconfig.
 */
import { Err } from '../protocol/error-codes.js';
import { AddWatchMode, OpCode } from '../protocol/opcodes.js';
import type { Stat } from '../protocol/records.js';
import type { PathWatchRequest } from '../protocol/requests.js';
import type { ClientInfo } from '../protocol/responses.js';
import type { ClientOptions } from './options.js';
import { expectKind } from './client-core.js';
import { NodeOperations } from './node-operations.js';
import {
  WATCHER_KIND_CODES,
  type CallOptions,
  type PersistentWatchMode,
  type SessionState,
  type Watcher,
  type WatcherKind,
} from './types.js';
import { deleteSubtree, type DeleteRecursiveOptions } from './tree-operations.js';
import {
  checkWatchEventsOptions,
  kindAccepts,
  watchBufferDefault,
  WatchEventStream,
  type WatchEventsOptions,
} from './watch-stream.js';
import { errorFor, type ZooKeeperError } from './zookeeper-errors.js';

export type MultiReadOp = { type: 'getData'; path: string } | { type: 'getChildren'; path: string };

export type MultiReadResult =
  | { type: 'getData'; data: Buffer | null; stat: Stat }
  | { type: 'getChildren'; children: string[] }
  | { type: 'error'; code: number; error: ZooKeeperError };

export interface ReconfigRequestOptions extends CallOptions {
  /** Comma-separated server lines to add. */
  joiningServers?: string;
  /** Comma-separated server ids to remove. */
  leavingServers?: string;
  /** A whole new membership (non-incremental). */
  newMembers?: string;
  /** Expected config version; -1 = any. */
  fromConfig?: number;
}

/** Creates a client; call connect() (or any operation queues until connected after it). */
export function createClient(connectString: string, options: ClientOptions = {}): ZooKeeperClient {
  return new ZooKeeperClient(connectString, options);
}

export class ZooKeeperClient extends NodeOperations {
  /** Independent reads in one round trip; each op succeeds or fails on its own. */
  async multiRead(ops: readonly MultiReadOp[], opts: CallOptions = {}): Promise<MultiReadResult[]> {
    if (ops.length === 0) return [];
    const reads: PathWatchRequest[] = ops.map((op) => ({
      type: op.type === 'getData' ? OpCode.getData : OpCode.getChildren,
      path: this.serverPath(op.path, 'multiRead'),
      watch: false,
    }));
    const request = { type: OpCode.multiRead, ops: reads };
    const res = await this.run({ request, path: '' }, opts, 'multiRead', '');
    const { results } = expectKind(res, 'multi', '', 'multiRead');
    return results.map((item, i): MultiReadResult => {
      const r = item.response;
      const path = ops[i]?.path ?? '';
      if (r.kind === 'data') return { type: 'getData', data: r.data, stat: r.stat };
      if (r.kind === 'children') return { type: 'getChildren', children: r.children };
      const code = r.kind === 'errorBody' ? r.err : item.err;
      return { type: 'error', code, error: errorFor(code, path, ops[i]?.type ?? 'multiRead') };
    });
  }

  /**
   * Adds a persistent watch with its listener: `persistent` fires for the node's own changes
   * and its children list; `persistentRecursive` for the node and every descendant (never
   * NodeChildrenChanged). It stays until removeWatches and is restored after reconnects.
   */
  async addWatch(
    path: string,
    listener: Watcher,
    opts: CallOptions & { mode?: PersistentWatchMode } = {},
  ): Promise<void> {
    const server = this.serverPath(path, 'addWatch');
    const recursive = opts.mode === 'persistentRecursive';
    const mode = recursive ? AddWatchMode.persistentRecursive : AddWatchMode.persistent;
    const request = { type: OpCode.addWatch, path: server, mode };
    const onReply = (r: { err: number }): void => {
      if (r.err === 0) this.watches.addPersistent(server, listener, recursive);
    };
    await this.run({ request, path, onReply }, opts, 'addWatch', path);
  }

  /**
   * Deletes a node and everything below it, like `rm -rf`; resolves with the number of nodes
   * this call deleted (0 when the node does not exist). Nodes another client deletes meanwhile
   * are skipped, and ones that gain children are listed again. It lists first and refuses a
   * subtree over `nodesMax` nodes (SubtreeTooLargeError), then deletes deepest first in multi
   * batches. Not atomic: after a failure part of the subtree may be gone; calling it again
   * finishes the job.
   */
  deleteRecursive(path: string, opts: DeleteRecursiveOptions = {}): Promise<number> {
    this.serverPath(path, 'deleteRecursive');
    return deleteSubtree(this, path, opts);
  }

  /**
   * The events at a path as an async iterator, on one persistent watch:
   * `for await (const event of client.watchEvents('/app', { kind: 'children' })) ...`.
   * The watch is requested at once; await `stream.ready` to know the server holds it. The
   * stream ends on `break`/return(), its signal or close(), fails with the session's error
   * on expiry, and buffers at most `bufferMax` unread events (see WatchEventStream). Its
   * watch is restored after reconnects and removed from the server when the last stream or
   * listener at the path ends.
   */
  watchEvents(path: string, opts: WatchEventsOptions = {}): WatchEventStream {
    checkWatchEventsOptions(opts);
    const server = this.serverPath(path, 'watchEvents');
    const kind = opts.kind ?? 'persistent';
    const mode = kind === 'persistentRecursive' ? 'persistentRecursive' : 'persistent';
    const listener: Watcher = (event) => {
      if (kindAccepts(kind, event)) stream.push(event);
    };
    const onState = (state: SessionState): void => {
      if (state === 'closed') stream.finish();
      const code = state === 'expired' ? Err.sessionExpired : Err.authFailed;
      if (state === 'expired' || state === 'authFailed') stream.fail(errorFor(code, path, mode));
    };
    const onAbort = (): void => void stream.return();
    const registered = this.addWatch(path, listener, { mode, timeoutMs: opts.timeoutMs });
    const stop = (): void => {
      this.off('state', onState);
      opts.signal?.removeEventListener('abort', onAbort);
      const drop = (): void => this.dropListener(server, listener, mode);
      registered.then(drop, () => undefined);
    };
    const bufferMax = opts.bufferMax ?? watchBufferDefault;
    const stream = new WatchEventStream(path, bufferMax, opts.overflow ?? 'fail', registered, stop);
    this.on('state', onState);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted === true) onAbort();
    return stream;
  }

  /** Removes one persistent listener; the server's watch too when it was the last one. */
  private dropListener(server: string, listener: Watcher, mode: PersistentWatchMode): void {
    const recursive = mode === 'persistentRecursive';
    if (!this.watches.dropPersistent(server, listener, recursive)) return;
    if (this.state !== 'connected' && this.state !== 'readOnly') return;
    const removal = {
      type: OpCode.removeWatches,
      path: server,
      watcherType: WATCHER_KIND_CODES[mode],
    };
    const restore = {
      type: OpCode.addWatch,
      path: server,
      mode: recursive ? AddWatchMode.persistentRecursive : AddWatchMode.persistent,
    };
    // Failing to remove only leaves a watch nobody listens to (until the next connection).
    // A listener added while the removal was in flight needs the server's watch back.
    void this.submit({ request: removal, path: server }, {})
      .then(
        () => {
          const table = recursive ? this.watches.recursive : this.watches.persistent;
          if (table.has(server)) return this.submit({ request: restore, path: server }, {});
        },
        () => undefined,
      )
      .catch(() => undefined);
  }

  /**
   * Removes this client's watches of a kind at a path, on the server and locally. With
   * `local: true` only the local watchers go (useful while disconnected). On ZooKeeper 3.8 use
   * 'any' (or 'data'/'children') for persistent watches: 'persistent' kinds need 3.9.
   */
  async removeWatches(
    path: string,
    kind: WatcherKind,
    opts: CallOptions & { local?: boolean } = {},
  ): Promise<void> {
    const server = this.serverPath(path, 'removeWatches');
    if (opts.local !== true) {
      const request = {
        type: OpCode.removeWatches,
        path: server,
        watcherType: WATCHER_KIND_CODES[kind],
      };
      const reply = await this.submit({ request, path }, opts);
      if (reply.err !== 0 && reply.err !== Err.noWatcher) {
        throw errorFor(reply.err, path, 'removeWatches');
      }
      this.watches.remove(server, kind);
      if (reply.err === Err.noWatcher) throw errorFor(reply.err, path, 'removeWatches');
      return;
    }
    this.watches.remove(server, kind);
  }

  /** Resolves if the server holds a watch of this kind at the path, else NoWatcherError. */
  async checkWatches(path: string, kind: WatcherKind, opts: CallOptions = {}): Promise<void> {
    const request = {
      type: OpCode.checkWatches,
      path: this.serverPath(path, 'checkWatches'),
      watcherType: WATCHER_KIND_CODES[kind],
    };
    await this.run({ request, path }, opts, 'checkWatches', path);
  }

  /** Paths of this session's ephemeral nodes that start with `prefix` (string prefix). */
  async getEphemerals(prefix = '/', opts: CallOptions = {}): Promise<string[]> {
    const request = {
      type: OpCode.getEphemerals,
      prefix: this.serverPath(prefix, 'getEphemerals'),
    };
    const res = await this.run({ request, path: prefix }, opts, 'getEphemerals', prefix);
    return expectKind(res, 'paths', prefix, 'getEphemerals').paths.map((p) => this.clientPath(p));
  }

  /** The number of all descendants of a node (recursive). */
  async getAllChildrenNumber(path: string, opts: CallOptions = {}): Promise<number> {
    const request = {
      type: OpCode.getAllChildrenNumber,
      path: this.serverPath(path, 'getAllChildrenNumber'),
    };
    const res = await this.run({ request, path }, opts, 'getAllChildrenNumber', path);
    return expectKind(res, 'count', path, 'getAllChildrenNumber').count;
  }

  /** The identities attached to this connection (ip, digest user, ...). */
  async whoAmI(opts: CallOptions = {}): Promise<ClientInfo[]> {
    const res = await this.run({ request: { type: OpCode.whoAmI }, path: '' }, opts, 'whoAmI', '');
    return expectKind(res, 'whoAmI', '', 'whoAmI').clients;
  }

  /**
   * Adds an identity, e.g. `addAuth('digest', 'user:password')`; it is re-sent on every new
   * connection. A failure is fatal for the session (state `authFailed`), as in ZooKeeper.
   */
  addAuth(scheme: string, auth: string | Buffer): Promise<void> {
    return this.addAuthRaw(scheme, typeof auth === 'string' ? Buffer.from(auth) : auth);
  }

  /** Dynamic reconfiguration (ensembles only; standalone servers refuse it). */
  async reconfig(opts: ReconfigRequestOptions): Promise<{ config: string; stat: Stat }> {
    const request = {
      type: OpCode.reconfig,
      joiningServers: opts.joiningServers ?? '',
      leavingServers: opts.leavingServers ?? '',
      newMembers: opts.newMembers ?? '',
      curConfigId: opts.fromConfig ?? -1,
    };
    const res = await this.run({ request, path: '' }, opts, 'reconfig', '');
    const { data, stat } = expectKind(res, 'data', '', 'reconfig');
    return { config: data?.toString('utf8') ?? '', stat };
  }
}
