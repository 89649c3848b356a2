/**
 * Turns a failed command into the sentence zkCli prints (`Node does not exist: /x`,
 * `version No is not valid : /x`); errors without a zkCli wording keep the client's message.
 */
import { ZooKeeperError } from '../../client/index.js';

const WORDING: Readonly<Record<string, (path: string) => string>> = {
  noNode: (p) => `Node does not exist: ${p}`,
  noChildrenForEphemerals: (p) => `Ephemerals cannot have children: ${p}`,
  nodeExists: (p) => `Node already exists: ${p}`,
  notEmpty: (p) => `Node not empty: ${p}`,
  notReadOnly: (p) => `Not a read-only call: ${p}`,
  invalidACL: (p) => `Acl is not valid : ${p}`,
  noAuth: (p) => `Insufficient permission : ${p}`,
  badArguments: (p) => `Argument is not valid : ${p}`,
  badVersion: (p) => `version No is not valid : ${p}`,
  reconfigInProgress: () =>
    'Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)',
  reconfigDisabled: () => 'Reconfig is disabled on this server (reconfigEnabled=false)',
  connectionLoss: () => 'Connection to the server was lost; the command may or may not have run',
  sessionExpired: () => 'Session expired; use connect to start a new one',
  authFailed: () => 'Authentication failed; use connect to start a new session',
  noWatcher: (p) => `No watch of that kind at ${p}`,
};

/** The line printed for a command that failed with `error` about `path`. */
export function describeError(error: unknown, path: string): string {
  if (error instanceof ZooKeeperError) {
    const word = WORDING[error.codeName];
    if (word !== undefined) return word(path !== '' ? path : error.path);
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
