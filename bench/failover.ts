/**
 * One failover try on a whole ensemble: start a steady write stream (failover-writers.ts),
 * let it run, SIGKILL the leader, keep writing until writes have flowed again for a while,
 * then restart the killed member and wait until the ensemble is whole again with one leader.
 * Figures, from the writers' acknowledgements:
 *   maxGapMs    the longest gap between two consecutive acknowledged writes (any session)
 *               from half of `steadyMs` before the kill to the end: the stall clients saw;
 *   recoveryMs  from the kill to the first acknowledgement of a write sent after the kill
 *               (only a new leader can commit it);
 *   firstAckMs  from the kill to the first acknowledgement of any write (one the old leader
 *               committed just before dying may still be acknowledged by a follower);
 * and the steady write rate before the kill, for context.
 */
import { performance } from 'node:perf_hooks';
import type { BenchEnsemble, Member } from './ensemble-cluster.js';
import { FailoverWriters, type Ack } from './failover-writers.js';

export interface FailoverPlan {
  sessions: number;
  inflight: number;
  valueBytes: number;
  sessionTimeoutMs: number;
  /** Writes before the kill. */
  steadyMs: number;
  /** Writes after the first post-kill acknowledgement. */
  afterMs: number;
  /** Give up waiting for a post-kill acknowledgement after this long. */
  timeoutMs: number;
  /** How long the ensemble may take to become whole again after the restart. */
  rejoinTimeoutMs: number;
}

export interface FailoverTry {
  killedId: number;
  newLeaderId: number | null;
  /** null when no write was acknowledged within timeoutMs of the kill. */
  maxGapMs: number | null;
  recoveryMs: number | null;
  firstAckMs: number | null;
  steadyOpsPerSec: number;
  errors: Record<string, number>;
  sessionsReplaced: number;
  /** From the restart of the killed member to a whole ensemble; null: not restarted. */
  rejoinMs: number | null;
}

const POLL_MS = 5;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with the first ack of a write sent after `killAt`, or null after timeoutMs. */
async function firstPostKillAck(
  writers: FailoverWriters,
  killAt: number,
  timeoutMs: number,
): Promise<Ack | null> {
  let seen = 0;
  while (performance.now() - killAt < timeoutMs) {
    const acks = writers.acks;
    for (; seen < acks.length; seen++) {
      const ack = acks[seen]!;
      if (ack.sentAt > killAt) return ack;
    }
    await sleep(POLL_MS);
  }
  return null;
}

/** From `killAt` to the first acknowledgement after it, or null. */
function firstAckAfter(acks: readonly Ack[], killAt: number): number | null {
  const ack = acks.find((a) => a.ackAt > killAt);
  return ack === undefined ? null : ack.ackAt - killAt;
}

/** The longest gap between consecutive acknowledgements at or after `from`. */
function longestGap(acks: readonly Ack[], from: number, end: number): number {
  let previous = from;
  let longest = 0;
  for (const { ackAt } of acks) {
    if (ackAt < from) continue;
    longest = Math.max(longest, ackAt - previous);
    previous = ackAt;
  }
  return Math.max(longest, end - previous);
}

/** One try; `rejoin` false leaves the killed member down (the last try of a run). */
export async function failoverTry(
  ensemble: BenchEnsemble,
  plan: FailoverPlan,
  root: string,
  rejoin: boolean,
): Promise<FailoverTry> {
  const writers = new FailoverWriters({
    connectString: ensemble.connectString,
    sessions: plan.sessions,
    inflight: plan.inflight,
    sessionTimeoutMs: plan.sessionTimeoutMs,
    valueBytes: plan.valueBytes,
    root,
  });
  await writers.start();
  let result: Omit<FailoverTry, 'rejoinMs'>;
  let killed: Member;
  try {
    const steadyStart = performance.now();
    await sleep(plan.steadyMs);
    const leader = await ensemble.waitWhole(plan.rejoinTimeoutMs);
    killed = leader;
    const steadyAcks = writers.acks.length;
    const killAt = performance.now();
    await ensemble.kill(leader);
    const first = await firstPostKillAck(writers, killAt, plan.timeoutMs);
    const newLeader = first === null ? null : await ensemble.leader();
    if (first !== null) await sleep(plan.afterMs);
    const end = performance.now();
    result = {
      killedId: leader.id,
      newLeaderId: newLeader?.id ?? null,
      maxGapMs: first === null ? null : longestGap(writers.acks, killAt - plan.steadyMs / 2, end),
      recoveryMs: first === null ? null : first.ackAt - killAt,
      firstAckMs: firstAckAfter(writers.acks, killAt),
      steadyOpsPerSec: (steadyAcks * 1000) / Math.max(1, killAt - steadyStart),
      errors: Object.fromEntries(writers.errors),
      sessionsReplaced: writers.sessionsReplaced,
    };
  } finally {
    await writers.stop();
  }
  if (!rejoin) return { ...result, rejoinMs: null };
  const rejoinStart = performance.now();
  await ensemble.startMember(killed);
  await ensemble.waitWhole(plan.rejoinTimeoutMs);
  return { ...result, rejoinMs: performance.now() - rejoinStart };
}
