/**
 * Errors an operator can meet in the storage layer. Each has a stable `code` to match on and a
 * message that says what happened and what to do; the underlying fs error is kept as `cause`.
 * Bugs in Warren are not here: they are asserts.
 */

export type StorageErrorCode =
  | 'WARREN_STORAGE_WRITE'
  | 'WARREN_STORAGE_FSYNC'
  | 'WARREN_STORAGE_VERSION'
  | 'WARREN_STORAGE_LIMIT'
  | 'WARREN_STORAGE_CONFIG'
  | 'WARREN_STORAGE_LOCKED'
  | 'WARREN_CORRUPT_LOG'
  | 'WARREN_RAFT_COMMIT_PAST_LOG';

/**
 * An I/O or configuration failure. WRITE (e.g. ENOSPC) can be cleared with `Wal.tryRecover`
 * once the cause is fixed; FSYNC cannot, because the page cache state is unknown after a
 * failed fsync, so only a restart (which re-reads the disk) is safe.
 */
export class StorageError extends Error {
  override readonly name: string = 'StorageError';

  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A WAL segment holds damaged or missing records that were (or may have been) committed.
 * `repairable`: the damage is the end of the log (nothing valid after it), which
 * `warren server --repair-log` may drop; damage with valid records after it is not.
 */
export class CorruptLogError extends StorageError {
  override readonly name = 'CorruptLogError';
  declare readonly code: 'WARREN_CORRUPT_LOG';

  constructor(
    readonly file: string,
    readonly offset: number,
    problem: string,
    readonly repairable = false,
  ) {
    super(
      'WARREN_CORRUPT_LOG',
      `write-ahead log ${file} is damaged at byte offset ${offset}: ${problem}. ` +
        'Committed records may be affected, so Warren will not start on this log. ' +
        'Do not delete data blindly: restore this server from a replica or a backup, ' +
        (repairable
          ? `or start it once with \`warren server --repair-log\` to drop the damaged ` +
            `records from offset ${offset} on (the log says which); an ensemble member then ` +
            'fetches them again from the leader, a standalone server loses them.'
          : `or move ${file} aside to accept losing the records from offset ${offset} on.`),
    );
  }
}

/** A snapshot file fails verification; recovery falls back to an older snapshot. */
export class CorruptSnapshotError extends Error {
  override readonly name = 'CorruptSnapshotError';
  readonly code = 'WARREN_CORRUPT_SNAPSHOT';

  /** `offset`: the byte in the file where the damage shows (null: the file as a whole). */
  constructor(
    readonly file: string,
    problem: string,
    readonly offset: number | null = null,
  ) {
    super(
      `snapshot ${file} is damaged${offset === null ? '' : ` at byte offset ${offset}`}: ` +
        `${problem}. Warren ignores it and falls back to an older snapshot plus the log; ` +
        'move it aside after checking that the server recovered.',
    );
  }
}

/** Wraps an fs error from a write path into the StorageError an operator can act on. */
export function writeFailed(what: string, cause: unknown): StorageError {
  return new StorageError(
    'WARREN_STORAGE_WRITE',
    `${what} failed (${errnoOf(cause)}); writes are stopped. Free disk space or fix the ` +
      'device, then writes resume after tryRecover (or a restart).',
    { cause },
  );
}

/** Wraps an fs error from fsync: durability of earlier writes is unknown, so no retry. */
export function fsyncFailed(what: string, cause: unknown): StorageError {
  return new StorageError(
    'WARREN_STORAGE_FSYNC',
    `fsync of ${what} failed (${errnoOf(cause)}); writes are stopped for good because the ` +
      'kernel may have dropped unsynced data. Check the device, then restart the server.',
    { cause },
  );
}

function errnoOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code ?? error.message;
  }
  return String(error);
}
