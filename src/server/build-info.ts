/**
 * What Warren says it is (`Zookeeper version:` in srvr, stat, mntr, envi and the AdminServer):
 * ZooKeeper's `<version>-<revision>, built on <yyyy-MM-dd HH:mm> UTC`, so that tools parsing
 * ZooKeeper's line keep working. The version is the protocol level served, then Warren's own
 * from its package.json. The build date is the later of two: the stamp `npm run build` (and
 * so `prepare`, before a pack) writes next to the code, and the time tsc wrote this file. The
 * stamp survives npm's packing, which sets every file's time to 1985; the file's time is
 * right after a bare `tsc`, which leaves an older stamp behind.
 */
import { readFileSync, statSync } from 'node:fs';

/** The ZooKeeper release whose client protocol and replies Warren matches. */
const PROTOCOL_LEVEL = '3.8.0';

/** dist/src/server/build-info.js → the package root (in a checkout as in node_modules). */
const PACKAGE_JSON = new URL('../../../package.json', import.meta.url);
/** Written by scripts/stamp-build.mjs: `{"builtAt": "<ISO time>"}`. */
const BUILD_STAMP = new URL('../build-info.json', import.meta.url);

function packageVersion(): string {
  const parsed: unknown = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8'));
  const version = (parsed as { version?: unknown }).version;
  if (typeof version !== 'string') throw new Error(`${PACKAGE_JSON.pathname} has no version`);
  return version;
}

function stampedAt(): number {
  try {
    const parsed: unknown = JSON.parse(readFileSync(BUILD_STAMP, 'utf8'));
    const builtAt = (parsed as { builtAt?: unknown }).builtAt;
    return typeof builtAt === 'string' ? Date.parse(builtAt) || 0 : 0;
  } catch {
    return 0;
  }
}

function builtAt(): number {
  return Math.max(stampedAt(), statSync(new URL(import.meta.url)).mtimeMs);
}

/** `2026-12-07 10:49 UTC`, the shape of ZooKeeper's build date. */
export function zooKeeperBuildDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export const WARREN_VERSION = packageVersion();
const BUILT_ON = zooKeeperBuildDate(builtAt());
export const VERSION_STRING = `${PROTOCOL_LEVEL}-warren-${WARREN_VERSION}, built on ${BUILT_ON}`;
