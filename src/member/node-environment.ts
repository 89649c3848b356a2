/**
 * The environment a member runs in on a real machine: Node's clock and timers, the file
 * system, TCP for clients and peers. The simulator builds its own (test/sim).
 */
import type { Logger } from 'pino';
import { PeerTransport } from '../peer/peer-transport.js';
import { tcpClientListener } from '../server/client-socket.js';
import { nodeDisk } from '../storage/disk.js';
import { nodeRuntime } from '../util/runtime.js';
import type { MemberEnvironment } from './start-member.js';

export function nodeEnvironment(
  logger: Logger,
  onFatal: (error: Error) => void,
): MemberEnvironment {
  return {
    runtime: nodeRuntime,
    disk: nodeDisk,
    logger,
    clients: (host, port) => tcpClientListener(port, host),
    async peers(self, peers, events) {
      const transport = new PeerTransport({
        selfId: self.id,
        listenHost: self.host,
        listenPort: self.peerPort,
        peers,
        logger: logger.child({ module: 'peers' }),
        onMessage: (from, payload) => events.onMessage(from, payload),
        onUnreachable: (id) => events.onUnreachable(id),
      });
      await transport.start();
      return transport;
    },
    onFatal,
  };
}
