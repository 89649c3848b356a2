/**
 * The cluster view: the members this server knows (the configuration in force), each one's
 * role and, from its own answer to `srvr`, mode and zxid; from this member, whether its peer
 * link is up. Lag is what the leader reports per follower when this member leads, else the
 * distance from the leader's zxid (zxids are log indexes in Warren). A standalone server is a
 * one-member cluster.
 */
import { connections, watchesByPath } from '../admin/admin-listings.js';
import type { EnsembleServer } from '../config/config-ensemble.js';
import { memberFigures, type ServedState } from '../metrics/served-state.js';
import { probeMember, type ProbeResult } from './member-probe.js';

/** Entries behind before a member shows as lagging (the leader's own "synced" bound). */
const LAGGING_ENTRIES = 1000;

interface MemberView {
  id: number;
  self: boolean;
  role: string;
  clientAddress: string;
  mode: string;
  zxid: string;
  reachable: boolean;
  peerConnected: boolean | null;
  lag: number | null;
  health: 'ok' | 'lagging' | 'down';
  error?: string;
}

/** A member whose client port binds every address is reached at its peer host. */
function clientHost(server: EnsembleServer): string {
  const given = server.clientHost;
  return given === undefined || ['0.0.0.0', '::'].includes(given) ? server.host : given;
}

function probeOf(state: ServedState, server: EnsembleServer, selfId: number): Promise<ProbeResult> {
  if (server.id === selfId) {
    const mode = state.member.status().mode;
    return Promise.resolve({ reachable: true, mode, zxid: hex(state.server.lastZxid) });
  }
  if (server.clientPort === undefined) {
    return Promise.resolve({ reachable: false, error: 'no client port in the configuration' });
  }
  return probeMember(clientHost(server), server.clientPort);
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function view(
  state: ServedState,
  server: EnsembleServer,
  probe: ProbeResult,
  leaderZxid: number | null,
  selfId: number,
): MemberView {
  const figures = memberFigures(state);
  const self = server.id === selfId;
  const connected = figures.get(`peer_${server.id}_connected`);
  const reported = figures.get(`peer_${server.id}_lag`);
  const zxid = probe.zxid === undefined || probe.zxid === '' ? null : Number(probe.zxid);
  const lag =
    reported !== undefined
      ? Number(reported)
      : leaderZxid !== null && zxid !== null
        ? Math.max(0, leaderZxid - zxid)
        : null;
  const healthy = self ? state.member.refusal() === null : probe.reachable;
  return {
    id: server.id,
    self,
    role: server.role,
    clientAddress:
      server.clientPort === undefined ? '' : `${clientHost(server)}:${server.clientPort}`,
    mode: probe.mode ?? 'unreachable',
    zxid: probe.zxid ?? '',
    reachable: probe.reachable,
    peerConnected: self || connected === undefined ? null : connected === 1,
    lag,
    health: !healthy ? 'down' : lag !== null && lag > LAGGING_ENTRIES ? 'lagging' : 'ok',
    ...(probe.error === undefined ? {} : { error: probe.error }),
  };
}

function standalone(state: ServedState): MemberView {
  return {
    id: 0,
    self: true,
    role: 'standalone',
    clientAddress: '',
    mode: state.member.status().mode,
    zxid: hex(state.server.lastZxid),
    reachable: true,
    peerConnected: null,
    lag: 0,
    health: state.member.refusal() === null ? 'ok' : 'down',
  };
}

export async function clusterView(state: ServedState) {
  const figures = memberFigures(state);
  const selfId = Number(figures.get('server_id') ?? 0);
  const leaderId = Number(figures.get('leader_id') ?? selfId);
  const servers = state.member.alone ? [] : state.member.reconfigurer.current().servers;
  const probes = await Promise.all(servers.map((s) => probeOf(state, s, selfId)));
  const leaderAt = servers.findIndex((s) => s.id === leaderId);
  const leaderZxid = probes[leaderAt]?.zxid;
  const leaderIndex = leaderZxid === undefined || leaderZxid === '' ? null : Number(leaderZxid);
  const members = servers.map((s, i) =>
    view(state, s, probes[i] ?? { reachable: false }, leaderIndex, selfId),
  );
  return {
    selfId,
    leaderId,
    term: Number(figures.get('raft_term') ?? 0),
    commitIndex: Number(figures.get('raft_commit_index') ?? 0),
    members: members.length === 0 ? [standalone(state)] : members,
  };
}

/** Sessions (cons) and watches by path (wchp), both capped as the AdminServer caps them. */
export function sessionsAndWatches(state: ServedState) {
  return { ...connections(state), ...watchesByPath(state) };
}
