/**
 * Waiting with an AbortSignal and a deadline, and ending a wait when the client's session
 * ends (expired, authFailed, closed): a watch would never fire then.
 */
import type { ZooKeeperClient } from '../client/index.js';
import { RecipeError } from './recipe-errors.js';

const SESSION_ENDS = ['expired', 'authFailed', 'closed'] as const;

export function sessionEnded(client: ZooKeeperClient): boolean {
  return (SESSION_ENDS as readonly string[]).includes(client.state);
}

export function sessionLostError(what: string): RecipeError {
  return new RecipeError(
    'WARREN_RECIPE_SESSION_LOST',
    `${what}: the session ended (expired or closed); create a new client and start again`,
  );
}

/** Resolves with `promise`, or rejects when the signal aborts or the session ends. */
export function untilSignalled<T>(
  client: ZooKeeperClient,
  promise: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
  if (sessionEnded(client)) return Promise.reject(sessionLostError('wait'));
  return new Promise<T>((resolve, reject) => {
    const cleanup = (): void => {
      signal?.removeEventListener('abort', aborted);
      for (const state of SESSION_ENDS) client.off(state, ended);
    };
    const aborted = (): void => (cleanup(), reject(signal?.reason as Error));
    const ended = (): void => (cleanup(), reject(sessionLostError('wait')));
    signal?.addEventListener('abort', aborted, { once: true });
    for (const state of SESSION_ENDS) client.on(state, ended);
    promise.then(
      (value) => (cleanup(), resolve(value)),
      (error: unknown) => (cleanup(), reject(error as Error)),
    );
  });
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Give up after this long (RecipeError WARREN_RECIPE_TIMEOUT). */
  timeoutMs?: number;
}

/** One signal for a caller's signal and timeout; dispose() clears the timer. */
export function deadlineSignal(
  opts: WaitOptions,
  what: string,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onAbort = (): void => {
    const reason = opts.signal?.reason as unknown;
    const cause = reason instanceof Error ? { cause: reason } : undefined;
    controller.abort(new RecipeError('WARREN_RECIPE_ABORTED', `${what}: aborted`, cause));
  };
  if (opts.signal?.aborted === true) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  if (opts.timeoutMs !== undefined) {
    const ms = opts.timeoutMs;
    timer = setTimeout(() => {
      const msg = `${what}: not done within ${ms} ms`;
      controller.abort(new RecipeError('WARREN_RECIPE_TIMEOUT', msg));
    }, ms);
  }
  const dispose = (): void => {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  };
  return { signal: controller.signal, dispose };
}

/**
 * A signal that aborts when a grant (lock, leadership) is or may be lost: the connection
 * dropped (the session may expire before this client hears of it), the session expired, or
 * the client closed. dispose() stops listening.
 */
export function grantSignal(
  client: ZooKeeperClient,
  what: string,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const lose = (why: string) => (): void => {
    dispose();
    const msg = `${what}: lost, ${why}; stop acting on it and release`;
    controller.abort(new RecipeError('WARREN_RECIPE_SESSION_LOST', msg));
  };
  const onDisconnect = lose('the connection dropped and the session may expire');
  const onEnd = lose('the session ended');
  const dispose = (): void => {
    client.off('disconnected', onDisconnect);
    for (const state of SESSION_ENDS) client.off(state, onEnd);
  };
  client.on('disconnected', onDisconnect);
  for (const state of SESSION_ENDS) client.on(state, onEnd);
  if (client.state !== 'connected') lose(`the client is ${client.state}`)();
  return { signal: controller.signal, dispose };
}
