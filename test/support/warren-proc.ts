/**
 * Starts Warren's compiled CLI (`node dist/src/cli/main.js server`) on 127.0.0.1 with a temp
 * data dir and a free port, and waits until a raw ZooKeeper handshake succeeds (no four-letter
 * word is assumed to be enabled). A dataDir and port can be passed back in to restart a
 * SIGKILLed server on the same state, for crash tests:
 *   const a = await startWarren(); await a.kill('SIGKILL');
 *   const b = await startWarren({ dataDir: a.dataDir, port: a.port });
 * (a's temp dir is removed by a.stop() or when the test process exits, so stop b first.)
 * No test-framework imports: bench/ uses this too.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeHandshake } from './handshake.js';
import { LOOPBACK_HOST } from './ports.js';
import {
  launchServer,
  readyOrStopped,
  spawnServer,
  type RunningServer,
  type ServerProcess,
} from './server-process.js';

export type { RunningServer } from './server-process.js';

/** dist/test/support → dist/src/cli/main.js */
export const WARREN_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const PROBE_TIMEOUT_MS = 2_000;

export interface WarrenOptions {
  /** Reuse a data dir (restart after kill); it is never removed by this launcher. */
  dataDir?: string;
  /** Reuse a port (restart after kill); by default a free one is picked. */
  port?: number;
  /** More CLI arguments after `server --port P --data-dir D --host 127.0.0.1`. */
  args?: string[];
  /**
   * zoo.cfg lines, with ZooKeeper's key spellings (`extendedTypesEnabled`,
   * `znode.container.checkIntervalMs`, `DigestAuthenticationProvider.superDigest`, ...):
   * written to a file in the temp dir and passed as `--config`; the flags above win.
   */
  config?: Record<string, string>;
  /** Added to (and overriding) this process's environment. */
  env?: Record<string, string>;
  /** Keep the temp dir (data and log) this launcher creates when the server stops. */
  keepDataDir?: boolean;
  readyTimeoutMs?: number;
}

export function warrenBuilt(): boolean {
  return existsSync(WARREN_MAIN);
}

export const WARREN_NOT_BUILT_REASON =
  `Warren's CLI is not built: ${WARREN_MAIN} does not exist. Run \`npx tsc -p .\`; ` +
  'if src/cli/main.ts does not exist yet, the Warren server has not been written.';

function zooCfgText(config: Record<string, string>): string {
  return Object.entries(config)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}

function launch(
  rootDir: string,
  dataDir: string,
  port: number,
  opts: WarrenOptions,
): Promise<ServerProcess> {
  const args = [WARREN_MAIN, 'server', '--port', String(port), '--data-dir', dataDir];
  args.push('--host', LOOPBACK_HOST);
  if (opts.config !== undefined) {
    const configFile = join(rootDir, 'zoo.cfg');
    writeFileSync(configFile, zooCfgText(opts.config));
    args.push('--config', configFile);
  }
  args.push(...(opts.args ?? []));
  const proc = spawnServer(process.execPath, args, {
    logFile: join(rootDir, 'warren.log'),
    env: { ...process.env, ...opts.env },
  });
  const probe = async (): Promise<boolean> => {
    await probeHandshake(LOOPBACK_HOST, port, PROBE_TIMEOUT_MS);
    return true;
  };
  const what = `Warren (pid ${proc.pid}: node ${args.join(' ')})`;
  return readyOrStopped(proc, what, probe, opts.readyTimeoutMs ?? READY_TIMEOUT_MS);
}

export async function startWarren(opts: WarrenOptions = {}): Promise<RunningServer> {
  if (!warrenBuilt()) throw new Error(WARREN_NOT_BUILT_REASON);
  return launchServer({
    tempPrefix: 'warren-proc-',
    dataDir: opts.dataDir,
    port: opts.port,
    keepDataDir: opts.keepDataDir,
    isBindFailure: (error) =>
      error instanceof Error && /EADDRINUSE|address already in use/i.test(error.message),
    launch: (rootDir, dataDir, port) => launch(rootDir, dataDir, port, opts),
  });
}
