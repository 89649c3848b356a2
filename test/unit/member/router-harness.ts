/**
 * A WriteRouter (member/write-routing.ts) on member 1 with everything around it faked: the
 * replica's role, leader and term as `state` says (change them as a Ready would), proposals
 * and peer messages recorded, the log full while `state.full`.
 */
import { pino } from 'pino';
import type { Proposal, Replica } from '../../../src/replication/replica.js';
import type { PeerMessage } from '../../../src/member/peer-messages.js';
import type { RaftDriver } from '../../../src/member/raft-driver.js';
import type { Reconfigurer } from '../../../src/member/reconfig.js';
import { WriteRouter } from '../../../src/member/write-routing.js';
import { nodeRuntime } from '../../../src/util/runtime.js';

export interface RouterState {
  role: 'leader' | 'follower';
  /** 0: none known. */
  leader: number;
  term: number;
  full: boolean;
}

export function fakeRouter(initial: Partial<RouterState> = {}) {
  const role = initial.role ?? 'leader';
  const state: RouterState = {
    role,
    leader: role === 'leader' ? 1 : 2,
    term: 1,
    full: false,
    ...initial,
  };
  const proposed: Proposal[] = [];
  const sent: [number, PeerMessage][] = [];
  const replica = {
    get isLeader() {
      return state.role === 'leader';
    },
    get leader() {
      return state.leader;
    },
    acceptingWrites: () => true,
    proposeMany: (proposals: readonly Proposal[]) => {
      proposed.push(...proposals);
      return [];
    },
    tree: { sessions: new Map() },
  } as unknown as Replica;
  const driver = { run: (work: () => void) => work() } as unknown as RaftDriver;
  const router = new WriteRouter({
    selfId: 1,
    replica,
    driver,
    runtime: nodeRuntime,
    logger: pino({ level: 'silent' }),
    reconfigEnabled: false,
    reconfigurer: {} as Reconfigurer,
    requestTimeoutMs: 60_000,
    blocked: () => null,
    logFull: () => state.full,
    sendPeer: (to, message) => {
      sent.push([to, message]);
      return true;
    },
    term: () => state.term,
    localAttachments: () => [],
  });
  return { router, state, proposed, sent };
}
