/**
 * The `myid` file in dataDir says which `server.N` line is this server, as in ZooKeeper. A
 * missing or malformed file, or an id the config does not list, stops start-up with a message
 * that says what to write where.
 */
import { join } from 'node:path';
import type { EnsembleServer } from './config-ensemble.js';
import { ConfigError } from './config-error.js';

/** Reads a file as text (the member's disk, so that the simulator can run this too). */
export type ReadText = (path: string) => Promise<string>;

export async function readMyId(
  dataDir: string,
  servers: readonly EnsembleServer[],
  readText: ReadText,
) {
  const path = join(dataDir, 'myid');
  let text: string;
  try {
    text = await readText(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}: an ` +
        `ensemble member needs it, holding the N of its server.N line ` +
        `(one of ${servers.map((s) => s.id).join(', ')})`,
      'myid',
    );
  }
  const trimmed = text.trim();
  const id = /^\d{1,3}$/.test(trimmed) ? Number(trimmed) : NaN;
  const self = servers.find((server) => server.id === id);
  if (self === undefined) {
    throw new ConfigError(
      `${path} holds '${trimmed.slice(0, 20)}', which is not the id of a server.N line ` +
        `(expected one of ${servers.map((s) => s.id).join(', ')})`,
      'myid',
    );
  }
  return self;
}
