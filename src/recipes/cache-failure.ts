/**
 * How a cache treats a failed read: connection losses wait for the reconnect; a session end
 * is fatal for a cache on a given client (reported once, as WARREN_RECIPE_SESSION_LOST) and
 * routine for one that owns its clients (it rebuilds on a new one); anything else is reported.
 */
import { ClientClosedError, SessionExpiredError } from '../client/index.js';
import { isConnectionLoss } from './nodes.js';
import { RecipeError } from './recipe-errors.js';
import { sessionLostError } from './signals.js';

export type FailureVerdict =
  | { kind: 'ignore' }
  | { kind: 'report'; error: Error }
  | { kind: 'fatal'; error: Error };

export function judgeFailure(error: unknown, ownsClients: boolean, what: string): FailureVerdict {
  if (isConnectionLoss(error)) return { kind: 'ignore' };
  const ended =
    error instanceof SessionExpiredError ||
    error instanceof ClientClosedError ||
    (error instanceof RecipeError && error.code === 'WARREN_RECIPE_SESSION_LOST');
  if (ended)
    return ownsClients ? { kind: 'ignore' } : { kind: 'fatal', error: sessionLostError(what) };
  return { kind: 'report', error: error instanceof Error ? error : new Error(String(error)) };
}

/** The events a cache's start() waits on. */
export interface InitializingCache {
  once(event: 'initialized' | 'error', listener: (error: Error) => void): unknown;
  off(event: 'initialized' | 'error', listener: (error: Error) => void): unknown;
}

/**
 * Resolves once `initialized()` holds or `stopped()` does, waiting on the cache's
 * 'initialized' event; an 'error' before that rejects (a cache on a given client whose
 * session ended cannot load).
 */
export async function untilInitialized(
  cache: InitializingCache,
  initialized: () => boolean,
  stopped: () => boolean,
): Promise<void> {
  while (!initialized() && !stopped()) {
    await new Promise<void>((resolve, reject) => {
      const done = (): void => (cache.off('error', failed), resolve());
      const failed = (error: Error): void => (cache.off('initialized', done), reject(error));
      cache.once('initialized', done);
      cache.once('error', failed);
    });
  }
}
