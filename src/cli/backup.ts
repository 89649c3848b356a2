/**
 * `warren backup --server host:port --out FILE`: asks a running server's AdminServer for a
 * snapshot taken now (`snapshot?streaming=true`, ZooKeeper 3.9's command), writes it beside
 * FILE, verifies all of it (checksums, meta, tree digest) and only then gives it its name. A
 * snapshot is one consistent state: the tree as of one log index, on that member.
 */
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ProgressLine } from './progress.js';
import { checkSnapshotFile, describeSnapshot } from './snapshot-check.js';

export interface BackupOptions {
  /** The AdminServer's host:port (admin.serverPort, 8080 by default). */
  readonly server: string;
  readonly out: string;
  /** `user:password` for the digest scheme: the snapshot command needs ALL on /. */
  readonly auth: string;
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

async function request(options: BackupOptions): Promise<Response> {
  const base = options.commandUrl.replace(/\/+$/, '');
  const url = `http://${options.server}${base}/snapshot?streaming=true`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { Authorization: `digest ${options.auth}` },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new BackupError(
      `cannot reach the AdminServer at ${url}: ${cause} (is admin.enableServer=true set, ` +
        'and is this its admin.serverAddress:admin.serverPort?)',
    );
  }
  if (
    response.status === 200 &&
    response.headers.get('content-type') === 'application/octet-stream'
  ) {
    return response;
  }
  const text = await response.text();
  let reason = text.trim();
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    if (typeof error === 'string') reason = error;
  } catch {
    // not JSON: the text itself says it
  }
  throw new BackupError(
    `the AdminServer at ${options.server} answered ${response.status}: ${reason}`,
  );
}

async function download(response: Response, path: string, server: string): Promise<void> {
  const size = Number(
    response.headers.get('snapshot_size') ?? response.headers.get('content-length'),
  );
  const progress = new ProgressLine(`backup from ${server}`, Number.isFinite(size) ? size : 0);
  const file = await open(path, 'wx');
  try {
    if (response.body === null) throw new BackupError('the AdminServer sent no snapshot');
    for await (const chunk of response.body) {
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
