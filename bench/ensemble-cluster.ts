/**
 * A three-server ensemble on loopback for the ensemble benchmark: Apache ZooKeeper 3.8 (three
 * JVMs) or Warren (three Node processes), started by the launchers in test/support with the
 * same settings: tickTime, initLimit, syncLimit, `server.N=127.0.0.1:peer:election` lines, a
 * `myid` in each dataDir, fsync on (both defaults), every four-letter word enabled. Members
 * start together (none is ready before a quorum exists). A member can be SIGKILLed and
 * restarted on the same dataDir and ports; `srvr` says which member leads.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fourLetter } from '../test/support/four-letter.js';
import { freePort, LOOPBACK_HOST } from '../test/support/ports.js';
import { disownDir, makeOwnedDir, removeOwnedDir, sleep } from '../test/support/server-process.js';
import { startWarren, type RunningServer } from '../test/support/warren-proc.js';
import { startZooKeeper } from '../test/support/zookeeper-ref.js';
import { processCpuMs } from '../src/bench/proc-stats.js';
import type { ServerName } from './servers.js';
import type { Endpoint } from '../src/bench/worker-messages.js';

export interface EnsembleSettings {
  size: number;
  tickTime: number;
  initLimit: number;
  syncLimit: number;
  /** Heap of each ZooKeeper JVM. */
  zooKeeperHeapMb: number;
  /** More zoo.cfg lines for every member of either server (quorum TLS, for one). */
  extraConfig?: Record<string, string>;
  /** More zoo.cfg lines for one member (its own metrics port, say). */
  memberConfig?: (id: number) => Record<string, string>;
  /** How long a member may take to serve (default START_TIMEOUT_MS): restarts replay logs. */
  startTimeoutMs?: number;
}

export interface Member {
  id: number;
  clientPort: number;
  peerPort: number;
  electionPort: number;
  dataDir: string;
  /** null while the member is down. */
  running: RunningServer | null;
}

const START_TIMEOUT_MS = 90_000;
const POLL_MS = 100;
const SRVR_TIMEOUT_MS = 2_000;

/** The member's mode from `srvr` (leader, follower, ...), or null when it does not serve. */
export async function memberMode(member: Member): Promise<string | null> {
  if (member.running === null) return null;
  try {
    const text = await fourLetter(LOOPBACK_HOST, member.clientPort, 'srvr', SRVR_TIMEOUT_MS);
    return /^Mode: (\w+)/m.exec(text)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Why a member gave no mode: not started, its process is gone, or no srvr answer. */
function downNote(member: Member): string {
  if (member.running === null) return 'down';
  return processCpuMs(member.running.pid) === null ? 'exited' : 'no-srvr';
}

/** `count` different free ports on loopback. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export class BenchEnsemble {
  private constructor(
    readonly name: ServerName,
    readonly members: Member[],
    private readonly rootDir: string,
    private readonly settings: EnsembleSettings,
  ) {}

  static async start(name: ServerName, settings: EnsembleSettings): Promise<BenchEnsemble> {
    const rootDir = makeOwnedDir(`${name}-ensemble-`);
    const ports = await distinctFreePorts(3 * settings.size);
    const members: Member[] = [];
    for (let id = 1; id <= settings.size; id++) {
      const dataDir = join(rootDir, `server${id}`);
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(dataDir, 'myid'), `${id}\n`);
      const [clientPort = 0, peerPort = 0, electionPort = 0] = ports.splice(0, 3);
      members.push({ id, clientPort, peerPort, electionPort, dataDir, running: null });
    }
    const ensemble = new BenchEnsemble(name, members, rootDir, settings);
    try {
      await Promise.all(members.map((m) => ensemble.startMember(m)));
      await ensemble.waitWhole(START_TIMEOUT_MS);
    } catch (error) {
      await ensemble.stop();
      throw error;
    }
    return ensemble;
  }

  get endpoints(): Endpoint[] {
    return this.members.map((m) => ({ host: LOOPBACK_HOST, port: m.clientPort }));
  }

  /** Every member, host:port comma-separated, for a client that fails over. */
  get connectString(): string {
    return this.members.map((m) => `${LOOPBACK_HOST}:${m.clientPort}`).join(',');
  }

  /** The running members' pids. */
  get pids(): number[] {
    return this.members.flatMap((m) => (m.running === null ? [] : [m.running.pid]));
  }

  /** Starts (or restarts, on its dataDir and ports) one member; resolves once it serves. */
  async startMember(member: Member): Promise<void> {
    const s = this.settings;
    const servers: Record<string, string> = {};
    for (const m of this.members) {
      const peers = `${LOOPBACK_HOST}:${m.peerPort}:${m.electionPort}`;
      servers[`server.${m.id}`] = this.name === 'warren' ? `${peers};${m.clientPort}` : peers;
    }
    const common = {
      tickTime: String(s.tickTime),
      initLimit: String(s.initLimit),
      syncLimit: String(s.syncLimit),
      ...servers,
      ...s.extraConfig,
      ...s.memberConfig?.(member.id),
    };
    member.running =
      this.name === 'zookeeper'
        ? await startZooKeeper({
            tickTime: s.tickTime,
            heapMb: s.zooKeeperHeapMb,
            readyTimeoutMs: s.startTimeoutMs ?? START_TIMEOUT_MS,
            port: member.clientPort,
            dataDir: member.dataDir,
            extraConfig: common,
          })
        : await startWarren({
            port: member.clientPort,
            dataDir: member.dataDir,
            readyTimeoutMs: s.startTimeoutMs ?? START_TIMEOUT_MS,
            config: {
              ...common,
              dataDir: member.dataDir,
              clientPort: String(member.clientPort),
              clientPortAddress: LOOPBACK_HOST,
              '4lw.commands.whitelist': '*',
            },
          });
  }

  /** SIGKILLs a member and waits until its process has exited. */
  async kill(member: Member): Promise<void> {
    const running = member.running;
    if (running === null) return;
    await running.kill('SIGKILL');
    member.running = null;
    this.saveLog(member, running, 'SIGKILLed by the benchmark');
    await running.stop(); // removes the launcher's conf and log dir, never member.dataDir
  }

  /** Where every member's output is collected (kept only by stop(true)). */
  get logDir(): string {
    return join(this.rootDir, 'logs');
  }

  /** Appends a member's log (the launcher removes its own copy on stop) to logDir. */
  private saveLog(member: Member, running: RunningServer, note: string): void {
    mkdirSync(this.logDir, { recursive: true });
    const text = existsSync(running.logFile) ? readFileSync(running.logFile, 'utf8') : '';
    const header = `==== server ${member.id}, pid ${running.pid}: ${note} ====\n`;
    appendFileSync(join(this.logDir, `server${member.id}.log`), header + text);
  }

  /** The member that says it leads, or null. */
  async leader(): Promise<Member | null> {
    const modes = await Promise.all(this.members.map((m) => memberMode(m)));
    const leaders = this.members.filter((_, i) => modes[i] === 'leader');
    return leaders.length === 1 ? (leaders[0] ?? null) : null;
  }

  /** Waits until every member is up and serving and exactly one of them leads. */
  async waitWhole(timeoutMs: number): Promise<Member> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const modes = await Promise.all(this.members.map((m) => memberMode(m)));
      const leaders = this.members.filter((_, i) => modes[i] === 'leader');
      const serving = modes.every((m) => m === 'leader' || m === 'follower');
      if (serving && leaders.length === 1 && leaders[0] !== undefined) return leaders[0];
      last = this.members.map((m, i) => `${m.id}:${modes[i] ?? downNote(m)}`).join(' ');
      if (Date.now() > deadline) {
        throw new Error(`${this.name} ensemble not whole after ${timeoutMs} ms (${last})`);
      }
      await sleep(POLL_MS);
    }
  }

  /** Stops every member; with keepLogs, leaves rootDir (data and logDir) on disk. */
  async stop(keepLogs = false): Promise<void> {
    const stopping = this.members.map((m) => {
      const running = m.running;
      if (running === null) return Promise.resolve();
      m.running = null;
      if (keepLogs) this.saveLog(m, running, 'still running at the end of the run');
      return running.stop(); // removes the launcher's log
    });
    await Promise.all(stopping);
    if (keepLogs) disownDir(this.rootDir);
    else removeOwnedDir(this.rootDir);
  }
}
