/**
 * Slow-request lines: what they name, and at most ten a second with the rest counted.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { OpCode } from '../../../src/protocol/opcodes.js';
import { SlowRequests } from '../../../src/server/slow-requests.js';

function logged() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

const conn = { remoteAddress: '10.0.0.7', session: { id: 0xabcn } };
const frame = (path: string) => ({
  xid: 1,
  opcode: OpCode.getData,
  request: { type: OpCode.getData, path, watch: false } as const,
  receivedAt: 0,
});

describe('SlowRequests', () => {
  it('names the operation, path, session, client and time', () => {
    const { logger, lines } = logged();
    new SlowRequests(logger, () => 0).note(conn, frame('/app/x'), 1234);
    assert.equal(lines.length, 1);
    assert.deepEqual(
      { ...lines[0], time: undefined, pid: undefined, hostname: undefined },
      {
        level: 40,
        time: undefined,
        pid: undefined,
        hostname: undefined,
        op: 'getData',
        path: '/app/x',
        session: '0xabc',
        remote: '10.0.0.7',
        latencyMs: 1234,
        msg: 'slow request',
      },
    );
  });

  it('writes at most ten lines a second and counts the rest in the next line', () => {
    const { logger, lines } = logged();
    let now = 0;
    const slow = new SlowRequests(logger, () => now);
    for (let i = 0; i < 25; i++) slow.note(conn, frame(`/n${i}`), 2000);
    assert.equal(lines.length, 10);
    now = 1000;
    slow.note(conn, frame('/later'), 2000);
    assert.equal(lines.length, 11);
    assert.equal(lines[10]?.['notLogged'], 15);
    assert.equal(lines[10]?.['path'], '/later');
  });
});
