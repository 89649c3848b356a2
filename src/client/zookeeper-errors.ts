/**
 * Typed errors: one ZooKeeperError subclass per ZooKeeper error code (match with instanceof or
 * on `code`/`codeName`). Messages say what happened in plain words, e.g.
 * `NoNodeError: /app/x does not exist (getData)`. The client's own failures that have no
 * ZooKeeper code live in client-errors.ts.
 */
import { Err, errName } from '../protocol/error-codes.js';

export class ZooKeeperError extends Error {
  override name = 'ZooKeeperError';
  /** The ZooKeeper error code (KeeperException.Code), e.g. -101. */
  readonly code: number;
  /** The code's name, e.g. `noNode`. */
  readonly codeName: string;
  /** The path the operation was about (client view, chroot stripped); '' when none. */
  readonly path: string;
  /** The operation that failed, e.g. `getData`. */
  readonly op: string;

  constructor(code: number, message: string, path = '', op = '', options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.codeName = errName(code);
    this.path = path;
    this.op = op;
  }
}

export class RuntimeInconsistencyError extends ZooKeeperError {
  override name = 'RuntimeInconsistencyError';
}
export class DataInconsistencyError extends ZooKeeperError {
  override name = 'DataInconsistencyError';
}
export class ConnectionLossError extends ZooKeeperError {
  override name = 'ConnectionLossError';
}
export class MarshallingError extends ZooKeeperError {
  override name = 'MarshallingError';
}
export class UnimplementedError extends ZooKeeperError {
  override name = 'UnimplementedError';
}
export class OperationTimeoutError extends ZooKeeperError {
  override name = 'OperationTimeoutError';
}
export class BadArgumentsError extends ZooKeeperError {
  override name = 'BadArgumentsError';
}
export class UnknownSessionError extends ZooKeeperError {
  override name = 'UnknownSessionError';
}
export class NewConfigNoQuorumError extends ZooKeeperError {
  override name = 'NewConfigNoQuorumError';
}
export class ReconfigInProgressError extends ZooKeeperError {
  override name = 'ReconfigInProgressError';
}
export class NoNodeError extends ZooKeeperError {
  override name = 'NoNodeError';
}
export class NoAuthError extends ZooKeeperError {
  override name = 'NoAuthError';
}
export class BadVersionError extends ZooKeeperError {
  override name = 'BadVersionError';
}
export class NoChildrenForEphemeralsError extends ZooKeeperError {
  override name = 'NoChildrenForEphemeralsError';
}
export class NodeExistsError extends ZooKeeperError {
  override name = 'NodeExistsError';
}
export class NotEmptyError extends ZooKeeperError {
  override name = 'NotEmptyError';
}
export class SessionExpiredError extends ZooKeeperError {
  override name = 'SessionExpiredError';
}
export class InvalidCallbackError extends ZooKeeperError {
  override name = 'InvalidCallbackError';
}
export class InvalidACLError extends ZooKeeperError {
  override name = 'InvalidACLError';
}
export class AuthFailedError extends ZooKeeperError {
  override name = 'AuthFailedError';
}
export class SessionMovedError extends ZooKeeperError {
  override name = 'SessionMovedError';
}
export class NotReadOnlyError extends ZooKeeperError {
  override name = 'NotReadOnlyError';
}
export class EphemeralOnLocalSessionError extends ZooKeeperError {
  override name = 'EphemeralOnLocalSessionError';
}
export class NoWatcherError extends ZooKeeperError {
  override name = 'NoWatcherError';
}
export class RequestTimeoutError extends ZooKeeperError {
  override name = 'RequestTimeoutError';
}
export class ReconfigDisabledError extends ZooKeeperError {
  override name = 'ReconfigDisabledError';
}
export class SessionClosedRequireSaslAuthError extends ZooKeeperError {
  override name = 'SessionClosedRequireSaslAuthError';
}
export class QuotaExceededError extends ZooKeeperError {
  override name = 'QuotaExceededError';
}
export class ThrottledOpError extends ZooKeeperError {
  override name = 'ThrottledOpError';
}

type Describe = (path: string) => string;
const at = (path: string): string => (path === '' ? '' : ` at ${path}`);

const KNOWN = new Map<number, [typeof ZooKeeperError, Describe]>([
  [
    Err.runtimeInconsistency,
    [
      RuntimeInconsistencyError,
      (p) => `not applied because an earlier operation of the transaction failed${at(p)}`,
    ],
  ],
  [
    Err.dataInconsistency,
    [DataInconsistencyError, (p) => `the server found inconsistent data${at(p)}`],
  ],
  [
    Err.connectionLoss,
    [
      ConnectionLossError,
      (p) => `the connection to the server was lost; the request may or may not have run${at(p)}`,
    ],
  ],
  [
    Err.marshallingError,
    [MarshallingError, (p) => `the server could not decode the request${at(p)}`],
  ],
  [
    Err.unimplemented,
    [UnimplementedError, (p) => `the server does not implement or allow this operation${at(p)}`],
  ],
  [
    Err.operationTimeout,
    [OperationTimeoutError, (p) => `no reply within the request timeout${at(p)}`],
  ],
  [Err.badArguments, [BadArgumentsError, (p) => `the server rejected the arguments${at(p)}`]],
  [Err.unknownSession, [UnknownSessionError, () => 'the server does not know this session']],
  [
    Err.newConfigNoQuorum,
    [NewConfigNoQuorumError, () => 'the new configuration has no synced quorum'],
  ],
  [
    Err.reconfigInProgress,
    [ReconfigInProgressError, () => 'another reconfiguration is in progress'],
  ],
  [Err.noNode, [NoNodeError, (p) => `${p} does not exist`]],
  [
    Err.noAuth,
    [NoAuthError, (p) => `not authorised for ${p}: the ACL does not grant this permission`],
  ],
  [Err.badVersion, [BadVersionError, (p) => `${p} is not at the expected version`]],
  [
    Err.noChildrenForEphemerals,
    [NoChildrenForEphemeralsError, (p) => `cannot create ${p}: its parent is ephemeral`],
  ],
  [Err.nodeExists, [NodeExistsError, (p) => `${p} already exists`]],
  [Err.notEmpty, [NotEmptyError, (p) => `${p} has children`]],
  [Err.sessionExpired, [SessionExpiredError, () => 'the session has expired; create a new client']],
  [Err.invalidCallback, [InvalidCallbackError, () => 'invalid callback']],
  [Err.invalidACL, [InvalidACLError, (p) => `the ACL is invalid${at(p)}`]],
  [Err.authFailed, [AuthFailedError, () => 'authentication failed; the server closed the session']],
  [Err.sessionMoved, [SessionMovedError, () => 'the session moved to another server']],
  [Err.notReadOnly, [NotReadOnlyError, (p) => `the server is read-only and cannot write${at(p)}`]],
  [
    Err.ephemeralOnLocalSession,
    [EphemeralOnLocalSessionError, (p) => `a local session cannot own ephemeral nodes${at(p)}`],
  ],
  [Err.noWatcher, [NoWatcherError, (p) => `no watch of that type is set on ${p}`]],
  [Err.requestTimeout, [RequestTimeoutError, (p) => `the server timed the request out${at(p)}`]],
  [
    Err.reconfigDisabled,
    [ReconfigDisabledError, () => 'reconfiguration is disabled on the server'],
  ],
  [
    Err.sessionClosedRequireSaslAuth,
    [SessionClosedRequireSaslAuthError, () => 'the server requires SASL authentication'],
  ],
  [Err.quotaExceeded, [QuotaExceededError, (p) => `the quota is exceeded${at(p)}`]],
  [Err.throttledOp, [ThrottledOpError, (p) => `the server throttled the request${at(p)}`]],
]);

/** The typed error for a ZooKeeper code, e.g. `NoNodeError: /app/x does not exist (getData)`. */
export function errorFor(code: number, path: string, op: string): ZooKeeperError {
  const known = KNOWN.get(code);
  if (known === undefined) {
    return new ZooKeeperError(
      code,
      `error ${errName(code)} (${code})${at(path)} (${op})`,
      path,
      op,
    );
  }
  const [Class, describe] = known;
  return new Class(code, `${describe(path)} (${op})`, path, op);
}
