/**
 * Untimed setup before the measured phases: the benchmark root, one parent per create phase,
 * the key set, the wide parents with their children and each delete phase's nodes (see
 * workload.ts for the layout). It runs on
 * one pipelined session; the server answers a session FIFO, so a parent created earlier in the
 * pipeline exists before its children arrive. Any error reply fails the setup.
 */
import { errName } from '../protocol/error-codes.js';
import { opName } from '../protocol/opcodes.js';
import type { Request } from '../protocol/requests.js';
import { BenchSession } from './session.js';
import {
  createDir,
  createRequest,
  keyPath,
  keysDir,
  makeValue,
  deleteDir,
  usesKeys,
  WIDE_PARENTS,
  wideDir,
  wideParent,
  type Workload,
} from './workload.js';

const SETUP_INFLIGHT = 64;
const SESSION_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 5_000;

export interface SetupPlan {
  host: string;
  port: number;
  /** TLS with this CA (PEM text). */
  tlsCa?: string;
  root: string;
  /** The operations of the run, in order; index i is phase i. */
  ops: readonly Workload[];
  keys: number;
  valueBytes: number;
  /** children: children per wide parent (default 0). */
  children?: number;
  /** delete: nodes to create per delete phase (default 0). */
  deleteNodes?: number;
}

function setupRequests(plan: SetupPlan): Request[] {
  const empty = Buffer.alloc(0);
  const requests: Request[] = [createRequest(plan.root, empty)];
  const value = makeValue(plan.valueBytes, 0);
  plan.ops.forEach((op, phase) => {
    if (op === 'create') requests.push(createRequest(createDir(plan.root, phase), empty));
    if (op !== 'delete') return;
    const dir = deleteDir(plan.root, phase);
    requests.push(createRequest(dir, empty));
    for (let i = 0; i < (plan.deleteNodes ?? 0); i++) {
      requests.push(createRequest(`${dir}/${i}`, value));
    }
  });
  if (plan.ops.some(usesKeys)) {
    requests.push(createRequest(keysDir(plan.root), empty));
    for (let i = 0; i < plan.keys; i++) requests.push(createRequest(keyPath(plan.root, i), value));
  }
  if (plan.ops.includes('children')) {
    requests.push(createRequest(wideDir(plan.root), empty));
    for (let p = 0; p < WIDE_PARENTS; p++) {
      requests.push(createRequest(wideParent(plan.root, p), empty));
      for (let i = 0; i < (plan.children ?? 0); i++) {
        requests.push(createRequest(`${wideParent(plan.root, p)}/${i}`, empty));
      }
    }
  }
  return requests;
}

/** Creates the benchmark's znodes; resolves with how long it took in ms. */
export async function populate(plan: SetupPlan): Promise<number> {
  const started = Date.now();
  const session = await BenchSession.open(plan.host, plan.port, {
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    ...(plan.tlsCa === undefined ? {} : { tlsCa: plan.tlsCa }),
  });
  const requests = setupRequests(plan);
  let next = 0;
  const failed: { first: string | null } = { first: null };
  session.run(
    () => (failed.first === null ? (requests[next++] ?? null) : null),
    SETUP_INFLIGHT,
    (opcode, err) => {
      if (err !== 0 && failed.first === null) {
        failed.first = `${opName(opcode)} failed with ${errName(err)} (${err})`;
      }
    },
  );
  try {
    await session.idle(); // rejects if the session fails
  } finally {
    await session.close(CLOSE_TIMEOUT_MS);
  }
  if (failed.first !== null) {
    throw new Error(`benchmark setup under ${plan.root}: ${failed.first}`);
  }
  return Date.now() - started;
}
