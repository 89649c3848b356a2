/**
 * The AdminServer's `restore` (ZooKeeper 3.9: POST a snapshot, the server swaps its tree for
 * it). Warren refuses it, on every server: swapping the tree outside the replicated log would
 * give this member a state no log entry explains, which the next entry's digest check would
 * stop (or, alone, which a restart would replay away). A restore goes through a stopped server
 * and `warren restore`, which prepares a data directory from a backup.
 */
import type { ServedState } from '../metrics/served-state.js';
import { jsonAnswer, type HttpAnswer } from '../util/http-listener.js';

export function restoreRefusal(state: ServedState): HttpAnswer {
  const where = state.member.alone ? 'this server' : 'an ensemble member';
  return jsonAnswer(501, {
    command: 'restore',
    error:
      `restore is not done online on ${where}: it would replace the tree outside the ` +
      'replicated log. Stop the server (every member, for an ensemble), run ' +
      '`warren restore --from FILE --data-dir DIR` for the first member, and start it ' +
      '(docs/operations.md, "Backup and restore").',
  });
}
