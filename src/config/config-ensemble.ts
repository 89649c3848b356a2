/**
 * Ensemble settings of zoo.cfg: `server.N`, `group.N`, `weight.N` and `dynamicConfigFile`.
 * Standalone Warren does not act on them; they are parsed and checked here, with ZooKeeper's
 * syntax (QuorumPeer.QuorumServer), so that the ensemble code and the caller can use them.
 *
 *   server.N=host:peerPort:electionPort[:participant|:observer][;[clientHost:]clientPort]
 *
 * A host may be an IPv6 literal in brackets (`[::1]:2888:3888`). Checks: server ids 1..255
 * (ZooKeeper's documented range; the id is the top byte of session ids), ports 1..65535, peer
 * and election ports differ, ids and host:port pairs are not reused, observers need at least
 * one participant, group members and weights name known servers, no server is in two groups.
 * ZooKeeper's multi-address form (`a:1:2|b:1:2`) is refused.
 */
import { ConfigError, invalidValue, prefixOf, type Where } from './config-error.js';
import { isHost, isIntBetween, isPort, parseJavaInt, parsePort } from './config-values.js';

export type PeerRole = 'participant' | 'observer';

export interface EnsembleServer {
  id: number;
  host: string;
  peerPort: number;
  electionPort: number;
  role: PeerRole;
  clientHost?: string;
  clientPort?: number;
}

/** `group.N=1:2:3`: a hierarchical-quorum group. */
export interface EnsembleGroup {
  id: number;
  members: number[];
}

/** `weight.N=W`: a server's vote weight in hierarchical quorums (0 = never counted). */
export interface EnsembleWeight {
  serverId: number;
  weight: number;
}

export interface EnsembleConfig {
  /** Sorted by id. */
  servers: EnsembleServer[];
  groups: EnsembleGroup[];
  weights: EnsembleWeight[];
  /** Path as written; loadZooCfg reads its server.N, group.N and weight.N lines. */
  dynamicConfigFile: string | null;
}

export const SERVER_FORMAT =
  'host:peerPort:electionPort[:participant|:observer][;[clientHost:]clientPort]';
export const SERVER_ID_MAX = 255;

export function emptyEnsemble(): EnsembleConfig {
  return { servers: [], groups: [], weights: [], dynamicConfigFile: null };
}

/** Whether a zoo.cfg key belongs to the ensemble settings. */
export function isEnsembleKey(key: string): boolean {
  return (
    key.startsWith('server.') ||
    key.startsWith('group.') ||
    key.startsWith('weight.') ||
    key === 'dynamicConfigFile'
  );
}

/** A server id: an integer in 1..255. */
export function parseServerId(raw: string): number | undefined {
  const id = parseJavaInt(raw.trim());
  return id !== undefined && id >= 1 && id <= SERVER_ID_MAX ? id : undefined;
}

/** `host:p1:p2`, `[v6]:p1:p2` → [host, p1, p2]; undefined when brackets are unbalanced. */
function splitHostAndPorts(text: string): string[] | undefined {
  if (!text.startsWith('[')) return text.split(':').map((part) => part.trim());
  const close = text.indexOf(']');
  if (close < 0) return undefined;
  const host = text.slice(1, close);
  const rest = text.slice(close + 1);
  if (rest === '') return [host];
  if (!rest.startsWith(':')) return undefined;
  return [
    host,
    ...rest
      .slice(1)
      .split(':')
      .map((part) => part.trim()),
  ];
}

function parseRole(raw: string | undefined): PeerRole | undefined {
  if (raw === undefined) return 'participant';
  const role = raw.toLowerCase();
  return role === 'participant' || role === 'observer' ? role : undefined;
}

/** Parses `[clientHost:]clientPort` into the server; returns the reason it is malformed. */
function parseClientPart(text: string, server: EnsembleServer): string | undefined {
  const fields = splitHostAndPorts(text);
  if (fields === undefined || fields.length > 2)
    return `expected [clientHost:]clientPort after ';'`;
  const port = fields[fields.length - 1] ?? '';
  const clientPort = parsePort(port);
  if (clientPort === undefined) return `clientPort '${port}' is not a port number (1..65535)`;
  server.clientPort = clientPort;
  if (fields.length === 2) {
    const clientHost = fields[0] ?? '';
    if (!isHost(clientHost)) return `clientHost '${clientHost}' is not a host name or address`;
    server.clientHost = clientHost;
  }
  return undefined;
}

/**
 * Parses the value of a `server.N` line. Returns the server, or the reason it is malformed.
 */
export function parseServerSpec(id: number, value: string): EnsembleServer | string {
  const parts = value.trim().split(';');
  if (parts.length > 2) return `more than one ';'`;
  const serverPart = (parts[0] ?? '').trim();
  const clientPart = (parts[1] ?? '').trim();
  if (serverPart.includes('|')) return 'multiple addresses per server (a|b) are not supported';
  const fields = splitHostAndPorts(serverPart);
  if (fields === undefined || fields.length < 3 || fields.length > 4) {
    return 'expected host, peer port and election port separated by colons';
  }
  const [host = '', peer = '', election = '', roleText] = fields;
  if (!isHost(host)) return `host '${host}' is not a host name or address`;
  const peerPort = parsePort(peer);
  if (peerPort === undefined) return `peerPort '${peer}' is not a port number (1..65535)`;
  const electionPort = parsePort(election);
  if (electionPort === undefined) {
    return `electionPort '${election}' is not a port number (1..65535)`;
  }
  if (peerPort === electionPort) return 'peerPort and electionPort must differ';
  const role = parseRole(roleText);
  if (role === undefined) return `role '${roleText}' is neither participant nor observer`;
  const server: EnsembleServer = { id, host, peerPort, electionPort, role };
  // Java's split drops a trailing empty part, so ZooKeeper reads `a:1:2;` as `a:1:2`.
  const clientError = clientPart === '' ? undefined : parseClientPart(clientPart, server);
  return clientError ?? server;
}

function bracketed(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The `server.N` value for a server, in ZooKeeper's syntax. */
export function formatServer(server: EnsembleServer): string {
  const base = `${bracketed(server.host)}:${server.peerPort}:${server.electionPort}`;
  let text = `${base}:${server.role}`;
  if (server.clientPort !== undefined) {
    const host = server.clientHost === undefined ? '' : `${bracketed(server.clientHost)}:`;
    text += `;${host}${server.clientPort}`;
  }
  return text;
}

/** Where each ensemble key (canonical spelling, e.g. `server.1`) was set. */
export type Locate = (key: string) => Where | undefined;

/**
 * Adds one ensemble line of a zoo.cfg to `ensemble`, recording where it was in `wheres`
 * under its canonical key. Throws ConfigError for a malformed line or a reused id.
 */
export function addEnsembleLine(
  ensemble: EnsembleConfig,
  key: string,
  raw: string,
  where: Where,
  wheres: Map<string, Where>,
): void {
  if (key === 'dynamicConfigFile') {
    if (raw === '') throw invalidValue(key, 'a file path', raw, where);
    ensemble.dynamicConfigFile = raw;
    wheres.set(key, where);
    return;
  }
  const dot = key.indexOf('.');
  const kind = key.slice(0, dot);
  const suffix = key.slice(dot + 1);
  const id = kind === 'group' ? parseJavaInt(suffix) : parseServerId(suffix);
  if (id === undefined || id < 1) {
    const range = kind === 'group' ? 'a positive integer' : `an integer in 1..${SERVER_ID_MAX}`;
    const detail = `the ${kind === 'group' ? 'group' : 'server'} id must be ${range}`;
    throw new ConfigError(`${prefixOf(where)}${key}: ${detail}, got '${suffix}'`, key, where);
  }
  const canonical = `${kind}.${id}`;
  const earlier = wheres.get(canonical);
  if (earlier !== undefined) {
    const detail = `${canonical} is already set on line ${earlier.line}`;
    throw new ConfigError(`${prefixOf(where)}${key}: ${detail}`, key, where);
  }
  wheres.set(canonical, where);
  if (kind === 'server') addServer(ensemble, id, key, raw, where);
  else if (kind === 'group') addGroup(ensemble, id, key, raw, where);
  else addWeight(ensemble, id, key, raw, where);
}

function addServer(e: EnsembleConfig, id: number, key: string, raw: string, where: Where): void {
  const parsed = parseServerSpec(id, raw);
  if (typeof parsed === 'string') throw invalidValue(key, SERVER_FORMAT, raw, where, parsed);
  e.servers.push(parsed);
  e.servers.sort((a, b) => a.id - b.id);
}

function addGroup(e: EnsembleConfig, id: number, key: string, raw: string, where: Where): void {
  const members = raw.split(':').map(parseServerId);
  if (raw === '' || members.some((member) => member === undefined)) {
    throw invalidValue(key, `server ids separated by ':' (for example 1:2:3)`, raw, where);
  }
  e.groups.push({ id, members: members as number[] });
  e.groups.sort((a, b) => a.id - b.id);
}

function addWeight(e: EnsembleConfig, id: number, key: string, raw: string, where: Where): void {
  const weight = parseJavaInt(raw);
  if (weight === undefined || weight < 0) {
    throw invalidValue(key, 'a non-negative integer', raw, where);
  }
  e.weights.push({ serverId: id, weight });
  e.weights.sort((a, b) => a.serverId - b.serverId);
}

/** Reason a server (perhaps built by code, not parsed) is malformed, or undefined. */
function serverProblem(s: EnsembleServer): string | undefined {
  if (!isIntBetween(s.id, 1, SERVER_ID_MAX)) return `id ${s.id} is not in 1..${SERVER_ID_MAX}`;
  if (!isHost(s.host)) return `host '${s.host}' is not a host name or address`;
  if (!isPort(s.peerPort) || !isPort(s.electionPort)) return 'ports must be in 1..65535';
  if (s.peerPort === s.electionPort) return 'peerPort and electionPort must differ';
  if (s.role !== 'participant' && s.role !== 'observer') return `role '${String(s.role)}'`;
  if (s.clientPort !== undefined && !isPort(s.clientPort)) return 'clientPort is not a port';
  if (s.clientHost !== undefined && s.clientPort === undefined) return 'clientHost without port';
  if (s.clientHost !== undefined && !isHost(s.clientHost)) return `clientHost '${s.clientHost}'`;
  return undefined;
}

function fail(key: string, locate: Locate, detail: string): ConfigError {
  const where = locate(key);
  return new ConfigError(`${prefixOf(where)}${key}: ${detail}`, key, where);
}

function checkServers(servers: readonly EnsembleServer[], locate: Locate): void {
  const ids = new Set<number>();
  const addresses = new Map<string, number>();
  for (const server of servers) {
    const key = `server.${server.id}`;
    const problem = serverProblem(server);
    if (problem !== undefined) {
      throw invalidValue(key, SERVER_FORMAT, formatServer(server), locate(key), problem);
    }
    if (ids.has(server.id)) throw fail(key, locate, `server id ${server.id} is used twice`);
    ids.add(server.id);
    const ports = [server.peerPort, server.electionPort];
    for (const port of ports) {
      const address = `${bracketed(server.host)}:${port}`;
      const owner = addresses.get(address);
      if (owner !== undefined) {
        throw fail(key, locate, `${address} is already used by server.${owner}`);
      }
      addresses.set(address, server.id);
    }
  }
  const participants = servers.filter((server) => server.role === 'participant').length;
  if (participants === 0 && servers.length > 0) {
    const first = `server.${servers[0]?.id ?? 0}`;
    throw fail(first, locate, 'observers need at least one participant (ZooKeeper refuses this)');
  }
}

/**
 * Checks an ensemble as a whole. `locate` maps a canonical key to the line it came from, so
 * that errors in a file name their line. Throws ConfigError.
 */
export function validateEnsemble(ensemble: EnsembleConfig, locate: Locate): void {
  checkServers(ensemble.servers, locate);
  const known = new Set(ensemble.servers.map((server) => server.id));
  const groupOf = new Map<number, number>();
  for (const group of ensemble.groups) {
    const key = `group.${group.id}`;
    for (const member of group.members) {
      if (!known.has(member)) throw fail(key, locate, `server ${member} has no server.${member}`);
      const other = groupOf.get(member);
      if (other !== undefined) {
        throw fail(key, locate, `server ${member} is already in group.${other}`);
      }
      groupOf.set(member, group.id);
    }
  }
  for (const { serverId, weight } of ensemble.weights) {
    const key = `weight.${serverId}`;
    if (!known.has(serverId)) throw fail(key, locate, `there is no server.${serverId}`);
    if (!isIntBetween(weight, 0, Number.MAX_SAFE_INTEGER)) {
      throw fail(key, locate, `weight must be a non-negative integer, got '${weight}'`);
    }
  }
}
