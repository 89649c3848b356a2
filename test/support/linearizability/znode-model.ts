/**
 * The sequential specification of one ZooKeeper znode, for checking histories of create,
 * setData, delete and get. Histories are partitioned by path; each path is checked alone.
 *
 * Scope: the znode's parent is assumed to exist throughout and the znode to have no children
 * (no noNode-for-parent, no notEmpty), and sequential or ephemeral nodes are not modelled.
 * Record `get` only when it was preceded by a sync on the same connection; a plain follower
 * read is only sequentially consistent (mark it `staleReadAllowed`).
 */
import type { Model } from './model.js';

export type ZnodeInput =
  | { kind: 'create'; path: string; data: string }
  /** `expectedVersion` -1 matches any version, as in ZooKeeper. */
  | { kind: 'setData'; path: string; data: string; expectedVersion: number }
  | { kind: 'delete'; path: string; expectedVersion: number }
  | { kind: 'get'; path: string };

export type ZnodeOutput =
  /**
   * create and delete: `{ code: 'ok' }`; setData: `version` is the new data version (omit it
   * if not observed); get: the node's `data` and data `version`.
   */
  | { code: 'ok'; data?: string; version?: number }
  | { code: 'noNode' }
  | { code: 'nodeExists' }
  | { code: 'badVersion' };

export interface ZnodeState {
  exists: boolean;
  data: string;
  /** The data version: 0 on create, +1 on each setData. */
  version: number;
}

const ABSENT: ZnodeState = { exists: false, data: '', version: 0 };

/** What the server does: the reply and the next state, deterministically. */
export function applyZnode(state: ZnodeState, input: ZnodeInput): [ZnodeOutput, ZnodeState] {
  switch (input.kind) {
    case 'create':
      if (state.exists) return [{ code: 'nodeExists' }, state];
      return [{ code: 'ok' }, { exists: true, data: input.data, version: 0 }];
    case 'setData': {
      if (!state.exists) return [{ code: 'noNode' }, state];
      if (!versionMatches(state, input.expectedVersion)) return [{ code: 'badVersion' }, state];
      const next = { exists: true, data: input.data, version: state.version + 1 };
      return [{ code: 'ok', version: next.version }, next];
    }
    case 'delete':
      if (!state.exists) return [{ code: 'noNode' }, state];
      if (!versionMatches(state, input.expectedVersion)) return [{ code: 'badVersion' }, state];
      return [{ code: 'ok' }, ABSENT];
    case 'get':
      if (!state.exists) return [{ code: 'noNode' }, state];
      return [{ code: 'ok', data: state.data, version: state.version }, state];
  }
}

function versionMatches(state: ZnodeState, expectedVersion: number): boolean {
  return expectedVersion === -1 || expectedVersion === state.version;
}

/** True when `observed` is consistent with the reply the model would give. */
function sameReply(expected: ZnodeOutput, observed: ZnodeOutput): boolean {
  if (expected.code !== observed.code) return false;
  if (expected.code !== 'ok' || observed.code !== 'ok') return true;
  if (observed.data !== undefined && observed.data !== expected.data) return false;
  return observed.version === undefined || observed.version === expected.version;
}

export function describeZnodeInput(input: ZnodeInput): string {
  switch (input.kind) {
    case 'create':
      return `create(${input.path}, ${JSON.stringify(input.data)})`;
    case 'setData':
      return `setData(${input.path}, ${JSON.stringify(input.data)}, v${input.expectedVersion})`;
    case 'delete':
      return `delete(${input.path}, v${input.expectedVersion})`;
    case 'get':
      return `get(${input.path})`;
  }
}

export function describeZnodeOutput(output: ZnodeOutput | undefined): string {
  if (output === undefined) return 'unknown outcome';
  if (output.code !== 'ok') return output.code;
  const parts = ['ok'];
  if (output.data !== undefined) parts.push(JSON.stringify(output.data));
  if (output.version !== undefined) parts.push(`v${output.version}`);
  return parts.join(' ');
}

export function describeZnodeState(state: ZnodeState): string {
  return state.exists ? `{${JSON.stringify(state.data)} v${state.version}}` : '{absent}';
}

export const znodeModel: Model<ZnodeState, ZnodeInput, ZnodeOutput> = {
  init: () => ABSENT,
  step(state, input, output) {
    const [expected, next] = applyZnode(state, input);
    if (output !== undefined && !sameReply(expected, output)) return undefined;
    return next;
  },
  stateKey: (state) => (state.exists ? `${state.version}:${state.data}` : '-'),
  partitionKey: (input) => input.path,
  isReadOnly: (input, output) =>
    input.kind === 'get' || (output !== undefined && output.code !== 'ok'),
  describeOperation: (input, output) =>
    `${describeZnodeInput(input)} -> ${describeZnodeOutput(output)}`,
  describeState: describeZnodeState,
};
