/**
 * The AdminServer commands that list state that grows (ZooKeeper's Commands.java names and
 * JSON fields): connections, watches by session and by path, and the dump of sessions and
 * ephemerals. Each is cut by a ListingBudget rather than block the event loop.
 */
import type { ServedState } from '../metrics/served-state.js';
import type { Connection } from '../server/connection.js';
import { ListingBudget, takeWhile } from './capped-listing.js';

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;
/** Rough JSON size of one listed item: paths dominate, the rest is a few dozen bytes. */
const itemBytes = (text: string): number => text.length + 32;

/** One connection as ZooKeeper's ServerCnxn.getConnectionInfo names its fields. */
export function connectionInfo(c: Connection): Record<string, unknown> {
  const info: Record<string, unknown> = {
    remote_socket_address: `${c.remoteAddress}:${c.remotePort}`,
    interest_ops: 1,
    outstanding_requests: c.outstanding,
    packets_received: c.packetsReceived,
    packets_sent: c.packetsSent,
  };
  if (c.session === null) return info;
  return {
    ...info,
    session_id: hex(c.session.id),
    last_operation: c.lastOp.toUpperCase(),
    established: new Date(c.establishedAt).toISOString(),
    session_timeout: c.timeoutMs,
    last_cxid: hex(c.lastCxid),
    last_zxid: hex(c.lastZxid),
    last_response_time: c.lastResponseAt,
    last_latency: 0,
    min_latency: c.latency.minOrZero,
    avg_latency: Math.round(c.latency.mean),
    max_latency: c.latency.max,
  };
}

function budget(state: ServedState): ListingBudget {
  const runtime = state.server.runtime;
  return new ListingBudget(() => runtime.now());
}

export function connections(state: ServedState): object {
  const b = budget(state);
  const listed = takeWhile(state.server.connections, b, () => 400).map(connectionInfo);
  return b.finish({ connections: listed, secure_connections: [] });
}

export function watchesBySession(state: ServedState): object {
  const { server } = state;
  const b = budget(state);
  const out: Record<string, string[]> = {};
  for (const session of server.sessions.all()) {
    const paths = takeWhile(server.watches.watchedBy(session.id), b, itemBytes);
    if (paths.length > 0) out[hex(session.id)] = paths;
    if (b.cut !== null) break;
  }
  return b.finish({ session_id_to_watched_paths: out });
}

export function watchesByPath(state: ServedState): object {
  const { server } = state;
  const b = budget(state);
  const out: Record<string, string[]> = {};
  for (const path of server.watches.watchedPaths()) {
    if (!b.take(itemBytes(path))) break;
    out[path] = takeWhile(server.watches.watchersOf(path), b, () => 24).map(hex);
  }
  return b.finish({ path_to_session_ids: out });
}

export function dump(state: ServedState): object {
  const { server } = state;
  const b = budget(state);
  const expiry: Record<string, string[]> = {};
  for (const session of takeWhile(server.sessions.all(), b, () => 24)) {
    (expiry[String(session.expiresAt)] ??= []).push(hex(session.id));
  }
  const ephemerals: Record<string, string[]> = {};
  for (const [id, paths] of server.tree.ephemerals) {
    if (b.cut !== null) break;
    ephemerals[hex(id)] = takeWhile(paths, b, itemBytes);
  }
  return b.finish({
    expiry_time_to_session_ids: expiry,
    session_id_to_ephemeral_paths: ephemerals,
  });
}
