/**
 * Znode path rules (ZooKeeper's PathUtils.validatePath) and path arithmetic.
 * Pure string functions; the tree stores nodes by full path.
 */

/** Returns null when the path is valid, or the reason it is not. */
export function pathError(path: string): string | null {
  if (path.length === 0) return 'path must not be empty';
  if (path.charCodeAt(0) !== 0x2f) return 'path must start with /';
  if (path.length === 1) return null;
  if (path.charCodeAt(path.length - 1) === 0x2f) return 'path must not end with /';
  let componentStart = 1;
  for (let i = 1; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const length = i - componentStart;
      if (length === 0) return `empty node name at index ${i}`;
      if (length <= 2 && isDots(path, componentStart, length)) return 'relative paths not allowed';
      componentStart = i + 1;
      continue;
    }
    if (isForbidden(c)) return `invalid character \\u${c.toString(16).padStart(4, '0')} at ${i}`;
  }
  return null;
}

function isDots(path: string, start: number, length: number): boolean {
  if (path.charCodeAt(start) !== 0x2e) return false;
  return length === 1 || path.charCodeAt(start + 1) === 0x2e;
}

function isForbidden(c: number): boolean {
  return (
    c <= 0x1f ||
    (c >= 0x7f && c <= 0x9f) ||
    (c >= 0xd800 && c <= 0xf8ff) ||
    (c >= 0xfff0 && c <= 0xffff)
  );
}

export function isValidPath(path: string): boolean {
  return pathError(path) === null;
}

/**
 * Whether a path's UTF-8 encoding is longer than `bytesMax` (warren.pathBytesMax). Stops
 * counting once past it; most paths are answered by their length alone (≤ 3 bytes a unit).
 */
export function pathTooLong(path: string, bytesMax: number): boolean {
  if (path.length * 3 <= bytesMax) return false;
  if (path.length > bytesMax) return true;
  let bytes = 0;
  for (let i = 0; i < path.length && bytes <= bytesMax; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(path.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes > bytesMax;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Parent of a path; '/' for top-level nodes. The root has no parent (returns ''). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  if (slash <= 0) return path.length > 1 ? '/' : '';
  return path.substring(0, slash);
}

/** Last component of a path. */
export function nameOf(path: string): string {
  return path.substring(path.lastIndexOf('/') + 1);
}

export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

export const SPECIAL_PATHS: ReadonlySet<string> = new Set([
  '/',
  '/zookeeper',
  '/zookeeper/quota',
  '/zookeeper/config',
]);

export const ZOOKEEPER_PATH = '/zookeeper';
export const QUOTA_PATH = '/zookeeper/quota';
export const CONFIG_PATH = '/zookeeper/config';

/** ZooKeeper's %010d formatting of a signed 32-bit sequence number. */
export function sequenceSuffix(counter: number): string {
  if (counter < 0) return '-' + String(-counter).padStart(9, '0');
  return String(counter).padStart(10, '0');
}
