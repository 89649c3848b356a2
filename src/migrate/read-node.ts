/**
 * Reads one node (data, ACL, Stat, child names) from either side. A node the migrating
 * identity may not read, or whose ACL it gets with the digest hashes masked, stops the
 * migration with an error naming the path: skipping it would leave a hole the verify could
 * not see either.
 */
import { NoAuthError, NoNodeError, type ZooKeeperClient } from '../client/index.js';
import { MigrateError } from './migrate-error.js';
import { hasMaskedDigest, type NodeImage } from './plan.js';

export type Side = 'source' | 'target';

const authOption: Record<Side, string> = { source: '--from-auth', target: '--to-auth' };

export function noAuth(side: Side, path: string, op: string): MigrateError {
  return new MigrateError(
    `${side} ${path}: not allowed to ${op} (NoAuth): its ACL does not grant this to the ` +
      `identities given with ${authOption[side]}; use one that it does, or the server's super ` +
      `user (${authOption[side]} digest:super:PASSWORD, with its superDigest set)`,
  );
}

function maskedAcl(side: Side, path: string): MigrateError {
  return new MigrateError(
    `${side} ${path}: its ACL's digest hashes are hidden from this identity (ZooKeeper shows ` +
      `them only with ADMIN on the node); copied, they would match nobody: use an identity ` +
      `with ADMIN there, or the super user (${authOption[side]} digest:super:PASSWORD)`,
  );
}

/** The node, or null when it does not exist (or vanished while being read). */
export async function readNode(
  client: ZooKeeperClient,
  side: Side,
  path: string,
): Promise<NodeImage | null> {
  try {
    const [{ data, stat }, { acl }] = await Promise.all([
      client.getData(path),
      client.getACL(path),
    ]);
    if (hasMaskedDigest(acl)) throw maskedAcl(side, path);
    const children = stat.numChildren > 0 ? await client.getChildren(path) : [];
    return { path, data, acl, stat, children };
  } catch (error) {
    if (error instanceof MigrateError) throw error;
    if (error instanceof NoNodeError) return null;
    if (error instanceof NoAuthError) throw noAuth(side, path, 'read');
    throw error;
  }
}
