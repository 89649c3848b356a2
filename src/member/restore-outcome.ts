/** How the AdminServer's `restore` ended, wherever it ran (online-restore.ts). */
export interface RestoreDone {
  readonly ok: true;
  /** The log index (and zxid) the restored state has now. */
  readonly index: number;
  /** The index the backup was taken at. */
  readonly backupIndex: number;
  readonly nodes: number;
  readonly sessions: number;
}

/** `status` is the HTTP status the refusal deserves. */
export interface RestoreRefused {
  readonly ok: false;
  readonly status: number;
  readonly reason: string;
}

export type RestoreOutcome = RestoreDone | RestoreRefused;

export const refused = (status: number, reason: string): RestoreRefused => ({
  ok: false,
  status,
  reason,
});
