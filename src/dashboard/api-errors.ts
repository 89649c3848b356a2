/**
 * ZooKeeper's answers as HTTP statuses the browser can act on: NoAuth is 403, NoNode 404,
 * BadVersion / NodeExists / NotEmpty 409 (the user reloads and decides), and the code name
 * (`badVersion`, `noAuth`, ...) goes along so that the page can say exactly what happened.
 */
import { ClientClosedError, ZooKeeperError } from '../client/index.js';
import { HttpError } from './http-io.js';

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  noAuth: 403,
  authFailed: 401,
  noNode: 404,
  badVersion: 409,
  nodeExists: 409,
  notEmpty: 409,
  noChildrenForEphemerals: 409,
  badArguments: 400,
  invalidACL: 400,
  connectionLoss: 503,
  operationTimeout: 503,
  notReadOnly: 503,
  sessionExpired: 401,
};

export interface ApiError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** The user's client session is gone: log them out. */
  readonly sessionGone: boolean;
}

export function apiError(error: unknown): ApiError | null {
  if (error instanceof HttpError) {
    return { status: error.status, code: error.code, message: error.message, sessionGone: false };
  }
  if (error instanceof ZooKeeperError) {
    const status = STATUS_BY_CODE[error.codeName] ?? 500;
    const gone = error.codeName === 'sessionExpired' || error.codeName === 'authFailed';
    return { status, code: error.codeName, message: error.message, sessionGone: gone };
  }
  if (error instanceof ClientClosedError) {
    return { status: 401, code: 'sessionClosed', message: 'log in again', sessionGone: true };
  }
  // The client checks paths before sending them.
  if (error instanceof TypeError || error instanceof RangeError) {
    return { status: 400, code: 'badArguments', message: error.message, sessionGone: false };
  }
  return null;
}
