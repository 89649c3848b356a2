/**
 * The checks after a healed fault: the servers converge (one leader, equal srvr Zxid); each
 * server, read directly after a sync, holds the same data under the load's base path and
 * every acknowledged create; and the client history, closed by one synced read of each
 * shared key, is linearizable.
 */
import { createClient } from '../../src/client/index.js';
import { checkHistory, znodeModel } from './linearizability/index.js';
import type { NetnsEnsemble } from './netns-ensemble.js';
import { runRecorded } from './netns-ops.js';
import { SHARED_KEYS, type WriteLoad } from './netns-workload.js';

/** What one server holds under the base path: acked-node names and each key's data@version. */
export interface ServerView {
  acked: Set<string>;
  keys: Map<string, string>;
}

export interface FinalReport {
  zxid: string;
  acked: number;
  operations: number;
  unknown: number;
  linearizable: true | 'unknown';
  steps: number;
  checkMs: number;
}

const FINAL_READER_BASE_ID = 1000;

async function readServer(ensemble: NetnsEnsemble, id: number, load: WriteLoad) {
  const client = await createClient(ensemble.address(id), { sessionTimeoutMs: 10_000 }).connect();
  try {
    await client.sync(load.base);
    const acked = new Set(await client.getChildren(`${load.base}/acked`));
    const keys = new Map<string, string>();
    for (let k = 0; k < SHARED_KEYS; k++) {
      const path = load.key(k);
      const stat = await client.exists(path);
      if (stat === null) continue;
      const { data, stat: s } = await client.getData(path);
      keys.set(path, `${data?.toString('latin1') ?? ''}@${s.version}`);
    }
    // The final state enters the history, so the checker ties it to the acknowledged writes.
    for (let k = 0; k < SHARED_KEYS; k++) {
      const input = { kind: 'get', path: load.key(k) } as const;
      const handle = load.recorder.invoke(FINAL_READER_BASE_ID + id, input);
      await runRecorded(client, input, handle, () => true);
    }
    return { acked, keys };
  } finally {
    await client.close();
  }
}

function describeView(view: ServerView): string {
  return `${view.acked.size} acked nodes, keys ${JSON.stringify([...view.keys])}`;
}

/** Runs every check; throws an Error that says which one failed and how. */
export async function finalChecks(ensemble: NetnsEnsemble, load: WriteLoad): Promise<FinalReport> {
  const zxid = await ensemble.waitConverged(30_000);
  const views = new Map<number, ServerView>();
  for (const id of ensemble.ids) views.set(id, await readServer(ensemble, id, load));
  const first = views.get(ensemble.ids[0] ?? 1);
  if (first === undefined) throw new Error('no server view');
  for (const [id, view] of views) {
    const missing = load.ackedCreates.filter(
      (p) => !view.acked.has(p.slice(p.lastIndexOf('/') + 1)),
    );
    if (missing.length > 0) {
      const examples = missing.slice(0, 5).join(' ');
      throw new Error(`server ${id} lacks ${missing.length} acknowledged creates: ${examples}`);
    }
    const sameAcked =
      view.acked.size === first.acked.size && [...view.acked].every((n) => first.acked.has(n));
    const sameKeys = JSON.stringify([...view.keys]) === JSON.stringify([...first.keys]);
    if (!sameAcked || !sameKeys) {
      throw new Error(
        `servers disagree: server ${id} has ${describeView(view)}; ` +
          `server ${ensemble.ids[0]} has ${describeView(first)}`,
      );
    }
  }
  const history = load.recorder.history();
  const started = Date.now();
  const result = checkHistory(znodeModel, history);
  const checkMs = Date.now() - started;
  if (result.ok === false) {
    throw new Error(
      `history of ${history.length} operations is not linearizable:\n${result.reason}`,
    );
  }
  return {
    zxid,
    acked: load.ackedCreates.length,
    operations: history.length,
    unknown: history.filter((op) => op.ret === Infinity).length,
    linearizable: result.ok,
    steps: result.ok === true ? result.steps : 0,
    checkMs,
  };
}
