/**
 * How long a server's event loop works before it answers another client, in CPU time: the
 * most CPU its main thread spent while one exists('/') of a probe was waiting. Unlike the
 * round trip (slowest-probe.ts), this does not grow when a loaded machine keeps the process
 * waiting for a core, so a bound on it holds at any load. Linux only (/proc).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { clockTicksPerSecond } from '../../src/bench/proc-stats.js';
import { Err } from '../../src/protocol/error-codes.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import type { RawClient } from './raw-client.js';

/** CPU time (user + system) of a process's main thread, the one running its event loop. */
export function mainThreadCpuMs(pid: number): number {
  const text = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  // comm may hold spaces and parentheses: fields are counted after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return (ticks * 1000) / clockTicksPerSecond();
}

export interface ProbeFigures {
  /** The slowest exists('/') round trip, ms. */
  slowestMs: number;
  /** The most main-thread CPU of the server during one exists('/'), ms (clock-tick steps). */
  busiestCpuMs: number;
  requests: number;
}

/** Polls exists('/') back to back on `probe` while `work` runs. */
export async function busiestProbe(
  probe: RawClient,
  serverPid: number,
  work: Promise<unknown>,
): Promise<ProbeFigures> {
  let done = false;
  const finished = work.finally(() => (done = true));
  const figures: ProbeFigures = { slowestMs: 0, busiestCpuMs: 0, requests: 0 };
  while (!done) {
    const cpu = mainThreadCpuMs(serverPid);
    const started = performance.now();
    const reply = await probe.request({ type: OpCode.exists, path: '/', watch: false });
    assert.equal(reply.header.err, Err.ok);
    figures.slowestMs = Math.max(figures.slowestMs, performance.now() - started);
    figures.busiestCpuMs = Math.max(figures.busiestCpuMs, mainThreadCpuMs(serverPid) - cpu);
    figures.requests++;
  }
  await finished;
  return figures;
}
