/**
 * `warren backup --server host:port --out FILE`: asks a running server's AdminServer for a
 * snapshot taken now (`snapshot?streaming=true`, ZooKeeper 3.9's command), writes it beside
 * FILE, verifies all of it (checksums, meta, tree digest) and only then gives it its name. A
 * snapshot is one consistent state: the tree as of one log index, on that member. Over
 * HTTPS (admin.forceHttps) with a CA file and, for admin.needClientAuth or x509 credentials,
 * a client certificate and key (admin-request.ts).
 */
import { open, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname, resolve } from 'node:path';
import { adminGet, readText, type AdminTlsFiles } from './admin-request.js';
import { ProgressLine } from './progress.js';
import { checkSnapshotFile, describeSnapshot } from './snapshot-check.js';

export interface BackupOptions {
  /** The AdminServer's host:port (admin.serverPort, 8080 by default). */
  readonly server: string;
  readonly out: string;
  /**
   * `user:password` for the digest scheme, or `x509` (the client certificate's subject): the
   * snapshot command needs ALL on /.
   */
  readonly auth: string;
  /** HTTPS (admin.forceHttps), with these PEM files. */
  readonly https: boolean;
  readonly tls: AdminTlsFiles;
  readonly commandUrl: string;
  readonly timeoutMs: number;
}

export class BackupError extends Error {}

export async function runBackup(options: BackupOptions): Promise<string> {
  const out = resolve(options.out);
  if (await exists(out)) throw new BackupError(`${out} exists; backup never overwrites a file`);
  const partial = `${out}.partial`;
  const response = await request(options);
  try {
    await download(response, partial, options.server);
    const checked = await checkSnapshotFile(partial);
    await rename(partial, out);
    await syncDirectory(dirname(out));
    return `backup of ${options.server} in ${out}: ${describeSnapshot({ ...checked, path: out })}`;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

async function request(options: BackupOptions): Promise<IncomingMessage> {
  const base = options.commandUrl.replace(/\/+$/, '');
  const scheme = options.https ? 'https' : 'http';
  const url = `${scheme}://${options.server}${base}/snapshot?streaming=true`;
  const authorization = options.auth === 'x509' ? 'x509' : `digest ${options.auth}`;
  let response: IncomingMessage;
  try {
    const headers = { Authorization: authorization };
    response = await adminGet(new URL(url), headers, options.tls, options.timeoutMs);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    const hint = options.https
      ? '; over HTTPS, --ca must name the CA of its ssl.quorum.keyStore, and with ' +
        'admin.needClientAuth --cert and --key a certificate its trust store accepts'
      : '; if it has admin.forceHttps=true, use --https (and --ca)';
    throw new BackupError(
      `cannot reach the AdminServer at ${url}: ${cause} (is admin.enableServer=true set, ` +
        `and is this its admin.serverAddress:admin.serverPort?${hint})`,
    );
  }
  if (
    response.statusCode === 200 &&
    response.headers['content-type'] === 'application/octet-stream'
  ) {
    return response;
  }
  const text = await readText(response);
  let reason = text.trim();
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    if (typeof error === 'string') reason = error;
  } catch {
    // not JSON: the text itself says it
  }
  throw new BackupError(
    `the AdminServer at ${options.server} answered ${response.statusCode}: ${reason}`,
  );
}

async function download(response: IncomingMessage, path: string, server: string) {
  const header = response.headers['snapshot_size'] ?? response.headers['content-length'];
  const size = Number(header);
  const progress = new ProgressLine(`backup from ${server}`, Number.isFinite(size) ? size : 0);
  const file = await open(path, 'wx');
  try {
    for await (const chunk of response) {
      const bytes = chunk as Uint8Array;
      await file.write(bytes);
      progress.advance(bytes.length);
    }
    await file.datasync();
  } finally {
    await file.close();
  }
  progress.finish();
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
