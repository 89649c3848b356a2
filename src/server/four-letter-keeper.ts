/**
 * ClickHouse Keeper's four-letter words, in its answers (Keeper's docs; its tools parse them):
 * `csnp` schedules a snapshot and answers the log index it covers, `lgif` prints the log's
 * indexes as `name<TAB>value` lines, `rqld` and `ydld` request or yield leadership.
 */
import type { LogInfo, RaftOperations } from './raft-operations.js';

export const KEEPER_WORDS: ReadonlySet<string> = new Set(['csnp', 'lgif', 'rqld', 'ydld']);

export function keeperWord(operations: RaftOperations | undefined, word: string): string {
  if (operations === undefined) return `${word} is not supported by this server.\n`;
  switch (word) {
    case 'csnp': {
      const index = operations.scheduleSnapshot();
      return index === null ? 'Failed to schedule snapshot creation task.\n' : `${index}\n`;
    }
    case 'lgif':
      return formatLogInfo(operations.logInfo());
    case 'rqld':
      return operations.requestLeadership()
        ? 'Sent leadership request to leader.\n'
        : 'Failed to send leadership request to leader.\n';
    case 'ydld':
      return operations.yieldLeadership()
        ? 'Sent yield leadership request to leader.\n'
        : 'Failed to send yield leadership request to leader.\n';
    default:
      return `${word} is not supported by Warren.\n`;
  }
}

export function formatLogInfo(info: LogInfo): string {
  return (
    Object.entries(info)
      .map(([name, value]) => `${name}\t${String(value)}`)
      .join('\n') + '\n'
  );
}
