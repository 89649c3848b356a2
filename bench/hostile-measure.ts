/**
 * One measured load of the hostile-load benchmark: resident memory before, at peak and after
 * the load is released; event-loop delay during it; and the latency of another client (the
 * probe, its own process) with a check that every write it was acknowledged is there.
 */
import { loadavg } from 'node:os';
import { OpCode } from '../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../src/tree/acl.js';
import { RawClient } from '../test/support/raw-client.js';
import { sleep } from '../test/support/server-process.js';
import type { HostEndpoint, ProbeResult } from './hostile-messages.js';
import { Monitor, rssMiB, type ServerFigures, type Watched } from './hostile-monitor.js';
import { ProbeWorker } from './hostile-workers.js';

/** Time for the server to settle after the load is released, before "after" is read. */
const SETTLE_MS = 5000;

export type Notes = Record<string, number | string>;

export interface LoadOutcome {
  notes: Notes;
  /** Ends the load (closes its clients); the tree it built stays. */
  release(): Promise<void>;
}

export interface ProbeSummary {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  longestGapMs: number;
  errors: number;
  reconnects: number;
  acked: number;
  /** Acknowledged creates missing afterwards: must be 0. */
  lost: number;
}

export interface LoadFigures {
  load: string;
  scale: string;
  baselineRssMiB: number;
  servers: ServerFigures[];
  afterRssMiB: number[];
  probe: ProbeSummary;
  notes: Notes;
}

export interface MeasuredTarget {
  watched: Watched[];
  /** Where the probe connects (in order, moving on when dropped). */
  endpoints: HostEndpoint[];
  /** Removes servers killed on purpose from "after". */
  alive(): Watched[];
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

async function missing(endpoint: HostEndpoint, path: string, acked: string[]): Promise<number> {
  const client = await RawClient.connect(endpoint.host, endpoint.port, {
    timeoutMs: 30_000,
    frameBytesMax: 64 * 1024 * 1024,
  });
  const reply = await client.request({ type: OpCode.getChildren, path, watch: false });
  await client.close();
  const names = new Set(reply.response?.kind === 'children' ? reply.response.children : []);
  return acked.filter((p) => !names.has(p.slice(path.length + 1))).length;
}

function summarize(result: ProbeResult, lost: number): ProbeSummary {
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  return {
    requests: sorted.length,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    longestGapMs: result.longestGapMs,
    errors: result.errors,
    reconnects: result.reconnects,
    acked: result.acked.length,
    lost,
  };
}

export async function measure(
  load: string,
  scale: string,
  target: MeasuredTarget,
  run: () => Promise<LoadOutcome>,
): Promise<LoadFigures> {
  const first = target.endpoints[0] as HostEndpoint;
  const probePath = `/probe-${load}`;
  const setup = await RawClient.connect(first.host, first.port, { timeoutMs: 30_000 });
  const acl = [...OPEN_ACL_UNSAFE];
  await setup.request({ type: OpCode.create, path: probePath, data: null, acl, flags: 0, ttl: -1 });
  await setup.close();
  const baselineRssMiB = Math.max(...target.watched.map((w) => rssMiB(w.pid)));
  const monitor = await Monitor.start(target.watched);
  const probe = await ProbeWorker.start(target.endpoints, probePath);
  process.stdout.write(`${load}: running (${scale})\n`);
  // Other work on the machine shows in every figure: say how busy it was.
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const outcome = await run();
  outcome.notes['machineLoad1m'] = `${loadBefore.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}`;
  for (const w of target.watched) if (!target.alive().includes(w)) monitor.forget(w.pid);
  const servers = await monitor.finish();
  const result = await probe.stop();
  const alive = target.alive();
  const endpoint = target.endpoints.find((_, i) => target.watched[i] !== undefined) ?? first;
  const lost = await missing(liveEndpoint(target, alive) ?? endpoint, probePath, result.acked);
  await outcome.release();
  await sleep(SETTLE_MS);
  const afterRssMiB = alive.map((w) => rssMiB(w.pid));
  const figures = {
    load,
    scale,
    baselineRssMiB,
    servers,
    afterRssMiB,
    probe: summarize(result, lost),
    notes: outcome.notes,
  };
  process.stdout.write(`${load}: ${JSON.stringify(figures)}\n`);
  return figures;
}

/** An endpoint of a server still running (the first one's, for a single server). */
function liveEndpoint(target: MeasuredTarget, alive: Watched[]): HostEndpoint | undefined {
  const index = target.watched.findIndex((w) => alive.includes(w));
  return index < 0 ? undefined : target.endpoints[index];
}
