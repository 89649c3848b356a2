/**
 * A small HTTP listener for operators' tools (the metrics endpoint, the AdminServer), with
 * the caps every Warren listener has: connections, header bytes, time to send a request and
 * idle time. GET (and HEAD) only, but for the paths a listener opts into POST for (the
 * AdminServer's `restore`): their handler reads the body, capped (readBody), and whatever it
 * leaves unread is discarded. A listener may hand whole requests to another handler
 * (`takeOver`: the dashboard, which reads bodies).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
): Promise<HttpListener> {
  const server = createServer(
    {
      maxHeaderSize: httpHeaderBytesMax,
      requestTimeout: httpRequestTimeoutMs,
      headersTimeout: httpRequestTimeoutMs,
      keepAliveTimeout: idleTimeoutMs,
    },
    (request, response) => {
      if (!takeOver(request, response))
        void serve(handler, request, response, onError, acceptsPost);
    },
  );
  server.maxConnections = httpConnectionsMax;
  server.setTimeout(idleTimeoutMs, (socket) => socket.destroy());
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

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
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
