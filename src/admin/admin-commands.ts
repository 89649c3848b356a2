/**
 * The AdminServer's commands: ZooKeeper 3.9's names and aliases (Commands.java) and its JSON
 * field names, answered from the running server. Each answer is an object to which the HTTP
 * layer adds `command` and `error`, as ZooKeeper's CommandResponse does.
 */
import { arch, hostname, platform, release, userInfo } from 'node:os';
import type { ServedState } from '../metrics/served-state.js';
import { monitorValues, VERSION_STRING } from '../server/four-letter.js';
import { connections, dump, watchesByPath, watchesBySession } from './admin-listings.js';
import { KEEPER_ADMIN_COMMANDS } from './admin-keeper-commands.js';

export interface AdminCommand {
  /** The primary name first, then ZooKeeper's aliases (the four-letter word among them). */
  readonly names: readonly string[];
  /** Needs an Authorization header with ALL on / (ZooKeeper's AuthRequest). */
  readonly authenticated?: boolean;
  /** Writes a snapshot: admin.snapshot.enabled and one a minute apply (as ZooKeeper's). */
  readonly gate?: 'snapshot';
  run(state: ServedState): object | Promise<object>;
}

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

function serverStats(state: ServedState): Record<string, unknown> {
  const { server } = state;
  const s = server.stats;
  let outstanding = 0;
  for (const c of server.connections) outstanding += c.outstanding;
  return {
    packets_sent: s.packetsSent,
    packets_received: s.packetsReceived,
    max_latency: s.latency.max,
    min_latency: s.latency.minOrZero,
    avg_latency: s.latency.mean,
    outstanding_requests: outstanding,
    last_processed_zxid: server.lastZxid,
    num_alive_client_connections: server.connections.size,
    server_state: server.writes.status().mode,
    uptime: server.runtime.now() - s.startedAt,
    auth_failed_count: s.authFailed,
  };
}

function summary(state: ServedState): Record<string, unknown> {
  return {
    version: VERSION_STRING,
    read_only: state.server.writes.status().mode === 'read-only',
    server_stats: serverStats(state),
    node_count: state.server.tree.nodeCount + 1, // ZooKeeper counts the root twice
  };
}

function configuration(state: ServedState): object {
  const c = state.server.config;
  return {
    client_port: c.clientPort ?? -1,
    secure_client_port: c.secureClientPort ?? -1,
    data_dir: c.dataDir,
    data_log_dir: c.dataLogDir,
    tick_time: c.tickTime,
    max_client_cnxns: c.maxClientCnxns,
    min_session_timeout: c.minSessionTimeout,
    max_session_timeout: c.maxSessionTimeout,
    server_id: state.member.alone ? 0 : Number(figure(state, 'server_id')),
    client_port_listen_backlog: -1,
  };
}

function environment(): object {
  const user = userInfo();
  return {
    'zookeeper.version': VERSION_STRING,
    'host.name': hostname(),
    'java.version': `node-${process.versions.node}`,
    'java.vendor': 'Warren',
    'os.name': platform(),
    'os.arch': arch(),
    'os.version': release(),
    'user.name': user.username,
    'user.home': user.homedir,
    'user.dir': process.cwd(),
  };
}

function figure(state: ServedState, name: string): string | number | undefined {
  return state.member.status().metrics.find(([key]) => key === name)?.[1];
}

function leader(state: ServedState): object {
  const id = Number(figure(state, 'leader_id') ?? 0);
  const server = state.member.reconfigurer.current().servers.find((s) => s.id === id);
  return {
    is_leader: state.member.leads,
    leader_id: id,
    leader_ip: server === undefined ? '' : server.host,
  };
}

function votingView(state: ServedState): object {
  if (state.member.alone) return { current_config: {} };
  const view: Record<string, unknown> = {};
  for (const s of state.member.reconfigurer.current().servers) {
    view[String(s.id)] = {
      addresses: [`${s.host}:${s.peerPort}`],
      election_addresses: [`${s.host}:${s.electionPort}`],
      client_address: s.clientPort === undefined ? '' : `${s.clientHost ?? s.host}:${s.clientPort}`,
      learner_type: s.role,
    };
  }
  return { current_config: view };
}

/** The newest snapshot on disk: Warren's zxids are log indexes, so its index is its zxid. */
function lastSnapshot(state: ServedState): object {
  const { index } = state.storage.snapshot().meta;
  return { zxid: index.toString(16), timestamp: -1 };
}

export const ADMIN_COMMANDS: readonly AdminCommand[] = [
  { names: ['ruok'], run: () => ({}) },
  { names: ['server_stats', 'srvr'], run: summary },
  {
    names: ['stats', 'stat'],
    run: (state) => ({ ...summary(state), ...connections(state) }),
  },
  {
    names: ['monitor', 'mntr'],
    run: (state) => Object.fromEntries(monitorValues(state.server)),
  },
  { names: ['configuration', 'conf', 'config'], run: configuration },
  { names: ['environment', 'env', 'envi'], run: environment },
  { names: ['connections', 'cons'], run: connections },
  {
    names: ['watch_summary', 'wchs'],
    run: (state) => {
      const s = state.server.watches.dataSummary();
      return { num_connections: s.sessions, num_paths: s.paths, num_total_watches: s.watches };
    },
  },
  { names: ['watches', 'wchc'], run: watchesBySession },
  { names: ['watches_by_path', 'wchp'], run: watchesByPath },
  { names: ['dump'], run: dump },
  {
    names: ['is_read_only', 'isro'],
    run: (state) => ({ read_only: state.server.writes.status().mode === 'read-only' }),
  },
  { names: ['leader', 'lead'], run: leader },
  { names: ['voting_view'], run: votingView },
  { names: ['last_snapshot', 'lsnp'], run: lastSnapshot },
  {
    names: ['stat_reset', 'srst'],
    run: (state) => {
      state.server.stats.reset();
      return {};
    },
  },
  { names: ['connection_stat_reset', 'crst'], run: () => ({}) },
  {
    names: ['snapshot', 'snap'],
    authenticated: true,
    gate: 'snapshot',
    // Taken now (or joined, if one is being written); not streamed: see docs/operations.md.
    run: async (state) => ({ last_zxid: hex(await state.snapshot()), streamed: false }),
  },
  // POSTed as in ZooKeeper 3.9; admin-restore.ts answers it.
  { names: ['restore', 'rest'], authenticated: true, run: () => ({}) },
  ...KEEPER_ADMIN_COMMANDS,
];

/** Name or alias → command. */
export const COMMAND_BY_NAME: ReadonlyMap<string, AdminCommand> = new Map(
  ADMIN_COMMANDS.flatMap((command) => command.names.map((name) => [name, command] as const)),
);
