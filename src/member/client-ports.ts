/**
 * Which client ports a member serves, as ZooKeeper decides: the plaintext port (the member's
 * server.N client port, else clientPort) unless there is none, and secureClientPort over TLS
 * when set. A TLS-only configuration never listens in plaintext.
 */
import type { EnsembleServer } from '../config/config-ensemble.js';
import { ConfigError } from '../config/config-error.js';
import type { ServerConfig } from '../config/config.js';
import { combineListeners } from '../server/client-listeners.js';
import type { ClientListener } from '../server/client-socket.js';
import type { MemberEnvironment } from './start-member.js';

export function clientPorts(
  config: ServerConfig,
  self: EnsembleServer,
  env: MemberEnvironment,
): ClientListener {
  const listeners: ClientListener[] = [];
  const port = self.clientPort ?? config.clientPort;
  warnIfAdvertisedElsewhere(config, self, env);
  if (port !== null) listeners.push(env.clients(self.clientHost ?? config.clientPortAddress, port));
  if (config.secureClientPort !== null) {
    if (env.secureClients === undefined) {
      throw new ConfigError(
        'secureClientPort is set but this environment has no TLS material for it',
        'secureClientPort',
      );
    }
    listeners.push(env.secureClients(config.secureClientPortAddress, config.secureClientPort));
  }
  if (listeners.length === 0) {
    throw new ConfigError('no client port: set clientPort or secureClientPort', 'clientPort');
  }
  return listeners.length === 1 && listeners[0] !== undefined
    ? listeners[0]
    : combineListeners(listeners);
}

/**
 * `server.N=...;2181` (no client host) puts 0.0.0.0 in /zookeeper/config, which is what
 * clients and zkCli's `config` are shown, while a clientPortAddress of 127.0.0.1 is what this
 * member binds. ZooKeeper refuses that pair; Warren serves, and says how to make them agree.
 */
function warnIfAdvertisedElsewhere(
  config: ServerConfig,
  self: EnsembleServer,
  env: MemberEnvironment,
): void {
  const bound = config.clientPortAddress;
  if (self.clientPort === undefined || self.clientHost !== undefined) return;
  if (bound === '0.0.0.0' || bound === '::') return;
  env.logger.warn(
    `server.${self.id} names client port ${self.clientPort} without a host, so ` +
      `/zookeeper/config shows 0.0.0.0:${self.clientPort}, but clientPortAddress=${bound} is ` +
      `what this server listens on: write ';${bound}:${self.clientPort}' in server.${self.id}`,
  );
}
