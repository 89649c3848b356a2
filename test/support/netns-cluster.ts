/**
 * A throwaway network of Linux network namespaces for fault tests, built and faulted by the
 * toolkit vendored in test/netns/tools (see its README): host i is `${prefix}i` at
 * `${subnet}.i`, the test itself stays in the root namespace (`${subnet}.254`), which no fault
 * ever cuts. Every run gets its own prefix and /24, so runs never share state. A cluster is
 * removed by down() or, at the latest, when the test process exits; clusters left by a run
 * that was SIGKILLed are removed by the next run (their owner pid is gone).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** dist/test/support → test/netns/tools (the scripts are not compiled, so not in dist). */
export const NETNS_TOOLS_DIR = fileURLToPath(
  new URL('../../../test/netns/tools/', import.meta.url),
);
const STATE_ROOT = '/run/netns-tools';
const PREFIX_PATTERN = /^wn[a-z]{6}$/;
const COMMAND_TIMEOUT_MS = 60_000;
const SUBNET_ATTEMPTS = 5;
const ORPHAN_MIN_AGE_MS = 120_000;

const liveClusters = new Set<NetnsCluster>();
let exitHookInstalled = false;

function hasCommand(name: string): boolean {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']);
  return dirs.some((dir) => dir !== '' && existsSync(join(dir, name)));
}

/** A python3 that root can run without a version-manager shim, for netem-lite. */
function pythonPath(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/**
 * Why namespace tests cannot run here, or undefined when they can: they need root (or
 * CAP_NET_ADMIN), ip, iptables and flock, and a kernel that lets us create a namespace.
 */
export function netnsSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) {
    return 'needs root (network namespaces, veths and iptables need CAP_NET_ADMIN)';
  }
  for (const command of ['ip', 'iptables', 'flock', 'bash']) {
    if (!hasCommand(command)) {
      return `'${command}' is missing (Debian: apt-get install -y iproute2 iptables util-linux)`;
    }
  }
  if (!existsSync(join(NETNS_TOOLS_DIR, 'cluster-up'))) {
    return `the netns toolkit is missing at ${NETNS_TOOLS_DIR}`;
  }
  const probe = `wnprobe${process.pid.toString(36).replace(/[0-9]/g, 'x')}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' });
  } catch (error) {
    return `cannot create a network namespace: ${(error as Error).message.split('\n')[0]}`;
  }
  try {
    execFileSync('iptables', ['-w', '-S', 'INPUT'], { stdio: 'pipe' });
  } catch (error) {
    return `iptables does not work here: ${(error as Error).message.split('\n')[0]}`;
  }
  return undefined;
}

/** Why delay and loss cannot be injected (netem-lite needs python3 and br_netfilter). */
export function netemSkipReason(): string | undefined {
  if (!existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables')) {
    return 'the kernel lacks br_netfilter, which netem-lite needs (and tc netem was not probed)';
  }
  if (!hasCommand('python3')) return 'python3 is missing (netem-lite needs it)';
  return undefined;
}

function randomLetters(count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String.fromCharCode(97 + Math.floor(Math.random() * 26));
  return out;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function downSync(prefix: string): void {
  try {
    execFileSync('bash', [join(NETNS_TOOLS_DIR, 'cluster-down')], {
      env: { ...process.env, NETNS_PREFIX: prefix, NETNS_KILL_WAIT: '2' },
      stdio: 'pipe',
      timeout: COMMAND_TIMEOUT_MS,
    });
  } catch (error) {
    process.stderr.write(`netns cluster-down ${prefix} failed: ${(error as Error).message}\n`);
  }
}

/** Removes the clusters of earlier runs of these tests whose process is gone. */
function removeOrphans(): void {
  if (!existsSync(STATE_ROOT)) return;
  for (const prefix of readdirSync(STATE_ROOT)) {
    if (!PREFIX_PATTERN.test(prefix)) continue;
    const ownerFile = join(STATE_ROOT, prefix, 'owner-pid');
    if (!existsSync(ownerFile)) {
      // Being created right now by another run (the owner is written after cluster-up)?
      const age = Date.now() - statSync(join(STATE_ROOT, prefix)).mtimeMs;
      if (age < ORPHAN_MIN_AGE_MS) continue;
    }
    const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : NaN;
    if (Number.isInteger(owner) && owner > 0 && pidAlive(owner)) continue;
    downSync(prefix);
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const downAll = (): void => {
    for (const cluster of liveClusters) downSync(cluster.prefix);
    liveClusters.clear();
  };
  process.on('exit', downAll);
  // A signal ends the process without 'exit'; whoever handles it after us re-raises it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      downAll();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

export class NetnsCluster {
  private constructor(
    readonly prefix: string,
    /** The /24 as three octets, e.g. `10.213.7`. */
    readonly subnet: string,
    readonly size: number,
  ) {}

  /** Creates `size` hosts; throws (after removing what it made) when that fails. */
  static async up(size: number): Promise<NetnsCluster> {
    removeOrphans();
    installExitHook();
    let lastError: unknown;
    for (let attempt = 0; attempt < SUBNET_ATTEMPTS; attempt++) {
      const cluster = new NetnsCluster(
        `wn${randomLetters(6)}`,
        `10.213.${1 + Math.floor(Math.random() * 250)}`,
        size,
      );
      liveClusters.add(cluster);
      try {
        await cluster.tool('cluster-up', String(size));
        writeFileSync(join(STATE_ROOT, cluster.prefix, 'owner-pid'), `${process.pid}\n`);
        return cluster;
      } catch (error) {
        lastError = error;
        await cluster.down();
        if (!/already routed/.test(String(error))) break;
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  hostName(id: number): string {
    return `${this.prefix}${id}`;
  }

  address(id: number): string {
    return `${this.subnet}.${id}`;
  }

  /** Runs one toolkit command for this cluster; resolves with its stdout. */
  async tool(command: string, ...args: string[]): Promise<string> {
    const env = {
      ...process.env,
      NETNS_PREFIX: this.prefix,
      NETNS_SUBNET: this.subnet,
      NETNS_PYTHON: pythonPath(),
      NETNS_KILL_WAIT: '2',
    };
    try {
      const { stdout } = await run('bash', [join(NETNS_TOOLS_DIR, command), ...args], {
        env,
        timeout: COMMAND_TIMEOUT_MS,
      });
      return stdout;
    } catch (error) {
      const e = error as Error & { stderr?: string };
      throw new Error(`netns ${command} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
    }
  }

  /** The command line that runs `command` inside host `id` (ip netns exec execs it). */
  inHost(id: number, command: string, args: readonly string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.hostName(id), command, ...args]];
  }

  private names(ids: readonly number[]): string {
    return ids.map((id) => this.hostName(id)).join(',');
  }

  /** Hosts in different groups drop each other's packets, both ways. */
  partition(...groups: readonly (readonly number[])[]): Promise<string> {
    return this.tool('partition', ...groups.map((g) => this.names(g)));
  }

  isolate(id: number): Promise<string> {
    return this.tool('isolate', this.hostName(id));
  }

  /** One way: packets sent by `from` are dropped when they reach `to`. */
  drop(from: number, to: number): Promise<string> {
    return this.tool('drop', this.hostName(from), this.hostName(to));
  }

  /** Two halves cut apart; the middle host of `order` sees both. */
  bridge(order: readonly number[]): Promise<string> {
    return this.tool('bridge-partition', this.names(order));
  }

  heal(): Promise<string> {
    return this.tool('heal');
  }

  /** Delays every packet host `id` sends by ms ± jitterMs. */
  delay(id: number, ms: number, jitterMs = 0): Promise<string> {
    return this.tool('delay', this.hostName(id), String(ms), String(jitterMs));
  }

  /** Drops `percent` % of the packets host `id` sends. */
  loss(id: number, percent: number): Promise<string> {
    return this.tool('loss', this.hostName(id), String(percent));
  }

  clearNetem(): Promise<string> {
    return this.tool('clear-netem');
  }

  faults(): Promise<string> {
    return this.tool('faults');
  }

  /** Stops what still runs in the hosts and deletes them. Safe to call twice. */
  async down(): Promise<void> {
    if (!liveClusters.delete(this)) return;
    try {
      await this.tool('cluster-down');
    } catch (error) {
      process.stderr.write(`${(error as Error).message}\n`);
    }
  }
}
