/** Server-wide counters for srvr/stat/mntr. Updated at stage edges, never inside the tree. */
export class ServerStats {
  readonly startedAt = Date.now();
  packetsReceived = 0;
  packetsSent = 0;
  authFailed = 0;
  latencyMin = Number.MAX_SAFE_INTEGER;
  latencyMax = 0;
  latencyTotal = 0;
  latencyCount = 0;
  lastResponseBytes = 0;
  connectionsRejected = 0;

  recordLatency(ms: number): void {
    this.latencyCount++;
    this.latencyTotal += ms;
    if (ms < this.latencyMin) this.latencyMin = ms;
    if (ms > this.latencyMax) this.latencyMax = ms;
  }

  get latencyMinOrZero(): number {
    return this.latencyCount === 0 ? 0 : this.latencyMin;
  }

  get latencyAvg(): number {
    return this.latencyCount === 0 ? 0 : this.latencyTotal / this.latencyCount;
  }

  reset(): void {
    this.packetsReceived = 0;
    this.packetsSent = 0;
    this.latencyMin = Number.MAX_SAFE_INTEGER;
    this.latencyMax = 0;
    this.latencyTotal = 0;
    this.latencyCount = 0;
  }
}
