/**
 * The client's own failures, which have no ZooKeeper code: a request over the size limit, a
 * call on a closed client, a full request queue, a subtree too large to delete and a watch
 * stream read too slowly. Each carries a stable string `code`.
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

export class SubtreeTooLargeError extends Error {
  override readonly name = 'SubtreeTooLargeError';
  readonly code = 'WARREN_SUBTREE_TOO_LARGE';

  constructor(
    readonly path: string,
    readonly nodesMax: number,
    deletedBefore: boolean,
  ) {
    super(
      `deleteRecursive ${path}: the subtree has more than ${nodesMax} nodes (nodesMax); ` +
        (deletedBefore ? 'part of it was deleted already. ' : 'nothing was deleted. ') +
        'Raise nodesMax if the client can hold that many paths, or delete it in parts.',
    );
  }
}

export class WatchOverflowError extends Error {
  override readonly name = 'WatchOverflowError';
  readonly code = 'WARREN_WATCH_OVERFLOW';

  constructor(
    readonly path: string,
    readonly bufferMax: number,
  ) {
    super(
      `watchEvents ${path}: more than ${bufferMax} events waited to be read, so the stream ` +
        'stopped; re-read the state you follow and watch again, read faster, raise ' +
        "bufferMax, or pass overflow: 'dropOldest' if losing events is acceptable",
    );
  }
}
