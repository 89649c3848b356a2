/**
 * The AdminServer's `snapshot` (ZooKeeper 3.9): takes a snapshot now and answers its zxid;
 * with `?streaming=true` the answer is the snapshot file itself, with ZooKeeper's `last_zxid`
 * and `snapshot_size` headers. `warren backup` reads it that way. Warren's default is not
 * to stream (ZooKeeper's is): a JSON answer is what a script calling it by hand expects.
 */
import type { ServedState } from '../metrics/served-state.js';
import { jsonAnswer, type HttpAnswer } from '../util/http-listener.js';

const hex = (n: number): string => `0x${n.toString(16)}`;

export async function snapshotAnswer(state: ServedState, streaming: boolean): Promise<HttpAnswer> {
  const taken = await state.snapshot();
  if (!streaming) {
    return jsonAnswer(200, { last_zxid: hex(taken), streamed: false, command: 'snapshot' });
  }
  // The newest snapshot: the one just taken, or a newer one written since (just as good).
  const file = await state.storage.snapshotFile();
  if (file === null || file.length === 0) {
    return jsonAnswer(500, { command: 'snapshot', error: 'no snapshot file to stream' });
  }
  const { index } = state.storage.snapshotFileMeta(file);
  return {
    status: 200,
    contentType: 'application/octet-stream',
    body: file,
    headers: { last_zxid: hex(index), snapshot_size: String(file.length) },
  };
}
