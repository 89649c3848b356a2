/**
 * ClickHouse Keeper's operator words as AdminServer commands (Keeper has no AdminServer, so
 * the names are Warren's, with the four-letter word as alias): the log's indexes, a snapshot
 * now, and leadership moves. Those that change something need authentication, as `snapshot`.
 */
import type { ServedState } from '../metrics/served-state.js';
import type { RaftOperations } from '../server/raft-operations.js';
import type { AdminCommand } from './admin-commands.js';

function operations(state: ServedState): RaftOperations {
  return state.member.operations;
}

export const KEEPER_ADMIN_COMMANDS: readonly AdminCommand[] = [
  { names: ['log_info', 'lgif'], run: (state) => ({ ...operations(state).logInfo() }) },
  {
    names: ['create_snapshot', 'csnp'],
    authenticated: true,
    gate: 'snapshot',
    run: (state) => {
      const index = operations(state).scheduleSnapshot();
      if (index === null) {
        return { scheduled: false, reason: 'this member cannot snapshot now (stopped, or failed)' };
      }
      return { scheduled: true, last_committed_log_idx: index };
    },
  },
  {
    names: ['request_leadership', 'rqld'],
    authenticated: true,
    run: (state) => ({ sent: operations(state).requestLeadership() }),
  },
  {
    names: ['yield_leadership', 'ydld'],
    authenticated: true,
    run: (state) => ({ sent: operations(state).yieldLeadership() }),
  },
];
