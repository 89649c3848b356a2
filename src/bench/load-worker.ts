/**
 * A load-generator process, forked by load-generator.ts. It opens its share of the sessions,
 * runs the closed loop on each (idle sessions only ping; watch adds sessions that only hold a
 * watch), and counts only what completes between `measure` and `stop` (requests sent during
 * warm-up that complete inside the window count, as in zkbench). Its own CPU over the window
 * comes from process.cpuUsage(), so the coordinator can say how much of the machine the
 * generator took from the server. Exits when the coordinator goes away.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { OpCode } from '../protocol/opcodes.js';
import { STAT_BYTES } from '../protocol/records.js';
import { errName } from '../protocol/error-codes.js';
import { LatencyHistogram } from './histogram.js';
import { BenchSession } from './session.js';
import type { FromWorker, ToWorker, WorkerConfig, WorkerResult } from './worker-messages.js';
import { makeRequestSource, watchRequest, type RequestSource } from './workload.js';

const CONNECT_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 5_000;
/** Sessions opened at once: thousands of simultaneous handshakes only time out. */
const OPEN_BATCH = 200;
const PROGRESS_EVERY_MS = 1_000;

/** Reply header (xid, zxid, err) size, to check the size of successful replies. */
const REPLY_HEADER_BYTES = 16;
/** The error key for a successful reply whose size is not what the request implies. */
export const BAD_REPLY_SIZE = 'badReplySize';

/** The exact size of an ok reply to getData or setData on the key set, or null (unchecked). */
function expectedReplyBytes(opcode: number, valueBytes: number): number | null {
  if (opcode === OpCode.getData) return REPLY_HEADER_BYTES + 4 + valueBytes + STAT_BYTES;
  if (opcode === OpCode.setData) return REPLY_HEADER_BYTES + STAT_BYTES;
  return null;
}

class WindowStats {
  readonly histogram = new LatencyHistogram();
  readonly errors = new Map<string, number>();
  readonly byOpcode = new Map<number, number>();
  replies = 0;
  errorCount = 0;
  notifications = 0;

  constructor(private readonly valueBytes: number) {}

  record(opcode: number, err: number, latencyMs: number, frameBytes: number): void {
    this.replies++;
    this.histogram.recordMs(latencyMs);
    this.byOpcode.set(opcode, (this.byOpcode.get(opcode) ?? 0) + 1);
    if (err !== 0) {
      this.count(`${errName(err)}(${err})`);
    } else {
      const expected = expectedReplyBytes(opcode, this.valueBytes);
      if (expected !== null && frameBytes !== expected) this.count(BAD_REPLY_SIZE);
    }
  }

  private count(key: string): void {
    this.errorCount++;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }
}

/** Resolves once the message is handed to the IPC channel. */
function send(message: FromWorker): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) {
      reject(new Error('no IPC channel to the coordinator'));
      return;
    }
    process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

function failAndExit(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.send?.({ type: 'failed', message } satisfies FromWorker, () => process.exit(1));
  setTimeout(() => process.exit(1), 1_000).unref();
}

function cpuMsNow(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** A session's request budget: null while unlimited (warm-up, or --duration). */
interface Budget {
  left: number | null;
}

function budgeted(source: RequestSource, budget: Budget): RequestSource {
  return () => {
    if (budget.left !== null) {
      if (budget.left <= 0) return null;
      budget.left--;
    }
    return source();
  };
}

class LoadWorker {
  private sessions: BenchSession[] = [];
  private watchers: BenchSession[] = [];
  private readonly budgets: Budget[] = [];
  private readonly created: Record<string, number> = {};
  private readonly timers: NodeJS.Timeout[] = [];
  private stats: WindowStats;
  private windowStart = 0;
  private cpuStart = 0;
  private doneAt: number | null = null;
  private stopping = false;

  constructor(private readonly config: WorkerConfig) {
    this.stats = new WindowStats(config.spec.valueBytes);
  }

  private async openSessions(count: number, offset: number): Promise<BenchSession[]> {
    const { endpoints, firstSession, sessionTimeoutMs } = this.config;
    const opened: BenchSession[] = [];
    for (let from = 0; from < count; from += OPEN_BATCH) {
      const batch = Array.from({ length: Math.min(OPEN_BATCH, count - from) }, (_, j) => {
        const endpoint = endpoints[(firstSession + offset + from + j) % endpoints.length];
        if (endpoint === undefined) throw new Error('load worker: no endpoint to connect to');
        const tlsCa =
          endpoint.tlsCaFile === undefined ? undefined : readFileSync(endpoint.tlsCaFile, 'utf8');
        return BenchSession.open(endpoint.host, endpoint.port, {
          sessionTimeoutMs,
          connectTimeoutMs: CONNECT_TIMEOUT_MS,
          ...(tlsCa === undefined ? {} : { tlsCa }),
        });
      });
      opened.push(...(await Promise.all(batch)));
    }
    for (const session of opened) session.onFailure = (error) => failAndExit(error);
    return opened;
  }

  async open(): Promise<void> {
    this.sessions = await this.openSessions(this.config.sessions, 0);
    if (this.config.spec.op === 'watch') await this.openWatchers();
  }

  /** Watcher sessions: one persistent recursive watch each on the key set, then only events. */
  private async openWatchers(): Promise<void> {
    this.watchers = await this.openSessions(this.config.watchers, this.config.sessions);
    await Promise.all(
      this.watchers.map((session) => {
        let sent = false;
        let refused = 0;
        const once: RequestSource = () =>
          sent ? null : ((sent = true), watchRequest(this.config.spec.root));
        session.run(once, 1, (_op, err) => (refused = err));
        return session.idle().then(() => {
          if (refused !== 0) throw new Error(`addWatch refused: ${errName(refused)} (${refused})`);
          session.onNotification = () => this.stats.notifications++;
        });
      }),
    );
  }

  go(): void {
    const { workerIndex, inflight, spec, firstSession, totalSessions } = this.config;
    if (spec.op === 'idle') {
      this.startPings();
      return;
    }
    this.sessions.forEach((session, i) => {
      const tag = `w${workerIndex}s${i}`;
      const slot = {
        tag,
        seed: workerIndex * 1000 + i + 1,
        index: firstSession + i,
        count: totalSessions,
      };
      let source = makeRequestSource(spec, slot);
      if (spec.op === 'create') source = this.counted(source, tag);
      const budget: Budget = { left: null };
      this.budgets.push(budget);
      session.run(budgeted(source, budget), inflight, (opcode, err, latencyMs, frameBytes) =>
        this.stats.record(opcode, err, latencyMs, frameBytes),
      );
    });
  }

  private counted(source: RequestSource, tag: string): RequestSource {
    this.created[tag] = 0;
    return () => {
      const request = source();
      if (request !== null) this.created[tag] = (this.created[tag] ?? 0) + 1;
      return request;
    };
  }

  /** Each session pings every pingIntervalMs, the sessions' first pings spread over it. */
  private startPings(): void {
    const every = this.config.pingIntervalMs;
    this.sessions.forEach((session, i) => {
      session.onPing = (latencyMs) => this.stats.record(OpCode.ping, 0, latencyMs, 0);
      const first = setTimeout(
        () => {
          session.ping();
          this.timers.push(setInterval(() => session.ping(), every));
        },
        (every * i) / Math.max(1, this.sessions.length),
      );
      this.timers.push(first);
    });
  }

  measure(): void {
    this.stats = new WindowStats(this.config.spec.valueBytes);
    this.windowStart = performance.now();
    this.cpuStart = cpuMsNow();
    for (const budget of this.budgets) budget.left = this.config.perSessionCount;
    const progress = setInterval(() => {
      const { replies, errorCount } = this.stats;
      send({ type: 'progress', replies, errors: errorCount }).catch(failAndExit);
    }, PROGRESS_EVERY_MS);
    this.timers.push(progress);
    const finite = this.config.perSessionCount !== null || this.config.spec.op === 'delete';
    if (!finite || this.config.spec.op === 'idle') return;
    Promise.all(this.sessions.map((s) => s.idle())).then(() => {
      if (this.stopping) return;
      this.doneAt = performance.now();
      send({ type: 'done' }).catch(failAndExit);
    }, failAndExit);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const end = this.doneAt ?? performance.now();
    const windowMs = end - this.windowStart;
    const cpuMs = cpuMsNow() - this.cpuStart;
    const stats = this.stats;
    for (const timer of this.timers) clearInterval(timer);
    const all = [...this.sessions, ...this.watchers];
    for (const session of all) {
      session.onFailure = () => undefined;
      session.stop();
    }
    this.stats = new WindowStats(this.config.spec.valueBytes);
    const result: WorkerResult = {
      workerIndex: this.config.workerIndex,
      replies: stats.replies,
      errors: Object.fromEntries(stats.errors),
      byOpcode: Object.fromEntries(stats.byOpcode),
      histogram: stats.histogram.snapshot(),
      windowMs,
      cpuMs,
      uncleanCloses: 0,
      notifications: stats.notifications,
      created: this.created,
      doneMs: this.doneAt === null ? null : this.doneAt - this.windowStart,
    };
    const closed = await Promise.all(all.map((s) => s.close(CLOSE_TIMEOUT_MS)));
    result.uncleanCloses = closed.filter((clean) => !clean).length;
    await send({ type: 'result', result });
  }
}

let worker: LoadWorker | null = null;

async function onMessage(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'start':
      worker = new LoadWorker(message.config);
      await worker.open();
      await send({ type: 'ready' });
      return;
    case 'go':
      worker?.go();
      return;
    case 'measure':
      worker?.measure();
      return;
    case 'stop':
      await worker?.stop();
      process.disconnect();
      return;
  }
}

if (process.send === undefined) {
  console.error('load-worker.js is started by a benchmark coordinator, not by hand');
  process.exit(2);
}
process.on('message', (message: ToWorker) => {
  onMessage(message).catch(failAndExit);
});
process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the whole process group: the coordinator decides when this worker stops.
process.on('SIGINT', () => undefined);
