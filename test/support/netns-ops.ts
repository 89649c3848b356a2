/**
 * One recorded client operation against a znode, for the fault tests' write load: runs it on
 * the TypeScript client, maps the reply to the znode model's output, and settles the history
 * entry. A reply that names a definite outcome (ok, noNode, nodeExists, badVersion) is
 * recorded; anything else (connection loss, timeout, expiry, a refusal) leaves the outcome
 * unknown, which the checker treats as "took effect at some point, or never".
 */
import {
  BadVersionError,
  NodeExistsError,
  NoNodeError,
  type ZooKeeperClient,
} from '../../src/client/index.js';
import type { CallHandle, ZnodeInput, ZnodeOutput } from './linearizability/index.js';

export type Outcome = { settled: 'ok'; output: ZnodeOutput } | { settled: 'unknown' };

/** The model's output for a definite ZooKeeper error, or undefined when the outcome is open. */
export function definiteError(error: unknown): ZnodeOutput | undefined {
  if (error instanceof NoNodeError) return { code: 'noNode' };
  if (error instanceof NodeExistsError) return { code: 'nodeExists' };
  if (error instanceof BadVersionError) return { code: 'badVersion' };
  return undefined;
}

async function perform(client: ZooKeeperClient, input: ZnodeInput): Promise<ZnodeOutput> {
  switch (input.kind) {
    case 'create':
      await client.create(input.path, { data: input.data });
      return { code: 'ok' };
    case 'setData': {
      const stat = await client.setData(input.path, input.data, {
        version: input.expectedVersion,
      });
      return { code: 'ok', version: stat.version };
    }
    case 'delete':
      await client.delete(input.path, { version: input.expectedVersion });
      return { code: 'ok' };
    case 'get': {
      // sync first (on the parent, which always exists): a plain read may be served by a
      // lagging follower.
      await client.sync(input.path.slice(0, input.path.lastIndexOf('/')) || '/');
      const { data, stat } = await client.getData(input.path);
      return { code: 'ok', data: data?.toString('latin1') ?? '', version: stat.version };
    }
  }
}

/**
 * Runs `input` and settles `handle`. `sameConnection` is asked after the reply: a read whose
 * sync and get may have gone to different servers is only sequentially consistent, so its
 * outcome is left unknown (an unknown read constrains nothing).
 */
export async function runRecorded(
  client: ZooKeeperClient,
  input: ZnodeInput,
  handle: CallHandle<ZnodeOutput>,
  sameConnection: () => boolean,
): Promise<Outcome> {
  let outcome: Outcome;
  try {
    outcome = { settled: 'ok', output: await perform(client, input) };
  } catch (error) {
    const output = definiteError(error);
    outcome = output === undefined ? { settled: 'unknown' } : { settled: 'ok', output };
  }
  if (outcome.settled === 'ok' && input.kind === 'get' && !sameConnection()) {
    outcome = { settled: 'unknown' };
  }
  if (outcome.settled === 'ok') handle.ok(outcome.output);
  else handle.unknown();
  return outcome;
}
