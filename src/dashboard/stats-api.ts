/**
 * One sample for the live charts, which the browser polls every second: request counters
 * (the browser turns differences into throughput and each second's mean latency) and memory.
 */
import { outstandingRequests, type ServedState } from '../metrics/served-state.js';

export function statsSample(state: ServedState) {
  const { server } = state;
  const { stats } = server;
  const memory = process.memoryUsage();
  return {
    time: Date.now(),
    packetsReceived: stats.packetsReceived,
    packetsSent: stats.packetsSent,
    latencyAvgMs: stats.latency.mean,
    latencyTotalMs: stats.latency.totals.totalMs,
    latencyCount: stats.latency.totals.count,
    latencyMaxMs: stats.latency.max,
    outstanding: outstandingRequests(state),
    connections: server.connections.size,
    nodeCount: server.tree.nodeCount,
    zxid: `0x${server.lastZxid.toString(16)}`,
    heapUsedBytes: memory.heapUsed,
    rssBytes: memory.rss,
    mode: state.member.status().mode,
  };
}
