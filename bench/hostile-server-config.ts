/**
 * zoo.cfg lines every server of the hostile-load benchmark gets: the memory bound under test,
 * and per-address limits raised so that loopback (one client address) can open 10k sessions.
 */
import type { HostileOptions } from './hostile-options.js';

export type HostOptions = HostileOptions;

export function serverConfig(o: HostileOptions): Record<string, string> {
  return {
    'warren.memoryBytesMax': String(o.memoryMiB * 1024 * 1024),
    'warren.clientStallMs': String(o.clientStallMs),
    maxClientCnxns: '0',
    'warren.sessionsPerAddressMax': '100000',
    'warren.sessionCreateRatePerAddress': '100000',
    '4lw.commands.whitelist': '*',
    // The children load lists a million names (about 12 MB): replies over jute.maxbuffer are
    // not sent, so it is raised as ZooKeeper's users raise it to read such a parent.
    'jute.maxbuffer': String(64 * 1024 * 1024),
  };
}
