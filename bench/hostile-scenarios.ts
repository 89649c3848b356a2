/**
 * The single-server loads of the hostile-load benchmark, each on a fresh standalone server
 * with the memory bound configured: many sessions, many watches, one parent with many
 * children (and reads of its child list), and a big znode read by clients that never read.
 */
import { connect, type Socket } from 'node:net';
import { PROMETHEUS_PROVIDER } from '../src/config/config-operations.js';
import { OpCode } from '../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../src/tree/acl.js';
import { BareSession } from '../test/support/bare-session.js';
import { getDataFrames, handshakeFrame } from '../test/support/hostile-frames.js';
import { sampleOf, scrapeMetrics } from '../test/support/metrics-scrape.js';
import { freePort, LOOPBACK_HOST } from '../test/support/ports.js';
import { RawClient } from '../test/support/raw-client.js';
import { sleep } from '../test/support/server-process.js';
import { startWarren, type RunningServer } from '../test/support/warren-proc.js';
import { measure, type LoadFigures, type LoadOutcome } from './hostile-measure.js';
import { serverConfig, type HostOptions } from './hostile-server-config.js';
import { SessionWorkers } from './hostile-workers.js';

const acl = [...OPEN_ACL_UNSAFE];
const SESSION_TIMEOUT_MS = 30_000;

async function withServer(
  o: HostOptions,
  load: string,
  scale: string,
  run: (server: RunningServer, metricsPort: number) => Promise<LoadOutcome>,
  config: Record<string, string> = {},
): Promise<LoadFigures> {
  const metricsPort = await freePort();
  const server = await startWarren({
    config: {
      ...serverConfig(o),
      'metricsProvider.className': PROMETHEUS_PROVIDER,
      'metricsProvider.httpHost': LOOPBACK_HOST,
      'metricsProvider.httpPort': String(metricsPort),
      ...config,
    },
    readyTimeoutMs: 60_000,
  });
  try {
    const watched = [{ pid: server.pid, metricsPort }];
    const endpoints = [{ host: server.host, port: server.port }];
    const target = { watched, endpoints, alive: () => watched };
    return await measure(load, scale, target, () => run(server, metricsPort));
  } finally {
    await server.stop();
  }
}

export function sessionsLoad(o: HostOptions): Promise<LoadFigures> {
  return withServer(o, 'sessions', `${o.sessions} sessions`, async (server) => {
    const started = Date.now();
    const workers = await SessionWorkers.open({
      endpoints: [{ host: server.host, port: server.port }],
      sessions: o.sessions,
      workers: o.workers,
      timeoutMs: SESSION_TIMEOUT_MS,
      watchesPerSession: 0,
      watchPrefix: '/none',
    });
    const openMs = Date.now() - started;
    await sleep(o.holdMs);
    const stats = await workers.stats();
    return {
      notes: { open: stats.open, failedToOpen: stats.failedToOpen, expired: stats.expired, openMs },
      release: () => workers.close(),
    };
  });
}

export function watchesLoad(o: HostOptions): Promise<LoadFigures> {
  const sessions = Math.max(1, Math.min(100, Math.ceil(o.watches / 10_000)));
  const perSession = Math.ceil(o.watches / sessions);
  const scale = `${sessions * perSession} watches over ${sessions} sessions`;
  return withServer(o, 'watches', scale, async (server) => {
    const started = Date.now();
    const workers = await SessionWorkers.open({
      endpoints: [{ host: server.host, port: server.port }],
      sessions,
      workers: Math.min(o.workers, sessions),
      timeoutMs: SESSION_TIMEOUT_MS,
      watchesPerSession: perSession,
      watchPrefix: '/watched',
    });
    const setMs = Date.now() - started;
    await sleep(o.holdMs);
    const stats = await workers.stats();
    return {
      notes: { watches: stats.watches, refused: stats.refusedWatches, setMs },
      release: () => workers.close(),
    };
  });
}

export function childrenLoad(o: HostOptions): Promise<LoadFigures> {
  const scale = `1 parent, ${o.children} children`;
  return withServer(o, 'children', scale, async (server, metricsPort) => {
    const client = await RawClient.connect(server.host, server.port, {
      timeoutMs: SESSION_TIMEOUT_MS,
      replyTimeoutMs: 0,
      frameBytesMax: 256 * 1024 * 1024,
    });
    await client.request({ type: OpCode.create, path: '/c', data: null, acl, flags: 0, ttl: -1 });
    const started = Date.now();
    const batch = 1000;
    const inFlight: Promise<unknown>[] = [];
    for (let base = 0; base < o.children; base += batch) {
      const ops = [];
      for (let i = base; i < Math.min(o.children, base + batch); i++) {
        const path = `/c/n${String(i).padStart(7, '0')}`;
        ops.push({ type: OpCode.create, path, data: null, acl, flags: 0, ttl: -1 } as const);
      }
      inFlight.push(client.request({ type: OpCode.multi, ops }));
      if (inFlight.length >= 16) await inFlight.shift();
      if (base % 100_000 === 0) client.events.length = 0;
    }
    await Promise.all(inFlight);
    client.events.length = 0;
    const fillMs = Date.now() - started;
    // The fill's event-loop delay goes to the notes (this scrape starts a new window): the
    // row's loop columns are the listings'.
    const fillLoop = await scrapeMetrics(metricsPort);
    const fillLoopMs = (quantile: string) => {
      const key = `warren_event_loop_delay_seconds{quantile="${quantile}"}`;
      return Math.round(sampleOf(fillLoop, key) * 10_000) / 10;
    };
    // The expensive read of such a parent: its whole child list, three times, timed to the
    // last byte of the reply on a bare socket (decoding 1M names would be timed too).
    const lister = await BareSession.open(server);
    const listMs: number[] = [];
    const request = { type: OpCode.getChildren, path: '/c', watch: false } as const;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await lister.request(request);
      listMs.push(Math.round(performance.now() - t0));
    }
    lister.close();
    const reply = await client.request(request);
    const listed = reply.response?.kind === 'children' ? reply.response.children.length : -1;
    client.events.length = 0;
    return {
      notes: {
        fillMs,
        fillLoopP999Ms: fillLoopMs('0.999'),
        fillLoopMaxMs: fillLoopMs('1'),
        listed,
        getChildrenMs: listMs.join('/'),
      },
      release: () => client.close().then(() => undefined),
    };
  });
}

/** A socket that sends a handshake and `count` getData of `path`, and never reads. */
async function nonReader(server: RunningServer, path: string, count: number): Promise<Socket> {
  const socket = connect({ host: server.host, port: server.port });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.pause();
  socket.write(Buffer.concat([handshakeFrame(SESSION_TIMEOUT_MS), getDataFrames(path, count)]));
  return socket;
}

export function bigReadersLoad(o: HostOptions): Promise<LoadFigures> {
  const scale =
    `${o.bigReaders} non-readers × ${o.bigRequests} getData of 1 MB, ` +
    `clientOutputBytesMax ${o.bigOutputMiB} MiB`;
  const output = { 'warren.clientOutputBytesMax': String(o.bigOutputMiB * 1024 * 1024) };
  return withServer(
    o,
    'big-readers',
    scale,
    async (server) => {
      const writer = await RawClient.connect(server.host, server.port, { timeoutMs: 30_000 });
      const data = Buffer.alloc(1_000_000, 7);
      await writer.request({ type: OpCode.create, path: '/big', data, acl, flags: 0, ttl: -1 });
      await writer.close();
      const sockets: Socket[] = [];
      for (let i = 0; i < o.bigReaders; i++) {
        sockets.push(await nonReader(server, '/big', o.bigRequests));
      }
      // Past warren.clientStallMs the server drops the ones that never read.
      await sleep(o.holdMs + o.clientStallMs);
      return {
        notes: { requested: `${(o.bigReaders * o.bigRequests) / 1000} GB of replies` },
        release: () => {
          for (const socket of sockets) socket.destroy();
          return Promise.resolve();
        },
      };
    },
    output,
  );
}
