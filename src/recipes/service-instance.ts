/**
 * A service instance as stored in its registration node: JSON {name, id, address, port,
 * payload}, the layout Curator's ServiceDiscovery uses (fewer fields). Encoding validates the
 * fields; decoding rejects a node that is not an instance, so one bad node is skipped.
 */
import { checkNodeName } from './nodes.js';

export interface ServiceInstance<P = unknown> {
  /** The service's name: the registration's parent node. */
  readonly name: string;
  /** The instance's id: its node's name. */
  readonly id: string;
  readonly address: string;
  readonly port: number;
  /** Anything JSON can carry. */
  readonly payload?: P;
}

export function encodeInstance(instance: ServiceInstance): string {
  checkNodeName(instance.name, 'service name');
  checkNodeName(instance.id, 'instance id');
  if (!Number.isInteger(instance.port) || instance.port < 0 || instance.port > 65_535) {
    throw new RangeError(`port must be an integer in 0..65535 (got ${instance.port})`);
  }
  const { name, id, address, port, payload } = instance;
  return JSON.stringify({ name, id, address, port, payload });
}

/** The instance in a node's data, or undefined when it is not one. */
export function decodeInstance<P>(data: Buffer | null): ServiceInstance<P> | undefined {
  if (data === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const ok =
    typeof v.name === 'string' &&
    typeof v.id === 'string' &&
    typeof v.address === 'string' &&
    typeof v.port === 'number';
  return ok ? (value as ServiceInstance<P>) : undefined;
}
