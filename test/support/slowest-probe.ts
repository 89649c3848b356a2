/** How another client fares while a load runs: the slowest exists('/') seen meanwhile. */
import assert from 'node:assert/strict';
import { Err } from '../../src/protocol/error-codes.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import type { RawClient } from './raw-client.js';

/** Slowest exists('/') answer seen while `work` runs, polling back to back. */
export async function slowestProbe(probe: RawClient, work: Promise<unknown>): Promise<number> {
  let done = false;
  const finished = work.finally(() => (done = true));
  let slowest = 0;
  while (!done) {
    const started = performance.now();
    const reply = await probe.request({ type: OpCode.exists, path: '/', watch: false });
    assert.equal(reply.header.err, Err.ok);
    slowest = Math.max(slowest, performance.now() - started);
  }
  await finished;
  return slowest;
}
