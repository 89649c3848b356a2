/**
 * Free TCP ports on 127.0.0.1 for test servers. The port is found by binding port 0 and
 * closing again, so another process may take it before the server binds: launchers that own
 * the choice retry with a fresh port when the bind fails.
 */
import { createServer } from 'node:net';

export const LOOPBACK_HOST = '127.0.0.1';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: LOOPBACK_HOST, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`unexpected listen address ${String(address)}`));
        return;
      }
      const { port } = address;
      server.close((error) => (error === undefined ? resolve(port) : reject(error)));
    });
  });
}
