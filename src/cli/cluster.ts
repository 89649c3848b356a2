/**
 * `warren cluster`: a local ensemble on loopback in one command, for development and tests.
 * Writes one zoo.cfg and myid per server under the data folder (kept across runs, so a
 * restart resumes the same ensemble), starts each server as its own process (so one can be
 * killed alone), prefixes their output with the server's id, and on Ctrl-C stops them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LogFormat } from './log-format.js';
import type { LogLevel } from './log-options.js';

export interface ClusterOptions {
  size: number;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  tickTime: number;
  logLevel: LogLevel;
  /** Decided by the command (its own output's terminal), since each server writes to a pipe. */
  logFormat: LogFormat;
}

const clusterSizeMax = 9;

/** The zoo.cfg of server `id` (1-based) in a local ensemble. */
export function clusterConfig(options: ClusterOptions, id: number): string {
  const lines = [
    `tickTime=${options.tickTime}`,
    'initLimit=10',
    'syncLimit=5',
    `dataDir=${join(options.dataDir, `server${id}`)}`,
    `clientPort=${options.clientPort + id - 1}`,
    'clientPortAddress=127.0.0.1',
    '4lw.commands.whitelist=*',
  ];
  for (let n = 1; n <= options.size; n++) {
    const peer = options.peerPort + 2 * (n - 1);
    // The client host too: /zookeeper/config (the shell's `config`) shows where it listens.
    const client = `127.0.0.1:${options.clientPort + n - 1}`;
    lines.push(`server.${n}=127.0.0.1:${peer}:${peer + 1};${client}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Why `size` servers are refused, or null. Two are: a majority of two is both, so either
 * failing stops every write, which is worse than one server (ZooKeeper starts them; a hand-
 * written zoo.cfg still can). Even sizes above two only warn (see runCluster).
 */
export function sizeRefused(size: number): string | null {
  if (size === 2) {
    return (
      '--size 2 is refused: a majority of two is both servers, so it tolerates no failure ' +
      '(one server is as safe and simpler); use 3, which tolerates one'
    );
  }
  if (size < 1 || size > clusterSizeMax) return `--size must be 1, or 3..${clusterSizeMax}`;
  return null;
}

export async function runCluster(options: ClusterOptions): Promise<number> {
  const refused = sizeRefused(options.size);
  if (refused !== null) {
    process.stderr.write(`warren cluster: ${refused}\n`);
    return 2;
  }
  if (options.size % 2 === 0) {
    const tolerated = (options.size - 1) >> 1;
    process.stderr.write(
      `warren cluster: warning: ${options.size} servers tolerate ${tolerated} failure(s), ` +
        `as ${options.size - 1} do; an odd size is the usual choice\n`,
    );
  }
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const children: ChildProcess[] = [];
  for (let id = 1; id <= options.size; id++) {
    const dir = join(options.dataDir, `server${id}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'myid'), `${id}\n`);
    const cfg = join(dir, 'zoo.cfg');
    await writeFile(cfg, clusterConfig(options, id));
    // The IPC channel is how a server sees this process go, even by SIGKILL (parent-watch.ts).
    const args = [main, 'server', '--config', cfg, '--log-level', options.logLevel];
    args.push('--log-format', options.logFormat);
    const child = spawn(process.execPath, [...args, '--exit-with-parent'], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      const lines = createInterface({ input: stream });
      lines.on('line', (line) => process.stdout.write(`[server ${id}] ${line}\n`));
    }
    children.push(child);
  }
  const hosts = children.map((_, i) => `127.0.0.1:${options.clientPort + i}`).join(',');
  process.stdout.write(`warren cluster: ${options.size} servers; connect with ${hosts}\n`);
  return await new Promise<number>((resolve) => {
    let running = children.length;
    let stopping = false;
    let failed = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.stdout.write('warren cluster: stopping\n');
      for (const child of children) child.kill('SIGTERM');
    };
    for (const [i, child] of children.entries()) {
      child.on('exit', (code, signal) => {
        if (!stopping) {
          process.stdout.write(`warren cluster: server ${i + 1} exited (${code ?? signal})\n`);
          failed = true;
        }
        if (--running === 0) resolve(failed ? 1 : 0);
      });
    }
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
