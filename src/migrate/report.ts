/**
 * What a migration did and what it could not carry, as counters and bounded lists (a tree of
 * millions of ephemerals must not make the report itself a memory problem).
 */
export const LISTED_MAX = 10_000;

export class MigrationReport {
  /** Ephemeral nodes of the source now (path → owning session): not carried. */
  readonly ephemerals = new Map<string, bigint>();
  /** Ephemerals beyond LISTED_MAX: counted, not listed. */
  ephemeralsUnlisted = 0;
  created = 0;
  updated = 0;
  deleted = 0;
  /** Nodes whose sequence counter was moved forward, and the creations that took. */
  countersAdvanced = 0;
  counterCreations = 0;
  /** Watch events received, and passes over the whole tree after events may have been lost. */
  events = 0;
  rescans = 0;

  ephemeral(path: string, owner: bigint): void {
    if (this.ephemerals.has(path)) return;
    if (this.ephemerals.size >= LISTED_MAX) {
      this.ephemeralsUnlisted++;
      return;
    }
    this.ephemerals.set(path, owner);
  }

  /** A path is no longer an ephemeral of the source (deleted, or now persistent). */
  notEphemeral(path: string): void {
    this.ephemerals.delete(path);
  }
}
