#!/usr/bin/env node
/**
 * The `warren` command. `warren server` runs a standalone server: with no arguments it uses
 * embedded defaults (client port 2181, data in ./data); `--config zoo.cfg` reads an existing
 * ZooKeeper configuration; flags override both.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import {
  ConfigError,
  applyFlags,
  defaultConfig,
  loadZooCfg,
  validateConfig,
  KNOWN_FOUR_LETTER_WORDS,
  type ServerConfig,
} from '../config/config.js';
import { nodeEnvironment } from '../member/node-environment.js';
import type { PeerSecurity } from '../peer/peer-security.js';
import type { ClientSasl } from '../config/client-sasl.js';
import { loadClientSasl } from '../security/client-sasl.js';
import { loadAdminTls, type AdminTls } from '../security/admin-tls.js';
import { loadClientTls, type ClientTls } from '../security/client-tls.js';
import { loadPeerSecurity } from '../security/quorum-security.js';
import { startMember, type MemberHandle } from '../member/start-member.js';
import { runCluster } from './cluster.js';
import { registerBenchCommand } from './bench-command.js';
import { registerDataCommands } from './data-commands.js';
import { registerImportCommand } from './import-command.js';
import { registerMigrateCommand } from './migrate-command.js';
import { createLogger, logFormatOption, resolveLogFormat, type LogFormat } from './log-format.js';
import { logLevelOption, type LogLevel } from './log-options.js';
import { operatorListeners } from './operator-listeners.js';
import { stopWhenParentExits } from './parent-watch.js';
import { WARREN_VERSION } from '../server/four-letter.js';
import { runShellCli } from './shell/shell-cli.js';

interface ServerFlags {
  config?: string;
  port?: number;
  host?: string;
  dataDir?: string;
  dataLogDir?: string;
  tickTime?: number;
  fourLetterWords?: string;
  repairLog?: boolean;
  exitWithParent?: boolean;
  logLevel: LogLevel;
  logFormat?: LogFormat;
}

function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    throw new InvalidArgumentError('expected a port number (1..65535)');
  }
  return Number(value);
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) <= 0) {
    throw new InvalidArgumentError('expected a positive integer');
  }
  return Number(value);
}

function fourLetterSet(list: string): ReadonlySet<string> {
  if (list.trim() === '*') return new Set(KNOWN_FOUR_LETTER_WORDS);
  return new Set(
    list
      .split(',')
      .map((w) => w.trim())
      .filter((w) => w !== ''),
  );
}

interface BuiltConfig {
  config: ServerConfig;
  warnings: string[];
  peerSecurity: PeerSecurity;
  clientTls: ClientTls | null;
  clientSasl: ClientSasl | null;
  adminTls: AdminTls | null;
}

async function buildConfig(flags: ServerFlags): Promise<BuiltConfig> {
  const base = flags.config
    ? await loadZooCfg(flags.config)
    : { config: defaultConfig(), warnings: [], raw: new Map() };
  const overrides: Partial<ServerConfig> = {};
  if (flags.port !== undefined) overrides.clientPort = flags.port;
  if (flags.host !== undefined) overrides.clientPortAddress = flags.host;
  if (flags.dataDir !== undefined) overrides.dataDir = flags.dataDir;
  if (flags.dataLogDir !== undefined) overrides.dataLogDir = flags.dataLogDir;
  if (flags.tickTime !== undefined) overrides.tickTime = flags.tickTime;
  if (flags.fourLetterWords !== undefined) {
    overrides.fourLetterWords = fourLetterSet(flags.fourLetterWords);
  }
  const config = applyFlags(base.config, overrides);
  config.dataDir = resolve(config.dataDir);
  config.dataLogDir = resolve(config.dataLogDir);
  validateConfig(config);
  // Loaded even for a standalone server: a security setting is never dropped, and the
  // server may grow into an ensemble with the same file.
  const peerSecurity = await loadPeerSecurity(base.raw);
  const clientTls = await loadClientTls(config, base.raw);
  const clientSasl = await loadClientSasl(config, base.raw);
  const adminTls = config.adminEnabled ? await loadAdminTls(config, base.raw) : null;
  return { config, warnings: base.warnings, peerSecurity, clientTls, clientSasl, adminTls };
}

async function runServer(flags: ServerFlags): Promise<void> {
  const logger = createLogger(flags.logLevel, resolveLogFormat(flags.logFormat));
  let built: BuiltConfig;
  try {
    built = await buildConfig(flags);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`warren: invalid configuration: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  for (const warning of built.warnings) logger.warn(warning);
  const onFatal = (error: Error) => {
    logger.fatal({ err: error }, 'the server stops: restart it once the cause is fixed');
    process.exit(3);
  };
  let server: MemberHandle;
  const operators = operatorListeners(built.config, logger, built.adminTls, built.clientTls);
  try {
    const repairLog = flags.repairLog === true;
    const env = nodeEnvironment(
      logger,
      onFatal,
      built.peerSecurity,
      built.clientTls,
      built.clientSasl,
    );
    server = await startMember(built.config, { ...env, ...operators.events }, { repairLog });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`warren: invalid configuration: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  try {
    await operators.start(server);
  } catch (e) {
    // As ZooKeeper does when its metrics provider or AdminServer cannot start.
    logger.fatal({ err: e }, 'an HTTP listener (metrics or AdminServer) cannot start');
    await server.close();
    process.exit(2);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    Promise.all([operators.close(), server.close()]).then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (flags.exitWithParent === true && !stopWhenParentExits(stop)) {
    logger.warn('--exit-with-parent: no IPC channel to a parent; the flag has no effect');
  }
  // An operator (or a benchmark) can ask for a snapshot now, as ZooKeeper's admin `snap` does.
  process.on('SIGUSR2', () => {
    logger.info('SIGUSR2: taking a snapshot');
    server.snapshot().catch((e: unknown) => logger.error({ err: e }, 'snapshot failed'));
  });
}

const program = new Command();
program
  .name('warren')
  .description('A coordination service that speaks ZooKeeper')
  .version(WARREN_VERSION);
program
  .command('server')
  .description(
    'run a server: standalone by default (port 2181, data in ./data); an ensemble member ' +
      'when the config has server.N lines (and dataDir/myid)',
  )
  .option('-c, --config <file>', 'a ZooKeeper zoo.cfg to read')
  .option('-p, --port <port>', 'client port (default 2181)', port)
  .option('--host <address>', 'address to listen on (default 0.0.0.0)')
  .option('-d, --data-dir <dir>', 'snapshots (and the log unless --data-log-dir); default ./data')
  .option('--data-log-dir <dir>', 'transaction log directory (default: the data dir)')
  .option('--tick-time <ms>', 'base time unit in ms (default 2000)', positiveInt)
  .option('--4lw <words>', "four-letter words to enable, comma-separated or '*'")
  .option(
    '--repair-log',
    'drop a damaged end of the log and lower a commit index past it, logging what goes ' +
      '(default: refuse to start; docs/ensemble.md)',
  )
  .addOption(logLevelOption())
  .addOption(logFormatOption())
  // For warren cluster, which opens an IPC channel to each server (parent-watch.ts).
  .addOption(new Option('--exit-with-parent', 'stop when the parent process exits').hideHelp())
  .action(async (opts: Record<string, unknown>) => {
    await runServer({
      ...(opts as unknown as ServerFlags),
      fourLetterWords: opts['4lw'] as string | undefined,
    });
  });

program
  .command('cluster')
  .description('run a local ensemble on loopback for development (Ctrl-C stops it)')
  .option('-n, --size <n>', 'number of servers: 1, or 3 to 9 (3 or 5 are usual)', positiveInt, 3)
  .option('-p, --port <port>', 'client port of server 1; the others follow', port, 2181)
  .option('--peer-port <port>', 'peer port of server 1; the others follow', port, 2888)
  .option('-d, --data-dir <dir>', 'parent folder of the per-server data folders', './cluster-data')
  .option('--tick-time <ms>', 'base time unit in ms', positiveInt, 2000)
  .addOption(logLevelOption())
  .addOption(logFormatOption())
  .action(async (opts: Record<string, unknown>) => {
    process.exitCode = await runCluster({
      size: opts['size'] as number,
      clientPort: opts['port'] as number,
      peerPort: opts['peerPort'] as number,
      dataDir: resolve(opts['dataDir'] as string),
      tickTime: opts['tickTime'] as number,
      logLevel: opts['logLevel'] as LogLevel,
      logFormat: resolveLogFormat(opts['logFormat'] as LogFormat | undefined),
    });
  });

program
  .command('shell')
  .description('zkCli-compatible shell (-server host:port[/chroot] -timeout ms -c cmd)')
  .helpOption(false)
  .allowUnknownOption()
  .allowExcessArguments()
  .argument('[args...]', 'zkCli-style options, then an optional command')
  .action(async (args: string[]) => {
    process.exitCode = await runShellCli(args);
  });

registerImportCommand(program);

registerDataCommands(program);
registerMigrateCommand(program);
registerBenchCommand(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`warren: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
