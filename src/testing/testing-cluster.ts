/**
 * TestingCluster (Curator's TestingCluster): an ensemble of `size` Warren members on
 * 127.0.0.1, each its own `warren server` child process with free client and peer ports and a
 * temporary data directory, all removed by stop(). A member can be crashed (kill: SIGKILL),
 * restarted on the same data, or frozen (pause: SIGSTOP) and thawed (resume: SIGCONT).
 *
 * What pause() is, honestly: not a network partition (that needs root: network namespaces or
 * a firewall, see test/netns). The frozen member neither sends nor answers, so to the others
 * it looks cut off, and they elect a leader without it when they are a majority. But it is
 * symmetric and total, its open connections stay open (clients wait on them until their own
 * timeouts), and the member itself sees no time pass: on resume its timers fire at once and
 * it learns what it missed. That covers "a member vanishes and comes back"; it cannot make a
 * member that runs on while cut off (a leader that keeps serving its side).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChildServer, logTail, warrenCliBuilt, type ChildState } from './child-server.js';
import {
  freePorts,
  isBindFailure,
  keepTempDir,
  LOOPBACK,
  makeTempDir,
  removeTempDir,
  zooCfgText,
} from './resources.js';
import { TestingStartError, waitUntilServing } from './serving.js';

export interface TestingClusterOptions {
  /** Voting members (default 3; 1..9). */
  size?: number;
  /** zoo.cfg lines for every member, ZooKeeper's spellings. */
  config?: Readonly<Record<string, string>>;
  /** zoo.cfg tickTime (default 500 ms). */
  tickTime?: number;
  /** Keep the temporary directory after stop(). */
  keepDataDir?: boolean;
  /** How long start() and restart() wait for members to serve (default 60 s). */
  startTimeoutMs?: number;
  /** Log level of the members (default 'warn'); each logs to its member's `logFile`. */
  logLevel?: string;
}

export interface TestingMember {
  /** The server id (1-based), as in server.N and myid. */
  readonly id: number;
  readonly clientPort: number;
  /** host:clientPort of this member alone. */
  readonly connectString: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** running, paused (SIGSTOP) or down (killed or stopped). */
  readonly state: ChildState;
  /** The process id, -1 while down. */
  readonly pid: number;
}

const clusterSizeMax = 9;
const START_TIMEOUT_MS = 60_000;
const BIND_ATTEMPTS_MAX = 3;

class Member implements TestingMember {
  child: ChildServer | undefined;

  constructor(
    readonly id: number,
    readonly clientPort: number,
    readonly peerPort: number,
    readonly electionPort: number,
    readonly rootDir: string,
  ) {}

  get connectString(): string {
    return `${LOOPBACK}:${this.clientPort}`;
  }
  get dataDir(): string {
    return join(this.rootDir, 'data');
  }
  get logFile(): string {
    return join(this.rootDir, 'warren.log');
  }
  get configFile(): string {
    return join(this.rootDir, 'zoo.cfg');
  }
  get state(): ChildState {
    return this.child?.state ?? 'down';
  }
  get pid(): number {
    return this.state === 'down' ? -1 : (this.child?.pid ?? -1);
  }
}

export class TestingCluster {
  private constructor(
    private readonly all: Member[],
    readonly rootDir: string,
    private readonly opts: TestingClusterOptions,
  ) {}

  /** Starts every member and resolves once each accepts sessions (a leader is elected). */
  static async start(opts: TestingClusterOptions = {}): Promise<TestingCluster> {
    const size = opts.size ?? 3;
    if (!Number.isInteger(size) || size < 1 || size > clusterSizeMax) {
      throw new RangeError(`TestingCluster size must be 1..${clusterSizeMax}`);
    }
    if (!warrenCliBuilt()) {
      throw new TestingStartError('the warren CLI is not built (dist/src/cli/main.js)');
    }
    for (let attempt = 1; ; attempt++) {
      const cluster = await TestingCluster.create(size, opts);
      try {
        for (const m of cluster.all) cluster.spawn(m);
        await Promise.all(cluster.all.map((m) => cluster.serving(m)));
        if (opts.keepDataDir === true) keepTempDir(cluster.rootDir);
        return cluster;
      } catch (error) {
        const logs = cluster.all.map((m) => logTail(m.logFile)).join('\n');
        await cluster.stop();
        if (attempt < BIND_ATTEMPTS_MAX && isBindFailure(logs)) continue;
        throw error;
      }
    }
  }

  private static async create(size: number, opts: TestingClusterOptions): Promise<TestingCluster> {
    const ports = await freePorts(3 * size);
    const rootDir = makeTempDir('warren-testing-cluster-');
    const all: Member[] = [];
    for (let id = 1; id <= size; id++) {
      const [client, peer, election] = ports.slice(3 * (id - 1), 3 * id) as [
        number,
        number,
        number,
      ];
      all.push(new Member(id, client, peer, election, join(rootDir, `server${id}`)));
    }
    for (const m of all) {
      mkdirSync(m.dataDir, { recursive: true });
      writeFileSync(join(m.dataDir, 'myid'), `${m.id}\n`);
      writeFileSync(m.configFile, zooCfgText(settings(all, m, opts)));
    }
    return new TestingCluster(all, rootDir, opts);
  }

  /** Every member's host:port, in id order: what clients connect with. */
  get connectString(): string {
    return this.all.map((m) => m.connectString).join(',');
  }

  get members(): readonly TestingMember[] {
    return this.all;
  }

  member(id: number): TestingMember {
    return this.find(id);
  }

  /** SIGKILL: the member crashes. restart(id) brings it back on the same data. */
  async kill(id: number): Promise<void> {
    await this.find(id).child?.kill('SIGKILL');
  }

  /** Stops the member if it runs (SIGTERM) and starts it again; resolves once it serves. */
  async restart(id: number): Promise<void> {
    const m = this.find(id);
    await m.child?.stop();
    this.spawn(m);
    await this.serving(m);
  }

  /** SIGSTOP: the member freezes (see the file header for what this does and does not model). */
  async pause(id: number): Promise<void> {
    await this.find(id).child?.kill('SIGSTOP');
  }

  /** SIGCONT: a paused member runs again. */
  async resume(id: number): Promise<void> {
    await this.find(id).child?.kill('SIGCONT');
  }

  /** Stops every member and removes the temporary directory (unless keepDataDir). */
  async stop(): Promise<void> {
    await Promise.all(this.all.map((m) => m.child?.stop() ?? Promise.resolve()));
    if (this.opts.keepDataDir !== true) removeTempDir(this.rootDir);
  }

  private find(id: number): Member {
    const m = this.all.find((x) => x.id === id);
    if (m === undefined) throw new RangeError(`no member ${id} in this cluster`);
    return m;
  }

  private spawn(m: Member): void {
    m.child = new ChildServer(m.configFile, m.logFile, this.opts.logLevel ?? 'warn');
  }

  private serving(m: Member): Promise<void> {
    const timeoutMs = this.opts.startTimeoutMs ?? START_TIMEOUT_MS;
    return waitUntilServing(m.connectString, timeoutMs, () => {
      const reason = m.child?.exitReason();
      return reason === undefined ? undefined : `member ${m.id}: ${reason}`;
    });
  }
}

function settings(
  all: readonly Member[],
  self: Member,
  opts: TestingClusterOptions,
): Record<string, string> {
  const out: Record<string, string> = {
    tickTime: String(opts.tickTime ?? 500),
    initLimit: '10',
    syncLimit: '5',
    dataDir: self.dataDir,
    clientPort: String(self.clientPort),
    clientPortAddress: LOOPBACK,
    '4lw.commands.whitelist': '*',
    ...opts.config,
  };
  for (const m of all) {
    out[`server.${m.id}`] = `${LOOPBACK}:${m.peerPort}:${m.electionPort};${m.clientPort}`;
  }
  return out;
}
