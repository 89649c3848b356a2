/**
 * The sync phase's input: one persistent recursive watch on the source root (addWatch,
 * ZooKeeper 3.6+), set before the copy starts so that every change made after a node was
 * copied has an event. Events only name paths (DirtyPaths); the path is read again when it
 * is replayed. ACL changes have no event: verify compares ACLs and repairs them.
 * After a lost connection events may have been missed, so a whole-tree pass is asked for; a
 * session expiry drops the watch itself, and the migration stops (run it again).
 */
import type { SessionState, WatchedEvent, ZooKeeperClient } from '../client/index.js';
import type { DirtyPaths } from './dirty-paths.js';
import { MigrateError } from './migrate-error.js';
import type { MigrationReport } from './report.js';

export class SourceWatch {
  private disconnected = false;
  private lost: MigrateError | null = null;
  private readonly onState = (state: SessionState): void => {
    if (state === 'disconnected') this.disconnected = true;
    if ((state === 'connected' || state === 'readOnly') && this.disconnected) {
      this.disconnected = false;
      this.report.rescans++;
      this.dirty.rescanNeeded();
    }
    if (state === 'expired' || state === 'authFailed' || state === 'closed') {
      this.lost ??= new MigrateError(
        `the source session ended (${state}): its watch is gone and changes may have been ` +
          'missed; run migrate again with --overwrite to resume',
      );
    }
  };
  private readonly onEvent = (event: WatchedEvent): void => {
    this.report.events++;
    this.dirty.add(event.path);
  };

  private constructor(
    private readonly source: ZooKeeperClient,
    private readonly dirty: DirtyPaths,
    private readonly report: MigrationReport,
  ) {}

  static async start(
    source: ZooKeeperClient,
    dirty: DirtyPaths,
    report: MigrationReport,
  ): Promise<SourceWatch> {
    const watch = new SourceWatch(source, dirty, report);
    source.on('state', watch.onState);
    await source.addWatch('/', watch.onEvent, { mode: 'persistentRecursive' });
    return watch;
  }

  /** Throws when the watch can no longer be trusted. */
  check(): void {
    if (this.lost !== null) throw this.lost;
  }

  stop(): void {
    this.source.off('state', this.onState);
  }
}
