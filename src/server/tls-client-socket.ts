/**
 * secureClientPort: the ZooKeeper protocol over TLS (node:tls), with ZooKeeper's client
 * authentication rules (NettyServerCnxnFactory's CertificateVerifier): with clientAuth=need
 * a client without a trusted certificate fails the handshake; with want, a client may come
 * without one, but one that shows an untrusted certificate is closed; with none, none is
 * asked for. A verified certificate's subject becomes the connection's x509 identity. The
 * stores are reloaded when their files change (client.certReload), without dropping anyone.
 */
import { unwatchFile, watchFile } from 'node:fs';
import { checkServerIdentity, createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { ClientTls } from '../security/client-tls.js';
import { loadStores, type LoadedTls } from '../security/key-stores.js';
import { x509Subject } from '../security/x500-name.js';
import { handshakeTimeoutMs } from '../util/limits.js';
import { TcpClientSocket, type ClientListener } from './client-socket.js';

/**
 * How often the store files are stat'ed for a change. A stat per file per second is nothing,
 * and polling sees a file replaced by rename, which directory watches can miss.
 */
const storePollMs = 1000;

class TlsClientSocket extends TcpClientSocket {
  constructor(
    socket: TLSSocket,
    readonly certificateSubject: string | undefined,
  ) {
    super(socket);
  }
}

/** Why a handshaken client is turned away, or null to accept it. */
function refusal(socket: TLSSocket, loaded: LoadedTls): string | null {
  const { clientAuth, clientHostnameVerification } = loaded.settings;
  if (clientAuth === 'none') return null;
  const cert = socket.getPeerCertificate();
  const presented = cert !== null && Object.keys(cert).length > 0;
  if (!presented) return clientAuth === 'need' ? 'no client certificate' : null;
  if (!socket.authorized)
    return `untrusted client certificate (${String(socket.authorizationError)})`;
  if (clientHostnameVerification) {
    const address = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const mismatch = checkServerIdentity(address, cert);
    if (mismatch !== undefined) return `client certificate does not name ${address}`;
  }
  return null;
}

function subjectOf(socket: TLSSocket, loaded: LoadedTls): string | undefined {
  if (loaded.settings.clientAuth === 'none' || !socket.authorized) return undefined;
  const cert = socket.getPeerX509Certificate();
  return cert === undefined ? undefined : x509Subject(cert.raw);
}

/** Accepts ZooKeeper clients over TLS on `host`:`port` (0: any free port). */
export function tlsClientListener(
  port: number,
  host: string,
  tls: ClientTls,
  logger: Logger,
): ClientListener {
  let server: Server | null = null;
  let loaded = tls.loaded;
  const reload = (): void => {
    loadStores(loaded.settings).then(
      (fresh) => {
        server?.setSecureContext(fresh.options);
        loaded = fresh;
        logger.info({ files: fresh.files }, 'client TLS stores reloaded');
      },
      (error: unknown) =>
        logger.error(
          { err: error },
          'client TLS stores changed but cannot be loaded; kept the old',
        ),
    );
  };
  return {
    async listen(accept) {
      const { clientAuth } = loaded.settings;
      const listener = createServer({
        ...loaded.options,
        requestCert: clientAuth !== 'none',
        rejectUnauthorized: clientAuth === 'need',
        handshakeTimeout: handshakeTimeoutMs,
      });
      listener.on('secureConnection', (socket: TLSSocket) => {
        const why = refusal(socket, loaded);
        if (why !== null) {
          logger.warn({ ip: socket.remoteAddress, reason: why }, 'TLS client refused');
          socket.destroy();
          return;
        }
        accept(new TlsClientSocket(socket, subjectOf(socket, loaded)));
      });
      listener.on('tlsClientError', (error, socket) =>
        logger.debug({ err: error, ip: socket.remoteAddress }, 'TLS handshake failed'),
      );
      server = listener;
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(port, host, () => resolve());
      });
      if (tls.reload) {
        for (const file of loaded.files) {
          watchFile(file, { interval: storePollMs, persistent: false }, reload);
        }
      }
      const address = listener.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      logger.info({ host, port: bound, clientAuth }, 'serving clients over TLS');
      return { host, port: bound };
    },
    async close() {
      for (const file of loaded.files) unwatchFile(file, reload);
      const listener = server;
      server = null;
      if (listener !== null) await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
