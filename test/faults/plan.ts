/**
 * The campaign's scenario plans, all drawn from one seeded PRNG: each scenario is one
 * nemesis alone or a network nemesis mixed with a process or disk one, with its own seed
 * and hold time. The same campaign seed gives the same plans; FAULTS_SCENARIOS names plans
 * (`halves`, `bridge+kill-minority`) to run instead of drawing them.
 */
import type { Prng } from '../support/prng.js';
import type { Nemesis } from './nemesis.js';

export interface ScenarioPlan {
  index: number;
  /** The nemeses' names joined by '+'. */
  name: string;
  nemeses: Nemesis[];
  seed: number;
  holdMs: number;
}

const MIXED_SHARE = 0.4;
const HOLD_MS_MIN = 3_000;
const HOLD_MS_MAX = 8_000;

/** Network nemeses first: the runner injects in this order and restores in reverse. */
function ordered(nemeses: Nemesis[]): Nemesis[] {
  return [...nemeses].sort((a, b) => Number(a.kind !== 'network') - Number(b.kind !== 'network'));
}

function plan(prng: Prng, index: number, nemeses: Nemesis[], seed: number): ScenarioPlan {
  const list = ordered(nemeses);
  return {
    index,
    name: list.map((n) => n.name).join('+'),
    nemeses: list,
    seed,
    holdMs: prng.range(HOLD_MS_MIN, HOLD_MS_MAX),
  };
}

/** Draws the next plan from `catalog`. */
export function drawPlan(prng: Prng, index: number, catalog: readonly Nemesis[]): ScenarioPlan {
  const network = catalog.filter((n) => n.kind === 'network');
  const other = catalog.filter((n) => n.kind !== 'network');
  if (network.length > 0 && other.length > 0 && prng.chance(MIXED_SHARE)) {
    return plan(prng, index, [prng.pick(network), prng.pick(other)], prng.nextU32());
  }
  return plan(prng, index, [prng.pick(catalog)], prng.nextU32());
}

/**
 * The plan named `name` (nemesis names joined by '+'), seeded `seed` so that a failed plan
 * replays alone; throws on an unknown name.
 */
export function namedPlan(
  prng: Prng,
  index: number,
  name: string,
  catalog: readonly Nemesis[],
  seed: number,
): ScenarioPlan {
  const nemeses = name.split('+').map((part) => {
    const found = catalog.find((n) => n.name === part);
    if (found === undefined) {
      const known = catalog.map((n) => n.name).join(', ');
      throw new Error(`unknown nemesis '${part}' (known: ${known})`);
    }
    return found;
  });
  return plan(prng, index, nemeses, seed);
}
