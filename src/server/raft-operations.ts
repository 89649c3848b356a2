/**
 * What an operator can ask of this server's place in the Raft log (ClickHouse Keeper's
 * `csnp`, `lgif`, `rqld`, `ydld`), implemented by the member. The client-facing server and
 * the AdminServer only call it: they know no Raft.
 */

/** ClickHouse Keeper's `lgif` figures, by its field names. */
export interface LogInfo {
  readonly first_log_idx: number;
  readonly first_log_term: number;
  readonly last_log_idx: number;
  readonly last_log_term: number;
  /** Applied to this member's tree (the state machine). */
  readonly last_committed_log_idx: number;
  /** The leader's commit as this member knows it. */
  readonly leader_committed_log_idx: number;
  /** What this member is to apply: its commit index. */
  readonly target_committed_log_idx: number;
  readonly last_snapshot_idx: number;
}

export interface RaftOperations {
  logInfo(): LogInfo;
  /** Starts a snapshot (or joins the one running); its index, or null when none can start. */
  scheduleSnapshot(): number | null;
  /** Asks the leader to hand leadership to this member; false when no request was sent. */
  requestLeadership(): boolean;
  /** The leader hands over to its most caught-up voter; false when it cannot. */
  yieldLeadership(): boolean;
}
