/**
 * A steady client load for failover tests: several sessions, each starting on a different
 * member, loop over three operations: create a unique node, setData on a shared key, and a
 * sync-then-getData of a shared key. Writes and reads on the shared keys go into a history
 * for the linearizability checker (an error that leaves the outcome open, like a connection
 * loss, is recorded as unknown); acknowledged creates and the times of all acknowledgements
 * are kept, to prove nothing acknowledged was lost and to measure how long writes stalled.
 * Each session also holds an ephemeral node, so `verify` can prove sessions survived.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { ZooKeeperClient } from '../../../src/client/index.js';
import { ZooKeeperError } from '../../../src/client/index.js';
import { Err } from '../../../src/protocol/error-codes.js';
import type { Ensemble } from '../../support/ensemble-proc.js';
import {
  checkHistory,
  HistoryRecorder,
  znodeModel,
  type CallHandle,
  type ZnodeInput,
  type ZnodeOutput,
} from '../../support/linearizability/index.js';
import { clientOn, closeAll } from './harness.js';

export interface LoadOptions {
  /** Sessions; session i starts on member (i mod members) + 1 and fails over in id order. */
  writers: number;
  /** A fresh parent path for this load's nodes. */
  root: string;
  /** Shared keys for the linearizability history (default 3). */
  keys?: number;
  /** Pause between one session's operations (default 0: as fast as replies come). */
  pauseMs?: number;
  sessionTimeoutMs?: number;
}

/** Replies that decide an operation; anything else (connection loss, timeout) leaves it open. */
const DEFINITE: ReadonlyMap<number, ZnodeOutput> = new Map([
  [Err.noNode, { code: 'noNode' }],
  [Err.nodeExists, { code: 'nodeExists' }],
  [Err.badVersion, { code: 'badVersion' }],
]);

/** Errors a session may see while members fail: the outcome is open but nothing is wrong. */
const TRANSIENT: ReadonlySet<number> = new Set([
  Err.connectionLoss,
  Err.operationTimeout,
  Err.requestTimeout,
]);

const RETRY_PAUSE_MS = 20;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class WriteLoad {
  /** Paths whose create was acknowledged. */
  readonly acked = new Set<string>();
  /** performance.now() of every acknowledged write, in order. */
  readonly ackTimes: number[] = [];
  /** Errors no failover explains (session expired, unexpected codes). */
  readonly failures: string[] = [];
  readonly sessionIds: bigint[];
  private readonly expired: number[] = [];
  private running = true;
  private lastWritten: string | undefined;
  private readonly loops: Promise<void>[];
  private finalClientId: number;

  private constructor(
    private readonly ensemble: Ensemble,
    readonly recorder: HistoryRecorder<ZnodeInput, ZnodeOutput>,
    readonly clients: ZooKeeperClient[],
    private readonly opts: LoadOptions,
  ) {
    this.sessionIds = clients.map((c) => c.sessionId);
    clients.forEach((c, i) => c.on('expired', () => this.expired.push(i)));
    this.finalClientId = clients.length + 1;
    this.loops = clients.map((c, i) => this.loop(c, i));
  }

  static async start(ensemble: Ensemble, opts: LoadOptions): Promise<WriteLoad> {
    const recorder = new HistoryRecorder<ZnodeInput, ZnodeOutput>();
    const admin = await clientOn(ensemble, 1);
    try {
      await admin.create(opts.root);
      for (const sub of ['c', 'e', 'watched']) await admin.create(`${opts.root}/${sub}`);
      for (let k = 0; k < (opts.keys ?? 3); k++) {
        const path = `${opts.root}/k${k}`;
        const call = recorder.invoke(opts.writers, { kind: 'create', path, data: '' });
        await admin.create(path);
        call.ok({ code: 'ok' });
      }
    } finally {
      await admin.close();
    }
    const members = ensemble.servers.length;
    const clients: ZooKeeperClient[] = [];
    for (let i = 0; i < opts.writers; i++) {
      const client = await clientOn(ensemble, (i % members) + 1, {
        sessionTimeoutMs: opts.sessionTimeoutMs,
      });
      clients.push(client);
      await client.create(`${opts.root}/e/w${i}`, { mode: 'ephemeral' });
    }
    return new WriteLoad(ensemble, recorder, clients, opts);
  }

  private key(i: number, n: number): string {
    return `${this.opts.root}/k${(i * 7 + n) % (this.opts.keys ?? 3)}`;
  }

  private async loop(client: ZooKeeperClient, i: number): Promise<void> {
    for (let n = 0; this.running; n++) {
      let answered: boolean;
      switch (n % 3) {
        case 0:
          answered = await this.create(client, i, `${this.opts.root}/c/w${i}-${n}`);
          break;
        case 1:
          answered = await this.setData(client, i, this.key(i, n), `w${i}-${n}`);
          break;
        default:
          // The key written last by anyone: a stale read there shows up in the history.
          answered = await this.syncRead(client, i, this.lastWritten ?? this.key(i, n));
      }
      // While a session reconnects its calls may fail at once: no busy loop meanwhile.
      const pause = answered ? (this.opts.pauseMs ?? 0) : RETRY_PAUSE_MS;
      if (pause > 0) await sleep(pause);
    }
  }

  /** Settles `call` from an error: a definite reply (true), or an open outcome (false). */
  private settleError(call: CallHandle<ZnodeOutput>, error: unknown, i: number): boolean {
    const code = error instanceof ZooKeeperError ? error.code : undefined;
    const definite = code === undefined ? undefined : DEFINITE.get(code);
    if (definite !== undefined) {
      call.ok(definite);
      return true;
    }
    call.unknown();
    if (code === undefined || !TRANSIENT.has(code)) this.fail(i, error);
    return false;
  }

  private fail(i: number, error: unknown): void {
    const what = error instanceof Error ? error.message : String(error);
    if (this.failures.length < 20) this.failures.push(`session ${i}: ${what}`);
  }

  private acknowledged(): void {
    this.ackTimes.push(performance.now());
  }

  private async create(client: ZooKeeperClient, i: number, path: string): Promise<boolean> {
    try {
      await client.create(path, { data: 'x' });
      this.acked.add(path);
      this.acknowledged();
      return true;
    } catch (error) {
      // A unique path: any reply but a lost connection is wrong (nodeExists = applied twice).
      const code = error instanceof ZooKeeperError ? error.code : undefined;
      if (code === undefined || !TRANSIENT.has(code)) this.fail(i, error);
      return false;
    }
  }

  private async setData(client: ZooKeeperClient, i: number, path: string, data: string) {
    const call = this.recorder.invoke(i, { kind: 'setData', path, data, expectedVersion: -1 });
    try {
      const stat = await client.setData(path, data);
      call.ok({ code: 'ok', version: stat.version });
      this.lastWritten = path;
      this.acknowledged();
      return true;
    } catch (error) {
      return this.settleError(call, error, i);
    }
  }

  /** sync then getData, recorded as one linearizable read from before the sync. */
  private async syncRead(client: ZooKeeperClient, clientId: number, path: string) {
    const call = this.recorder.invoke(clientId, { kind: 'get', path });
    try {
      await client.sync(path);
      const { data, stat } = await client.getData(path);
      call.ok({ code: 'ok', data: data?.toString('latin1') ?? '', version: stat.version });
      return true;
    } catch (error) {
      return this.settleError(call, error, clientId);
    }
  }

  /** Resolves once `count` more writes have been acknowledged. */
  async progress(count: number, timeoutMs = 30_000): Promise<void> {
    const target = this.ackTimes.length + count;
    const deadline = Date.now() + timeoutMs;
    while (this.ackTimes.length < target) {
      if (Date.now() > deadline) {
        const failures = this.failures.join('; ');
        throw new Error(`the load made no progress for ${timeoutMs} ms (${failures})`);
      }
      await sleep(20);
    }
  }

  /** The longest time without an acknowledged write, among gaps that end after `since`. */
  longestStallAfter(since: number): number {
    let longest = 0;
    let previous = since;
    for (const t of this.ackTimes) {
      if (t <= since) continue;
      longest = Math.max(longest, t - previous);
      previous = t;
    }
    return longest;
  }

  /** Stops the loops (each finishes its current operation). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /**
   * After stop(): on every running member alone, every acknowledged create is there and
   * every session's ephemeral too; a sync-then-read of each key joins the history, which
   * must be linearizable; each session kept its id and never expired.
   */
  async verify(): Promise<void> {
    assert.deepEqual(this.failures, [], 'unexpected errors under load');
    assert.deepEqual(this.expired, [], 'sessions expired');
    this.clients.forEach((c, i) => {
      assert.equal(c.sessionId, this.sessionIds[i], `session ${i} changed its id`);
    });
    const root = this.opts.root;
    for (const server of this.ensemble.servers) {
      if (server.state !== 'running') continue;
      const reader = await clientOn(this.ensemble, server.id, { only: true });
      try {
        await reader.sync(root);
        const children = new Set(await reader.getChildren(`${root}/c`));
        const lost = [...this.acked].filter((p) => !children.has(p.slice(`${root}/c/`.length)));
        assert.deepEqual(lost, [], `server ${server.id} lacks acknowledged creates`);
        const ephemerals = (await reader.getChildren(`${root}/e`)).sort();
        const expected = this.clients.map((_, i) => `w${i}`).sort();
        assert.deepEqual(ephemerals, expected, `server ${server.id}: ephemerals`);
        const clientId = this.finalClientId++;
        for (let k = 0; k < (this.opts.keys ?? 3); k++) {
          await this.syncRead(reader, clientId, `${root}/k${k}`);
        }
      } finally {
        await reader.close();
      }
    }
    assert.deepEqual(this.failures, [], 'the final reads failed');
    const history = this.recorder.history();
    const result = checkHistory(znodeModel, history);
    assert.ok(result.ok === true, `history of ${history.length} operations: ${describe(result)}`);
  }

  async close(): Promise<void> {
    this.running = false;
    await closeAll(this.clients);
  }
}

function describe(result: ReturnType<typeof checkHistory>): string {
  if (result.ok === true) return 'linearizable';
  return result.reason;
}
