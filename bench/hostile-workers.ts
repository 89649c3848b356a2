/**
 * The coordinator's side of the hostile-load workers: forks them, sends commands and waits
 * for their answers. Each worker raises its own descriptor limit (ulimit -n) through a shell,
 * since 10k sessions need more than the usual 1024.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type {
  HostEndpoint,
  ProbeResult,
  SessionWorkerCommand,
  SessionWorkerStats,
} from './hostile-messages.js';

const SESSION_WORKER = fileURLToPath(new URL('./hostile-session-worker.js', import.meta.url));
const PROBE_WORKER = fileURLToPath(new URL('./hostile-probe-worker.js', import.meta.url));
/** Descriptors a worker asks for: its sessions plus slack, within the usual hard limit. */
const WORKER_FD_LIMIT = 20_000;

interface Message {
  kind: string;
}

class Worker {
  private readonly inbox: Message[] = [];
  private readonly waiters: Array<(message: Message) => void> = [];
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: Message) => {
      const waiter = this.waiters.shift();
      if (waiter !== undefined) waiter(message);
      else this.inbox.push(message);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  send(message: unknown): void {
    this.child.send(message as object);
  }

  next(): Promise<Message> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async expect(kind: string): Promise<Message> {
    const message = await this.next();
    if (message.kind !== kind) {
      throw new Error(`worker said ${JSON.stringify(message)}, expected ${kind}`);
    }
    return message;
  }
}

function forkScript(script: string): Worker {
  // `ulimit -n` in the child's shell, then exec node with an IPC channel on fd 3.
  const command = `ulimit -n ${WORKER_FD_LIMIT} 2>/dev/null; exec "$0" "$1"`;
  const child = spawn('sh', ['-c', command, process.execPath, script], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Worker(child);
}

export interface SessionLoad {
  endpoints: HostEndpoint[];
  sessions: number;
  workers: number;
  timeoutMs: number;
  watchesPerSession: number;
  watchPrefix: string;
}

export class SessionWorkers {
  private constructor(private readonly workers: Worker[]) {}

  /** Forks the workers and opens every session (and its watches); resolves when all are. */
  static async open(load: SessionLoad): Promise<SessionWorkers> {
    const workers = Array.from({ length: load.workers }, () => forkScript(SESSION_WORKER));
    const share = Math.ceil(load.sessions / load.workers);
    workers.forEach((worker, w) => {
      const firstSession = w * share;
      const count = Math.max(0, Math.min(share, load.sessions - firstSession));
      const command: SessionWorkerCommand = {
        kind: 'open',
        endpoints: load.endpoints,
        firstSession,
        count,
        timeoutMs: load.timeoutMs,
        watchesPerSession: load.watchesPerSession,
        watchPrefix: load.watchPrefix,
      };
      worker.send(command);
    });
    await Promise.all(workers.map((worker) => worker.expect('opened')));
    return new SessionWorkers(workers);
  }

  /** Every worker's figures, added up (maxReconnectMs: the largest). */
  async stats(): Promise<SessionWorkerStats> {
    const all = await Promise.all(
      this.workers.map(async (worker) => {
        worker.send({ kind: 'stats' });
        return (await worker.expect('stats')) as SessionWorkerStats;
      }),
    );
    const total: SessionWorkerStats = { ...(all[0] as SessionWorkerStats) };
    for (const s of all.slice(1)) {
      for (const key of Object.keys(total) as Array<keyof SessionWorkerStats>) {
        if (key === 'kind') continue;
        total[key] = key === 'maxReconnectMs' ? Math.max(total[key], s[key]) : total[key] + s[key];
      }
    }
    return total;
  }

  /** Every session's connection drops at once and reconnects elsewhere. */
  async storm(): Promise<void> {
    for (const worker of this.workers) worker.send({ kind: 'storm' });
    await Promise.all(this.workers.map((worker) => worker.expect('stormed')));
  }

  async close(): Promise<void> {
    for (const worker of this.workers) worker.send({ kind: 'close' });
    await Promise.all(this.workers.map((worker) => worker.exited));
  }
}

export class ProbeWorker {
  private constructor(private readonly worker: Worker) {}

  static async start(endpoints: HostEndpoint[], path: string): Promise<ProbeWorker> {
    const worker = forkScript(PROBE_WORKER);
    worker.send({ kind: 'start', endpoints, path, timeoutMs: 30_000 });
    await worker.expect('started');
    return new ProbeWorker(worker);
  }

  async stop(): Promise<ProbeResult> {
    this.worker.send({ kind: 'stop' });
    const result = (await this.worker.expect('result')) as ProbeResult;
    await this.worker.exited;
    return result;
  }
}
