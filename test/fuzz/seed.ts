/**
 * The seed of the randomised bad-input tests: WARREN_FUZZ_SEED if set, else a fresh one per
 * run. Every randomised test names it, and every failure message says how to replay it.
 */
import { Prng } from '../support/prng.js';

export const FUZZ_SEED = seedFromEnv();

function seedFromEnv(): number {
  const text = process.env['WARREN_FUZZ_SEED'];
  if (text === undefined || text === '') return Date.now() % 1_000_000;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`WARREN_FUZZ_SEED=${text} is not an integer`);
  return seed;
}

export function replayHint(seed = FUZZ_SEED): string {
  return `replay with: WARREN_FUZZ_SEED=${seed} node --test dist/test/fuzz/`;
}

/** An independent stream per (test, case) so one case replays without the others. */
export function caseRng(stream: string, index: number, seed = FUZZ_SEED): Prng {
  let h = seed >>> 0;
  for (const ch of `${stream}#${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return new Prng(h);
}
