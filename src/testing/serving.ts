/**
 * Waiting until a server serves: a session can be created on it (for an ensemble member that
 * means it knows a leader, since creating a session is a replicated write).
 */
import { createClient } from '../client/index.js';

const POLL_MS = 100;
const PROBE_TIMEOUT_MS = 2_000;

export class TestingStartError extends Error {
  override readonly name = 'TestingStartError';
  readonly code = 'WARREN_TESTING_START';
}

/** Resolves once `connectString` accepts a session; `failed()` names a reason to stop early. */
export async function waitUntilServing(
  connectString: string,
  timeoutMs: number,
  failed: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt yet';
  for (;;) {
    const reason = failed();
    if (reason !== undefined) throw new TestingStartError(reason);
    const client = createClient(connectString, {
      sessionTimeoutMs: 4_000,
      initialConnectTimeoutMs: PROBE_TIMEOUT_MS,
      reconnectDelayMs: { initial: 50, max: 200 },
    });
    try {
      await client.connect();
      await client.close();
      return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      throw new TestingStartError(
        `${connectString} did not serve within ${timeoutMs} ms (last: ${last})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
