/**
 * The sending side of log replication (Raft §5.3), run by the leader: appends batched up to
 * appendBytesMax and paced by each follower's Progress, heartbeats, snapshots for followers
 * behind the compacted log (§7), and advancing commit by majority (§5.4.2).
 */
import { assert } from '../util/assert.js';
import type { Progress } from './progress.js';
import type { Raft } from './raft.js';
import { entryBytes, type NodeId } from './types.js';

export function sendAppend(raft: Raft, to: NodeId): void {
  maybeSendAppend(raft, to, true);
}

/**
 * Sends the next batch of entries to `to` unless its flow is paused. An empty append (a probe,
 * or news of a higher commit) goes out only with sendIfEmpty. Returns whether it sent.
 */
export function maybeSendAppend(raft: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const progress = raft.tracker.get(to);
  if (progress.isPaused()) return false;
  const log = raft.log;
  const prevIndex = progress.next - 1;
  const prevTerm = log.term(prevIndex);
  if (prevTerm === undefined || progress.next < log.firstIndex()) {
    return sendSnapshot(raft, to, progress);
  }
  const entries = log.slice(progress.next, log.lastIndex() + 1, raft.appendBytesMax);
  if (entries.length === 0 && !sendIfEmpty) return false;
  const bytes = entries.reduce((sum, entry) => sum + entryBytes(entry), 0);
  raft.send({
    type: 'append',
    from: raft.id,
    to,
    term: raft.term,
    prevIndex,
    prevTerm,
    entries,
    commit: log.committed,
  });
  progress.sentAppend(entries.length, bytes);
  return true;
}

/** The entries `to` needs are compacted: send the latest snapshot instead. */
function sendSnapshot(raft: Raft, to: NodeId, progress: Progress): boolean {
  // A follower we have not heard from may be down; don't ship it a whole snapshot.
  if (!progress.recentActive) return false;
  const snapshot = raft.log.snapshot();
  assert(snapshot.meta.index > 0, `replication: ${to} needs compacted entries, no snapshot`);
  progress.becomeSnapshot(snapshot.meta.index);
  raft.send({ type: 'snapshot', from: raft.id, to, term: raft.term, snapshot });
  return true;
}

export function bcastAppend(raft: Raft): void {
  for (const id of raft.tracker.members()) if (id !== raft.id) sendAppend(raft, id);
}

export function bcastHeartbeat(raft: Raft): void {
  for (const id of raft.tracker.members()) {
    if (id === raft.id) continue;
    const progress = raft.tracker.get(id);
    raft.send({
      type: 'heartbeat',
      from: raft.id,
      to: id,
      term: raft.term,
      // Never more than the follower is known to hold, so it can always commit it.
      commit: Math.min(progress.match, raft.log.committed),
    });
  }
}

/** Advances commit to what a majority durably holds, if that entry is of our term. */
export function maybeCommit(raft: Raft): boolean {
  return raft.log.maybeCommit(raft.tracker.committed(), raft.term);
}
