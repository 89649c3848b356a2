/**
 * Everything a seed decides about one simulation of real members: how the ensemble starts
 * (three or five members, or one that grows to three by reconfig), its zoo.cfg settings, the
 * links, the clients' pace, and how often each fault strikes. Rates are per fault-injector
 * step (every `stepMs` of virtual time during the safety phase).
 */
import type { Prng } from '../../support/prng.js';
import type { ClientOptions } from './sim-client.js';
import type { LinkOptions } from './sim-peers.js';

export interface MemberSimOptions {
  /** Members started at once; with `growTo`, one member grown by reconfig. */
  readonly founders: number;
  /** A one-member ensemble grows to this many members (joiners started with warren.join). */
  readonly growTo: number;
  readonly tickTime: number;
  readonly snapCount: number;
  readonly links: LinkOptions;
  readonly clients: number;
  readonly client: ClientOptions;
  readonly stepMs: number;
  readonly killRate: number;
  readonly downMsMax: number;
  readonly pauseRate: number;
  readonly pauseMsMax: number;
  readonly partitionRate: number;
  readonly silenceRate: number;
  readonly resetRate: number;
  readonly clockJumpRate: number;
  /** A write to the disk fails for lack of space (it clears a little later). */
  readonly noSpaceRate: number;
  /** An fsync fails: the member stops and is restarted. */
  readonly fsyncFailRate: number;
  /** A bit of a stopped member's log or snapshot flips before it restarts. */
  readonly corruptRate: number;
  readonly transferRate: number;
  /** A client vanishes for longer than its session timeout (its session expires). */
  readonly vanishRate: number;
  readonly safetyMs: number;
  readonly livenessMs: number;
}

export function pickMemberSimOptions(prng: Prng): MemberSimOptions {
  const grow = prng.chance(0.2);
  const sessionTimeoutMs = prng.pick([3000, 6000]);
  return {
    founders: grow ? 1 : prng.pick([3, 3, 3, 5]),
    growTo: grow ? 3 : 0,
    tickTime: 1000,
    snapCount: prng.pick([20, 60, 200]),
    links: {
      delayMinMs: 0.1,
      delayMaxMs: prng.pick([0.5, 2, 10]),
      noticeMs: prng.range(1, 200),
      redialMs: prng.range(20, 500),
    },
    clients: 3,
    client: {
      keys: prng.range(2, 5),
      thinkMinMs: 20,
      thinkMaxMs: prng.pick([200, 500, 1000]),
      sessionTimeoutMs,
      opTimeoutMs: 8000,
      serverSyncsReads: prng.chance(0.3),
    },
    stepMs: 100,
    killRate: prng.next() * 0.02,
    downMsMax: prng.range(100, 4000),
    pauseRate: prng.next() * 0.008,
    pauseMsMax: prng.range(500, 15000),
    partitionRate: prng.next() * 0.03,
    silenceRate: prng.next() * 0.008,
    resetRate: prng.next() * 0.02,
    clockJumpRate: prng.next() * 0.006,
    noSpaceRate: prng.next() * 0.006,
    fsyncFailRate: prng.next() * 0.004,
    corruptRate: prng.next() * 0.5,
    transferRate: prng.next() * 0.008,
    vanishRate: prng.next() * 0.01,
    safetyMs: 6_000,
    livenessMs: 90_000,
  };
}
