/**
 * Four-letter words (protocol §19): plain-text commands sent instead of a handshake on a fresh
 * connection, answered in ZooKeeper's formats (monitoring tools parse them) and gated by
 * 4lw.commands.whitelist.
 */
import { readdirSync } from 'node:fs';
import { hostname, arch, platform, release, userInfo, freemem, totalmem } from 'node:os';
import { CLICKHOUSE_FOUR_LETTER_WORDS, KNOWN_FOUR_LETTER_WORDS } from '../config/config.js';
import type { Connection } from './connection.js';
import { VERSION_STRING } from './build-info.js';
import { configuration, dirSize } from './four-letter-conf.js';
import { KEEPER_WORDS, keeperWord } from './four-letter-keeper.js';
import type { WarrenServer } from './server.js';

export { VERSION_STRING, WARREN_VERSION } from './build-info.js';

const KNOWN: ReadonlySet<string> = new Set([
  ...KNOWN_FOUR_LETTER_WORDS,
  ...CLICKHOUSE_FOUR_LETTER_WORDS,
]);

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

/**
 * The reply for a four-letter word, or null when `word` is not one (a handshake). Listings
 * that grow with the state (cons, wchc, wchp, dump) are lazy lines, cut by time and size in
 * text-answer.ts.
 */
export function fourLetterWord(
  server: WarrenServer,
  word: string,
): string | Iterable<string> | null {
  if (!KNOWN.has(word)) return null;
  if (!server.config.fourLetterWords.has(word)) {
    return `${word} is not executed because it is not in the whitelist.\n`;
  }
  if (KEEPER_WORDS.has(word)) return keeperWord(server.writes.operations, word);
  switch (word) {
    case 'ruok':
      return 'imok';
    case 'isro':
      return server.writes.status().mode === 'read-only' ? 'ro' : 'rw';
    case 'srvr':
      return serverSummary(server, false);
    case 'stat':
      return serverSummary(server, true);
    case 'mntr':
      return monitor(server);
    case 'conf':
      return configuration(server);
    case 'cons':
      return connectionLines(server);
    case 'envi':
      return environment();
    case 'wchs': {
      const s = server.watches.dataSummary();
      return `${s.sessions} connections watching ${s.paths} paths\nTotal watches:${s.watches}\n`;
    }
    case 'wchc':
      return watchesByConnection(server);
    case 'wchp':
      return watchesByPath(server);
    case 'dirs':
      return directories(server);
    case 'crst':
      return 'Connection stats reset.\n';
    case 'srst':
      server.stats.reset();
      return 'Server stats reset.\n';
    case 'dump':
      return dump(server);
    case 'gtmk':
      return '0';
    default:
      return `${word} is not supported by Warren.\n`;
  }
}

function* connectionLines(server: WarrenServer): Generator<string> {
  for (const c of server.connections) yield connectionLine(c, true) + '\n';
  yield '\n';
}

function connectionLine(c: Connection, full: boolean): string {
  const base =
    ` /${c.remoteAddress}:${c.remotePort}[1](queued=${c.outstanding},` +
    `recved=${c.packetsReceived},sent=${c.packetsSent}`;
  if (!full || c.session === null) return base + ')';
  const avg = Math.round(c.latency.mean);
  const min = c.latency.minOrZero;
  return (
    base +
    `,sid=${hex(c.session.id)},lop=${c.lastOp.toUpperCase()},est=${c.establishedAt}` +
    `,to=${c.timeoutMs},lcxid=${hex(c.lastCxid)},lzxid=${hex(c.lastZxid)}` +
    `,lresp=${c.lastResponseAt},llat=0,minlat=${min},avglat=${avg},maxlat=${c.latency.max})`
  );
}

function serverSummary(server: WarrenServer, withClients: boolean): string {
  const s = server.stats;
  const lines = [`Zookeeper version: ${VERSION_STRING}`];
  if (withClients) {
    lines.push('Clients:');
    for (const c of server.connections) lines.push(connectionLine(c, false));
    lines.push('');
  }
  lines.push(
    `Latency min/avg/max: ${s.latency.minOrZero}/${javaDouble(s.latency.mean)}/${s.latency.max}`,
    `Received: ${s.packetsReceived}`,
    `Sent: ${s.packetsSent}`,
    `Connections: ${server.connections.size}`,
    `Outstanding: ${[...server.connections].reduce((n, c) => n + c.outstanding, 0)}`,
    `Zxid: ${hex(server.lastZxid)}`,
    `Mode: ${server.writes.status().mode}`,
    `Node count: ${zooKeeperNodeCount(server)}`,
  );
  return lines.join('\n') + '\n';
}

/** Java's Double.toString for the values we print: integers keep a '.0'. */
function javaDouble(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

/** ZooKeeper's node count includes the root twice (as '' and '/'); tools compare it. */
function zooKeeperNodeCount(server: WarrenServer): number {
  return server.tree.nodeCount + 1;
}

function monitor(server: WarrenServer): string {
  return (
    monitorValues(server)
      .map(([k, v]) => `zk_${k}\t${v}`)
      .join('\n') + '\n'
  );
}

/** mntr's figures, without the zk_ prefix (the AdminServer's `monitor` answers them too). */
export function monitorValues(server: WarrenServer): [string, string | number][] {
  const s = server.stats;
  const status = server.writes.status();
  const summary = server.watches.dataSummary();
  let ephemerals = 0;
  for (const set of server.tree.ephemerals.values()) ephemerals += set.size;
  const metrics: [string, string | number][] = [
    ['version', VERSION_STRING],
    ['server_state', status.mode],
    ['avg_latency', javaDouble(s.latency.mean)],
    ['max_latency', s.latency.max],
    ['min_latency', s.latency.minOrZero],
    ['packets_received', s.packetsReceived],
    ['packets_sent', s.packetsSent],
    ['num_alive_connections', server.connections.size],
    ['outstanding_requests', [...server.connections].reduce((n, c) => n + c.outstanding, 0)],
    ['uptime', server.runtime.now() - s.startedAt],
    ['znode_count', zooKeeperNodeCount(server)],
    ['watch_count', server.watches.watchCount],
    ['data_watch_count', summary.watches],
    ['warren_watch_bytes', server.watches.watchBytes],
    ['warren_watches_refused', server.watches.refusedForBytes],
    ['ephemerals_count', ephemerals],
    ['approximate_data_size', server.tree.dataBytes],
    ['global_sessions', server.sessions.size],
    ['local_sessions', 0],
    ['open_file_descriptor_count', openFileDescriptors()],
    ['max_file_descriptor_count', 1048576],
    ['connection_drop_probability', '0.0'],
    ['auth_failed_count', s.authFailed],
    ['connection_rejected', s.connectionsRejected],
    ['warren_sessions_refused_per_address', s.sessionsRefused],
    ['warren_oversized_replies', s.oversizedReplies],
    ['last_proposal_size', -1],
    ...status.metrics,
    ['heap_used_bytes', process.memoryUsage().heapUsed],
  ];
  return metrics;
}

function openFileDescriptors(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

function environment(): string {
  const user = userInfo();
  const lines = [
    'Environment:',
    `zookeeper.version=${VERSION_STRING}`,
    `host.name=${hostname()}`,
    `java.version=node-${process.versions.node}`,
    `java.vendor=Warren`,
    `java.home=${process.execPath}`,
    `java.class.path=`,
    `java.library.path=`,
    `java.io.tmpdir=${process.env['TMPDIR'] ?? '/tmp'}`,
    `java.compiler=<NA>`,
    `os.name=${platform()}`,
    `os.arch=${arch()}`,
    `os.version=${release()}`,
    `user.name=${user.username}`,
    `user.home=${user.homedir}`,
    `user.dir=${process.cwd()}`,
    `os.memory.free=${Math.round(freemem() / 1048576)}MB`,
    `os.memory.max=${Math.round(totalmem() / 1048576)}MB`,
    `os.memory.total=${Math.round(process.memoryUsage().rss / 1048576)}MB`,
  ];
  return lines.join('\n') + '\n';
}

function directories(server: WarrenServer): string {
  const c = server.config;
  return `datadir_size: ${dirSize(c.dataDir)}\nlogdir_size: ${dirSize(c.dataLogDir)}\n`;
}

function* watchesByConnection(server: WarrenServer): Generator<string> {
  for (const session of server.sessions.all()) {
    let first = true;
    for (const path of server.watches.watchedBy(session.id)) {
      if (first) yield `${hex(session.id)}\n`;
      first = false;
      yield `\t${path}\n`;
    }
  }
  yield '\n';
}

function* watchesByPath(server: WarrenServer): Generator<string> {
  for (const path of server.watches.watchedPaths()) {
    yield `${path}\n`;
    for (const sessionId of server.watches.watchersOf(path)) yield `\t${hex(sessionId)}\n`;
  }
  yield '\n';
}

function* dump(server: WarrenServer): Generator<string> {
  yield `SessionTracker dump:\nGlobal Sessions(${server.sessions.size}):\n`;
  for (const s of server.sessions.all()) yield `${hex(s.id)}\t${s.timeoutMs}ms\n`;
  const ephemerals = server.tree.ephemerals;
  yield `ephemeral nodes dump:\nSessions with Ephemerals (${ephemerals.size}):\n`;
  for (const [id, paths] of ephemerals) {
    yield `${hex(id)}:\n`;
    for (const path of paths) yield `\t${path}\n`;
  }
  yield 'Connections dump:\n';
}
