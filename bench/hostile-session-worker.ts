/**
 * A hostile-load worker process (forked by hostile-workers.ts): opens its share of sessions,
 * each with some exists-watches, keeps them alive with pings, and when a connection drops
 * reconnects the same session to the next endpoint and re-registers its watches, as a real
 * client does after a leader change. Reports what it holds and what it lost.
 */
import { OpCode } from '../src/protocol/opcodes.js';
import { RawClient } from '../test/support/raw-client.js';
import type { SessionWorkerCommand, SessionWorkerStats } from './hostile-messages.js';

interface Held {
  index: number;
  client: RawClient;
  watches: string[];
  /** When its connection dropped; null while connected. */
  droppedAt: number | null;
  closing: boolean;
}

const REQUESTS_IN_FLIGHT = 500;
const CONNECTS_IN_FLIGHT = 100;
const RECONNECT_DELAY_MS = 100;
/** ZooKeeper's client waits a random 0..1000 ms before reconnecting (ClientCnxn). */
const RECONNECT_JITTER_MS = 1000;

const held: Held[] = [];
let endpoints: Array<{ host: string; port: number }> = [];
let timeoutMs = 30_000;
const stats: SessionWorkerStats = {
  kind: 'stats',
  open: 0,
  failedToOpen: 0,
  watches: 0,
  refusedWatches: 0,
  reconnects: 0,
  reconnecting: 0,
  expired: 0,
  gaveUp: 0,
  maxReconnectMs: 0,
  lostWatchEvents: 0,
};

function send(message: unknown): void {
  process.send?.(message);
}

/** Runs `task(i)` for i in [0, count), `limit` at a time. */
async function pool(count: number, limit: number, task: (i: number) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) await task(next++);
  });
  await Promise.all(lanes);
}

async function setWatches(client: RawClient, paths: string[]): Promise<void> {
  await pool(paths.length, REQUESTS_IN_FLIGHT, async (i) => {
    const path = paths[i] as string;
    const reply = await client.request({ type: OpCode.exists, path, watch: true });
    if (reply.header.err === -127) stats.refusedWatches++;
    else stats.watches++;
  });
  client.events.length = 0; // the raw client logs every reply; this load has millions
}

function watch(entry: Held): void {
  void entry.client.closed.then(() => {
    if (entry.closing) return;
    entry.droppedAt = Date.now();
    stats.open--;
    stats.reconnecting++;
    const jitter = Math.random() * RECONNECT_JITTER_MS;
    setTimeout(() => void reconnect(entry, entry.index + 1), jitter);
  });
}

async function reconnect(entry: Held, attempt: number): Promise<void> {
  const old = entry.client;
  const endpoint = endpoints[attempt % endpoints.length] as { host: string; port: number };
  const dropped = entry.droppedAt ?? Date.now();
  try {
    const client = await RawClient.connect(endpoint.host, endpoint.port, {
      timeoutMs,
      sessionId: old.sessionId,
      passwd: old.passwd,
      lastZxidSeen: old.lastZxid,
      connectTimeoutMs: 5000,
      replyTimeoutMs: 0,
    });
    if (client.timeOut === 0) {
      stats.expired++; // the ensemble says the session is gone
      stats.reconnecting--;
      return;
    }
    if (entry.watches.length > 0) {
      const reply = await client.request({
        type: OpCode.setWatches,
        relativeZxid: old.lastZxid,
        dataWatches: [],
        existWatches: entry.watches,
        childWatches: [],
        persistentWatches: [],
        persistentRecursiveWatches: [],
      });
      // Watched paths do not exist; a fired watch would mean an event was lost or invented.
      if (reply.header.err !== 0) stats.lostWatchEvents += entry.watches.length;
    }
    entry.client = client;
    entry.droppedAt = null;
    stats.reconnects++;
    stats.reconnecting--;
    stats.open++;
    stats.maxReconnectMs = Math.max(stats.maxReconnectMs, Date.now() - dropped);
    watch(entry);
  } catch {
    if (Date.now() - dropped > timeoutMs * 2) {
      stats.reconnecting--;
      stats.gaveUp++;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS * (1 + Math.random())));
    await reconnect(entry, attempt + 1);
  }
}

async function open(command: Extract<SessionWorkerCommand, { kind: 'open' }>): Promise<void> {
  endpoints = command.endpoints;
  timeoutMs = command.timeoutMs;
  keepAlive(); // from the start: setting a million watches takes longer than a timeout
  await pool(command.count, CONNECTS_IN_FLIGHT, async (i) => {
    const index = command.firstSession + i;
    const endpoint = endpoints[index % endpoints.length] as { host: string; port: number };
    let client: RawClient;
    try {
      client = await RawClient.connect(endpoint.host, endpoint.port, {
        timeoutMs,
        connectTimeoutMs: 20_000,
        replyTimeoutMs: 0,
      });
    } catch {
      stats.failedToOpen++;
      return;
    }
    const watches = Array.from(
      { length: command.watchesPerSession },
      (_, w) => `${command.watchPrefix}/s${index}-w${w}`,
    );
    const entry: Held = { index, client, watches, droppedAt: null, closing: false };
    held.push(entry);
    stats.open++;
    watch(entry);
  });
  // Watches after every session is open, a few sessions at a time.
  await pool(held.length, 4, async (i) => {
    const entry = held[i] as Held;
    await setWatches(entry.client, entry.watches);
  });
  send({ kind: 'opened' });
}

/** Pings every session at a third of its timeout, as a client library does. */
function keepAlive(): void {
  setInterval(() => {
    for (const entry of held) {
      if (entry.droppedAt === null && entry.client.isOpen) {
        entry.client.ping().catch(() => undefined);
        entry.client.events.length = 0;
      }
    }
  }, timeoutMs / 3).unref();
}

async function closeAll(): Promise<void> {
  await pool(held.length, CONNECTS_IN_FLIGHT, async (i) => {
    const entry = held[i] as Held;
    entry.closing = true;
    if (!entry.client.isOpen) return;
    try {
      await entry.client.close();
    } catch {
      entry.client.destroy();
    }
  });
  send({ kind: 'closed' });
}

process.on('message', (command: SessionWorkerCommand) => {
  if (command.kind === 'open') {
    void open(command).catch((error: unknown) => {
      send({ kind: 'failed', message: String(error) });
    });
  } else if (command.kind === 'stats') {
    send(stats);
  } else if (command.kind === 'storm') {
    // Every client at once, as after a leader change where each member drops its clients.
    for (const entry of held) if (entry.droppedAt === null) entry.client.destroy();
    send({ kind: 'stormed' });
  } else if (command.kind === 'close') {
    void closeAll().then(() => process.exit(0));
  }
});
