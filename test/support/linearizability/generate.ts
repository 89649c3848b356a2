/**
 * Random znode histories that are linearizable by construction, for testing the checker: every
 * operation gets a random call time, linearization point and return time, and its reply is
 * computed by running the operations through the model in linearization-point order. Each
 * client's operations are sequential. Some operations lose their reply (unknown outcome); of
 * those, a random half took effect and the rest never did.
 */
import type { Prng } from '../prng.js';
import type { Operation } from './history.js';
import { applyZnode, type ZnodeInput, type ZnodeOutput, type ZnodeState } from './znode-model.js';

export interface GeneratedHistoryOptions {
  clients: number;
  keys: number;
  ops: number;
  /** Chance that an operation's reply is lost (outcome unknown). */
  unknownChance: number;
  /** Upper bound on the gaps between a call, its linearization point and its return. */
  maxLatency: number;
}

interface Planned {
  op: Operation<ZnodeInput, ZnodeOutput>;
  point: number;
  takesEffect: boolean;
}

export function generateZnodeHistory(
  prng: Prng,
  options: GeneratedHistoryOptions,
): Operation<ZnodeInput, ZnodeOutput>[] {
  const paths = Array.from({ length: options.keys }, (_, i) => `/k${i}`);
  const clock = new Array<number>(options.clients).fill(0);
  const planned: Planned[] = [];
  for (let n = 0; n < options.ops; n++) {
    const clientId = prng.int(options.clients);
    const call = (clock[clientId] ?? 0) + prng.int(options.maxLatency);
    const point = call + prng.int(options.maxLatency);
    const ret = point + prng.int(options.maxLatency);
    clock[clientId] = ret + 1;
    const unknown = prng.chance(options.unknownChance);
    const input = randomInput(prng, prng.pick(paths), `c${clientId}-${n}`);
    const op = { clientId, input, output: undefined, call, ret: unknown ? Infinity : ret };
    planned.push({ op, point, takesEffect: !unknown || prng.chance(0.5) });
  }
  const states = new Map<string, ZnodeState>();
  for (const item of [...planned].sort((a, b) => a.point - b.point)) {
    if (!item.takesEffect) continue;
    const path = item.op.input.path;
    const before = states.get(path) ?? { exists: false, data: '', version: 0 };
    const [output, after] = applyZnode(before, item.op.input);
    states.set(path, after);
    if (item.op.ret !== Infinity) item.op.output = output;
  }
  return planned.map((item) => item.op);
}

function randomInput(prng: Prng, path: string, data: string): ZnodeInput {
  const expectedVersion = prng.chance(0.5) ? -1 : prng.int(4);
  switch (prng.weighted([2, 3, 1, 4])) {
    case 0:
      return { kind: 'create', path, data };
    case 1:
      return { kind: 'setData', path, data, expectedVersion };
    case 2:
      return { kind: 'delete', path, expectedVersion };
    default:
      return { kind: 'get', path };
  }
}
