/**
 * Start-up and shutdown of an ensemble member (zoo.cfg with server.N lines and a myid file):
 * open the Raft storage, rebuild the tree from the newest snapshot, start the peer transport,
 * the consensus driver and the client port. Committed entries after the snapshot are applied
 * as soon as the node learns the commit index. A graceful stop of the leader hands
 * leadership to the most caught-up voter first, so clients see no election timeout.
 */
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { RaftNode, SeededRandom, type Membership } from '../consensus/index.js';
import { Replica } from '../replication/replica.js';
import type { EnsembleServer } from '../config/config-ensemble.js';
import type { ServerConfig } from '../config/config.js';
import { WarrenServer } from '../server/server.js';
import type { Standalone } from '../server/standalone.js';
import { DataTree } from '../tree/data-tree.js';
import { beginSnapshot, loadSnapshot } from '../tree/snapshot-codec.js';
import { EnsembleSnapshots } from './ensemble-snapshots.js';
import { EnsembleMember, type MemberOptions } from './member.js';
import { readMyId } from '../config/myid.js';
import { PeerTransport } from '../peer/peer-transport.js';
import { DurableLog } from '../member/durable-log.js';
import { ensembleTiming, type EnsembleTiming } from './timing.js';

export interface EnsembleHandle extends Standalone {
  member: EnsembleMember;
  transport: PeerTransport;
}

export async function startEnsembleMember(
  config: ServerConfig,
  logger: Logger,
  onFatal: (error: Error) => void,
): Promise<EnsembleHandle> {
  await mkdir(config.dataDir, { recursive: true });
  await mkdir(config.dataLogDir, { recursive: true });
  const servers = config.ensemble.servers;
  const self = await readMyId(config.dataDir, servers);
  const log = logger.child({ myid: self.id });
  const started = Date.now();
  const { storage, tree } = await openState(config, log);
  const snapshotIndex = storage.snapshot().meta.index;
  const timing = ensembleTiming(config);
  const node = new RaftNode({
    id: self.id,
    storage,
    random: new SeededRandom((Math.random() * 0x7fffffff) | 0),
    electionTicks: timing.electionTicks,
    heartbeatTicks: timing.heartbeatTicks,
    preVote: true,
    checkQuorum: true,
  });
  const replica = new Replica(node, tree, snapshotIndex, {
    extendedTypesEnabled: config.extendedTypesEnabled,
  });
  const snapshots = new EnsembleSnapshots(storage, config.snapCount, log);
  const parts = { node, storage, replica, snapshots, logger: log, onFatal };
  const member = newMember(config, self.id, timing, parts);
  const server = new WarrenServer({
    config: {
      ...config,
      clientPort: self.clientPort ?? config.clientPort,
      clientPortAddress: self.clientHost ?? config.clientPortAddress,
    },
    tree,
    logger: log,
    writePath: () => member,
    serverId: self.id,
  });
  const transport = peerTransport(self, servers, member, log);
  member.attach(server, transport);
  await transport.start();
  const { host, port } = await server.listen();
  const timers = startTimers(member, timing, config.tickTime);
  // Kick the first Ready: committed entries after the snapshot get applied.
  member.driver.run(() => undefined);
  const { raftTickMs, electionTicks } = timing;
  const electionTimeoutMs = raftTickMs * electionTicks;
  const [lastIndex, zxid, ms] = [storage.lastIndex(), tree.lastZxid, Date.now() - started];
  const facts = { host, port, peerPort: self.peerPort, snapshotIndex, lastIndex, zxid, ms };
  log.info({ ...facts, raftTickMs, electionTimeoutMs }, 'Warren ensemble member is serving');
  const stopTimers = () => timers.forEach((t) => clearInterval(t));
  return {
    server,
    host,
    port,
    member,
    transport,
    snapshot: () => snapshots.snapshot(replica.tree, replica.applied, node.status().membership),
    async close() {
      await handOffLeadership(member, timing.raftTickMs * timing.electionTicks);
      stopTimers();
      member.stop();
      await server.close();
      await transport.close();
      await snapshots.settle();
      await storage.close();
    },
  };
}

function newMember(
  config: ServerConfig,
  selfId: number,
  timing: EnsembleTiming,
  parts: Pick<MemberOptions, 'node' | 'storage' | 'replica' | 'snapshots' | 'logger' | 'onFatal'>,
): EnsembleMember {
  return new EnsembleMember({
    ...parts,
    selfId,
    staticServers: config.ensemble.servers,
    reconfigEnabled: config.reconfigEnabled,
    joinTimeoutMs: timing.joinTimeoutMs,
    leaderlessGraceMs: 2 * timing.raftTickMs * timing.electionTicks,
    readOnlyModeEnabled: config.readOnlyModeEnabled,
    requestTimeoutMs: timing.requestTimeoutMs,
  });
}

/** The server-to-server links: everyone in zoo.cfg but us (reconfig adds and drops). */
function peerTransport(
  self: EnsembleServer,
  servers: readonly EnsembleServer[],
  member: EnsembleMember,
  log: Logger,
): PeerTransport {
  return new PeerTransport({
    selfId: self.id,
    listenHost: self.host,
    listenPort: self.peerPort,
    peers: servers
      .filter((s) => s.id !== self.id)
      .map((s) => ({ id: s.id, host: s.host, port: s.peerPort })),
    logger: log.child({ module: 'peers' }),
    onMessage: (from, payload) => member.onPeerMessage(from, payload),
    onUnreachable: (id) => member.onUnreachable(id),
  });
}

/** Opens the Raft storage (bootstrapping a founding member) and rebuilds the tree. */
async function openState(config: ServerConfig, log: Logger) {
  const servers = config.ensemble.servers;
  const membership: Membership = {
    voters: servers.filter((s) => s.role === 'participant').map((s) => s.id),
    learners: servers.filter((s) => s.role === 'observer').map((s) => s.id),
  };
  const { storage, snapshotRecords } = await DurableLog.open({
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    logger: log.child({ module: 'storage' }),
    initialMembership: config.join ? { voters: [], learners: [] } : membership,
    snapRetainCount: config.snapRetainCount,
  });
  const fresh = storage.lastIndex() === 0;
  if (fresh && !config.join) await bootstrap(storage, membership);
  if (fresh && config.join) log.info('new member: waiting for the leader to add it (reconfig)');
  const tree = snapshotRecords === null ? new DataTree() : loadSnapshot(snapshotRecords);
  return { storage, tree };
}

/** Raft ticks, session relays, write deadlines, and the leader's configuration upkeep. */
function startTimers(member: EnsembleMember, timing: EnsembleTiming, tickTime: number) {
  const electionTimeoutMs = timing.raftTickMs * timing.electionTicks;
  const timers = [
    setInterval(() => member.driver.tick(), timing.raftTickMs),
    setInterval(() => member.relayTouches(), Math.max(1, Math.floor(tickTime / 2))),
    setInterval(() => member.expirePending(), 1000),
    setInterval(() => member.maintainConfig(), 1000),
    setInterval(() => member.checkLinks(electionTimeoutMs), timing.raftTickMs * 2),
  ];
  for (const timer of timers) timer.unref();
  return timers;
}

/**
 * A founding member starts from the same snapshot at index 1 (term 1) as every other: the
 * membership of zoo.cfg and an empty tree. Its log then begins at 2, so a server that joins
 * later (warren.join) is sent a snapshot first and learns the true membership from it,
 * instead of replaying a log that never mentions the founders.
 */
async function bootstrap(storage: DurableLog, membership: Membership): Promise<void> {
  const image = beginSnapshot(new DataTree());
  const records: Buffer[] = [];
  // Each record is a view until the next is asked for: copy as we go.
  for (const record of image.records) records.push(Buffer.from(record));
  image.abandon();
  const meta = { index: 1, term: 1, membership };
  await storage.persist({
    snapshot: { meta, data: Buffer.alloc(0), records },
    entries: [],
    hardState: { term: 1, vote: 0, commit: 1 },
  });
}

/** The leader hands over to its most caught-up voter and waits (bounded) for the change. */
async function handOffLeadership(member: EnsembleMember, waitMs: number): Promise<void> {
  const node = member.driver.node;
  const status = node.status();
  if (!member.replica.isLeader) return;
  const candidates = status.membership.voters.filter((id) => id !== status.id);
  if (candidates.length === 0) return;
  const target = candidates.reduce((best, id) =>
    (status.match.get(id) ?? 0) > (status.match.get(best) ?? 0) ? id : best,
  );
  member.driver.run(() => void node.transferLeadership(target));
  const deadline = Date.now() + waitMs;
  while (member.replica.isLeader && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
