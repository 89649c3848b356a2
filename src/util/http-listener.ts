/**
 * A small HTTP listener for operators' tools (the metrics endpoint, the AdminServer), with
 * the caps every Warren listener has: connections, header bytes, time to send a request and
 * idle time. GET (and HEAD) only, but for the paths a listener opts into POST for (the
 * AdminServer's `restore`): their handler reads the body, capped (readBody), and whatever it
 * leaves unread is discarded. A listener may hand whole requests to another handler
 * (`takeOver`: the dashboard, which reads bodies).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import { httpConnectionsMax, httpHeaderBytesMax, httpRequestTimeoutMs } from './limits.js';

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Answers a GET; `path` is the URL path, `query` its parameters. */
export type HttpHandler = (
  path: string,
  query: URLSearchParams,
  request: IncomingMessage,
) => HttpAnswer | Promise<HttpAnswer>;

/** Serves the request itself and returns true, or returns false to leave it to the listener. */
export type RawHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

/**
 * HTTPS on a listener (the AdminServer's admin.forceHttps, admin.portUnification). A client
 * certificate is always asked for, so that the x509 scheme can name the caller; only with
 * `needClientAuth` is a client without a trusted one refused at the handshake.
 */
export interface HttpTls {
  readonly options: SecureContextOptions;
  readonly needClientAuth: boolean;
  /** Plain HTTP too, on the same port: the first byte tells a TLS handshake from a request. */
  readonly plainToo: boolean;
}

export interface HttpListener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export function jsonAnswer(status: number, value: unknown): HttpAnswer {
  return {
    status,
    contentType: 'application/json',
    body: JSON.stringify(value, null, 2) + '\n',
  };
}

/** Listens on host:port; resolves once bound, rejects (EADDRINUSE...) when it cannot. */
export function startHttpListener(
  host: string,
  port: number,
  idleTimeoutMs: number,
  handler: HttpHandler,
  onError: (error: unknown) => void,
  acceptsPost: (path: string) => boolean = () => false,
  takeOver: RawHandler = () => false,
  tls?: HttpTls,
): Promise<HttpListener> {
  const options = {
    maxHeaderSize: httpHeaderBytesMax,
    requestTimeout: httpRequestTimeoutMs,
    headersTimeout: httpRequestTimeoutMs,
    keepAliveTimeout: idleTimeoutMs,
  };
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    if (!takeOver(request, response)) void serve(handler, request, response, onError, acceptsPost);
  };
  const plain = createServer(options, onRequest);
  const secure =
    tls === undefined
      ? null
      : createHttpsServer(
          {
            ...options,
            ...tls.options,
            requestCert: true,
            rejectUnauthorized: tls.needClientAuth,
            handshakeTimeout: httpRequestTimeoutMs,
          },
          onRequest,
        );
  plain.setTimeout(idleTimeoutMs, (socket) => socket.destroy());
  secure?.setTimeout(idleTimeoutMs, (socket) => socket.destroy());
  // A failed handshake (no certificate when one is needed, a stranger's) ends its connection.
  secure?.on('tlsClientError', (_error: Error, socket: TLSSocket) => socket.destroy());
  const server: Server | NetServer =
    secure === null ? plain : tls?.plainToo === true ? unified(plain, secure) : secure;
  server.maxConnections = httpConnectionsMax;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', onError);
      const bound = server.address() as AddressInfo;
      resolve({ host: bound.address, port: bound.port, close: () => closeServer(server) });
    });
  });
}

async function serve(
  handler: HttpHandler,
  request: IncomingMessage,
  response: ServerResponse,
  onError: (error: unknown) => void,
  acceptsPost: (path: string) => boolean,
): Promise<void> {
  let answer: HttpAnswer;
  const posted =
    request.method === 'POST' && acceptsPost(new URL(request.url ?? '/', 'http://warren').pathname);
  // A POST's connection is not reused: an unread rest of its body would be read as a request.
  if (posted) response.setHeader('Connection', 'close');
  if (request.method !== 'GET' && request.method !== 'HEAD' && !posted) {
    answer = jsonAnswer(405, { error: 'only GET is served here' });
    response.setHeader('Allow', 'GET, HEAD');
    response.setHeader('Connection', 'close');
  } else {
    const url = new URL(request.url ?? '/', 'http://warren');
    try {
      answer = await handler(url.pathname, url.searchParams, request);
    } catch (error) {
      onError(error);
      answer = jsonAnswer(500, { error: 'internal error; see the server log' });
    }
  }
  if (!request.readableEnded) request.resume(); // what the handler did not read is discarded
  const body = request.method === 'HEAD' ? '' : answer.body;
  response.writeHead(answer.status, {
    ...answer.headers,
    'Content-Type': answer.contentType,
    'Content-Length': Buffer.byteLength(answer.body),
  });
  response.end(body);
}

/** A TLS record starts with 22 (handshake); an HTTP request with a method's first letter. */
const TLS_HANDSHAKE = 0x16;

/** One port for both: each connection goes to the server its first byte belongs to. */
function unified(plain: Server, secure: Server): NetServer {
  const undecided = new Set<Socket>();
  const front = createNetServer((socket) => {
    undecided.add(socket);
    socket.setTimeout(httpRequestTimeoutMs, () => socket.destroy());
    socket.on('close', () => undecided.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      undecided.delete(socket);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(first);
      (first[0] === TLS_HANDSHAKE ? secure : plain).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  // close() waits for every connection: the two servers hold them, not this one.
  const close = front.close.bind(front);
  front.close = (done?: (error?: Error) => void) => {
    close(done);
    for (const socket of undecided) socket.destroy();
    for (const server of [plain, secure]) server.closeAllConnections();
    return front;
  };
  return front;
}

function closeServer(server: Server | NetServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    if ('closeAllConnections' in server) server.closeAllConnections();
  });
}

/** A request body read whole, or `tooLarge` once it passes `bytesMax` (then reading stops). */
export type BodyRead =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly tooLarge: true; readonly bytes: number };

export function readBody(request: IncomingMessage, bytesMax: number): Promise<BodyRead> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > bytesMax) {
    return Promise.resolve({ ok: false, tooLarge: true, bytes: declared });
  }
  // Listeners, not async iteration: leaving a for-await loop would destroy the socket before
  // the refusal is sent.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= bytesMax) {
        chunks.push(chunk);
        return;
      }
      request.off('data', onData).off('end', onEnd).off('error', onError);
      chunks.length = 0;
      resolve({ ok: false, tooLarge: true, bytes });
    };
    const onEnd = () => resolve({ ok: true, body: Buffer.concat(chunks, bytes) });
    const onError = (error: Error) => reject(error);
    request.on('data', onData).once('end', onEnd).once('error', onError);
  });
}
