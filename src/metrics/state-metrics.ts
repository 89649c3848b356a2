/**
 * Metrics read from the running server when Prometheus scrapes: gauges of the state (nodes,
 * watches, sessions, connections, followers' lag) and counters the server already keeps at
 * its limits. Nothing is counted twice and nothing here runs between scrapes.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  ephemeralCount,
  memberFigures,
  outstandingRequests,
  zooKeeperNodeCount,
  type ServedState,
} from './served-state.js';

type Read = (state: ServedState) => number;
type Figures = Map<string, string | number>;

/** Gauges under ZooKeeper's names (ZooKeeperServer.registerMetrics, Leader's gauges). */
const ZOOKEEPER_GAUGES: ReadonlyArray<readonly [string, string, Read]> = [
  ['znode_count', 'Znodes in the tree', zooKeeperNodeCount],
  ['watch_count', 'Watches registered', (s) => s.server.watches.watchCount],
  ['ephemerals_count', 'Ephemeral znodes', ephemeralCount],
  ['approximate_data_size', 'Bytes of znode data and paths', (s) => s.server.tree.dataBytes],
  ['num_alive_connections', 'Open client connections', (s) => s.server.connections.size],
  ['outstanding_requests', 'Requests received and not answered', outstandingRequests],
  ['global_sessions', 'Sessions', (s) => s.server.sessions.size],
  ['uptime', 'Milliseconds since start', (s) => s.server.runtime.now() - s.server.stats.startedAt],
];

/** Warren's own gauges of its server-wide limits (server/request-throttle.ts, memory-guard.ts). */
const LIMIT_GAUGES: ReadonlyArray<readonly [string, string, Read]> = [
  [
    'warren_requests_in_process',
    'Requests started, not answered',
    (s) => s.server.throttle.inProcess,
  ],
  [
    'warren_throttled_connections',
    'Connections whose next request waits for the throttler or the memory bound',
    (s) => s.server.throttle.heldConnections,
  ],
  [
    'warren_memory_live_bytes',
    'Live memory as warren.memoryBytesMax counts it (0 when no bound is set)',
    (s) => s.server.memory.lastBytes,
  ],
  [
    'warren_memory_live_bytes_peak',
    'The most live memory warren.memoryBytesMax has seen since start',
    (s) => s.server.memory.peakBytes,
  ],
  [
    'warren_children_cache_bytes',
    'Bytes of encoded child lists kept for getChildren (ZooKeeper keeps the same cache)',
    (s) => s.server.children.cachedBytes,
  ],
  [
    'warren_memory_reads_held',
    '1 while warren.memoryBytesMax holds every client read',
    (s) => (s.server.memory.held ? 1 : 0),
  ],
];

/** Warren's own gauges from the member's status (mntr prints the same, with zk_). */
const MEMBER_GAUGES: ReadonlyArray<readonly [string, string, string]> = [
  ['learners', 'learners', 'Followers and observers (on the leader; 0 elsewhere)'],
  ['synced_followers', 'synced_followers', 'Followers within 1000 entries (leader)'],
  ['synced_non_voting_followers', 'synced_non_voting_followers', 'Observers in sync (leader)'],
  ['warren_raft_term', 'raft_term', 'Raft term'],
  ['warren_raft_commit_index', 'raft_commit_index', 'Highest committed log index'],
  ['warren_raft_applied_index', 'raft_applied_index', 'Highest applied log index'],
  ['warren_pending_writes', 'pending_writes', 'Writes proposed or forwarded, not yet applied'],
  ['warren_held_writes', 'held_writes', 'Writes held during an election'],
  ['warren_pending_syncs', 'pending_syncs', 'Syncs waiting for their barrier'],
  ['warren_log_failed', 'log_failed', '1 while the log cannot be written'],
];

/** Counters the server keeps (server/stats.ts, watch manager, Ready loop), read at scrape. */
const COUNTERS: ReadonlyArray<readonly [string, string, Read]> = [
  [
    'connection_rejected',
    'Connections refused: maxClientCnxns or warren.connectionsMax',
    (s) => s.server.stats.connectionsRejected,
  ],
  [
    'warren_sessions_refused_total',
    'New sessions refused by a per-address limit',
    (s) => s.server.stats.sessionsRefused,
  ],
  [
    'warren_watches_refused_total',
    'Watches refused by warren.watchBytesMax',
    (s) => s.server.watches.refusedForBytes,
  ],
  [
    'warren_output_budget_stalls_total',
    'Times a connection went over its output budget',
    (s) => s.server.stats.outputBudgetStalls,
  ],
  [
    'warren_stalled_connections_closed_total',
    'Connections closed after stalling too long',
    (s) => s.server.stats.stalledConnectionsClosed,
  ],
  [
    'warren_oversized_replies_total',
    'Replies over jute.maxbuffer not sent: their connections were closed instead',
    (s) => s.server.stats.oversizedReplies,
  ],
  [
    'warren_children_cache_hits_total',
    'getChildren replies sent from a kept encoded child list',
    (s) => s.server.children.hits,
  ],
  [
    'warren_children_builds_total',
    'Child lists encoded over several event-loop turns',
    (s) => s.server.children.builds,
  ],
  [
    'warren_memory_holds_total',
    'Times warren.memoryBytesMax stopped reading client requests',
    (s) => s.server.memory.holds,
  ],
  [
    'warren_memory_collections_total',
    'Full garbage collections run because live memory passed warren.memoryBytesMax',
    (s) => s.server.memory.collections,
  ],
  [
    'warren_global_outstanding_pauses_total',
    'Times a connection stopped being read for globalOutstandingLimit',
    (s) => s.server.throttle.globalPauses,
  ],
  [
    'warren_request_throttle_waits_total',
    'Times a request waited for requestThrottleLimit',
    (s) => s.server.throttle.waits,
  ],
  [
    'warren_stale_requests_dropped_total',
    'Connections closed: the throttler held their request past the session timeout',
    (s) => s.server.throttle.staleDropped,
  ],
  [
    'warren_throttled_ops_total',
    'Requests answered ThrottledOp after waiting past throttledOpWaitTime',
    (s) => s.server.throttle.throttledOps,
  ],
  ['warren_auth_failures_total', 'Failed authentications', (s) => s.server.stats.authFailed],
  [
    'warren_dropped_peer_inputs_total',
    'Peer messages dropped: the Ready queue was full',
    (s) => Number(memberFigures(s).get('dropped_peer_inputs') ?? 0),
  ],
];

export function registerStateMetrics(registry: Registry, state: () => ServedState | null): void {
  const registers = [registry];
  for (const [name, help, read] of [...ZOOKEEPER_GAUGES, ...LIMIT_GAUGES]) {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const s = state();
        if (s !== null) this.set(read(s));
      },
    });
  }
  let figures: Figures = new Map();
  // The member's figures are read once per scrape, by the first gauge that needs them.
  new Gauge({
    name: 'warren_leader',
    help: '1 on the leader (or a standalone server)',
    registers,
    collect() {
      const s = state();
      figures = s === null ? new Map<string, string | number>() : memberFigures(s);
      if (s !== null) this.set(s.member.leads ? 1 : 0);
    },
  });
  for (const [name, key, help] of MEMBER_GAUGES) {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(Number(figures.get(key) ?? 0));
      },
    });
  }
  registerPeerGauges(registry, () => figures);
  for (const [name, help, read] of COUNTERS) monotonic(registry, name, help, state, read);
}

/** Per-peer figures; the label takes ensemble member ids, so their number is bounded. */
function registerPeerGauges(registry: Registry, figures: () => Figures): void {
  const perPeer: ReadonlyArray<readonly [string, string, RegExp]> = [
    ['warren_follower_lag_entries', 'Entries a follower is behind (leader)', /^peer_(\d+)_lag$/],
    ['warren_peer_connected', '1 while the link to a peer is up', /^peer_(\d+)_connected$/],
    ['warren_peer_queued_bytes', 'Bytes queued for a peer', /^peer_(\d+)_queued_bytes$/],
  ];
  for (const [name, help, pattern] of perPeer) {
    new Gauge({
      name,
      help,
      labelNames: ['peer'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [key, value] of figures()) {
          const peer = pattern.exec(key)?.[1];
          if (peer !== undefined) this.set({ peer }, Number(value));
        }
      },
    });
  }
}

/** A Prometheus counter following a count the server keeps (a reset starts a new baseline). */
function monotonic(
  registry: Registry,
  name: string,
  help: string,
  state: () => ServedState | null,
  read: Read,
): void {
  let seen = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const s = state();
      if (s === null) return;
      const value = read(s);
      if (value > seen) this.inc(value - seen);
      seen = value;
    },
  });
}
