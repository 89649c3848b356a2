/**
 * Dynamic reconfiguration, as ZooKeeper 3.5+ clients ask for it (incremental joining/leaving
 * lists, or a bulk new member list), made safe by changing Raft's membership one server at a
 * time (no two majorities can ever exist).
 *
 * /zookeeper/config is the desired configuration. A reconfig first writes the new one there
 * (a replicated txn that also gives every member the new addresses), then the leader walks
 * the Raft membership towards it, one change per step: a joining participant enters as a
 * learner and is promoted once it has caught up, observers are learners, the rest are
 * removed, the leader itself last. Any leader resumes an unfinished walk (`reconcile`), so a
 * leader crash in the middle leaves nothing half-done.
 */
import type { Logger } from 'pino';
import type { ConfChange, Index, Membership, RaftNode, Status } from '../consensus/index.js';
import { Err } from '../protocol/error-codes.js';
import { Perm } from '../protocol/opcodes.js';
import type { Id, SessionId } from '../protocol/records.js';
import type { ReconfigRequest } from '../protocol/requests.js';
import type { WriteInput } from '../replication/write-input.js';
import type { EnsembleServer } from '../config/config-ensemble.js';
import { hasPerm } from '../tree/acl.js';
import type { DataTree } from '../tree/data-tree.js';
import { CONFIG_PATH } from '../tree/path.js';
import {
  formatServerLines,
  parseConfigData,
  parseIdList,
  parseServerList,
  type ConfigData,
} from '../config/config-text.js';
import { sleepOn, type Runtime } from '../util/runtime.js';
import type { Completion } from './pending-requests.js';

export interface ReconfigHost {
  readonly selfId: number;
  readonly node: RaftNode;
  readonly logger: Logger;
  readonly runtime: Runtime;
  readonly reconfigEnabled: boolean;
  /** The servers of zoo.cfg: the configuration until /zookeeper/config holds one. */
  readonly staticServers: readonly EnsembleServer[];
  tree(): DataTree;
  isLeader(): boolean;
  run(input: () => void): void;
  submit(input: WriteInput, done: (completion: Completion) => void): void;
  isConnected(id: number): boolean;
  /** New addresses to dial (joining servers), before they become members. */
  learnAddresses(servers: readonly EnsembleServer[]): void;
  /** How long to wait for a joining participant to connect. */
  readonly joinTimeoutMs: number;
}

/** A learner within this many entries of the leader's log may be promoted to voter. */
const promoteLagMax = 100;
const retryMs = 50;

export class Reconfigurer {
  private busy = false;
  private reconciling = false;
  private appliedIndex: Index = 0;
  private waiters: { index: Index; resolve: () => void }[] = [];

  constructor(private readonly host: ReconfigHost) {}

  get inProgress(): boolean {
    return this.busy || this.reconciling;
  }

  /** The member applied up to `index` (config entries included). */
  onApplied(index: Index): void {
    this.appliedIndex = index;
    const ready = this.waiters.filter((w) => w.index <= index);
    this.waiters = this.waiters.filter((w) => w.index > index);
    for (const w of ready) w.resolve();
  }

  current(): ConfigData {
    const node = this.host.tree().get(CONFIG_PATH);
    const data = node?.data ?? null;
    return parseConfigData(data) ?? { servers: [...this.host.staticServers], version: 0 };
  }

  /** Runs a client's reconfig on the leader; resolves with the error code (0 = done). */
  async reconfig(req: ReconfigRequest, sessionId: SessionId, ids: readonly Id[]) {
    if (!this.host.reconfigEnabled) return Err.reconfigDisabled;
    if (this.busy) return Err.reconfigInProgress;
    this.busy = true;
    try {
      return await this.run(req, sessionId, ids);
    } finally {
      this.busy = false;
    }
  }

  private async run(req: ReconfigRequest, sessionId: SessionId, ids: readonly Id[]) {
    const node = this.host.tree().get(CONFIG_PATH);
    if (node !== undefined && !hasPerm(node.acl, Perm.write, ids)) return Err.noAuth;
    const current = this.current();
    if (req.curConfigId !== -1 && req.curConfigId !== current.version) return Err.badVersion;
    const target = targetServers(current, req);
    if (typeof target === 'string') {
      this.host.logger.warn({ reason: target }, 'reconfig refused');
      return Err.badArguments;
    }
    this.host.learnAddresses(target);
    const joining = target.filter(
      (s) => s.role === 'participant' && s.id !== this.host.selfId && !this.isVoter(s.id),
    );
    if (!(await this.waitConnected(joining.map((s) => s.id)))) return Err.newConfigNoQuorum;
    const text = formatServerLines(target);
    const written = await new Promise<Completion>((resolve) =>
      this.host.submit({ type: 'setConfig', sessionId, ids, text }, resolve),
    );
    if (!written.ok) return Err.connectionLoss;
    if ('txn' in written && written.txn.body.type === 'error') return written.txn.body.err;
    // The new configuration is committed: whoever leads walks the membership to it.
    const done = await this.reconcile(this.host.runtime.now() + 10 * this.host.joinTimeoutMs);
    return done ? Err.ok : Err.newConfigNoQuorum;
  }

  private isVoter(id: number): boolean {
    return this.host.node.membership().voters.includes(id);
  }

  private async waitConnected(ids: number[]): Promise<boolean> {
    const deadline = this.host.runtime.now() + this.host.joinTimeoutMs;
    while (!ids.every((id) => this.host.isConnected(id))) {
      if (this.host.runtime.now() > deadline) return false;
      await sleepOn(this.host.runtime, retryMs);
    }
    return true;
  }

  /**
   * Leader: moves the Raft membership to /zookeeper/config one change at a time. Resolves
   * true when they match (or only our own removal is left, handed to the next leader),
   * false when leadership was lost or the deadline passed.
   */
  async reconcile(deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.reconciling) return false;
    this.reconciling = true;
    try {
      for (;;) {
        if (!this.host.isLeader() || this.host.runtime.now() > deadline) return false;
        const config = parseConfigData(this.host.tree().get(CONFIG_PATH)?.data ?? null);
        if (config === null) return true;
        const step = nextChange(config.servers, this.host.node.status(), this.host.selfId);
        if (step === 'done') return true;
        if (step === 'wait') {
          await sleepOn(this.host.runtime, retryMs);
          continue;
        }
        if (step.type === 'transfer') {
          // Leaving: hand over first, so the new leader removes us without an election gap.
          this.host.logger.info({ to: step.to }, 'leaving the ensemble: handing over leadership');
          this.host.run(() => void this.host.node.transferLeadership(step.to));
          return true;
        }
        const result = await new Promise<ReturnType<RaftNode['proposeConfChange']>>((resolve) =>
          this.host.run(() => resolve(this.host.node.proposeConfChange(step))),
        );
        if (!result.ok) {
          await sleepOn(this.host.runtime, retryMs);
          continue;
        }
        this.host.logger.info({ change: step, index: result.index }, 'membership change');
        await this.waitApplied(result.index, deadline);
      }
    } finally {
      this.reconciling = false;
    }
  }

  private waitApplied(index: Index, deadline: number): Promise<void> {
    if (this.appliedIndex >= index) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ index, resolve });
      const left = deadline - this.host.runtime.now();
      if (Number.isFinite(left)) this.host.runtime.after(Math.max(0, left), resolve);
    });
  }
}

/** The configuration a request asks for, or why it cannot be. */
export function targetServers(current: ConfigData, req: ReconfigRequest) {
  const bulk = req.newMembers.trim() !== '';
  let servers: EnsembleServer[];
  if (bulk) {
    const parsed = parseServerList(req.newMembers);
    if (typeof parsed === 'string') return parsed;
    servers = parsed;
  } else {
    const joining = parseServerList(req.joiningServers);
    if (typeof joining === 'string') return joining;
    const leaving = parseIdList(req.leavingServers);
    if (typeof leaving === 'string') return leaving;
    if (joining.length === 0 && leaving.length === 0) return 'no change asked for';
    const joiningIds = new Set(joining.map((s) => s.id));
    servers = current.servers
      .filter((s) => !leaving.includes(s.id) && !joiningIds.has(s.id))
      .concat(joining);
  }
  if (servers.some((s) => s.id > 254)) return 'server ids must be at most 254';
  if (!servers.some((s) => s.role === 'participant')) return 'no participant would be left';
  return servers.sort((a, b) => a.id - b.id);
}

/** The next one-server step from the current membership towards `target`. */
export function nextChange(
  target: readonly EnsembleServer[],
  status: Status,
  selfId: number,
): ConfChange | { type: 'transfer'; to: number } | 'wait' | 'done' {
  const m: Membership = status.membership;
  for (const s of target) {
    if (s.role !== 'participant' || m.voters.includes(s.id)) continue;
    if (!m.learners.includes(s.id)) return { type: 'addLearner', nodeId: s.id };
    const lag = status.lastIndex - (status.match.get(s.id) ?? 0);
    return lag <= promoteLagMax ? { type: 'addVoter', nodeId: s.id } : 'wait';
  }
  for (const s of target) {
    if (s.role === 'observer' && !m.learners.includes(s.id)) {
      return { type: 'addLearner', nodeId: s.id };
    }
  }
  const wanted = new Set(target.map((s) => s.id));
  const extra = [...m.voters, ...m.learners].filter((id) => !wanted.has(id));
  const other = extra.find((id) => id !== selfId);
  if (other !== undefined) return { type: 'removeNode', nodeId: other };
  if (!extra.includes(selfId)) return 'done';
  const heirs = target.filter((s) => s.role === 'participant' && m.voters.includes(s.id));
  const heir = heirs.reduce<EnsembleServer | undefined>(
    (best, s) =>
      best === undefined || (status.match.get(s.id) ?? 0) > (status.match.get(best.id) ?? 0)
        ? s
        : best,
    undefined,
  );
  return heir === undefined ? 'wait' : { type: 'transfer', to: heir.id };
}
