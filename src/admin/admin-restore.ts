/**
 * The AdminServer's `restore` (ZooKeeper 3.9: POST a snapshot, the server replaces its
 * database by it). The body is what `snapshot?streaming=true` and `warren backup` produce,
 * capped at adminRestoreBytesMax; member/online-restore.ts verifies it whole and makes it the
 * member's durable, replicated state, or says why it cannot. Authentication (ALL on /) is
 * checked by the AdminServer before this runs; every attempt past it is audit-logged.
 */
import type { IncomingMessage } from 'node:http';
import type { ServedState } from '../metrics/served-state.js';
import type { Id } from '../protocol/records.js';
import { adminRestoreBytesMax } from '../util/limits.js';
import { jsonAnswer, readBody, type HttpAnswer } from '../util/http-listener.js';

const hex = (n: number): string => `0x${n.toString(16)}`;

export async function restoreAnswer(
  state: ServedState,
  request: IncomingMessage,
  ids: readonly Id[],
): Promise<HttpAnswer> {
  if (request.method !== 'POST') {
    return jsonAnswer(405, {
      command: 'restore',
      error: 'POST the snapshot file (from `warren backup` or snapshot?streaming=true)',
    });
  }
  const early = state.member.restorer.refusal();
  if (early !== null) return refuse(state, request, ids, early.status, early.reason);
  const read = await readBody(request, adminRestoreBytesMax);
  if (!read.ok) {
    const reason =
      `the upload is ${read.bytes} bytes or more, over the ${adminRestoreBytesMax}-byte cap ` +
      '(adminRestoreBytesMax): restore a tree this large offline with `warren restore`';
    return refuse(state, request, ids, 413, reason);
  }
  const outcome = await state.member.restorer.restore(read.body);
  if (!outcome.ok) return refuse(state, request, ids, outcome.status, outcome.reason);
  audit(state, request, ids, 'success');
  return jsonAnswer(200, {
    command: 'restore',
    last_zxid: hex(outcome.index),
    backup_zxid: hex(outcome.backupIndex),
    nodes: outcome.nodes,
    sessions: outcome.sessions,
    error: null,
  });
}

function refuse(
  state: ServedState,
  request: IncomingMessage,
  ids: readonly Id[],
  status: number,
  reason: string,
): HttpAnswer {
  audit(state, request, ids, 'failure');
  return jsonAnswer(status, { command: 'restore', error: reason });
}

function audit(
  state: ServedState,
  request: IncomingMessage,
  ids: readonly Id[],
  result: 'success' | 'failure',
): void {
  const ip = request.socket.remoteAddress ?? '';
  state.server.audit?.operator('restore', ids, ip, result);
}
