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
