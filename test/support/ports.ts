/**
 * Free TCP ports on 127.0.0.1 for test servers. The port is found by binding port 0 and
 * closing again, so another process may take it before the server binds: launchers that own
 * the choice retry with a fresh port when the bind fails. Within one process a port is never
 * handed out twice: the kernel may give a just-closed port again, and two servers of one test
 * given the same port made a joiner fail with EADDRINUSE on server 1's (seen in CI).
 */
import { createServer } from 'node:net';

export const LOOPBACK_HOST = '127.0.0.1';

const handedOut = new Set<number>();
/** Probes before giving up on a port not handed out yet (the kernel has thousands). */
const probesMax = 100;

export async function freePort(): Promise<number> {
  for (let probe = 0; probe < probesMax; probe++) {
    const port = await unusedPort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no port free that this process has not handed out already (${probesMax} tries)`);
}

function unusedPort(): Promise<number> {
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
