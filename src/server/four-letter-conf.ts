/**
 * `conf`: the server's configuration as ZooKeeper prints it. ZooKeeperServer.dumpConf for
 * every server (a standalone server is `serverId=0`, as in ZooKeeper); an ensemble member
 * adds QuorumZooKeeperServer's quorum fields and the membership it is in.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EnsembleServer } from '../config/config-ensemble.js';
import { formatServerLines, parseConfigData } from '../config/config-text.js';
import { CONFIG_PATH } from '../tree/path.js';
import type { WarrenServer } from './server.js';

/** ZooKeeper's only election algorithm since 3.4 (FastLeaderElection); tools expect it. */
const ELECTION_ALG_FAST_LEADER = 3;

export function configuration(server: WarrenServer): string {
  const c = server.config;
  const self = server.quorumSelf;
  const lines = [
    `clientPort=${c.clientPort ?? -1}`,
    `secureClientPort=${c.secureClientPort ?? -1}`,
    `dataDir=${c.dataDir}`,
    `dataDirSize=${dirSize(c.dataDir)}`,
    `dataLogDir=${c.dataLogDir}`,
    `dataLogSize=${dirSize(c.dataLogDir)}`,
    `tickTime=${c.tickTime}`,
    `maxClientCnxns=${c.maxClientCnxns}`,
    `minSessionTimeout=${c.minSessionTimeout}`,
    `maxSessionTimeout=${c.maxSessionTimeout}`,
    `clientPortListenBacklog=-1`,
    `serverId=${self === null ? 0 : self.id}`,
  ];
  if (self === null) return lines.join('\n') + '\n';
  return lines.join('\n') + '\n' + quorumFields(server, self);
}

/**
 * The quorum part, from the membership in force: /zookeeper/config once the leader has
 * written it (reconfig may have moved this server's ports or role), zoo.cfg's before.
 */
function quorumFields(server: WarrenServer, staticSelf: EnsembleServer): string {
  const written = parseConfigData(server.tree.get(CONFIG_PATH)?.data ?? null);
  const servers = written?.servers ?? server.config.ensemble.servers;
  const self = servers.find((s) => s.id === staticSelf.id) ?? staticSelf;
  // Like QuorumMaj.toString: the server lines, then the version with no newline after it.
  const membership = formatServerLines(servers) + `version=${(written?.version ?? 0).toString(16)}`;
  return [
    `initLimit=${server.config.initLimit}`,
    `syncLimit=${server.config.syncLimit}`,
    `electionAlg=${ELECTION_ALG_FAST_LEADER}`,
    `electionPort=${self.electionPort}`,
    `quorumPort=${self.peerPort}`,
    // LearnerType's ordinal: PARTICIPANT 0, OBSERVER 1.
    `peerType=${self.role === 'observer' ? 1 : 0}`,
    'membership: ',
    membership,
  ].join('\n');
}

/** Bytes under `dir`, recursively; 0 when it cannot be read (as ZooKeeper reports). */
export function dirSize(dir: string): number {
  let total = 0;
  try {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const st = statSync(full);
      total += st.isDirectory() ? dirSize(full) : st.size;
    }
  } catch {
    return 0;
  }
  return total;
}
