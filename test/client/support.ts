/**
 * Shared helpers for the client suites: a connected client for a server, a deferred promise,
 * waiting for a condition, and collecting watch events.
 */
import {
  createClient,
  type ClientOptions,
  type WatchedEvent,
  type ZooKeeperClient,
} from '../../src/client/index.js';

export async function connected(
  connectString: string,
  opts: ClientOptions = {},
): Promise<ZooKeeperClient> {
  return createClient(connectString, { sessionTimeoutMs: 10_000, ...opts }).connect();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until check() holds (or fails with `what` after timeoutMs). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The next event a one-shot watcher sees, as a promise, and the watcher to pass. */
export function nextEvent(): { watch: (e: WatchedEvent) => void; event: Promise<WatchedEvent> } {
  let watch: (e: WatchedEvent) => void = () => undefined;
  const event = new Promise<WatchedEvent>((resolve) => {
    watch = resolve;
  });
  return { watch, event };
}

/** Rejects if the promise does not settle within ms. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms),
    ),
  ]);
}
