/**
 * The opt-in retry policy (ClientOptions.retry, or per call): a request that failed with
 * ConnectionLoss or OperationTimeout is sent again after an exponential backoff with full
 * jitter, but only when sending it twice cannot change the outcome: reads, sync, addWatch and
 * checkWatches, and setData, setACL and delete with an explicit version (a second run fails
 * the version check instead of applying again). Creates, multi, unversioned writes,
 * removeWatches and reconfig are never retried: a create that ran before the connection
 * dropped would run twice (a second sequential node, or a NodeExists that hides success);
 * for sequential creates use a protected name (warren/recipes does, as Curator does).
 */
import { Err } from '../protocol/error-codes.js';
import { OpCode, READ_OPCODES } from '../protocol/opcodes.js';
import type { ClientClock } from './clock.js';
import type { RequestSpec } from './pending-request.js';
import { ZooKeeperError } from './zookeeper-errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included (default 5; at most retryAttemptsMax). */
  attempts?: number;
  /** Backoff before the first retry; it doubles each time (default 100 ms). */
  initialDelayMs?: number;
  /** Cap of one backoff (default 5 000 ms). */
  maxDelayMs?: number;
}

/** A cap, so a typo (attempts: 1e9) cannot turn into a retry loop that never ends. */
export const retryAttemptsMax = 100;

export type ResolvedRetry = Required<RetryPolicy>;

export function resolveRetry(policy: RetryPolicy | false | undefined): ResolvedRetry | undefined {
  if (policy === undefined || policy === false) return undefined;
  const attempts = policy.attempts ?? 5;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > retryAttemptsMax) {
    throw new RangeError(`retry.attempts must be an integer in 1..${retryAttemptsMax}`);
  }
  const initialDelayMs = policy.initialDelayMs ?? 100;
  const maxDelayMs = Math.max(policy.maxDelayMs ?? 5_000, initialDelayMs);
  if (!(initialDelayMs >= 0)) throw new RangeError('retry.initialDelayMs must be >= 0');
  return { attempts, initialDelayMs, maxDelayMs };
}

const ALWAYS_SAFE: ReadonlySet<number> = new Set([
  ...READ_OPCODES,
  OpCode.sync,
  OpCode.whoAmI,
  OpCode.checkWatches,
  OpCode.addWatch,
]);

/** Whether sending this request a second time cannot apply it twice. */
export function isRetrySafe(request: RequestSpec['request']): boolean {
  if (ALWAYS_SAFE.has(request.type)) return true;
  const versioned = request.type === OpCode.setData || request.type === OpCode.setACL;
  if (versioned || request.type === OpCode.delete) {
    return 'version' in request && request.version >= 0;
  }
  return false;
}

/** The failures after which the request may or may not have run. */
export function isRetryableError(error: unknown): boolean {
  if (!(error instanceof ZooKeeperError)) return false;
  return error.code === Err.connectionLoss || error.code === Err.operationTimeout;
}

/** Full jitter: a random delay in [0, min(cap, initial · 2^(retry−1))]. */
export function backoffDelayMs(retry: number, policy: ResolvedRetry, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/** Waits on the client's clock; rejects with the signal's reason when it aborts. */
export function backoff(ms: number, clock: ClientClock, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const aborted = (): void => {
      clock.clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }, ms);
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/** Runs `attempt` until it succeeds, fails for good, or the policy's attempts are spent. */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  policy: ResolvedRetry,
  clock: ClientClock,
  signal: AbortSignal | undefined,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= policy.attempts || !isRetryableError(error)) throw error;
    }
    await backoff(
      backoffDelayMs(n, policy, () => clock.random()),
      clock,
      signal,
    );
  }
}
