/**
 * Everything a seed decides about one ensemble simulation run: the ensemble's size and Raft
 * settings, the network's faults, tick rates, crash, torn-write, restart and compaction rates,
 * and the clients' workload. Rates are per tick unless said otherwise.
 */
import type { Prng } from '../../support/prng.js';
import type { NetworkOptions } from '../network.js';
import type { ClientOptions } from './client.js';
import type { RaftOptions } from './server.js';

export interface EnsembleOptions {
  readonly servers: number;
  readonly raft: RaftOptions;
  readonly network: NetworkOptions;
  readonly tickRates: readonly number[];
  readonly clients: number;
  readonly client: ClientOptions;
  readonly partitionRate: number;
  /** Per settle of a server (after each input), the chance it crashes mid-Ready. */
  readonly crashRate: number;
  /** Per tick, the chance a random server crashes between Readies. */
  readonly restartRate: number;
  readonly downTicksMax: number;
  /** Per tick, the chance a random server begins (or finishes) a snapshot and compacts. */
  readonly compactRate: number;
  readonly keepEntriesMax: number;
  readonly transferRate: number;
  readonly safetyTicks: number;
  readonly livenessTicks: number;
}

export function pickEnsembleOptions(prng: Prng, seed: number): EnsembleOptions {
  const servers = prng.pick([3, 3, 5]);
  return {
    servers,
    raft: {
      seed,
      electionTicks: 10,
      heartbeatTicks: prng.range(1, 3),
      preVote: prng.chance(0.75),
      checkQuorum: prng.chance(0.75),
      inflightMessagesMax: prng.pick([1, 4, 256]),
      appendBytesMax: prng.pick([128, 1024, 1 << 20]),
    },
    network: {
      dropRate: prng.next() * 0.15,
      duplicateRate: prng.next() * 0.1,
      delayMinTicks: 0,
      delayMaxTicks: prng.range(1, 5),
    },
    tickRates: Array.from({ length: servers }, () => 0.6 + 0.4 * prng.next()),
    clients: 4,
    client: {
      keys: prng.range(2, 5),
      opRate: 0.2 + prng.next() * 0.6,
      timeoutTicks: prng.range(30, 80),
    },
    partitionRate: prng.next() * 0.02,
    crashRate: prng.next() * 0.003,
    restartRate: prng.next() * 0.006,
    downTicksMax: prng.range(0, 100),
    compactRate: prng.next() * 0.1,
    keepEntriesMax: prng.range(0, 4),
    transferRate: prng.next() * 0.004,
    safetyTicks: 400,
    livenessTicks: 2000,
  };
}
