/**
 * A nemesis injects one fault and returns what undoes it. The scenario runner injects one or
 * two (network faults first), holds, heals the network, then runs the restores in reverse
 * order, so a restore that needs a quorum (a restart, a reconfig) runs on a healed network.
 */
import type { NetnsCluster } from '../support/netns-cluster.js';
import type { NetnsEnsemble } from '../support/netns-ensemble.js';
import type { Prng } from '../support/prng.js';

export interface NemesisContext {
  cluster: NetnsCluster;
  ensemble: NetnsEnsemble;
  prng: Prng;
  /** The scenario's base path (nemeses that write, write under it). */
  base: string;
  log: (message: string) => void;
  /** Counts one injected fault (a scenario reports how many). */
  fault: (what: string) => void;
  /** Records something that must not happen (a damaged log that starts, ...). */
  violation: (what: string) => void;
}

export type Restore = () => Promise<void>;

export interface Nemesis {
  readonly name: string;
  /** Network faults are undone by the runner's heal; their restore has nothing to do. */
  readonly kind: 'network' | 'process' | 'disk';
  inject(ctx: NemesisContext): Promise<Restore>;
}

export const nothingToRestore: Restore = () => Promise.resolve();

/** `ids` in a random order. */
export function shuffled(prng: Prng, ids: readonly number[]): number[] {
  const out = [...ids];
  for (let i = out.length - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [out[i], out[j]] = [out[j] ?? 0, out[i] ?? 0];
  }
  return out;
}

/** The current leader (waiting for one), or undefined when none shows up in time. */
export async function currentLeader(ctx: NemesisContext, timeoutMs = 15_000) {
  try {
    return await ctx.ensemble.waitForLeader(ctx.ensemble.ids, timeoutMs);
  } catch {
    return undefined;
  }
}
