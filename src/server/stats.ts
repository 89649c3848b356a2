/** Counters for srvr/stat/mntr/cons. Updated at stage edges, never inside the tree. */

/** Request latency in ms: min, max and mean since the last reset. */
export class LatencyStats {
  private min = Number.MAX_SAFE_INTEGER;
  max = 0;
  private total = 0;
  private count = 0;

  record(ms: number): void {
    this.count++;
    this.total += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /** 0 until something was recorded, as ZooKeeper prints it. */
  get minOrZero(): number {
    return this.count === 0 ? 0 : this.min;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }

  /** Sum and number of latencies since the reset: a poller's deltas give a recent mean. */
  get totals(): { totalMs: number; count: number } {
    return { totalMs: this.total, count: this.count };
  }

  reset(): void {
    this.min = Number.MAX_SAFE_INTEGER;
    this.max = 0;
    this.total = 0;
    this.count = 0;
  }
}

/** Sees every request answered: its opcode and latency in ms (metrics/ histograms). */
export type RequestListener = (opcode: number, ms: number) => void;

export class ServerStats {
  constructor(readonly startedAt: number) {}

  readonly latency = new LatencyStats();
  packetsReceived = 0;
  packetsSent = 0;
  authFailed = 0;
  connectionsRejected = 0;
  /** New sessions refused by a per-address limit (handshake.ts). */
  sessionsRefused = 0;
  /** Times a connection went over its output budget, its later requests held (connection.ts). */
  outputBudgetStalls = 0;
  /** Connections closed for staying over their output budget past warren.clientStallMs. */
  stalledConnectionsClosed = 0;
  /** Replies over jute.maxbuffer never sent: their connections were closed instead. */
  oversizedReplies = 0;
  /** Set by metrics/ when a metrics provider is on; null: nobody listens. */
  requestListener: RequestListener | null = null;

  reset(): void {
    this.packetsReceived = 0;
    this.packetsSent = 0;
    this.latency.reset();
  }
}
