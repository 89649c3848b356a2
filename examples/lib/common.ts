// Shared by the examples: the connect string and a recursive delete for cleanup.
// Applications write: import { createClient } from 'warren/client';
import { createClient, NoNodeError, type ZooKeeperClient } from '../../src/client/index.js';

export const connectString = process.argv[2] ?? '127.0.0.1:2181';

export function connect(): Promise<ZooKeeperClient> {
  return createClient(connectString, { sessionTimeoutMs: 10_000 }).connect();
}

/** Deletes path and everything under it; a missing node is fine. */
export async function removeTree(client: ZooKeeperClient, path: string): Promise<void> {
  try {
    for (const child of await client.getChildren(path)) {
      await removeTree(client, `${path}/${child}`);
    }
    await client.delete(path);
  } catch (error) {
    if (!(error instanceof NoNodeError)) throw error;
  }
}
