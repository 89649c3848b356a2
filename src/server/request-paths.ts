/**
 * warren.pathBytesMax at the door for everything that is not a write (writes are checked by
 * tree/prepare.ts, in ZooKeeper's order, so a multi answers per operation). Reads, watches
 * and sync name paths that become map keys: an overlong one is refused before it gets there.
 */
import { OpCode } from '../protocol/opcodes.js';
import type { Request } from '../protocol/requests.js';
import { pathTooLong } from '../tree/path.js';

/** Whether a non-write request names a path longer than `bytesMax`. */
export function namesOverlongPath(req: Request, bytesMax: number): boolean {
  const long = (path: string) => pathTooLong(path, bytesMax);
  switch (req.type) {
    case OpCode.exists:
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.getChildren2:
    case OpCode.getACL:
    case OpCode.sync:
    case OpCode.getAllChildrenNumber:
    case OpCode.checkWatches:
    case OpCode.removeWatches:
    case OpCode.addWatch:
      return long(req.path);
    case OpCode.getEphemerals:
      return long(req.prefix);
    case OpCode.multiRead:
      return req.ops.some((op) => long(op.path));
    case OpCode.setWatches:
    case OpCode.setWatches2:
      return [
        req.dataWatches,
        req.existWatches,
        req.childWatches,
        req.persistentWatches,
        req.persistentRecursiveWatches,
      ].some((paths) => paths.some(long));
    default:
      return false;
  }
}
