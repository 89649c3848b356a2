/**
 * Watches under faults: raw protocol clients (test/support/raw-client.ts shows each
 * notification's zxid, which the TypeScript client hides) hold a persistent recursive watch
 * on the register workload's subtree. When a connection drops, the watcher opens a session
 * on the next server with lastZxidSeen set to the highest zxid it has seen, notifications
 * included, and watches again. Checked: notification zxids never go back, on one connection
 * or across reconnects (a server behind the client must refuse it, as ZooKeeper does).
 */
import { OpCode } from '../../../src/protocol/opcodes.js';
import { CLIENT_PORT, type NetnsEnsemble } from '../../support/netns-ensemble.js';
import { RawClient } from '../../support/raw-client.js';
import { sleep } from '../../support/server-process.js';
import type { Workload, WorkloadReport } from '../workload.js';

const WATCHERS = 2;
const SESSION_TIMEOUT_MS = 6_000;
const PING_EVERY_MS = 1_500;
const PUMP_EVERY_MS = 200;
const PERSISTENT_RECURSIVE = 1;
/** Notifications kept for a failure report. */
const RECENT_MAX = 300;

interface Seen {
  watcher: number;
  connection: number;
  server: number;
  zxid: number;
  path: string;
}

export class WatchWorkload implements Workload {
  readonly name = 'watches';
  private readonly violations: string[] = [];
  private readonly recent: Seen[] = [];
  private events = 0;
  private connections = 0;
  private stopping = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly ensemble: NetnsEnsemble,
    /** The subtree watched (another workload writes under it). */
    private readonly path: string,
  ) {}

  start(): Promise<void> {
    this.loops = Array.from({ length: WATCHERS }, (_, i) => this.watch(i));
    return Promise.resolve();
  }

  private async watch(watcher: number): Promise<void> {
    const state = { highest: 0 };
    const ids = this.ensemble.ids;
    for (let attempt = watcher; !this.stopping; attempt++) {
      const server = ids[attempt % ids.length] ?? 1;
      let client: RawClient;
      try {
        client = await RawClient.connect(this.ensemble.cluster.address(server), CLIENT_PORT, {
          timeoutMs: SESSION_TIMEOUT_MS,
          lastZxidSeen: state.highest,
          connectTimeoutMs: 3_000,
          replyTimeoutMs: 5_000,
        });
      } catch {
        await sleep(300);
        continue;
      }
      await this.follow(client, { watcher, server, connection: ++this.connections }, state);
      client.destroy();
    }
  }

  /** Watches on one connection until it drops or the workload stops. */
  private async follow(
    client: RawClient,
    who: Omit<Seen, 'zxid' | 'path'>,
    state: { highest: number },
  ): Promise<void> {
    try {
      if (client.timeOut === 0) return;
      const reply = await client.request({
        type: OpCode.addWatch,
        path: this.path,
        mode: PERSISTENT_RECURSIVE,
      });
      if (reply.header.err !== 0) return;
      let lastPing = Date.now();
      while (!this.stopping && client.isOpen) {
        this.pump(client, who, state);
        if (Date.now() - lastPing > PING_EVERY_MS) {
          lastPing = Date.now();
          await client.ping();
        }
        await sleep(PUMP_EVERY_MS);
      }
    } catch {
      // A dropped or stalled connection: the caller opens a new one.
    }
    this.pump(client, who, state);
    state.highest = Math.max(state.highest, client.lastZxid);
  }

  private pump(client: RawClient, who: Omit<Seen, 'zxid' | 'path'>, state: { highest: number }) {
    for (const event of client.events.splice(0)) {
      if (event.kind !== 'notification') continue;
      const seen = { ...who, zxid: event.header.zxid, path: event.event.path };
      this.events++;
      if (seen.zxid < state.highest && this.violations.length < 20) {
        this.violations.push(
          `watcher ${who.watcher}: notification for ${seen.path} at zxid ${seen.zxid} from ` +
            `server ${who.server} after zxid ${state.highest} (connection ${who.connection})`,
        );
      }
      state.highest = Math.max(state.highest, seen.zxid);
      this.recent.push(seen);
      if (this.recent.length > RECENT_MAX) this.recent.shift();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  check(): Promise<WorkloadReport> {
    return Promise.resolve({ operations: this.events, violations: [...this.violations] });
  }

  dump(): unknown {
    return this.recent;
  }
}
