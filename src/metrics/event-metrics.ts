/**
 * Metrics fed by events as they happen: request latency per operation, fsync and snapshot
 * durations, elections. ZooKeeper's names and units (milliseconds, summaries with the
 * quantiles of its Prometheus provider) where it has the metric; `warren_*` otherwise, in
 * Prometheus's own units (seconds, histograms).
 */
import { Counter, Summary, type Registry } from 'prom-client';
import type { MemberEvents } from '../member/member-events.js';
import { OpCode, READ_OPCODES, WRITE_OPCODES, opName } from '../protocol/opcodes.js';
import type { RequestListener } from '../server/stats.js';
import { LabelledHistogram, LatencySummary } from './request-latency.js';

/** Quantiles ZooKeeper's Prometheus provider exports for its detailed summaries. */
const QUANTILES = [0.5, 0.9, 0.99];
/** ZooKeeper's summaries describe the last 10 minutes (simpleclient's default window). */
const WINDOW = { maxAgeSeconds: 600, ageBuckets: 5 };
/** Request latency buckets, seconds: a local read is well under a millisecond. */
const LATENCY_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** The op label takes known opcodes only: a client sending junk must not grow the registry. */
const KNOWN_OPS: ReadonlySet<number> = new Set(Object.values(OpCode));

export class EventMetrics implements MemberEvents {
  readonly onRequest: RequestListener;
  private readonly fsyncTime: Summary;
  private readonly snapshotTime: Summary;
  private readonly electionTime: Summary;
  private readonly lookingCount: Counter;
  private readonly leaderChanges: Counter;
  /** When this member last lost its leader (or started without one); null: has one. */
  private leaderlessSince: number | null;

  constructor(
    registry: Registry,
    private readonly now: () => number,
  ) {
    const registers = [registry];
    const summary = (name: string, help: string) =>
      new Summary({ name, help, registers, percentiles: QUANTILES, ...WINDOW });
    // Fed by every request: counted in constant time (request-latency.ts), not prom-client's.
    const latency = (name: string, help: string) =>
      new LatencySummary(registry, name, help, QUANTILES, WINDOW, now);
    const readLatency = latency('readlatency', 'Read request latency (ms)');
    const updateLatency = latency('updatelatency', 'Write request latency (ms)');
    const perOp = new LabelledHistogram(
      registry,
      'warren_request_duration_seconds',
      'Request latency by operation, from arrival to reply',
      'op',
      LATENCY_BUCKETS,
    );
    this.onRequest = (opcode, ms) => {
      if (READ_OPCODES.has(opcode)) readLatency.observe(ms);
      else if (WRITE_OPCODES.has(opcode)) updateLatency.observe(ms);
      perOp.observe(KNOWN_OPS.has(opcode) ? opName(opcode) : 'other', ms / 1000);
    };
    this.fsyncTime = summary('fsynctime', 'Time to make a batch of log entries durable (ms)');
    this.snapshotTime = summary('snapshottime', 'Time to write a snapshot (ms)');
    this.electionTime = summary('election_time', 'Time without a leader until one is known (ms)');
    this.lookingCount = new Counter({
      name: 'looking_count',
      help: 'Times this member lost its leader and looked for one',
      registers,
    });
    this.leaderChanges = new Counter({
      name: 'warren_leader_changes_total',
      help: 'Times the leader this member knows of changed',
      registers,
    });
    this.leaderlessSince = now();
  }

  persisted(ms: number): void {
    this.fsyncTime.observe(ms);
  }

  snapshotWritten(ms: number): void {
    this.snapshotTime.observe(ms);
  }

  leaderChanged(leader: number): void {
    this.leaderChanges.inc();
    if (leader === 0) {
      this.lookingCount.inc();
      this.leaderlessSince ??= this.now();
      return;
    }
    if (this.leaderlessSince !== null) this.electionTime.observe(this.now() - this.leaderlessSince);
    this.leaderlessSince = null;
  }
}
