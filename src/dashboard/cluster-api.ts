/**
 * The cluster view: the members this server knows (the configuration in force), each one's
 * role and, from its own answer to `srvr`, mode and zxid; from this member, whether its peer
 * link is up and (when it leads) how many entries each follower lags. A standalone server is
 * a one-member cluster.
 */
import { connections, watchesByPath } from '../admin/admin-listings.js';
import { memberFigures, type ServedState } from '../metrics/served-state.js';
import { probeMember } from './member-probe.js';

const hex = (n: number): string => `0x${n.toString(16)}`;

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

async function otherMember(
  state: ServedState,
  server: { id: number; host: string; role: string; clientHost?: string; clientPort?: number },
): Promise<MemberView> {
  const figures = memberFigures(state);
  const connected = figures.get(`peer_${server.id}_connected`);
  const lagFigure = figures.get(`peer_${server.id}_lag`);
  const lag = lagFigure === undefined ? null : Number(lagFigure);
  const host = server.clientHost ?? server.host;
  const probe =
    server.clientPort === undefined
      ? { reachable: false, error: 'no client port in the configuration' }
      : await probeMember(host, server.clientPort);
  const health = !probe.reachable ? 'down' : lag !== null && lag > 1000 ? 'lagging' : 'ok';
  return {
    id: server.id,
    self: false,
    role: server.role,
    clientAddress: server.clientPort === undefined ? '' : `${host}:${server.clientPort}`,
    mode: probe.mode ?? 'unreachable',
    zxid: probe.zxid ?? '',
    reachable: probe.reachable,
    peerConnected: connected === undefined ? null : connected === 1,
    lag,
    health,
    ...(probe.error === undefined ? {} : { error: probe.error }),
  };
}

export async function clusterView(state: ServedState) {
  const status = state.member.status();
  const figures = memberFigures(state);
  const selfId = Number(figures.get('server_id') ?? 0);
  const self: MemberView = {
    id: selfId,
    self: true,
    role: state.member.alone ? 'standalone' : 'participant',
    clientAddress: '',
    mode: status.mode,
    zxid: hex(state.server.lastZxid),
    reachable: true,
    peerConnected: null,
    lag: 0,
    health: state.member.refusal() === null ? 'ok' : 'down',
  };
  const servers = state.member.alone ? [] : state.member.reconfigurer.current().servers;
  const members = await Promise.all(
    servers.map((s) =>
      s.id === selfId ? Promise.resolve({ ...self, role: s.role }) : otherMember(state, s),
    ),
  );
  return {
    selfId,
    leaderId: Number(figures.get('leader_id') ?? selfId),
    term: Number(figures.get('raft_term') ?? 0),
    commitIndex: Number(figures.get('raft_commit_index') ?? 0),
    members: members.length === 0 ? [self] : members,
  };
}

/** Sessions (cons) and watches by path (wchp), both capped as the AdminServer caps them. */
export function sessionsAndWatches(state: ServedState) {
  return { ...connections(state), ...watchesByPath(state) };
}
