/**
 * The chunks of an operator's restore that a member has applied and not yet acted on. A
 * restore on an ensemble goes through the log (member/replicated-restore.ts): its leader
 * proposes the uploaded snapshot file as chunk entries, then one commit entry; every member
 * applies the same entries, so every member holds the same chunks and takes the same
 * decision here. The rules, all decided by the log alone:
 *
 * - A restore is the chunks 0, 1, 2, ... of one restore id, all of one term (one leader),
 *   then its commit entry, in that term too. Other entries may come between them (writes
 *   applied to the old tree, replaced at the commit).
 * - An entry of a later term ends an unfinished restore: its leader is gone and the new one
 *   never proposes its commit, so the chunks are dropped (a new leader's first entry is
 *   always of its new term, so every member drops them at the same index).
 * - A chunk out of order, of another restore, or past the cap drops what is held; so does an
 *   abort entry. A commit whose chunks are not all held (or do not match it) changes nothing.
 *
 * Memory: the chunks held are at most restoreLogBytesMax bytes, let go as soon as the
 * restore is committed, aborted or dropped.
 */
import { crc32c } from '@node-rs/crc32';
import { assert } from '../util/assert.js';
import { restoreLogBytesMax } from '../util/limits.js';
import type { RestoreCommit } from './entry-codec.js';

interface Held {
  readonly restoreId: number;
  readonly term: number;
  readonly chunks: Buffer[];
  bytes: number;
}

export class RestoreAssembly {
  private held: Held | null = null;

  /** Chunks are held: a snapshot now would lose them (member/snapshot-policy.ts waits). */
  get holding(): boolean {
    return this.held !== null;
  }

  get heldBytes(): number {
    return this.held?.bytes ?? 0;
  }

  /** Before every applied entry: one of a later term ends an unfinished restore. */
  onEntry(term: number): void {
    if (this.held !== null && term > this.held.term) this.held = null;
  }

  /** A chunk entry; the reason it was not taken (what was held is dropped), or null. */
  addChunk(term: number, restoreId: number, seq: number, bytes: Buffer): string | null {
    const held = this.held;
    if (seq === 0) {
      this.held = { restoreId, term, chunks: [], bytes: 0 };
    } else if (held === null || held.restoreId !== restoreId || held.chunks.length !== seq) {
      this.held = null;
      return `chunk ${seq} of restore ${restoreId} out of order`;
    }
    const into = this.held;
    assert(into !== null && into.term === term, 'restore: a chunk of another term is held');
    if (into.bytes + bytes.length > restoreLogBytesMax) {
      this.held = null;
      return `restore ${restoreId} is over restoreLogBytesMax (${restoreLogBytesMax} bytes)`;
    }
    into.chunks.push(bytes);
    into.bytes += bytes.length;
    return null;
  }

  /** An abort entry: drops the chunks of `restoreId` if they are held. */
  abort(restoreId: number): void {
    if (this.held?.restoreId === restoreId) this.held = null;
  }

  /**
   * A commit entry: the whole snapshot file if every chunk is held and matches `commit`, or
   * why not. Either way nothing is held afterwards.
   */
  take(term: number, commit: RestoreCommit): Buffer | string {
    const held = this.held;
    this.held = null;
    if (held === null || held.restoreId !== commit.restoreId || held.term !== term) {
      return `the chunks of restore ${commit.restoreId} are not held (dropped or never sent)`;
    }
    if (held.chunks.length !== commit.chunks || held.bytes !== commit.imageBytes) {
      return (
        `restore ${commit.restoreId} has ${held.chunks.length} chunks of ${held.bytes} bytes, ` +
        `its commit names ${commit.chunks} of ${commit.imageBytes}`
      );
    }
    let crc = 0;
    for (const chunk of held.chunks) crc = crc32c(chunk, crc);
    if (crc !== commit.imageCrc) {
      const named = commit.imageCrc;
      return `restore ${commit.restoreId}: the chunks' CRC32C is ${crc}, its commit names ${named}`;
    }
    return Buffer.concat(held.chunks, held.bytes);
  }
}
