/**
 * Fills a server with `nodes` znodes under /s (/s/n0, /s/n1, ...) through multi batches kept
 * in flight, the way the memory, snapshot and restart benches build a big tree quickly.
 */
import { OPEN_ACL_UNSAFE } from '../src/tree/acl.js';
import { RawClient } from '../test/support/raw-client.js';
import type { RunningServer } from '../test/support/server-process.js';

export interface FlatFill {
  nodes: number;
  /** The value of node i. */
  valueOf: (i: number) => Buffer;
  /** Creates per multi (default 1000). */
  batch?: number;
  /** Multis in flight (default 16). */
  inFlightMax?: number;
}

/** Creates /s and its children; resolves with the seconds it took. */
export async function fillFlat(server: RunningServer, fill: FlatFill): Promise<number> {
  const { nodes, valueOf, batch = 1000, inFlightMax = 16 } = fill;
  const acl = [...OPEN_ACL_UNSAFE];
  const started = performance.now();
  const client = await RawClient.connect(server.host, server.port, {
    timeoutMs: 30000,
    replyTimeoutMs: 0,
  });
  await client.request({ type: 1, path: '/s', data: null, acl, flags: 0, ttl: -1 });
  const inFlight: Promise<unknown>[] = [];
  for (let base = 0; base < nodes; base += batch) {
    const ops = [];
    for (let i = base; i < Math.min(nodes, base + batch); i++) {
      ops.push({ type: 1 as const, path: `/s/n${i}`, data: valueOf(i), acl, flags: 0, ttl: -1 });
    }
    inFlight.push(client.request({ type: 14, ops }));
    if (inFlight.length >= inFlightMax) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await client.close();
  return (performance.now() - started) / 1000;
}
