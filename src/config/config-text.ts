/**
 * The text of /zookeeper/config, as ZooKeeper writes it and as clients (zkCli `config`,
 * Curator's EnsembleTracker) parse it: one `server.N=host:peer:election:role;clientHost:port`
 * line per member, then `version=<hex zxid>`. Also the server lists of a reconfig request
 * (comma- or newline-separated `server.N=...` entries, or bare ids to leave).
 */
import {
  formatServer,
  parseServerId,
  parseServerSpec,
  type EnsembleServer,
} from './config-ensemble.js';

export interface ConfigData {
  servers: EnsembleServer[];
  /** The zxid of the config change that wrote it (ZooKeeper's config id). */
  version: number;
}

/** The server lines, sorted by id, each ending in a newline (the version line follows). */
export function formatServerLines(servers: readonly EnsembleServer[]): string {
  return [...servers]
    .sort((a, b) => a.id - b.id)
    .map((server) => {
      // ZooKeeper always names the client address; an unset host listens everywhere.
      const shown = server.clientPort === undefined ? server : withClientHost(server);
      return `server.${server.id}=${formatServer(shown)}\n`;
    })
    .join('');
}

function withClientHost(server: EnsembleServer): EnsembleServer {
  return { ...server, clientHost: server.clientHost ?? '0.0.0.0' };
}

/** Parses the node's data; null when it holds no configuration yet. */
export function parseConfigData(data: string | null): ConfigData | null {
  if (data === null || data.trim() === '') return null;
  const parsed = parseServerList(data.replace(/^version=.*$/m, ''));
  if (typeof parsed === 'string') return null;
  const version = /^version=([0-9a-f]+)$/m.exec(data)?.[1];
  return { servers: parsed, version: version === undefined ? 0 : parseInt(version, 16) };
}

/** `server.N=spec` entries separated by commas or newlines; or why they are malformed. */
export function parseServerList(text: string): EnsembleServer[] | string {
  const servers: EnsembleServer[] = [];
  for (const raw of text.split(/[,\n]/)) {
    const entry = raw.trim();
    if (entry === '') continue;
    const match = /^server\.([^=]+)=(.*)$/.exec(entry);
    if (match === null) return `'${entry}' is not a server.N=... entry`;
    const id = parseServerId(match[1] ?? '');
    if (id === undefined) return `'${match[1]}' is not a server id (1..254)`;
    if (servers.some((s) => s.id === id)) return `server.${id} is given twice`;
    const server = parseServerSpec(id, match[2] ?? '');
    if (typeof server === 'string') return `server.${id}: ${server}`;
    servers.push(server);
  }
  return servers;
}

/** Comma-separated server ids (the leaving list); or why they are malformed. */
export function parseIdList(text: string): number[] | string {
  const ids: number[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const id = parseServerId(entry);
    if (id === undefined) return `'${entry}' is not a server id`;
    ids.push(id);
  }
  return ids;
}
