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
import type { LogLevel } from './log-options.js';

export interface ClusterOptions {
  size: number;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  tickTime: number;
  logLevel: LogLevel;
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

export async function runCluster(options: ClusterOptions): Promise<number> {
  if (options.size < 1 || options.size > clusterSizeMax) {
    process.stderr.write(`warren cluster: --size must be 1..${clusterSizeMax}\n`);
    return 2;
  }
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const children: ChildProcess[] = [];
  for (let id = 1; id <= options.size; id++) {
    const dir = join(options.dataDir, `server${id}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'myid'), `${id}\n`);
    const cfg = join(dir, 'zoo.cfg');
    await writeFile(cfg, clusterConfig(options, id));
    const child = spawn(
      process.execPath,
      [main, 'server', '--config', cfg, '--log-level', options.logLevel],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
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
