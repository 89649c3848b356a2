/**
 * A client that asks for big replies and never reads them cannot grow the server: a
 * connection's unsent output has a byte budget (its later requests wait while it is over),
 * and a connection that stays over it past the stall limit is closed. Everyone else is served.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { Err } from '../../src/protocol/error-codes.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { fourLetter } from '../support/four-letter.js';
import { RawClient } from '../support/raw-client.js';
import { sleep } from '../support/server-process.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';

const acl = [...OPEN_ACL_UNSAFE];
const valueBytes = 1_000_000;

function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 'NaN');
  return kb * 1024;
}

/** A handshake and `count` getData frames for `path`, as one buffer. */
function pipelinedGets(path: string, count: number): Buffer {
  const frames: Buffer[] = [];
  const hs = Buffer.alloc(4 + 45);
  hs.writeInt32BE(45, 0);
  hs.writeInt32BE(30_000, 16); // session timeout
  frames.push(hs);
  const pathBytes = Buffer.from(path);
  for (let i = 0; i < count; i++) {
    const body = 4 + 4 + 4 + pathBytes.length + 1;
    const f = Buffer.alloc(4 + body);
    f.writeInt32BE(body, 0);
    f.writeInt32BE(i + 1, 4);
    f.writeInt32BE(OpCode.getData, 8);
    f.writeInt32BE(pathBytes.length, 12);
    pathBytes.copy(f, 16);
    frames.push(f);
  }
  return Buffer.concat(frames);
}

async function aliveConnections(server: RunningServer): Promise<number> {
  const mntr = await fourLetter(server.host, server.port, 'mntr');
  return Number(/zk_num_alive_connections\t(\d+)/.exec(mntr)?.[1] ?? 'NaN');
}

describe('a client that never reads its replies', () => {
  let server: RunningServer;
  before(async () => {
    server = await startWarren({
      config: {
        'warren.clientOutputBytesMax': String(4 * 1024 * 1024),
        'warren.clientStallMs': '3000',
      },
    });
  });
  after(async () => {
    await server?.stop();
  });

  it('cannot grow the server past its output budget, and is closed when it stalls', async () => {
    const writer = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    const created = await writer.request({
      type: OpCode.create,
      path: '/big',
      data: Buffer.alloc(valueBytes, 7),
      acl,
      flags: 0,
      ttl: -1,
    });
    assert.equal(created.header.err, Err.ok);
    const before = residentBytes(server.pid);
    const greedy = connect({ host: server.host, port: server.port });
    await new Promise<void>((resolve) => greedy.once('connect', () => resolve()));
    greedy.on('error', () => undefined);
    greedy.pause(); // never reads
    // 3000 requests for a 1 MB value: 3 GB of replies if the server produced them all.
    greedy.write(pipelinedGets('/big', 3000));
    await sleep(1500);
    const during = residentBytes(server.pid);
    const grew = during - before;
    assert.ok(
      grew < 200 * 1024 * 1024,
      `resident memory grew by ${Math.round(grew / 2 ** 20)} MiB`,
    );
    // Others are served meanwhile.
    const started = Date.now();
    const read = await writer.request({ type: OpCode.exists, path: '/big', watch: false });
    assert.equal(read.header.err, Err.ok);
    assert.ok(Date.now() - started < 1000, 'another client is answered promptly');
    const alive = await aliveConnections(server);
    // Past the stall limit (3 s) the greedy connection is closed.
    const deadline = Date.now() + 10_000;
    while ((await aliveConnections(server)) >= alive) {
      assert.ok(Date.now() < deadline, 'the stalled connection was never closed');
      await sleep(200);
    }
    assert.ok(writer.isOpen, 'the well-behaved client is still connected');
    greedy.destroy();
    await writer.close();
  });
});
