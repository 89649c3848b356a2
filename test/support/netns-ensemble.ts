/**
 * A Warren ensemble with one real server process per network-namespace host (3 or 5): server i
 * listens on host i's address only (client port 2181, peer port 2888), with its own zoo.cfg,
 * myid and log file under one temp dir. The test reaches every server from the root namespace,
 * also for four-letter words (srvr for mode and Zxid, mntr for Raft state). A fault campaign
 * may kill, stop, restart or wipe single servers; a server it took down on purpose is not
 * reported as having exited.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fourLetter } from './four-letter.js';
import { fsyncShimEnv } from './fsync-fail-shim.js';
import type { NetnsCluster } from './netns-cluster.js';
import { TmpfsDisks } from './tmpfs-disks.js';
import {
  logTail,
  makeOwnedDir,
  removeOwnedDir,
  signalServer,
  sleep,
  spawnServer,
  stopServer,
  type ServerProcess,
} from './server-process.js';
import { WARREN_MAIN, warrenBuilt, WARREN_NOT_BUILT_REASON } from './warren-proc.js';

export const CLIENT_PORT = 2181;
const PEER_PORT = 2888;
const ELECTION_PORT = 3888;
/** From a failed fsync to the server's exit takes milliseconds; this is plenty. */
const FSYNC_SETTLE_MS = 1_000;

/** The super user's password, for reconfig (docs/ensemble.md: WRITE on /zookeeper/config). */
export const SUPER_PASSWORD = 'netns-super';
const SUPER_DIGEST = createHash('sha1').update(`super:${SUPER_PASSWORD}`).digest('base64');

export interface EnsembleOptions {
  /** zoo.cfg tickTime; the election timeout is one tickTime (at least 500 ms). */
  tickTime: number;
  /** zoo.cfg snapCount; small values make a lagging follower need a snapshot sooner. */
  snapCount?: number;
  /** reconfigEnabled=true and a super user (SUPER_PASSWORD) allowed to run it. */
  reconfig?: boolean;
  /**
   * libfaketime's path: every server's wall clock (Date, not the monotonic clock) then
   * follows the offset in its clock file (setClockOffset), read at most once a second.
   */
  faketime?: string;
  /** Each server's data folder on its own tmpfs of this size, so one disk can be filled. */
  diskBytes?: number;
  /**
   * The fsync-error shim's library (test/support/fsync-fail-shim.ts): every server preloads
   * it, and its fsyncs in its data folder fail while failFsync holds.
   */
  fsyncShim?: string;
  /** The `warren` entry point to run (default: this checkout's dist/src/cli/main.js). */
  main?: string;
}

export interface LaunchOptions {
  /** Start empty and wait to be added by reconfig (`warren.join=true`). */
  join?: boolean;
  /** Extra command-line arguments, e.g. `--repair-log`. */
  args?: readonly string[];
}

export interface ServerState {
  mode: string;
  zxid: string;
}

export class NetnsEnsemble {
  private readonly procs = new Map<number, ServerProcess>();

  /** Servers taken down on purpose: assertRunning() does not report them. */
  private readonly down = new Set<number>();
  private disks: TmpfsDisks | undefined;

  private constructor(
    readonly cluster: NetnsCluster,
    readonly rootDir: string,
    readonly ids: readonly number[],
    readonly options: EnsembleOptions,
  ) {}

  /** Starts one server per host of the cluster and waits until they elect a leader. */
  static async start(cluster: NetnsCluster, options: EnsembleOptions): Promise<NetnsEnsemble> {
    if (!warrenBuilt()) throw new Error(WARREN_NOT_BUILT_REASON);
    const ids = Array.from({ length: cluster.size }, (_, i) => i + 1);
    const ensemble = new NetnsEnsemble(cluster, makeOwnedDir('warren-netns-'), ids, options);
    if (options.diskBytes !== undefined) {
      ensemble.disks = TmpfsDisks.mount(ids, options.diskBytes);
    }
    for (const id of ids) ensemble.launch(id);
    await ensemble.waitForLeader(ids, 30_000);
    return ensemble;
  }

  private configText(id: number, dataDir: string, launch: LaunchOptions): string {
    const address = this.cluster.address(id);
    const options = this.options;
    const lines = [
      `tickTime=${options.tickTime}`,
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${dataDir}`,
      `clientPort=${CLIENT_PORT}`,
      `clientPortAddress=${address}`,
      '4lw.commands.whitelist=*',
    ];
    if (options.snapCount !== undefined) lines.push(`snapCount=${options.snapCount}`);
    if (options.reconfig === true) {
      lines.push(
        'reconfigEnabled=true',
        `DigestAuthenticationProvider.superDigest=super:${SUPER_DIGEST}`,
      );
    }
    if (launch.join === true) lines.push('warren.join=true');
    for (const peer of this.ids) {
      const host = this.cluster.address(peer);
      lines.push(`server.${peer}=${host}:${PEER_PORT}:${ELECTION_PORT};${host}:${CLIENT_PORT}`);
    }
    return lines.join('\n') + '\n';
  }

  /** The data folder of server `id` (myid and zoo.cfg are kept beside it, not inside). */
  dataDir(id: number): string {
    const disk = this.disks?.folder(id);
    return disk === undefined ? join(this.rootDir, `server${id}`) : join(disk, 'data');
  }

  /** The tmpfs that holds server `id`'s data folder, when started with diskBytes. */
  diskFolder(id: number): string | undefined {
    return this.disks?.folder(id);
  }

  logFile(id: number): string {
    return join(this.rootDir, `server${id}.log`);
  }

  /** The zoo.cfg `server.N` line of `id`, as reconfig -add takes it. */
  serverLine(id: number): string {
    const host = this.cluster.address(id);
    return `server.${id}=${host}:${PEER_PORT}:${ELECTION_PORT}:participant;${host}:${CLIENT_PORT}`;
  }

  /** Starts server `id` (again) on its data folder; see LaunchOptions. */
  launch(id: number, launch: LaunchOptions = {}): void {
    const running = this.procs.get(id);
    if (running !== undefined && running.exitStatus() === null) {
      throw new Error(`server ${id} is still running`);
    }
    const dataDir = this.dataDir(id);
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'myid'), `${id}\n`);
    // The config lives outside the data folder, so wiping the folder keeps it.
    const cfg = join(this.rootDir, `zoo${id}.cfg`);
    writeFileSync(cfg, this.configText(id, dataDir, launch));
    const main = this.options.main ?? WARREN_MAIN;
    const args = [main, 'server', '--config', cfg, '--log-level', 'info'];
    const [command, argv] = this.cluster.inHost(id, process.execPath, [
      ...args,
      ...(launch.args ?? []),
    ]);
    const env = this.fsyncEnv(id, dataDir, this.clockEnv(id));
    this.procs.set(id, spawnServer(command, argv, { logFile: this.logFile(id), env }));
    this.down.delete(id);
  }

  private clockFile(id: number): string {
    return join(this.rootDir, `clock${id}`);
  }

  /** The environment of server `id`: the test's, plus libfaketime when asked for. */
  private clockEnv(id: number): NodeJS.ProcessEnv {
    const library = this.options.faketime;
    if (library === undefined) return process.env;
    const file = this.clockFile(id);
    if (!existsSync(file)) writeFileSync(file, '+0\n');
    return {
      ...process.env,
      LD_PRELOAD: library,
      FAKETIME_TIMESTAMP_FILE: file,
      FAKETIME_CACHE_DURATION: '1',
      // A faked monotonic clock breaks Node's timers (see the netns toolkit's README).
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    };
  }

  private fsyncTrigger(id: number): string {
    return join(this.rootDir, `fsync-fail${id}`);
  }

  /** `env` plus the fsync-error shim, when the ensemble was started with it. */
  private fsyncEnv(id: number, dataDir: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const library = this.options.fsyncShim;
    if (library === undefined) return env;
    // The shim compares the path /proc gives for the fd, which has no symbolic links.
    return fsyncShimEnv(library, this.fsyncTrigger(id), realpathSync(dataDir), env);
  }

  /**
   * Server `id`'s fsyncs in its data folder fail with EIO from now on, until healFsync. It
   * may stop on one (docs/ensemble.md), so it counts as taken down on purpose meanwhile.
   */
  failFsync(id: number): void {
    if (this.options.fsyncShim === undefined) throw new Error('started without the fsync shim');
    writeFileSync(this.fsyncTrigger(id), '');
    this.down.add(id);
  }

  /**
   * Server `id`'s fsyncs work again. Once a failure already under way has had time to stop
   * it, a server still running counts as up again (its exit is news).
   */
  async healFsync(id: number): Promise<void> {
    rmSync(this.fsyncTrigger(id), { force: true });
    await sleep(FSYNC_SETTLE_MS);
    if (this.isRunning(id)) this.down.delete(id);
  }

  /** Sets server `id`'s wall-clock offset in libfaketime's syntax (`+2h`, `-90s`, `+0`). */
  setClockOffset(id: number, offset: string): void {
    if (this.options.faketime === undefined) throw new Error('started without faketime');
    writeFileSync(this.clockFile(id), `${offset}\n`);
  }

  /**
   * Sends `signal` to server `id`; SIGKILL and SIGTERM resolve once it has exited and mark it
   * down on purpose (SIGSTOP and SIGCONT leave it counted as running).
   */
  async signal(id: number, signal: NodeJS.Signals): Promise<void> {
    const proc = this.procs.get(id);
    if (proc === undefined) return;
    if (signal === 'SIGKILL' || signal === 'SIGTERM') this.down.add(id);
    await signalServer(proc, signal);
  }

  /** True while server `id`'s process has not exited. */
  isRunning(id: number): boolean {
    const proc = this.procs.get(id);
    return proc !== undefined && proc.exitStatus() === null;
  }

  /** Resolves with the exit status of server `id` once it exits, or undefined after timeoutMs. */
  async exitWithin(id: number, timeoutMs: number): Promise<string | undefined> {
    const proc = this.procs.get(id);
    if (proc === undefined) return 'never started';
    const status = await Promise.race([proc.exited, sleep(timeoutMs).then(() => undefined)]);
    if (status === undefined) return undefined;
    this.down.add(id);
    return String(status.code ?? status.signal);
  }

  address(id: number): string {
    return `${this.cluster.address(id)}:${CLIENT_PORT}`;
  }

  /** All servers, starting with `first` (clients are spread by starting at different ones). */
  connectString(first = 1): string {
    const n = this.ids.length;
    return this.ids.map((_, i) => this.address(((first - 1 + i) % n) + 1)).join(',');
  }

  /** srvr of one server, or undefined when it does not answer. */
  async state(id: number): Promise<ServerState | undefined> {
    try {
      const text = await fourLetter(this.cluster.address(id), CLIENT_PORT, 'srvr', 2_000);
      const mode = /^Mode: (\S+)/m.exec(text)?.[1];
      const zxid = /^Zxid: (\S+)/m.exec(text)?.[1];
      if (mode === undefined || zxid === undefined) return undefined;
      return { mode, zxid };
    } catch {
      return undefined;
    }
  }

  /** mntr of one server as key (without `zk_`) → value; an empty map when it does not answer. */
  async metrics(id: number): Promise<Map<string, string>> {
    try {
      const text = await fourLetter(this.cluster.address(id), CLIENT_PORT, 'mntr', 2_000);
      const pairs = text
        .split('\n')
        .map((line) => line.replace(/^zk_/, '').split('\t'))
        .filter((parts): parts is [string, string] => parts.length === 2);
      return new Map(pairs);
    } catch {
      return new Map();
    }
  }

  async states(): Promise<Map<number, ServerState | undefined>> {
    const all = await Promise.all(this.ids.map(async (id) => [id, await this.state(id)] as const));
    return new Map(all);
  }

  /** The one server among `among` that says it leads, waiting up to timeoutMs. */
  async waitForLeader(among: readonly number[], timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.assertRunning();
      const states = await this.states();
      const leaders = among.filter((id) => states.get(id)?.mode === 'leader');
      if (leaders.length === 1 && leaders[0] !== undefined) return leaders[0];
      if (Date.now() > deadline) {
        throw new Error(`no single leader among ${among.join(',')}: ${this.describe(states)}`);
      }
      await sleep(100);
    }
  }

  /** Waits until exactly one server leads and all report the same Zxid; returns it. */
  async waitConverged(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.assertRunning();
      const states = await this.states();
      const list = this.ids.map((id) => states.get(id));
      const leaders = list.filter((s) => s?.mode === 'leader').length;
      const zxids = new Set(list.map((s) => s?.zxid));
      const first = list[0]?.zxid;
      if (leaders === 1 && zxids.size === 1 && first !== undefined) return first;
      if (Date.now() > deadline) {
        throw new Error(`servers did not converge: ${this.describe(states)}`);
      }
      await sleep(200);
    }
  }

  describe(states: Map<number, ServerState | undefined>): string {
    return this.ids
      .map((id) => {
        const s = states.get(id);
        return `${id}=${s === undefined ? 'no answer' : `${s.mode}@${s.zxid}`}`;
      })
      .join(' ');
  }

  /** Throws (with the log tail) when a server process has exited. */
  assertRunning(): void {
    for (const [id, proc] of this.procs) {
      if (this.down.has(id)) continue;
      const status = proc.exitStatus();
      if (status !== null) {
        throw new Error(
          `server ${id} exited (${status.code ?? status.signal})\n${logTail(proc.logFile)}`,
        );
      }
    }
  }

  logTails(lines = 30): string {
    return [...this.procs.values()].map((p) => logTail(p.logFile, lines)).join('\n');
  }

  /** Stops every server (SIGTERM, then SIGKILL) and removes the temp dir unless told not to. */
  async stop(keepDir = false): Promise<void> {
    await Promise.all([...this.procs.values()].map((p) => stopServer(p, 3_000)));
    this.disks?.unmountAll();
    if (!keepDir) removeOwnedDir(this.rootDir);
  }
}
