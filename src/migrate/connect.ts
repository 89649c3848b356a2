/** Connecting to either side, with its identities, and the empty-target check. */
import { createClient, parseConnectString, type ZooKeeperClient } from '../client/index.js';
import { MigrateError } from './migrate-error.js';
import { isSystemPath } from './plan.js';

export function authOf(text: string): { scheme: string; credentials: string } {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new MigrateError(`auth '${text}': expected scheme:credentials`);
  return { scheme: text.slice(0, colon), credentials: text.slice(colon + 1) };
}

export async function connect(
  side: string,
  hosts: string,
  auths: readonly string[],
  sessionTimeoutMs: number,
): Promise<ZooKeeperClient> {
  try {
    parseConnectString(hosts);
  } catch (error) {
    throw new MigrateError(`the ${side} ${hosts}: ${(error as Error).message}`);
  }
  const client = createClient(hosts, { sessionTimeoutMs, maxOutstandingRequests: 1000 });
  try {
    await client.connect();
    for (const auth of auths) {
      const { scheme, credentials } = authOf(auth);
      await client.addAuth(scheme, credentials);
    }
    return client;
  } catch (error) {
    await client.close().catch(() => undefined);
    const why = error instanceof Error ? error.message : String(error);
    throw new MigrateError(`cannot connect to the ${side} ${hosts}: ${why}`);
  }
}

export async function refuseNonEmpty(target: ZooKeeperClient, to: string): Promise<void> {
  const names = (await target.getChildren('/')).filter((n) => !isSystemPath(`/${n}`));
  if (names.length === 0) return;
  throw new MigrateError(
    `the target ${to} already holds nodes (/${names.slice(0, 3).join(', /')}${names.length > 3 ? ', ...' : ''}): ` +
      'give an empty one, or --overwrite to make them match the source (nodes the source ' +
      'lacks are deleted)',
  );
}
