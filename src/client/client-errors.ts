/**
 * The client's own failures, which have no ZooKeeper code: a request over the size limit and
 * a call on a closed client. Each carries a stable string `code`.
 */
export class RequestTooLargeError extends Error {
  override readonly name = 'RequestTooLargeError';
  readonly code = 'WARREN_REQUEST_TOO_LARGE';

  constructor(
    readonly op: string,
    readonly path: string,
    readonly requestBytes: number,
    readonly requestBytesMax: number,
  ) {
    super(
      `${op} ${path}: the encoded request is ${requestBytes} bytes, over the limit of ` +
        `${requestBytesMax} (jute.maxbuffer); the server would drop the connection. ` +
        'Store less data per node or raise maxRequestBytes together with the server limit.',
    );
  }
}

export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
  readonly code = 'WARREN_CLIENT_CLOSED';

  constructor(op: string) {
    super(`${op}: the client is closed; create a new client`);
  }
}

export class RequestQueueFullError extends Error {
  override readonly name = 'RequestQueueFullError';
  readonly code = 'WARREN_REQUEST_QUEUE_FULL';

  constructor(
    readonly op: string,
    readonly path: string,
    readonly queued: number,
  ) {
    super(
      `${op} ${path}: ${queued} requests already wait to be sent (maxQueuedRequests), ` +
        'usually because the client is disconnected or the server is slow; wait for ' +
        'earlier calls to settle, or raise maxQueuedRequests',
    );
  }
}
