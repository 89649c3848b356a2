/**
 * Removes everything a `warren bench` run created under its root. The bulk (created nodes, the
 * key set, wide children, delete pools) goes as pipelined deletes on one raw session, by name,
 * because a parent with a hundred thousand children cannot be listed within jute.maxbuffer.
 * What is left (parents, lock nodes, anything unexpected) is small: Warren's client lists and
 * deletes it (deleteRecursive), and the root must be gone afterwards.
 */
import { createClient } from '../client/index.js';
import { errName } from '../protocol/error-codes.js';
import type { Request } from '../protocol/requests.js';
import { BenchSession } from './session.js';
import type { Endpoint } from './worker-messages.js';
import {
  createdPath,
  deleteDir,
  deleteRequest,
  keyPath,
  usesKeys,
  WIDE_PARENTS,
  wideParent,
  type Workload,
} from './workload.js';

const DELETE_INFLIGHT = 128;
const SESSION_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 10_000;
/** ZooKeeper's noNode: a node a delete phase (or a failed create) already took away. */
const NO_NODE = -101;
/** What deleteRecursive may still find: parents, lock nodes, a few strays. */
const REST_NODES_MAX = 100_000;

export interface CleanupPlan {
  endpoint: Endpoint;
  connectString: string;
  root: string;
  workloads: readonly Workload[];
  /** Per phase index, create's requests sent per session tag. */
  created: ReadonlyMap<number, Record<string, number>>;
  keys: number;
  children: number;
  deleteNodes: number;
}

export interface CleanupResult {
  deleted: number;
  ms: number;
  /** The first delete that failed for another reason than noNode, or null. */
  failure: string | null;
}

function* knownPaths(plan: CleanupPlan): Generator<string> {
  for (const [phase, tags] of plan.created) {
    for (const [tag, n] of Object.entries(tags)) {
      for (let i = 0; i < n; i++) yield createdPath(plan.root, phase, tag, i);
    }
  }
  for (const [phase, op] of plan.workloads.entries()) {
    if (op !== 'delete') continue;
    for (let i = 0; i < plan.deleteNodes; i++) yield `${deleteDir(plan.root, phase)}/${i}`;
  }
  if (plan.workloads.some(usesKeys)) {
    for (let i = 0; i < plan.keys; i++) yield keyPath(plan.root, i);
  }
  if (plan.workloads.includes('children')) {
    for (let p = 0; p < WIDE_PARENTS; p++) {
      for (let i = 0; i < plan.children; i++) yield `${wideParent(plan.root, p)}/${i}`;
    }
  }
}

async function deleteKnown(
  plan: CleanupPlan,
): Promise<{ deleted: number; failure: string | null }> {
  const { host, port } = plan.endpoint;
  const session = await BenchSession.open(host, port, {
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
  });
  const paths = knownPaths(plan);
  let deleted = 0;
  let failure: string | null = null;
  session.run(
    (): Request | null => {
      const next = paths.next();
      return next.done === true ? null : deleteRequest(next.value);
    },
    DELETE_INFLIGHT,
    (_opcode, err) => {
      if (err === 0) deleted++;
      else if (err !== NO_NODE) failure ??= `delete failed with ${errName(err)} (${err})`;
    },
  );
  try {
    await session.idle();
  } finally {
    await session.close(CLOSE_TIMEOUT_MS);
  }
  return { deleted, failure };
}

export async function cleanup(plan: CleanupPlan): Promise<CleanupResult> {
  const started = Date.now();
  const known = await deleteKnown(plan);
  const client = createClient(plan.connectString, { sessionTimeoutMs: SESSION_TIMEOUT_MS });
  try {
    await client.connect();
    const rest = await client.deleteRecursive(plan.root, { nodesMax: REST_NODES_MAX });
    const left = await client.exists(plan.root);
    const failure = known.failure ?? (left === null ? null : `${plan.root} is still there`);
    return { deleted: known.deleted + rest, ms: Date.now() - started, failure };
  } finally {
    await client.close();
  }
}
