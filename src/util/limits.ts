/**
 * Every fixed cap in Warren, with the reason for its size, in one place. (Operator-tunable
 * caps — jute.maxbuffer, connections, sessions, watches, outstanding requests — are settings
 * in server/config.ts, bounded here.) The relations between caps are asserted at import time,
 * so a bad edit fails at start-up instead of on a production disk.
 */
import { assert } from './assert.js';

const KiB = 1024;
const MiB = 1024 * KiB;

// ---- wire ----

/** The largest jute.maxbuffer an operator may configure: a txn must fit in one WAL record. */
export const frameBytesMaxCeiling = 8 * MiB;
/**
 * A reply may be this much longer than jute.maxbuffer: the largest znode a request can write
 * comes back with a reply header and a stat around it (88 bytes more than its data, a
 * multiRead's a little more), and what was written must always be readable.
 */
export const replyHeadroomBytes = 1024;
/** Sub-operations in one multi; the frame size bounds it long before this. */
export const multiOpsMax = 100_000;
/** A connection that has not finished its handshake by then is closed (ZooKeeper: 10 s). */
export const handshakeTimeoutMs = 10_000;

// ---- watches ----

/**
 * Estimated bytes a watch takes besides its path: its entries in the session's set and in
 * the path's table. Measured ~290 bytes a watch for 24-character paths (200k watches) while
 * each path's watchers were a Set; about 75 since a path's only watcher is held as itself.
 * The estimate stays on the safe side: the budget refuses early rather than late.
 */
export const watchOverheadBytes = 256;
/** The smallest warren.watchBytesMax: room for a few hundred watches. */
export const watchBytesMaxMin = 64 * KiB;

// ---- memory and request throttling ----

/** How often warren.memoryBytesMax is checked (a connection's output budget bounds a burst). */
export const memoryCheckIntervalMs = 50;
/**
 * Reply bytes built in one event-loop turn before further requests wait for the next turn:
 * some milliseconds of copying. 300 clients pipelining 1 MB reads used to hold the loop for
 * seconds in one turn.
 */
export const replyBytesPerTurnMax = 8 * MiB;
/**
 * Requests started in one event-loop turn before further ones wait for the next turn (a few
 * milliseconds of small reads): 100 clients pipelining 500 reads each held one turn for
 * hundreds of milliseconds.
 */
export const requestsPerTurnMax = 1000;
/**
 * Child-list bytes encoded in one event-loop turn, over every big getChildren reply being built
 * (server/children-replies.ts): 1-2 ms on an idle core (512 KiB slices took 10-30 ms on the
 * loaded 2-core machine). A list of 1M names encoded in one go held the loop 40-130 ms
 * (24-character names: 350 ms) while every other client waited. A list smaller than this is
 * encoded at once.
 */
export const childrenEncodeBytesPerTurn = 256 * KiB;
/** The least a list being built gets of a turn's share (at most 16 lists get one a turn). */
export const childrenSliceBytesMin = 16 * KiB;
/**
 * Copying a parent's child names (what a big getChildren reply is then built from) counts as
 * one request against requestsPerTurnMax per this many names: 1M names take 7-20 ms, a full
 * turn's worth of small reads.
 */
export const childNamesPerRequest = 1000;
/**
 * Encoded child lists kept for reuse until their parent's children change (ZooKeeper keeps
 * 400 getChildren2 replies, whatever their size): one list of 1M names of 8 to 24 characters
 * is 12-28 MB. Only lists built over several turns are kept, so at most 64 of them.
 */
export const childrenCacheBytesMax = 32 * MiB;
/** Client connections closed in one turn when all are dropped (server.dropClients). */
export const connectionsClosedPerTurnMax = 250;
/**
 * Watches of closed connections and sessions removed in one turn (server/watch-drops.ts), a
 * few milliseconds' worth: 100 sessions of 10k watches closed in one Ready held the loop for
 * 480 ms, and 3k connections of 10 watches dropped at once in a reconnect storm 100 ms.
 */
export const watchesDroppedPerTurnMax = 5000;
/**
 * Connections whose turn's output is written at the end of one turn (server/turn-output.ts);
 * the rest go next turn. One socket write takes 15-20 us: 3k clients answered in one turn of
 * a reconnect storm held the loop for 40-70 ms.
 */
export const socketFlushesPerTurnMax = 1000;
/** Reply bytes built between two looks at memory within one turn. */
export const memoryRecheckBytes = 16 * MiB;
/**
 * Over warren.memoryBytesMax, a connection with more reply bytes unsent than this is held and
 * one with less is served (server/memory-holds.ts): a client reading its replies keeps far less
 * queued, and a non-reader served while light adds at most one reply before it is held.
 */
export const memoryLightOutputBytes = 64 * KiB;
/**
 * And with more requests than this queued (a client pipelining reads it does not read: each
 * is a reply to come); a well-behaved client waiting for its answers has a few.
 */
export const memoryLightOutstandingMax = 64;
/**
 * While light connections are served over the bound, how far past it (a share of the bound,
 * at least memoryRecheckBytes) before everyone is held. Holding everyone alone overshot by
 * 3.7% (requests already read and queued).
 */
export const memoryOvershootRatio = 0.05;
/** Reads resume once memory is back under this share of warren.memoryBytesMax (hysteresis). */
export const memoryResumeRatio = 0.9;
/**
 * Over the bound, a full collection first tells garbage from live data; at most this often,
 * since one pass over a large heap stops the event loop for a while.
 */
export const memoryCollectIntervalMs = 1000;
/** While reads are held, sessions of the held connections are kept alive this often. */
export const memoryHeldTouchIntervalMs = 1000;
/** The smallest non-zero warren.memoryBytesMax: an empty server uses about half of it. */
export const memoryBytesMaxMin = 128 * MiB;
/** The largest warren.memoryBytesMax (1 TiB): a safe integer, far above any machine here. */
export const memoryBytesMaxCeiling = 1024 * 1024 * MiB;

// ---- client addresses ----

/**
 * Addresses whose session-creation rate is remembered; past this the least recently seen is
 * forgotten (it starts again with a full bucket, which costs one second's worth at most).
 */
export const addressesTrackedMax = 65_536;
/** A refused address is logged at most once per this interval. */
export const refusalLogIntervalMs = 60_000;

// ---- HTTP listeners (metrics, AdminServer) ----

/** Connections one HTTP listener holds at once: a scraper or two and an operator's curl. */
export const httpConnectionsMax = 64;
/** Request line and headers: a GET with an Authorization header fits in far less. */
export const httpHeaderBytesMax = 8 * KiB;
/** A request must arrive whole within this (slow-loris senders are cut off). */
export const httpRequestTimeoutMs = 10_000;
/**
 * The largest AdminServer answer; listings (connections, watches, dump) stop here and say
 * so. Well above any monitoring tool's need, well below what could hold the process up.
 */
export const adminAnswerBytesMax = 8 * MiB;
/** The AdminServer's `snapshot` runs at most once per this (ZooKeeper limits it too). */
export const adminSnapshotIntervalMs = 60_000;
/**
 * The largest snapshot the AdminServer's `restore` takes. The upload is held in memory and
 * loaded into a second tree beside the live one, so it is capped well below snapshotBytesMax;
 * a larger tree is restored offline (`warren restore`).
 */
export const adminRestoreBytesMax = 512 * MiB;
/** A restore waits this long between tries while writes are in flight, at most this often. */
export const restoreRetryMs = 50;
export const restoreTriesMax = 100;
/** How long a restore accepted by the core may take to be installed before it reports failure. */
export const restoreInstallMs = 120_000;
/**
 * The largest snapshot an ensemble restores online (member/replicated-restore.ts): it goes
 * through the log, so every member holds it in its log's memory (raftHeldEntryBytesMax) and
 * as chunks until the commit entry, and no member snapshots meanwhile. A larger tree is
 * restored offline (`warren restore` on the first member).
 */
export const restoreLogBytesMax = 128 * MiB;
/** One chunk entry of a restore: well under one append message and one WAL record. */
export const restoreChunkBytes = 512 * KiB;
/** Chunk bytes the leader has proposed and not yet seen applied (the rest wait). */
export const restoreWindowBytes = 8 * MiB;
/**
 * A follower forwards an upload to its leader in parts of this size, each acknowledged
 * before the next goes, so Raft's messages on the same link never wait behind a big one.
 */
export const restoreForwardPartBytes = 512 * KiB;
/** A forwarded part unanswered this long fails the restore; a leader drops a transfer this idle. */
export const restoreForwardIdleMs = 15_000;
/**
 * Identity tickets the dashboard may hold at once (server/identity-tickets.ts): one per
 * logged-in dashboard user, whose number warren.dashboard.sessionsMax caps at 256.
 */
export const identityTicketsMax = 1024;

// ---- four-letter words ----

/**
 * A four-letter word's answer is built for at most this long, then cut with a note
 * (server/text-stream.ts): a listing of the whole state must not stall other clients.
 */
export const textAnswerMs = 40;
/** Lines built between two looks at the clock (a line is one path or one session). */
export const textClockLines = 256;

// ---- paths ----

/**
 * V8 hashes a string longer than this many UTF-16 units by its length alone, so such keys
 * all collide in a Map: every lookup among them compares whole strings (quadratic trees).
 */
export const v8HashedLengthMax = 16_383;
/** The default warren.pathBytesMax: far above real paths, far below v8HashedLengthMax. */
export const pathBytesMaxDefault = 4096;
/**
 * The largest warren.pathBytesMax: a path that fits, plus a sequential node's 10-digit
 * suffix, stays hashable (a UTF-8 byte count is never below the UTF-16 length).
 */
export const pathBytesMaxCeiling = 16_000;
/**
 * Paths longer than v8HashedLengthMax a tree may hold: only data written before paths had
 * a cap can have them, and a few cost little. Past this, loading refuses to start (a lookup
 * among n of them costs n string comparisons).
 */
export const overlongPathsMax = 16;

// ---- tree ----

/** Pending (prepared, not yet applied) change records; the pipeline stays far below. */
export const overlayRecordsMax = 1_000_000;
/**
 * Applied indexes whose tree digest a member remembers (replication/digest-ledger.ts, 1 MiB):
 * an entry's digest check reaches back as far as the leader's applied index lagged its log
 * when it prepared the entry, which the uncommitted-bytes cap keeps far below this.
 */
export const digestLedgerEntries = 65_536;
/** Distinct interned ACL lists; past this a list is simply not shared. */
export const aclCacheEntriesMax = 10_000;
/** Nodes per snapshot record, and the byte size at which a record is cut early. */
export const snapshotNodesPerRecord = 1000;
export const snapshotRecordBytesTarget = 1 * MiB;

// ---- commit pipeline ----

/** Txns in one group commit. */
export const batchTxnsMax = 2000;
/** Bytes in one group commit. */
export const batchBytesMax = 8 * MiB;
/** How often a failed log is probed for recovery (e.g. after the operator freed space). */
export const logRecoveryIntervalMs = 5000;

// ---- storage ----
/** Recovery and snapshot jobs shorter than this print no progress line (util/progress.ts). */
export const progressQuietUnderMs = 2_000;

/** Default size after which the WAL rolls to a new segment (at a batch boundary). */
export const walSegmentBytesMaxDefault = 64 * MiB;
/**
 * Largest txn payload in one WAL record. Above the largest frame so a maximal multi txn fits;
 * on read, a length field above it is treated as damage, which bounds how far a corrupt length
 * can send the scanner.
 */
export const walPayloadBytesMax = 16 * MiB;
/** Records in one append (one group commit); the pipeline batches below this. */
export const walBatchRecordsMax = 64 * KiB;
/** Bytes in one append: the batch is encoded into a single buffer and written once. */
export const walBatchBytesMax = 128 * MiB;
/** Largest snapshot record: a cut record plus one maximal node. */
export const snapshotRecordBytesMax = 16 * MiB;
/** The snapshot writer buffers this much before each write, so the event loop keeps turning. */
export const snapshotFlushBytes = 1 * MiB;
/**
 * Largest snapshot file. Recovery streams it, but a leader sends it to a follower, and an
 * upload arrives, in one Buffer.
 */
export const snapshotBytesMax = 2048 * MiB;
/**
 * Snapshot files are read this much at a time, with one more read ahead (2 such buffers, plus
 * one for a record split between them): big enough that reads cost little, small beside a tree.
 */
export const snapshotReadChunkBytes = 4 * MiB;
/** Like ZooKeeper's autopurge.snapRetainCount: fewer than 3 leaves no room for a bad newest. */
export const snapRetainCountMin = 3;

// ---- consensus ----

/** Bytes of entries in one append message: big enough to batch, small enough to interleave. */
export const appendBytesMax = 1 * MiB;
/** Append messages in flight to one follower in replicate state (pipelining depth). */
export const inflightMessagesMax = 256;
/** Bytes in flight to one follower; bounds the leader's send buffer per peer. */
export const inflightBytesMax = 32 * MiB;
/** Entries proposed but not committed; past this a proposal is refused (leader overload). */
export const uncommittedBytesMax = 64 * MiB;
/** Committed entries handed to the host in one Ready, so one apply batch stays bounded. */
export const applyBytesMax = 16 * MiB;
/** Servers in one membership (voters plus learners). */
export const membersMax = 255;
/** Messages one Ready may hold before the host must drain it (a bug guard, not a tunable). */
export const readyMessagesMax = 100_000;

// Txns are at most a frame plus a little encoding overhead.
const txnOverheadBytes = 64 * KiB;
assert(frameBytesMaxCeiling + txnOverheadBytes <= walPayloadBytesMax, 'a txn must fit a record');
assert(batchBytesMax + walPayloadBytesMax <= walBatchBytesMax, 'a batch must fit an append');
assert(batchTxnsMax <= walBatchRecordsMax, 'a batch must fit an append');
assert(
  snapshotRecordBytesTarget + frameBytesMaxCeiling + txnOverheadBytes <= snapshotRecordBytesMax,
  'a snapshot record plus one maximal node must fit',
);
assert(pathBytesMaxCeiling + 10 <= v8HashedLengthMax, 'a sequential path must stay hashable');
assert(walPayloadBytesMax <= walBatchBytesMax, 'one maximal record must fit in a batch');
assert(walBatchBytesMax < 2 ** 31, 'a batch must fit in one Buffer write');
assert(snapshotRecordBytesMax < 0xffffffff, 'the snapshot end marker must not be a length');
assert(snapshotBytesMax <= 2 ** 32, 'a snapshot must fit in one Buffer');
assert(appendBytesMax <= inflightBytesMax, 'limits: one append must fit in flight');
assert(appendBytesMax <= applyBytesMax, 'limits: one append must fit in one apply batch');
assert(frameBytesMaxCeiling + txnOverheadBytes <= applyBytesMax, 'a txn must fit one apply');
assert(restoreChunkBytes + 1024 <= appendBytesMax, 'a restore chunk must fit one append');
assert(restoreChunkBytes + 1024 <= walPayloadBytesMax, 'a restore chunk must fit a WAL record');
assert(restoreWindowBytes <= uncommittedBytesMax / 2, 'a restore window leaves room for writes');
assert(restoreLogBytesMax <= adminRestoreBytesMax, 'an ensemble restores what an upload holds');

// ---- ensemble ----

/** Per-peer outbound queue: a full append pipeline (inflightBytesMax) plus votes and beats. */
export const peerQueueBytesMaxDefault = 64 * MiB;
/** Largest payload between servers: a maximal snapshot plus its message header. */
export const peerMessageBytesMaxDefault = snapshotBytesMax + 64 * KiB;
/** Payloads above this travel as chunk frames, so no single frame needs a huge buffer. */
export const peerChunkBytesDefault = 1 * MiB;
/** Largest frame a peer may send (a chunk plus its header); a longer length closes the link. */
export const peerFrameBytesMax = 4 * MiB;
/** Reconnect backoff: the first delay, doubled per failure up to the ceiling (plus jitter). */
export const peerReconnectDelayMinMs = 50;
export const peerReconnectDelayMaxMs = 500;
/**
 * A dial not connected by then is abandoned and retried (a dead host may never answer). Kept
 * near the kernel's first SYN retransmit, so a dial made during a partition is redone soon
 * after it heals instead of waiting out the SYN backoff.
 */
export const peerConnectTimeoutMs = 1000;
/** An outbound link whose writes made no progress for this long is presumed dead: redial. */
export const peerWriteStallMs = 15_000;
/** Inbound connections still owing their handshake; strangers cannot pile up sockets. */
export const peerPendingInboundMax = 64;

assert(peerQueueBytesMaxDefault >= inflightBytesMax, 'a full append pipeline must fit a queue');
assert(peerChunkBytesDefault + 64 <= peerFrameBytesMax, 'a chunk and its header must fit a frame');
assert(peerMessageBytesMaxDefault < 2 ** 32, 'a message length must fit the u32 chunk header');

// Raft storage (src/member/durable-log.ts, src/storage/raft-store.ts)
/** Entries kept behind a Raft snapshot, so a briefly lagging follower gets appends, not it. */
export const raftRetainEntriesDefault = 5000;
/** Raft entry bytes held in memory since the last compaction; snapshots keep it far below. */
export const raftHeldEntryBytesMax = 512 * MiB;
/**
 * A member snapshots once its log holds this many entry bytes, however few entries that is
 * (snapCount counts entries: 537 writes of 1 MB on a 3-member ensemble passed the cap above
 * and stopped every member). snapSizeLimitInKb lowers it.
 */
export const raftSnapshotAtHeldBytes = raftHeldEntryBytesMax / 4;
/**
 * Entry bytes kept behind a snapshot at most (and raftRetainEntriesDefault entries at most):
 * under what calls for the next snapshot, or snapshots would follow each other.
 */
export const raftRetainBytesMax = raftSnapshotAtHeldBytes / 2;
/**
 * Past this many entry bytes in its log, a leader holds new writes until a snapshot compacts
 * it (a snapshot of a big tree takes a while: 39 s at 10M znodes), so writes wait instead of
 * passing raftHeldEntryBytesMax; what one Ready may add must fit in the quarter left.
 */
export const raftLogFullBytes = (raftHeldEntryBytesMax / 4) * 3;

// ---- ensemble (server side) ----
/** Connection tokens (SessionState.attach) are drawn from 1..2^48: never reused in practice. */
export const attachTokenMax = 2 ** 48 - 1;

/** Session ids in one touch relay; a relay with more is split. */
export const touchSessionsMax = 10_000;
/** Writes a member holds while no leader is ready to take them (then they fail fast). */
export const heldWritesMax = 100_000;
/** Inputs queued for the consensus node while it persists a Ready (beyond: Raft messages drop). */
export const driverQueueMax = 200_000;
/** Syncs and linearizable reads waiting for a barrier on one member. */
export const syncWaitersMax = 100_000;

/**
 * The largest SASL token a client may send: RFC 2831 caps a DIGEST-MD5 digest-response at 4096
 * bytes, and no other mechanism is served.
 */
export const saslTokenBytesMax = 4096;

/** Audit lines queued for the disk before more are dropped (and counted). */
export const auditBufferedBytesMax = 8 * MiB;

// The online restore of an ensemble (declared above) against the log and the peer links.
assert(restoreLogBytesMax * 2 <= raftHeldEntryBytesMax, 'a restore leaves half the log for writes');
assert(restoreForwardPartBytes + 1024 <= peerChunkBytesDefault, 'a forwarded part is one frame');
