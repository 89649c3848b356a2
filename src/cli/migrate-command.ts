/**
 * `warren migrate --from ZKHOSTS --to WARRENHOSTS`: moves a live ZooKeeper's tree into Warren
 * (src/migrate/migrate.ts; docs/operations.md, "Moving off ZooKeeper: migrate"). Exit code 0
 * when the trees match at the end, 1 when verify found differences, 2 when it stopped.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { resolve } from 'node:path';
import { formatDifference } from '../migrate/diff.js';
import { MigrateError } from '../migrate/migrate-error.js';
import { CONCURRENCY_MAX, migrate, type MigrateSummary } from '../migrate/migrate.js';
import { createLogger, logFormatOption, resolveLogFormat, type LogFormat } from './log-format.js';
import { logLevelOption, type LogLevel } from './log-options.js';

interface MigrateFlags {
  from: string;
  to: string;
  fromAuth: string[];
  toAuth: string[];
  fromDataDir?: string;
  fromDataLogDir?: string;
  once?: boolean;
  untilSignal?: boolean;
  overwrite?: boolean;
  concurrency: number;
  sessionTimeout: number;
  syncInterval: number;
  logLevel: LogLevel;
  logFormat?: LogFormat;
}

function bounded(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`expected an integer in ${min}..${max}`);
    }
    return Number(value);
  };
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description(
      "move a live ZooKeeper's tree into Warren over the client protocol, keep it in sync " +
        'until cut-over, and verify (docs/operations.md)',
    )
    .requiredOption('--from <hosts>', 'the ZooKeeper to read: host:port[,host:port][/chroot]')
    .requiredOption('--to <hosts>', 'the Warren to write: host:port[,host:port][/chroot]')
    .option('--from-auth <scheme:credentials>', 'addAuth on the source (repeatable)', collect, [])
    .option('--to-auth <scheme:credentials>', 'addAuth on the target (repeatable)', collect, [])
    .option('--from-data-dir <dir>', "ZooKeeper's dataDir, read for container and TTL types")
    .option('--from-data-log-dir <dir>', "ZooKeeper's dataLogDir, if apart from its dataDir")
    .option('--once', 'copy, verify and exit')
    .option('--until-signal', 'copy, then replay changes until SIGINT/SIGTERM, then verify')
    .option('--overwrite', 'the target may hold nodes: make them match (extras are deleted)')
    .option('--concurrency <n>', 'nodes in flight', bounded(1, CONCURRENCY_MAX), 64)
    .option('--session-timeout <ms>', 'both sessions', bounded(4_000, 120_000), 30_000)
    .option('--sync-interval <ms>', 'how often changes are replayed', bounded(10, 60_000), 200)
    .addOption(logLevelOption())
    .addOption(logFormatOption())
    .action(async (flags: MigrateFlags) => {
      process.exitCode = await runMigrate(flags);
    });
}

async function runMigrate(flags: MigrateFlags): Promise<number> {
  const logger = createLogger(flags.logLevel, resolveLogFormat(flags.logFormat));
  if (flags.once === flags.untilSignal) {
    logger.error('give exactly one of --once and --until-signal');
    return 2;
  }
  let until: AbortController | null = null;
  if (flags.untilSignal === true) {
    const controller = new AbortController();
    const cutOver = (): void => controller.abort();
    process.once('SIGINT', cutOver);
    process.once('SIGTERM', cutOver);
    until = controller;
  }
  try {
    const summary = await migrate({
      from: flags.from,
      to: flags.to,
      fromAuth: flags.fromAuth,
      toAuth: flags.toAuth,
      sourceFiles:
        flags.fromDataDir === undefined
          ? null
          : {
              dataDir: resolve(flags.fromDataDir),
              dataLogDir:
                flags.fromDataLogDir === undefined ? undefined : resolve(flags.fromDataLogDir),
            },
      until: until?.signal ?? null,
      overwrite: flags.overwrite === true,
      concurrency: flags.concurrency,
      sessionTimeoutMs: flags.sessionTimeout,
      syncIntervalMs: flags.syncInterval,
      logger,
      progress: (line) => logger.info(line),
    });
    process.stdout.write(summaryText(summary, flags.fromDataDir !== undefined));
    return summary.verify.count === 0 ? 0 : 1;
  } catch (error) {
    if (!(error instanceof MigrateError)) throw error;
    logger.error(`migrate stopped: ${error.message}`);
    return 2;
  }
}

function summaryText(s: MigrateSummary, typesRead: boolean): string {
  const r = s.report;
  const lines = [
    `copied: ${s.copied} nodes in ${s.copySeconds.toFixed(1)} s (${s.nodesPerSecond} nodes/s)`,
    `sync: ${r.events} events, ${s.replayed} paths replayed, ${r.rescans} whole-tree passes`,
    `target: ${r.created} created, ${r.updated} updated, ${r.deleted} deleted; ` +
      `${r.countersAdvanced} sequence counters advanced (${r.counterCreations} creations)`,
    `ephemerals not carried: ${r.ephemerals.size + r.ephemeralsUnlisted}`,
  ];
  for (const [path, owner] of r.ephemerals) {
    lines.push(`  ephemeral ${path} (session 0x${BigInt.asUintN(64, owner).toString(16)})`);
  }
  if (r.ephemeralsUnlisted > 0) lines.push(`  ... and ${r.ephemeralsUnlisted} more`);
  if (!typesRead) {
    lines.push('types: no --from-data-dir: containers and TTL nodes were copied as persistent');
  }
  const v = s.verify;
  if (s.repaired > 0) lines.push(`verify: ${s.repaired} differences repaired`);
  lines.push(
    v.count === 0
      ? `verify: the trees match (${v.compared} nodes compared)`
      : `verify: ${v.count} differences (${v.compared} nodes compared)`,
  );
  for (const d of v.differences) lines.push(`  ${formatDifference(d)}`);
  if (v.count > v.differences.length)
    lines.push(`  ... and ${v.count - v.differences.length} more`);
  return `${lines.join('\n')}\n`;
}
