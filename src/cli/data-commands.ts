/**
 * The data directory commands, registered on the `warren` program: `backup` (from a running
 * server's AdminServer), `restore` (into an empty data directory) and `inspect` (read only).
 * Kept apart from main.ts, which only calls registerDataCommands.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { runBackup } from './backup.js';
import { inspectDataDir } from './inspect.js';
import { runRestore } from './restore.js';
import { compareSnapshots } from './snapshot-compare.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/** The storage layer's warnings, as plain lines on stderr (no server logger here). */
const storageLogger = {
  warn: (fields: Record<string, unknown>, message: string) =>
    err(`warning: ${message} ${JSON.stringify(fields)}`),
};

function serverId(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 255) {
    throw new InvalidArgumentError('expected a server id (1..255)');
  }
  return Number(value);
}

function milliseconds(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) <= 0) {
    throw new InvalidArgumentError('expected a positive number of milliseconds');
  }
  return Number(value);
}

export function registerDataCommands(program: Command): void {
  registerBackup(program);
  registerRestore(program);
  registerInspect(program);
}

function registerBackup(program: Command): void {
  program
    .command('backup')
    .description("save a consistent snapshot of a running server (its AdminServer's snapshot)")
    .requiredOption('-s, --server <host:port>', "the server's AdminServer (admin.serverPort)")
    .requiredOption('-o, --out <file>', 'the file to write (never overwritten)')
    .option(
      '--auth <user:password|x509>',
      'digest credentials with ALL on /, or x509: the --cert subject (default: $WARREN_ADMIN_AUTH)',
    )
    .option('--https', 'the AdminServer speaks HTTPS (admin.forceHttps)')
    .option('--ca <file>', "PEM CA certificate(s) of the server's certificate (implies --https)")
    .option('--cert <file>', 'PEM client certificate, for admin.needClientAuth or x509 (--https)')
    .option('--key <file>', 'PEM key of --cert')
    .option('--command-url <path>', 'admin.commandURL of the server', '/commands')
    .option('--timeout <ms>', 'give up after this long', milliseconds, 600_000)
    .action(async (opts: Record<string, unknown>) => {
      const auth = (opts['auth'] as string | undefined) ?? process.env['WARREN_ADMIN_AUTH'];
      if (auth === undefined || (auth !== 'x509' && !auth.includes(':'))) {
        throw new Error(
          'backup needs --auth user:password or --auth x509 (or WARREN_ADMIN_AUTH): the ' +
            'snapshot command takes credentials with ALL permission on / (docs/operations.md)',
        );
      }
      const tls = {
        ca: opts['ca'] as string | undefined,
        cert: opts['cert'] as string | undefined,
        key: opts['key'] as string | undefined,
      };
      if (auth === 'x509' && tls.cert === undefined) {
        throw new Error('--auth x509 needs --cert and --key: the certificate is the identity');
      }
      const https = opts['https'] === true || Object.values(tls).some((f) => f !== undefined);
      const summary = await runBackup({
        server: opts['server'] as string,
        out: opts['out'] as string,
        auth,
        https,
        tls,
        commandUrl: opts['commandUrl'] as string,
        timeoutMs: opts['timeout'] as number,
      });
      out(summary);
    });
}

function registerRestore(program: Command): void {
  program
    .command('restore')
    .description(
      'prepare an empty data directory from a backup, for a standalone server or an ensemble’s first member',
    )
    .requiredOption('-f, --from <file>', 'a backup (warren backup) or a snapshot file')
    .requiredOption('-d, --data-dir <dir>', 'the data directory to create (must be empty)')
    .option('--data-log-dir <dir>', 'the transaction log directory (default: the data dir)')
    .option('--myid <id>', 'the server id it is for (a standalone server is 1)', serverId, 1)
    .action(async (opts: Record<string, unknown>) => {
      const dataLogDir = opts['dataLogDir'] as string | undefined;
      const summary = await runRestore(
        {
          from: opts['from'] as string,
          dataDir: opts['dataDir'] as string,
          ...(dataLogDir === undefined ? {} : { dataLogDir }),
          myid: opts['myid'] as number,
        },
        storageLogger,
      );
      out(summary);
    });
}

function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description("print a data directory's snapshots and log records, or compare two snapshots")
    .option('-d, --data-dir <dir>', 'the data directory to read')
    .option('--data-log-dir <dir>', 'its transaction log directory (default: the data dir)')
    .option('--no-log', 'print the snapshots only')
    .option('--compare <files...>', 'two snapshot files: print the paths where they differ')
    .action(async (opts: Record<string, unknown>) => {
      const compare = opts['compare'] as string[] | undefined;
      if (compare !== undefined) {
        const [a, b] = compare;
        if (compare.length !== 2 || a === undefined || b === undefined) {
          throw new Error('--compare takes two snapshot files');
        }
        const result = await compareSnapshots(a, b, out);
        process.exitCode = result.onlyA + result.onlyB + result.differ === 0 ? 0 : 1;
        return;
      }
      const dataDir = opts['dataDir'] as string | undefined;
      if (dataDir === undefined) throw new Error('inspect needs --data-dir DIR or --compare A B');
      const dataLogDir = opts['dataLogDir'] as string | undefined;
      const options = {
        dataDir,
        ...(dataLogDir === undefined ? {} : { dataLogDir }),
        log: opts['log'] !== false,
      };
      const damaged = await inspectDataDir(options, out, err);
      if (damaged > 0) process.exitCode = 1;
    });
}
