/**
 * The client's clock: every timer it arms (request deadlines, connect and handshake timeouts,
 * reconnect backoff, liveness pings) and every "now" it reads go through a ClientClock, so a
 * test or a simulation can pass a fake one in ClientOptions.clock and drive time by hand.
 * The default is the system clock; its liveness interval is unref'd so it never keeps the
 * process alive.
 */

/** What the clock's set* functions return; only ever passed back to its clear* functions. */
export type TimerHandle = object | number;

export interface ClientClock {
  /** Milliseconds since some fixed point (only differences are used). */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  /** A repeating timer; a real clock should not let it keep the process alive. */
  setInterval(callback: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
  /** A number in [0, 1) for backoff jitter and host shuffling. */
  random(): number;
}

/** The default: Date.now, the global timers and Math.random. */
export const systemClock: ClientClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
  setInterval: (callback, ms) => setInterval(callback, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout | undefined),
  random: () => Math.random(),
};
