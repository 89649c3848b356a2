/**
 * A naive twin of ZooKeeper's path rules (protocol §12) and of the order in which each
 * operation applies them (§5.1–§5.6), written from the reference, not from Warren's code, to
 * predict the exact error code of a request on a given path. It tracks which nodes exist, so
 * the requests it predicts to succeed keep it in step with the server.
 */
import { Err } from '../../src/protocol/error-codes.js';
import { OpCode } from '../../src/protocol/opcodes.js';

const SPECIAL = new Set(['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config']);

/** PathUtils.validatePath, per protocol §12. */
export function zkPathValid(path: string): boolean {
  if (path.length === 0 || path[0] !== '/') return false;
  if (path === '/') return true;
  if (path.endsWith('/')) return false;
  for (const name of path.slice(1).split('/')) {
    if (name === '' || name === '.' || name === '..') return false;
  }
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    const bad =
      c <= 0x1f ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      (c >= 0xfff0 && c <= 0xffff);
    if (bad) return false;
  }
  return true;
}

/** ZooKeeper's parent: everything before the last '/', where '' is the root. */
function parentOf(path: string): string {
  const parent = path.substring(0, path.lastIndexOf('/'));
  return parent === '' ? '/' : parent;
}

export interface Outcome {
  err: number;
}

export class PathModel {
  private readonly nodes = new Set<string>(SPECIAL);

  constructor(existing: readonly string[]) {
    for (const path of existing) this.nodes.add(path);
  }

  has(path: string): boolean {
    return this.nodes.has(path === '' ? '/' : path);
  }

  /** §5.1: flags and TTL are valid here, so the order is slash/NUL, ACL, parent, name, exists. */
  create(path: string, sequential: boolean, aclEmpty = false): Outcome {
    if (path.lastIndexOf('/') < 0 || path.includes('\u0000')) return { err: Err.badArguments };
    if (aclEmpty) return { err: Err.invalidACL };
    const parent = parentOf(path);
    if (!this.has(parent)) return { err: Err.noNode };
    const full = sequential ? `${path}0000000000` : path;
    if (!zkPathValid(full)) return { err: Err.badArguments };
    if (!sequential && this.has(full)) return { err: Err.nodeExists };
    return { err: Err.ok };
  }

  /** §5.2: only a slash, NUL and the special paths are checked before the lookups. */
  delete(path: string): Outcome {
    if (path.lastIndexOf('/') < 0 || path.includes('\u0000') || SPECIAL.has(path)) {
      return { err: Err.badArguments };
    }
    if (!this.has(parentOf(path)) || !this.has(path)) return { err: Err.noNode };
    return { err: Err.ok };
  }

  /** §5.3–§5.5: full validation first, then the node must exist. */
  validatedWrite(path: string): Outcome {
    if (!zkPathValid(path)) return { err: Err.badArguments };
    return { err: this.has(path) ? Err.ok : Err.noNode };
  }

  /** §5.6: reads only look the path up; exists also refuses a NUL; sync always succeeds. */
  read(op: number, path: string): Outcome {
    if (op === OpCode.sync) return { err: Err.ok };
    if (op === OpCode.exists && path.includes('\u0000')) return { err: Err.badArguments };
    return { err: this.has(path) ? Err.ok : Err.noNode };
  }

  /** Records the effect of a request the server answered with success. */
  applied(op: 'create' | 'delete', path: string): void {
    if (op === 'delete') {
      this.nodes.delete(path);
      return;
    }
    this.nodes.add(path);
  }
}
