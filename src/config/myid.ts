/**
 * The `myid` file in dataDir says which `server.N` line is this server, as in ZooKeeper. A
 * missing or malformed file, or an id the config does not list, stops start-up with a message
 * that says what to write where.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EnsembleServer } from './config-ensemble.js';
import { ConfigError } from './config-error.js';

export async function readMyId(dataDir: string, servers: readonly EnsembleServer[]) {
  const path = join(dataDir, 'myid');
  let text: string;
  try {
    text = await readFile(path, 'latin1');
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
