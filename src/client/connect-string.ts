/**
 * Connection strings (`host:port[,host:port...][/chroot]`) and the chroot mapping between the
 * client's paths and the server's. Hosts default to port 2181; IPv6 hosts go in brackets.
 */
export interface HostPort {
  host: string;
  port: number;
}

export interface ConnectString {
  hosts: HostPort[];
  /** '' when there is no chroot, else e.g. '/app' (no trailing slash). */
  chroot: string;
}

const DEFAULT_PORT = 2181;

function parseHost(text: string): HostPort {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed !== null) {
    return { host: bracketed[1] ?? '', port: Number(bracketed[2] ?? DEFAULT_PORT) };
  }
  const colon = text.lastIndexOf(':');
  const host = colon < 0 ? text : text.slice(0, colon);
  const port = colon < 0 ? DEFAULT_PORT : Number(text.slice(colon + 1));
  if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new TypeError(`invalid host '${text}' in the connection string`);
  }
  return { host, port };
}

export function parseConnectString(text: string): ConnectString {
  const slash = text.indexOf('/');
  const hostPart = slash < 0 ? text : text.slice(0, slash);
  let chroot = slash < 0 ? '' : text.slice(slash);
  if (chroot === '/') chroot = '';
  if (chroot.endsWith('/') || chroot.includes('//')) {
    throw new TypeError(`invalid chroot '${chroot}' in the connection string`);
  }
  const hosts = hostPart
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '')
    .map(parseHost);
  if (hosts.length === 0) throw new TypeError(`no hosts in the connection string '${text}'`);
  return { hosts, chroot };
}

/** A shuffled copy (Fisher–Yates), so clients spread over the servers. */
export function shuffled<T>(items: readonly T[], random: () => number = Math.random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The client's path as the server sees it. */
export function toServerPath(chroot: string, path: string): string {
  if (chroot === '') return path;
  return path === '/' ? chroot : chroot + path;
}

/** The server's path as the client sees it (the chroot removed). */
export function toClientPath(chroot: string, path: string): string {
  if (chroot === '') return path;
  if (path === chroot) return '/';
  return path.startsWith(chroot + '/') ? path.slice(chroot.length) : path;
}
