/**
 * Ensemble timing from ZooKeeper's settings. Raft ticks run at a tenth of tickTime (10 ms to
 * 200 ms); a follower that hears nothing for ten ticks (one tickTime, at least 500 ms)
 * campaigns, so a leader that stops answering is replaced within about two tickTimes, far
 * inside any session timeout (at least two tickTimes), and a new leader renews every
 * session anyway. A leader whose process died is noticed at once from its refused
 * connections (member.ts).
 */
import type { ServerConfig } from '../config/config.js';

export interface EnsembleTiming {
  raftTickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  /** How long a write may wait for its entry to apply before its client is cut off. */
  requestTimeoutMs: number;
  /** How long a reconfig waits for a joining server to connect (initLimit ticks). */
  joinTimeoutMs: number;
}

export function ensembleTiming(config: ServerConfig): EnsembleTiming {
  const raftTickMs = Math.min(200, Math.max(10, Math.round(config.tickTime / 10)));
  const electionTicks = Math.max(10, Math.ceil(500 / raftTickMs));
  return {
    raftTickMs,
    electionTicks,
    heartbeatTicks: Math.max(1, Math.floor(electionTicks / 10)),
    requestTimeoutMs: Math.max(5000, 2 * config.syncLimit * config.tickTime),
    joinTimeoutMs: Math.max(1000, config.initLimit * config.tickTime),
  };
}
