/**
 * Start-up and shutdown of a server, the same for every mode: a standalone server (no
 * server.N lines, or one with standaloneEnabled) is a member that is the only voter, id 1,
 * without a peer port; an ensemble member reads its id from myid. Either way: convert a 0.1.0
 * standalone directory if there is one, open the Raft storage (bootstrapping a new one),
 * rebuild the tree from the newest snapshot, start the member and the client port. Committed
 * entries after the snapshot are applied by the first Ready; the only voter elects itself at
 * once and serves once it leads. The environment (clock, disk, sockets) is passed in, so the
 * simulator starts members with this same code.
 */
import type { Logger } from 'pino';
import { RaftNode, SeededRandom, type Membership } from '../consensus/index.js';
import type { EnsembleServer } from '../config/config-ensemble.js';
import type { ClientSasl } from '../config/client-sasl.js';
import type { ServerConfig } from '../config/config.js';
import { readMyId } from '../config/myid.js';
import { Replica } from '../replication/replica.js';
import type { ClientListener } from '../server/client-socket.js';
import { WarrenServer } from '../server/server.js';
import type { DirectoryLocks } from '../storage/directory-lock.js';
import type { Disk } from '../storage/disk.js';
import { DataTree } from '../tree/data-tree.js';
import { beginSnapshot } from '../tree/snapshot-codec.js';
import type { Runtime } from '../util/runtime.js';
import { clientPorts } from './client-ports.js';
import { convertStandaloneIfNeeded } from './convert-standalone.js';
import { claimIdentity } from './member-identity.js';
import { DurableLog } from './durable-log.js';
import { EnsembleMember, type ApplyObserver } from './member.js';
import type { MemberEvents } from './member-events.js';
import { noPeers, type PeerAddress, type PeerEvents, type PeerNetwork } from './peer-network.js';
import { ApplyError } from '../replication/apply-error.js';
import { noteFatal } from './apply-failure-marker.js';
import { SnapshotPolicy } from './snapshot-policy.js';
import { raftSnapshotAtHeldBytes } from '../util/limits.js';
import { treeLoading } from './snapshot-loading.js';
import { verifyUpload } from './restore-upload.js';
import { ensembleTiming } from './timing.js';

/** What a member needs from the world; production's is member/node-environment.ts. */
export interface MemberEnvironment {
  readonly runtime: Runtime;
  readonly disk: Disk;
  readonly logger: Logger;
  /** The client port. */
  clients(host: string, port: number): ClientListener;
  /** secureClientPort, over TLS (member/client-ports.ts); absent where TLS is not set up. */
  secureClients?(host: string, port: number): ClientListener;
  /** SASL on the client port (security/client-sasl.ts); absent or null: none. */
  readonly clientSasl?: ClientSasl | null;
  /** The peer port and links to `peers`; started (listening, dialling) when it resolves. */
  peers(self: EnsembleServer, peers: PeerAddress[], events: PeerEvents): Promise<PeerNetwork>;
  /** The member stopped for good (see MemberOptions.onFatal): the process should exit. */
  onFatal(error: Error): void;
  /** Sees every entry as it is applied, with the tree just after it (the simulator's checks). */
  readonly observer?: ApplyObserver;
  /** Durations and leader changes, for metrics (metrics/); absent: not observed. */
  readonly events?: MemberEvents;
  /**
   * Locks the data directories against other processes (storage/directory-lock.ts), held
   * until close. Production's always does; the simulator has none: its disk is its own.
   */
  lockDirectories?(directories: readonly string[]): Promise<DirectoryLocks>;
}

export interface MemberHandle {
  readonly server: WarrenServer;
  readonly member: EnsembleMember;
  readonly storage: DurableLog;
  readonly host: string;
  readonly port: number;
  /** Takes a snapshot now (tests, SIGUSR2, admin); resolves with its index. */
  snapshot(): Promise<number>;
  /** Hands leadership over (if leading and others can take it), then stops cleanly. */
  close(): Promise<void>;
}

/** What the operator asked for at this start only (flags of `warren server`, not zoo.cfg). */
export interface StartOptions {
  /**
   * --repair-log: drop damage at the end of the WAL, and lower a stored commit index past the
   * log's end, each after a warning saying what goes, instead of refusing to start.
   */
  readonly repairLog?: boolean;
}

/** The standalone server's identity: the only voter of its own one-member ensemble. */
const STANDALONE_ID = 1;
/** How long start-up waits to apply what was committed (and, alone, to lead) before serving. */
const soleVoterReadyMs = 30_000;

/** Whether `config` runs a standalone server (ZooKeeper's rule, standaloneEnabled). */
export function isStandalone(config: ServerConfig): boolean {
  const servers = config.ensemble.servers.length;
  return servers === 0 || (servers === 1 && config.standaloneEnabled);
}

export async function startMember(
  config: ServerConfig,
  env: MemberEnvironment,
  options: StartOptions = {},
): Promise<MemberHandle> {
  if (config.ensemble.servers.length === 1 && config.standaloneEnabled) {
    env.logger.info('one server.N line and standaloneEnabled: running standalone');
  }
  const standalone = isStandalone(config);
  const readText = async (path: string) => (await env.disk.readFile(path)).toString('latin1');
  const self = standalone
    ? standaloneSelf(config)
    : await readMyId(config.dataDir, servers(config), readText);
  const logger = standalone ? env.logger : env.logger.child({ myid: self.id });
  const started = env.runtime.now();
  const alive = env.runtime.keepAlive();
  try {
    const repairLog = options.repairLog === true;
    return await start(config, env, { standalone, self, logger, started, repairLog });
  } finally {
    alive.cancel();
  }
}

interface StartFacts {
  standalone: boolean;
  self: EnsembleServer;
  logger: Logger;
  started: number;
  repairLog: boolean;
}

async function start(
  config: ServerConfig,
  env: MemberEnvironment,
  facts: StartFacts,
): Promise<MemberHandle> {
  await env.disk.makeDirectory(config.dataDir);
  await env.disk.makeDirectory(config.dataLogDir);
  const locks = (await env.lockDirectories?.([config.dataDir, config.dataLogDir])) ?? null;
  try {
    return await startLocked(config, env, facts, locks);
  } catch (error) {
    await locks?.release();
    throw error;
  }
}

async function startLocked(
  config: ServerConfig,
  env: MemberEnvironment,
  facts: StartFacts,
  locks: DirectoryLocks | null,
): Promise<MemberHandle> {
  const { standalone, self, logger, started } = facts;
  await claimIdentity(env.disk, config.dataDir, self.id);
  await convertStandaloneIfNeeded({
    ...config,
    disk: env.disk,
    logger,
    runtime: env.runtime,
    selfId: self.id,
  });
  const { storage, tree } = await openState(config, facts, env.disk, env.runtime);
  const parts = buildMember(config, self, standalone, storage, tree, { ...env, logger });
  const { member, server } = parts;
  const timing = ensembleTiming(config);
  const peers = standalone ? noPeers : await startPeers(config, self, member, env);
  member.connect(peers);
  member.start();
  await member.whenReady(soleVoterReadyMs);
  const { host, port } = await server.listen();
  const ms = env.runtime.now() - started;
  const what = standalone ? 'Warren standalone server is serving' : 'Warren member is serving';
  const shown = { host, port, zxid: tree.lastZxid, index: storage.lastIndex(), ms };
  logger.info({ ...shown, raftTickMs: timing.raftTickMs, dataDir: config.dataDir }, what);
  return {
    server,
    member,
    storage,
    host,
    port,
    snapshot: () =>
      parts.snapshots.snapshot(member.replica.tree, member.replica.applied, member.membership()),
    async close() {
      await member.handOffLeadership(timing.raftTickMs * timing.electionTicks);
      member.stop();
      await server.close();
      await peers.close();
      await parts.snapshots.settle();
      await storage.close();
      await locks?.release();
    },
  };
}

function servers(config: ServerConfig): readonly EnsembleServer[] {
  return config.ensemble.servers;
}

function standaloneSelf(config: ServerConfig): EnsembleServer {
  return {
    id: STANDALONE_ID,
    host: config.clientPortAddress,
    peerPort: 0,
    electionPort: 0,
    role: 'participant',
    clientHost: config.clientPortAddress,
    clientPort: config.clientPort ?? undefined,
  };
}

function buildMember(
  config: ServerConfig,
  self: EnsembleServer,
  standalone: boolean,
  storage: DurableLog,
  tree: DataTree,
  env: MemberEnvironment,
) {
  const { runtime, logger } = env;
  const timing = ensembleTiming(config);
  const node = new RaftNode({
    id: self.id,
    storage,
    random: new SeededRandom(runtime.randomInt(0x7fffffff)),
    electionTicks: timing.electionTicks,
    heartbeatTicks: timing.heartbeatTicks,
    preVote: true,
    checkQuorum: true,
  });
  const snapshotIndex = storage.snapshot().meta.index;
  const replica = new Replica(node, tree, snapshotIndex, {
    extendedTypesEnabled: config.extendedTypesEnabled,
    pathBytesMax: config.pathBytesMax,
    loadRestoreImage: (image) => verifyUpload(image).tree,
  });
  const snapshots = new SnapshotPolicy(
    storage,
    config.snapCount,
    runtime,
    logger,
    env.events,
    snapshotAtBytes(config.snapSizeLimitKb),
  );
  const member = new EnsembleMember({
    selfId: self.id,
    staticServers: standalone ? [self] : servers(config),
    standalone,
    reconfigEnabled: config.reconfigEnabled,
    readOnlyModeEnabled: config.readOnlyModeEnabled,
    timing,
    tickTime: config.tickTime,
    node,
    storage,
    replica,
    snapshots,
    logger,
    runtime,
    observer: env.observer,
    events: env.events,
    onFatal: (error) => {
      // Only an entry that cannot be applied leaves a note (and waits for it to be written).
      if (!(error instanceof ApplyError)) return env.onFatal(error);
      void noteFatal(env.disk, config.dataDir, error).then((reported) => env.onFatal(reported));
    },
  });
  const server = new WarrenServer({
    config,
    tree,
    logger,
    runtime,
    clients: clientPorts(config, self, env),
    writePath: () => member,
    serverId: self.id,
    quorumSelf: standalone ? null : self,
    sasl: env.clientSasl ?? null,
  });
  member.attach(server);
  return { member, server, snapshots };
}

/** The server-to-server links: everyone in zoo.cfg but us (reconfig adds and drops). */
function startPeers(
  config: ServerConfig,
  self: EnsembleServer,
  member: EnsembleMember,
  env: MemberEnvironment,
): Promise<PeerNetwork> {
  const peers = servers(config)
    .filter((s) => s.id !== self.id)
    .map((s) => ({ id: s.id, host: s.host, port: s.peerPort }));
  return env.peers(self, peers, {
    onMessage: (from, payload) => member.dispatch.onPeerMessage(from, payload),
    onUnreachable: (id) => member.dispatch.onUnreachable(id),
  });
}

/** Opens the Raft storage (bootstrapping a founding member) and rebuilds the tree. */
async function openState(config: ServerConfig, facts: StartFacts, disk: Disk, runtime: Runtime) {
  const { standalone, logger, repairLog } = facts;
  const selfId = facts.self.id;
  const membership: Membership = standalone
    ? { voters: [selfId], learners: [] }
    : {
        voters: servers(config)
          .filter((s) => s.role === 'participant')
          .map((s) => s.id),
        learners: servers(config)
          .filter((s) => s.role === 'observer')
          .map((s) => s.id),
      };
  const loading = treeLoading(logger, () => runtime.now());
  const { storage } = await DurableLog.open({
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    logger: logger.child({ module: 'storage' }),
    disk,
    initialMembership: config.join ? { voters: [], learners: [] } : membership,
    snapRetainCount: config.snapRetainCount,
    // Less than a snapshot's worth stays behind it, or snapshots would follow each other.
    retainBytes: snapshotAtBytes(config.snapSizeLimitKb) / 2,
    repairLog,
    snapshotLoader: loading.load,
  });
  const fresh = storage.lastIndex() === 0;
  if (fresh && !config.join) await bootstrap(storage, membership);
  if (fresh && config.join) logger.info('new member: waiting for the leader to add it (reconfig)');
  return { storage, tree: loading.tree() ?? new DataTree() };
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

/** Entry bytes in the log that call for a snapshot: snapSizeLimitInKb, within Warren's bound. */
function snapshotAtBytes(limitKb: number): number {
  if (limitKb <= 0) return raftSnapshotAtHeldBytes;
  return Math.min(limitKb * 1024, raftSnapshotAtHeldBytes);
}
