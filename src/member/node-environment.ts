/**
 * The environment a member runs in on a real machine: Node's clock and timers, the file
 * system, TCP for clients and peers. The simulator builds its own (test/sim).
 */
import type { Logger } from 'pino';
import { openPeerSecurity, peerPortIsOpen, type PeerSecurity } from '../peer/peer-security.js';
import { PeerTransport } from '../peer/peer-transport.js';
import type { ClientSasl } from '../config/client-sasl.js';
import type { ClientTls } from '../security/client-tls.js';
import { tcpClientListener } from '../server/client-socket.js';
import { tlsClientListener } from '../server/tls-client-socket.js';
import { lockDirectories } from '../storage/directory-lock.js';
import { nodeDisk } from '../storage/disk.js';
import { nodeRuntime } from '../util/runtime.js';
import type { MemberEnvironment } from './start-member.js';

export function nodeEnvironment(
  logger: Logger,
  onFatal: (error: Error) => void,
  peerSecurity: PeerSecurity = openPeerSecurity,
  clientTls: ClientTls | null = null,
  clientSasl: ClientSasl | null = null,
): MemberEnvironment {
  return {
    clientSasl,
    runtime: nodeRuntime,
    disk: nodeDisk,
    logger,
    clients: (host, port) => tcpClientListener(port, host),
    secureClients:
      clientTls === null
        ? undefined
        : (host, port) =>
            tlsClientListener(port, host, clientTls, logger.child({ module: 'client-tls' })),
    async peers(self, peers, events) {
      const transport = new PeerTransport({
        selfId: self.id,
        listenHost: self.host,
        listenPort: self.peerPort,
        peers,
        logger: logger.child({ module: 'peers' }),
        onMessage: (from, payload) => events.onMessage(from, payload),
        onUnreachable: (id) => events.onUnreachable(id),
        security: peerSecurity,
      });
      const bound = await transport.start();
      if (peerPortIsOpen(peerSecurity)) {
        logger.warn(
          `the peer port ${bound.host}:${bound.port} trusts any process that can reach it: ` +
            'set sslQuorum=true (with ssl.quorum.* stores) or quorum.auth.enableSasl=true ' +
            'with quorum.auth.serverRequireSasl=true (docs/security.md)',
        );
      }
      return transport;
    },
    onFatal,
    lockDirectories: (directories) =>
      lockDirectories(directories, logger.child({ module: 'storage' })),
  };
}
