/**
 * Seeded network partitions for the ensemble simulation: heal, isolate one server, split the
 * ensemble in two, or cut one direction of one link (an asymmetric partition, where a server
 * still hears the others but is not heard). Returns what it did, for the verbose log.
 */
import type { NodeId } from '../../../src/consensus/types.js';
import type { Prng } from '../../support/prng.js';
import type { Routed, SimNetwork } from '../network.js';

export function repartition<M extends Routed>(
  network: SimNetwork<M>,
  ids: readonly NodeId[],
  prng: Prng,
): string {
  switch (prng.int(4)) {
    case 0:
      network.heal();
      return 'healed';
    case 1: {
      const alone = prng.pick(ids);
      network.partition([[alone], ids.filter((id) => id !== alone)]);
      return `server ${alone} isolated`;
    }
    case 2: {
      const half = ids.filter(() => prng.chance(0.5));
      const rest = ids.filter((id) => !half.includes(id));
      network.partition([half, rest]);
      return `[${half.join(',')}] | [${rest.join(',')}]`;
    }
    default: {
      const from = prng.pick(ids);
      const to = prng.pick(ids);
      network.cutOneWay(from, to);
      return `cut ${from}->${to}`;
    }
  }
}
