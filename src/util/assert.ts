/**
 * Invariant checks that are always on. A failed assertion is a bug in Warren, never a user
 * error: it throws an AssertionError that nothing may catch and swallow, and the server's
 * top-level handler exits the process (better down than serving corrupt state).
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
  readonly code = 'WARREN_ASSERTION';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/**
 * Throws the AssertionError for a failed check. On hot paths write `if (bad) fail(\`...\`)`:
 * a message built from values costs more than most checks, and `assert(ok, \`...\`)` builds
 * it on every call, not only when the check fails.
 */
export function fail(message: string): never {
  throw new AssertionError(message);
}

export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}
