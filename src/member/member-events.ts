/**
 * What a member tells an observer about its own work, for metrics: durations of the slow
 * steps (fsync, snapshot) and leadership changes. The member only reports; counting,
 * histograms and the HTTP listener live in metrics/, outside the Ready loop's code.
 */
export interface MemberEvents {
  /** One Ready's entries and hard state were made durable (one WAL append and fsync). */
  persisted(ms: number): void;
  /** A snapshot was written in full, taking `ms` (while serving). */
  snapshotWritten(ms: number): void;
  /** The leader this member knows of changed; 0: none (an election is under way). */
  leaderChanged(leader: number): void;
}

export const noMemberEvents: MemberEvents = {
  persisted: () => undefined,
  snapshotWritten: () => undefined,
  leaderChanged: () => undefined,
};
