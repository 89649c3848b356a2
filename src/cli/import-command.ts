/**
 * `warren import`: turns a stopped ZooKeeper's data directory into a new Warren data
 * directory (src/import/zk-import.ts; docs/operations.md, "Moving off ZooKeeper: import").
 */
import { InvalidArgumentError, type Command } from 'commander';
import { resolve } from 'node:path';
import { SNAP_RETAIN_COUNT_MIN } from '../config/config-fields.js';
import { ImportError } from '../import/import-error.js';
import { importZooKeeper } from '../import/zk-import.js';
import { createLogger, logFormatOption, resolveLogFormat, type LogFormat } from './log-format.js';
import { logLevelOption, type LogLevel } from './log-options.js';

interface ImportFlags {
  zookeeperDataDir: string;
  zookeeperDataLogDir?: string;
  dataDir: string;
  dataLogDir?: string;
  serverId: number;
  ignoreDigest?: boolean;
  logLevel: LogLevel;
  logFormat?: LogFormat;
}

function serverId(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 255) {
    throw new InvalidArgumentError('expected a server id (1..255)');
  }
  return Number(value);
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      "make a new Warren data directory from a stopped ZooKeeper's data directory " +
        '(snapshots and logs of 3.4 to 3.9: tree, ACLs, sessions, ephemerals, zxids)',
    )
    .requiredOption('--zookeeper-data-dir <dir>', "ZooKeeper's dataDir (holding version-2/)")
    .option('--zookeeper-data-log-dir <dir>', "ZooKeeper's dataLogDir, if it had one apart")
    .requiredOption('-d, --data-dir <dir>', 'the new Warren data directory (absent or empty)')
    .option('--data-log-dir <dir>', 'the new Warren log directory (default: the data dir)')
    .option('--server-id <id>', 'the server it is for (a standalone server is 1)', serverId, 1)
    .option('--ignore-digest', 'import even when the tree digest differs from the recorded one')
    .addOption(logLevelOption())
    .addOption(logFormatOption())
    .action(async (opts: ImportFlags) => {
      process.exitCode = await runImport(opts);
    });
}

async function runImport(flags: ImportFlags): Promise<number> {
  const logger = createLogger(flags.logLevel, resolveLogFormat(flags.logFormat));
  const dataDir = resolve(flags.dataDir);
  try {
    const summary = await importZooKeeper({
      zooKeeperDataDir: resolve(flags.zookeeperDataDir),
      zooKeeperDataLogDir:
        flags.zookeeperDataLogDir === undefined ? undefined : resolve(flags.zookeeperDataLogDir),
      dataDir,
      dataLogDir: resolve(flags.dataLogDir ?? flags.dataDir),
      serverId: flags.serverId,
      snapRetainCount: SNAP_RETAIN_COUNT_MIN,
      ignoreDigest: flags.ignoreDigest === true,
      logger,
    });
    logger.info(
      { ...summary, zxid: `0x${summary.zxid.toString(16)}` },
      `imported: ${summary.nodes} znodes, ${summary.sessions} sessions, last zxid ` +
        `0x${summary.zxid.toString(16)}; start Warren with --data-dir ${dataDir}`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof ImportError)) throw error;
    logger.error(`import failed: ${error.message}`);
    return 1;
  }
}
