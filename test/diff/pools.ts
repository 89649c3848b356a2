/**
 * The small worlds the random differential run draws from: path names (few, so operations
 * collide), node data, ACLs (valid ones always grant READ to world, so the ACL filtering of
 * exists and of notifications added in 3.8.4/3.9.2 never comes into play — see §8.5), digest
 * identities and getEphemerals prefixes.
 */
import type { ACL } from '../../src/protocol/records.js';
import { digestId } from '../support/digest.js';
import type { Prng } from '../support/prng.js';

export const ROOT = '/d';
export const NAMES_1 = ['a', 'b', 'c', 'd', 'e', 'f'];
export const NAMES_2 = ['a', 'b', 'c', 'x'];
export const NAMES_3 = ['a', 'b'];
export const SPECIAL_PATHS = ['/', '/zookeeper', '/zookeeper/config', '/zookeeper/quota', ROOT];
/** Malformed paths: writes must reject them (BadArguments or NoNode by §5 order). */
export const ODD_PATHS = [
  '/d/',
  '/d//a',
  'd',
  '',
  '/d/a/.',
  '/d/..',
  '/d/a\u0000b',
  '/d/\u0001x',
  '/d/a/',
  '/zookeeper/',
];
export const SEQUENTIAL_PREFIXES = ['s', 'q-', ''];
export const EPHEMERAL_PREFIXES = ['', '/', '/d', '/d/a', '/d/a/', '/d/b/c', '/x', '/d/ab'];

export const USERS = [
  { user: 'alice', password: 'pw-a' },
  { user: 'bob', password: 'pw-b' },
  { user: 'carol', password: 'pw-c' },
  { user: 'alice', password: 'wrong' },
];

const ALICE = digestId('alice', 'pw-a');
const BOB = digestId('bob', 'pw-b');
const world = (perms: number): ACL => ({ perms, id: { scheme: 'world', id: 'anyone' } });
const digest = (perms: number, id: string): ACL => ({ perms, id: { scheme: 'digest', id } });
const ip = (perms: number, id: string): ACL => ({ perms, id: { scheme: 'ip', id } });
const auth = (perms: number): ACL => ({ perms, id: { scheme: 'auth', id: '' } });

export const OPEN_ACL: ACL[] = [world(31)];

/** Valid ACLs (each grants world READ). */
const VALID_ACLS: ACL[][] = [
  [world(1), digest(31, ALICE)],
  [world(1), digest(31, BOB), digest(3, ALICE)],
  [world(1), auth(31)],
  [world(5), auth(30)],
  [world(1), ip(31, '127.0.0.1')],
  [world(1), ip(31, '127.0.0.0/8'), ip(31, '10.0.0.1')],
  [world(3)],
  [world(13)],
  [world(31), world(31)],
  [world(0), world(1), digest(16, ALICE)],
  [world(1), digest(31, BOB), digest(31, BOB)],
  [world(17), digest(14, ALICE)],
];

/** ACLs that fail the fix-up (InvalidACL), and null. */
const INVALID_ACLS: (ACL[] | null)[] = [
  [],
  null,
  [{ perms: 31, id: { scheme: 'world', id: 'someone' } }],
  [world(1), digest(31, 'nocolon')],
  [world(1), ip(31, 'not-an-ip')],
  [world(1), { perms: 31, id: { scheme: 'foo', id: 'bar' } }],
  [world(1), { perms: 31, id: { scheme: 'super', id: 'x' } }],
];

export function pickAcl(rng: Prng): ACL[] | null {
  const r = rng.next();
  if (r < 0.7) return OPEN_ACL;
  if (r < 0.93) return rng.pick(VALID_ACLS);
  return rng.pick(INVALID_ACLS);
}

export function pickData(rng: Prng): Buffer | null {
  const r = rng.next();
  if (r < 0.15) return null;
  if (r < 0.3) return Buffer.alloc(0);
  return rng.bytes(rng.range(1, 8));
}

export function pickVersion(rng: Prng): number {
  const r = rng.next();
  if (r < 0.5) return -1;
  if (r < 0.75) return 0;
  if (r < 0.87) return 1;
  return rng.pick([2, 3, -2, 100]);
}

export function randomPoolPath(rng: Prng): string {
  const depth = rng.weighted([45, 35, 20]) + 1;
  let path = `${ROOT}/${rng.pick(NAMES_1)}`;
  if (depth >= 2) path += `/${rng.pick(NAMES_2)}`;
  if (depth >= 3) path += `/${rng.pick(NAMES_3)}`;
  return path;
}
