/**
 * Starts a Warren ensemble as real processes on 127.0.0.1, one `warren server --config` per
 * member (zoo.cfg with `server.N=host:peer:election[:observer];clientPort` and a myid file,
 * as `warren cluster` writes them), so failover tests can SIGKILL, SIGSTOP and restart one
 * member while the others serve. Ports are picked free (bind port 0) and a start that lost a
 * port race is retried on fresh ports. Each member's stdout+stderr goes to its own log file,
 * which survives restarts (a marker line separates incarnations); `logTails()` gives the last
 * lines of every log for a failing test. `stopAll()` SIGKILLs what runs and removes the temp
 * dir (unless `keepFiles()` was called); the registry in server-process.ts does the same if
 * the test process exits first.
 * No test-framework imports: bench/ may use this too.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fourLetter } from './four-letter.js';
import { freePort, LOOPBACK_HOST } from './ports.js';
import {
  disownDir,
  logTail,
  makeOwnedDir,
  removeOwnedDir,
  signalServer,
  sleep,
  spawnServer,
  stopServer,
  type ExitStatus,
  type ServerProcess,
} from './server-process.js';
import { WARREN_MAIN, WARREN_NOT_BUILT_REASON, warrenBuilt } from './warren-proc.js';

export interface EnsembleOptions {
  /** Voting members (participants). */
  size: number;
  /** Non-voting members (`:observer` lines), numbered after the participants. */
  observers?: number;
  /**
   * Servers numbered after those, not in the others' configs and not started: each has
   * `warren.join=true` and waits to be added by reconfig once started (`start(id)`).
   */
  joiners?: number;
  /** zoo.cfg tickTime; Raft ticks are a tenth of it (default 500 ms). */
  tickTime?: number;
  /** Extra zoo.cfg lines, ZooKeeper spellings (`snapCount`, `warren.linearizableReads`, ...). */
  config?: Record<string, string>;
  /** Extra zoo.cfg lines for one member only (its own admin port, say). */
  memberConfig?: (id: number) => Record<string, string>;
  /** How long the ensemble may take to elect a leader that every member knows. */
  readyTimeoutMs?: number;
  logLevel?: string;
  /** Environment variables for one member's process, over this one's (an LD_PRELOAD, say). */
  memberEnv?: (id: number, dataDir: string) => NodeJS.ProcessEnv;
}

export type MemberRole = 'participant' | 'observer';
/** running: answering; paused: SIGSTOPped; down: exited (killed or stopped). */
export type MemberState = 'running' | 'paused' | 'down';

export interface EnsembleServer {
  readonly id: number;
  readonly role: MemberRole;
  readonly host: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly electionPort: number;
  readonly dataDir: string;
  readonly logFile: string;
  /** host:clientPort of this member alone. */
  readonly connectString: string;
  /** The current process's pid, -1 while down. */
  readonly pid: number;
  readonly state: MemberState;
}

/** What `mntr` says, as key → value (the `zk_` prefix dropped). */
export type MemberStatus = Map<string, string>;

export const ENSEMBLE_READY_TIMEOUT_MS = 60_000;
const PROBE_TIMEOUT_MS = 2_000;
const POLL_MS = 50;
const BIND_ATTEMPTS_MAX = 3;

class Member implements EnsembleServer {
  readonly host = LOOPBACK_HOST;
  proc: ServerProcess | undefined;
  paused = false;
  starts = 0;
  joiner = false;

  constructor(
    readonly id: number,
    readonly role: MemberRole,
    readonly clientPort: number,
    readonly peerPort: number,
    readonly electionPort: number,
    readonly rootDir: string,
  ) {}

  get dataDir(): string {
    return join(this.rootDir, 'data');
  }
  get logFile(): string {
    return join(this.rootDir, 'warren.log');
  }
  get configFile(): string {
    return join(this.rootDir, 'zoo.cfg');
  }
  get connectString(): string {
    return `${this.host}:${this.clientPort}`;
  }
  get pid(): number {
    return this.state === 'down' ? -1 : (this.proc?.pid ?? -1);
  }
  get state(): MemberState {
    if (this.proc === undefined || this.proc.exitStatus() !== null) return 'down';
    return this.paused ? 'paused' : 'running';
  }
}

function zooCfg(members: readonly Member[], self: Member, opts: EnsembleOptions): string {
  const settings: Record<string, string> = {
    tickTime: String(opts.tickTime ?? 500),
    initLimit: '10',
    syncLimit: '5',
    dataDir: self.dataDir,
    clientPort: String(self.clientPort),
    clientPortAddress: LOOPBACK_HOST,
    '4lw.commands.whitelist': '*',
    ...opts.config,
    ...opts.memberConfig?.(self.id),
  };
  if (self.joiner) settings['warren.join'] = 'true';
  const lines = Object.entries(settings).map(([key, value]) => `${key}=${value}`);
  // A joiner knows everyone; the founders do not know the joiners yet.
  for (const m of members.filter((other) => self.joiner || !other.joiner)) {
    const role = m.role === 'observer' ? ':observer' : '';
    lines.push(`server.${m.id}=${m.host}:${m.peerPort}:${m.electionPort}${role};${m.clientPort}`);
  }
  return lines.join('\n') + '\n';
}

/** `count` distinct free ports. */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export function parseMntr(text: string): MemberStatus {
  const status: MemberStatus = new Map();
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) status.set(line.slice(0, tab).replace(/^zk_/, ''), line.slice(tab + 1));
  }
  return status;
}

export class Ensemble {
  private kept = false;

  private constructor(
    private readonly members: Member[],
    private readonly rootDir: string,
    private readonly opts: EnsembleOptions,
  ) {}

  /** Starts every member and waits until they all follow one leader. */
  static async start(opts: EnsembleOptions): Promise<Ensemble> {
    if (!warrenBuilt()) throw new Error(WARREN_NOT_BUILT_REASON);
    for (let attempt = 1; ; attempt++) {
      const ensemble = await Ensemble.create(opts);
      try {
        for (const m of ensemble.members) if (!m.joiner) ensemble.spawn(m);
        await ensemble.ready(opts.readyTimeoutMs ?? ENSEMBLE_READY_TIMEOUT_MS);
        return ensemble;
      } catch (error) {
        const lostPortRace = ensemble.members.some((m) =>
          /EADDRINUSE|address already in use/i.test(readLog(m.logFile)),
        );
        const logs = ensemble.logTails();
        await ensemble.stopAll();
        if (lostPortRace && attempt < BIND_ATTEMPTS_MAX) continue;
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`the ensemble did not start: ${message}\n${logs}`, { cause: error });
      }
    }
  }

  private static async create(opts: EnsembleOptions): Promise<Ensemble> {
    const founders = opts.size + (opts.observers ?? 0);
    const total = founders + (opts.joiners ?? 0);
    const ports = await freePorts(3 * total);
    const rootDir = makeOwnedDir('warren-ensemble-');
    const members: Member[] = [];
    for (let id = 1; id <= total; id++) {
      const [client, peer, election] = ports.slice(3 * (id - 1), 3 * id) as [
        number,
        number,
        number,
      ];
      const role: MemberRole = id > opts.size && id <= founders ? 'observer' : 'participant';
      const member = new Member(id, role, client, peer, election, join(rootDir, `server${id}`));
      member.joiner = id > founders;
      members.push(member);
    }
    for (const m of members) {
      mkdirSync(m.dataDir, { recursive: true });
      writeFileSync(join(m.dataDir, 'myid'), `${m.id}\n`);
      writeFileSync(m.configFile, zooCfg(members, m, opts));
    }
    return new Ensemble(members, rootDir, opts);
  }

  get servers(): readonly EnsembleServer[] {
    return this.members;
  }

  /** Every member's host:port, in id order. */
  get connectString(): string {
    return this.members.map((m) => m.connectString).join(',');
  }

  server(id: number): EnsembleServer {
    return this.member(id);
  }

  /** The members other than `id`, in id order. */
  others(id: number): EnsembleServer[] {
    return this.members.filter((m) => m.id !== id);
  }

  private member(id: number): Member {
    const m = this.members.find((x) => x.id === id);
    if (m === undefined) throw new Error(`no server ${id} in this ensemble`);
    return m;
  }

  private spawn(m: Member): void {
    m.starts += 1;
    if (m.starts > 1) appendFileSync(m.logFile, `\n[test support] start #${m.starts}\n`);
    const args = [WARREN_MAIN, 'server', '--config', m.configFile];
    args.push('--log-level', this.opts.logLevel ?? 'info');
    const env = { ...process.env, ...this.opts.memberEnv?.(m.id, m.dataDir) };
    m.proc = spawnServer(process.execPath, args, { logFile: m.logFile, env });
    m.paused = false;
  }

  /** A four-letter word's answer from one member; rejects if none within the timeout. */
  fourLetter(id: number, word: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<string> {
    const m = this.member(id);
    return fourLetter(m.host, m.clientPort, word, timeoutMs);
  }

  /** `mntr` of one member. */
  async status(id: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<MemberStatus> {
    return parseMntr(await this.fourLetter(id, 'mntr', timeoutMs));
  }

  /** `srvr` of one member, as text. */
  srvr(id: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<string> {
    return this.fourLetter(id, 'srvr', timeoutMs);
  }

  /**
   * One poll: the leader's id when exactly one running member says `leader` and every other
   * running member answers and names it as its leader; otherwise a reason.
   */
  private async agreedLeader(): Promise<{ leader: Member } | { reason: string }> {
    const running = this.members.filter((m) => m.state === 'running');
    const answers = await Promise.all(
      running.map(async (m) => {
        try {
          return { m, status: await this.status(m.id) };
        } catch (error) {
          return { m, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    const silent = answers.find((a) => a.status === undefined);
    if (silent !== undefined) return { reason: `server ${silent.m.id}: ${silent.error}` };
    const leaders = answers.filter((a) => a.status?.get('server_state') === 'leader');
    if (leaders.length !== 1) {
      return { reason: `${leaders.length} members say leader` };
    }
    const leader = (leaders[0] as { m: Member }).m;
    const dissent = answers.find((a) => a.status?.get('leader_id') !== String(leader.id));
    if (dissent !== undefined) {
      const named = dissent.status?.get('leader_id') ?? '?';
      return { reason: `server ${dissent.m.id} follows ${named}, not ${leader.id}` };
    }
    return { leader };
  }

  /** Polls until exactly one running member leads and every running member follows it. */
  async leader(timeoutMs = ENSEMBLE_READY_TIMEOUT_MS): Promise<EnsembleServer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.assertNoneCrashed();
      const poll = await this.agreedLeader();
      if ('leader' in poll) return poll.leader;
      if (Date.now() > deadline) {
        throw new Error(`no agreed leader after ${timeoutMs} ms: ${poll.reason}`);
      }
      await sleep(POLL_MS);
    }
  }

  /** The leader, as `leader()` finds it, and the running followers (observers included). */
  async roles(): Promise<{ leader: EnsembleServer; followers: EnsembleServer[] }> {
    const leader = await this.leader();
    const followers = this.members.filter((m) => m.id !== leader.id && m.state === 'running');
    return { leader, followers };
  }

  /** Waits for an agreed leader (see leader()). */
  async ready(timeoutMs = ENSEMBLE_READY_TIMEOUT_MS): Promise<void> {
    await this.leader(timeoutMs);
  }

  /** Throws (with the log tail) if a member we did not take down has exited. */
  private assertNoneCrashed(): void {
    for (const m of this.members) {
      const status = m.proc?.exitStatus();
      if (m.proc === undefined || status === null || status === undefined) continue;
      if (status.signal === 'SIGKILL' || status.signal === 'SIGTERM') continue;
      if (status.code === 0) continue;
      const how = status.signal ?? `code ${status.code}`;
      throw new Error(`server ${m.id} exited on its own (${how})\n${logTail(m.logFile)}`);
    }
  }

  /** Sends a signal; SIGKILL/SIGTERM/SIGINT resolve once the process has exited. */
  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const m = this.member(id);
    if (m.proc === undefined) return;
    if (signal === 'SIGTERM' || signal === 'SIGINT') {
      if (m.paused) await signalServer(m.proc, 'SIGCONT');
      m.paused = false;
    }
    await signalServer(m.proc, signal);
    if (signal === 'SIGSTOP') m.paused = true;
    if (signal === 'SIGCONT') m.paused = false;
  }

  /** How a member's last process ended (null while it runs or if it never started). */
  exitStatus(id: number): ExitStatus | null {
    return this.member(id).proc?.exitStatus() ?? null;
  }

  /** SIGSTOP: the process stays, its sockets stay open, it answers nothing. */
  stop(id: number): Promise<void> {
    return this.kill(id, 'SIGSTOP');
  }

  cont(id: number): Promise<void> {
    return this.kill(id, 'SIGCONT');
  }

  /** Starts a member that is down, on its dataDir and ports; does not wait. */
  start(id: number): void {
    const m = this.member(id);
    if (m.state !== 'down') throw new Error(`server ${id} is ${m.state}, not down`);
    this.spawn(m);
  }

  /**
   * Stops a member gracefully (SIGTERM; SIGKILL after 5 s) if it runs, starts it again on
   * the same dataDir and ports, and waits until every running member follows one leader.
   */
  async restart(id: number, timeoutMs = ENSEMBLE_READY_TIMEOUT_MS): Promise<void> {
    const m = this.member(id);
    if (m.proc !== undefined && m.state !== 'down') {
      if (m.paused) await this.cont(id);
      await stopServer(m.proc);
    }
    this.spawn(m);
    await this.ready(timeoutMs);
  }

  /** The last lines of every member's log, for a failing test's output. */
  logTails(lines = 40): string {
    return this.members.map((m) => `[server ${m.id}] ${logTail(m.logFile, lines)}`).join('\n');
  }

  /** The whole log of one member (all incarnations). */
  log(id: number): string {
    return readLog(this.member(id).logFile);
  }

  /** Keeps the temp dir (data, configs, logs) after stopAll, e.g. for a failed test. */
  keepFiles(): string {
    this.kept = true;
    disownDir(this.rootDir);
    return this.rootDir;
  }

  /** SIGKILLs every member (a paused one too) and removes the temp dir unless kept. */
  async stopAll(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        if (m.proc === undefined) return;
        await signalServer(m.proc, 'SIGKILL');
      }),
    );
    if (!this.kept) removeOwnedDir(this.rootDir);
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Starts an ensemble (see Ensemble.start). */
export function startEnsemble(opts: EnsembleOptions): Promise<Ensemble> {
  return Ensemble.start(opts);
}
