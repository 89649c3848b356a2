/**
 * Prints ZooKeeper records as zkCli does: a Stat as `cZxid = 0x...` lines with Java-style
 * dates, an ACL as `'scheme,'id` then `: perms`, lists as `[a, b]`.
 */
import { Perm, type ACL, type Stat } from '../../client/index.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function two(n: number): string {
  return String(n).padStart(2, '0');
}

function zoneName(date: Date): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(date);
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? 'UTC';
}

/** java.util.Date#toString: `Thu Nov 26 12:33:31 UTC 2026`, in the local time zone. */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  const day = DAYS[d.getDay()] ?? '';
  const month = MONTHS[d.getMonth()] ?? '';
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return `${day} ${month} ${two(d.getDate())} ${time} ${zoneName(d)} ${d.getFullYear()}`;
}

function hex(value: number | bigint): string {
  return '0x' + value.toString(16);
}

/** StatPrinter's eleven lines. */
export function formatStat(stat: Stat): string[] {
  return [
    `cZxid = ${hex(stat.czxid)}`,
    `ctime = ${formatDate(stat.ctime)}`,
    `mZxid = ${hex(stat.mzxid)}`,
    `mtime = ${formatDate(stat.mtime)}`,
    `pZxid = ${hex(stat.pzxid)}`,
    `cversion = ${stat.cversion}`,
    `dataVersion = ${stat.version}`,
    `aclVersion = ${stat.aversion}`,
    `ephemeralOwner = ${hex(stat.ephemeralOwner)}`,
    `dataLength = ${stat.dataLength}`,
    `numChildren = ${stat.numChildren}`,
  ];
}

const PERM_LETTERS: ReadonlyArray<[string, number]> = [
  ['c', Perm.create],
  ['d', Perm.delete],
  ['r', Perm.read],
  ['w', Perm.write],
  ['a', Perm.admin],
];

/** ZKUtil.getPermString: `cdrwa` order. */
export function formatPerms(perms: number): string {
  return PERM_LETTERS.filter(([, bit]) => (perms & bit) !== 0)
    .map(([letter]) => letter)
    .join('');
}

/** Letters (any order) → permission bits; undefined if a letter is unknown. */
export function parsePerms(text: string): number | undefined {
  let perms = 0;
  for (const ch of text.toLowerCase()) {
    const entry = PERM_LETTERS.find(([letter]) => letter === ch);
    if (entry === undefined) return undefined;
    perms |= entry[1];
  }
  return perms;
}

/** getAcl's lines: `'world,'anyone` then `: cdrwa` per entry. */
export function formatAcl(acl: readonly ACL[]): string[] {
  return acl.flatMap((a) => [`'${a.id.scheme},'${a.id.id}`, `: ${formatPerms(a.perms)}`]);
}

/** Java's List#toString. */
export function formatList(items: readonly string[]): string {
  return `[${items.join(', ')}]`;
}
