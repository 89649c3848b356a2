/**
 * A load-generator process, forked by load-generator.ts. It opens its share of the sessions,
 * runs the closed loop on each, and counts only what completes between `measure` and `stop`
 * (requests sent during warm-up that complete inside the window count, as in zkbench). Its
 * own CPU over the window comes from process.cpuUsage(), so the coordinator can say how much
 * of the machine the generator took from the server. Exits when the coordinator goes away.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { OpCode } from '../protocol/opcodes.js';
import { STAT_BYTES } from '../protocol/records.js';
import { LatencyHistogram } from './histogram.js';
import { BenchSession } from './session.js';
import type { FromWorker, ToWorker, WorkerConfig, WorkerResult } from './worker-messages.js';
import { makeRequestSource } from './workload.js';

const CONNECT_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 5_000;

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
  readonly errors = new Map<number | string, number>();
  readonly byOpcode = new Map<number, number>();
  replies = 0;

  constructor(private readonly valueBytes: number) {}

  record(opcode: number, err: number, latencyMs: number, frameBytes: number): void {
    this.replies++;
    this.histogram.recordMs(latencyMs);
    this.byOpcode.set(opcode, (this.byOpcode.get(opcode) ?? 0) + 1);
    if (err !== 0) {
      this.errors.set(err, (this.errors.get(err) ?? 0) + 1);
    } else {
      const expected = expectedReplyBytes(opcode, this.valueBytes);
      if (expected !== null && frameBytes !== expected) {
        this.errors.set(BAD_REPLY_SIZE, (this.errors.get(BAD_REPLY_SIZE) ?? 0) + 1);
      }
    }
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

class LoadWorker {
  private sessions: BenchSession[] = [];
  private stats: WindowStats;
  private windowStart = 0;
  private cpuStart = 0;

  constructor(private readonly config: WorkerConfig) {
    this.stats = new WindowStats(config.spec.valueBytes);
  }

  async open(): Promise<void> {
    const { endpoints, firstSession, sessions, sessionTimeoutMs } = this.config;
    const opts = { sessionTimeoutMs, connectTimeoutMs: CONNECT_TIMEOUT_MS };
    const opened = Array.from({ length: sessions }, (_, i) => {
      const endpoint = endpoints[(firstSession + i) % endpoints.length];
      if (endpoint === undefined) throw new Error('load worker: no endpoint to connect to');
      const tlsCa =
        endpoint.tlsCaFile === undefined ? undefined : readFileSync(endpoint.tlsCaFile, 'utf8');
      return BenchSession.open(endpoint.host, endpoint.port, {
        ...opts,
        ...(tlsCa === undefined ? {} : { tlsCa }),
      });
    });
    this.sessions = await Promise.all(opened);
    for (const session of this.sessions) {
      session.onFailure = (error) => failAndExit(error);
    }
  }

  go(): void {
    const { workerIndex, inflight, spec } = this.config;
    this.sessions.forEach((session, i) => {
      const source = makeRequestSource(spec, `w${workerIndex}s${i}`, workerIndex * 1000 + i + 1);
      session.run(source, inflight, (opcode, err, latencyMs, frameBytes) =>
        this.stats.record(opcode, err, latencyMs, frameBytes),
      );
    });
  }

  measure(): void {
    this.stats = new WindowStats(this.config.spec.valueBytes);
    this.windowStart = performance.now();
    this.cpuStart = cpuMsNow();
  }

  async stop(): Promise<void> {
    const windowMs = performance.now() - this.windowStart;
    const cpuMs = cpuMsNow() - this.cpuStart;
    const stats = this.stats;
    for (const session of this.sessions) {
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
    };
    const closed = await Promise.all(this.sessions.map((s) => s.close(CLOSE_TIMEOUT_MS)));
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
  console.error('load-worker.js is started by bench/run.js, not by hand');
  process.exit(2);
}
process.on('message', (message: ToWorker) => {
  onMessage(message).catch(failAndExit);
});
process.on('disconnect', () => process.exit(0));
