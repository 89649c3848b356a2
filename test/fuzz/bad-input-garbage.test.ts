/**
 * Random garbage never crashes the server, hangs a connection or disturbs other sessions
 * (protocol §1, §2, §4, §18). One Warren server and a bystander session doing real work the
 * whole time; against them, eight connections at a time send seeded random input:
 * - random opcodes with jute-shaped random bodies, correctly framed;
 * - the valid request of every served opcode with its body mutated (bit flips, byte sets,
 *   inserts, deletes, truncation, edge-case ints, duplicated slices), correctly framed;
 * - the same requests with the whole frame mutated, length prefix and header included;
 * - unframed random bytes after a valid handshake;
 * - mutated ConnectRequests and random bytes before any handshake.
 * Every burst ends with a sentinel sync. garbage-kit.ts derives from the bytes sent what the
 * server must do (reply in order, Unimplemented then close, close, or wait for more bytes) and
 * checks every frame it sent back: a valid ReplyHeader with a ZooKeeper error code, xids in
 * request order, decodable success bodies, a close only when one is due and never silence when
 * a reply is due. Before a handshake: a silent close, a correct ConnectResponse, or a wait for
 * more bytes. Each case draws from its own stream of WARREN_FUZZ_SEED, so a failure prints
 * the bytes and the seed to replay (concurrent cases make the server state differ slightly).
 * The last test checks the bystander, the process, the log and a fresh client.
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Err, errName } from '../../src/protocol/error-codes.js';
import { JuteReader } from '../../src/protocol/jute-reader.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import {
  readConnectRequest,
  readConnectResponse,
  type ConnectRequest,
} from '../../src/protocol/records.js';
import type { Request } from '../../src/protocol/requests.js';
import { KNOWN_FOUR_LETTER_WORDS } from '../../src/config/config.js';
import type { Prng } from '../support/prng.js';
import { RawClient } from '../support/raw-client.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';
import { assertAftermath, Bystander } from './bystander.js';
import {
  judgeReplies,
  mutate,
  planFor,
  randomJuteBody,
  randomOpcode,
  splitFrames,
  type StreamEnd,
  type Verdict,
} from './garbage-kit.js';
import { OPEN_ACL, sampleRequests } from './samples.js';
import { caseRng, FUZZ_SEED, replayHint } from './seed.js';
import {
  CLOSE_WAIT_MS,
  connectBody,
  encodeBody,
  frameOf,
  hex,
  int32,
  pause,
  RawWire,
  REPLY_WAIT_MS,
  requestFrame,
} from './wire.js';

const BASE = '/fz';
const LANES = 8;
const SENTINEL_XID = 0x5e5e5e5e;
const SESSION_TIMEOUT_MS = 10_000;
/** How long a connection left mid-frame is watched before it is dropped. */
const PARTIAL_WAIT_MS = 150;
const SAMPLES = sampleRequests(BASE).map((s) => s.request);
const FOUR_LETTER = new Set(KNOWN_FOUR_LETTER_WORDS);

interface Failure {
  mode: string;
  index: number;
  sent: string;
  problems: string[];
}

/** One lane's connection, re-established whenever the garbage got it closed. */
class Lane {
  private wire: RawWire | null = null;
  constructor(private readonly server: RunningServer) {}

  async ready(): Promise<RawWire> {
    if (this.wire !== null && !this.wire.isClosed) return this.wire;
    const wire = await RawWire.open(this.server.host, this.server.port);
    const res = await wire.handshake({ timeOut: SESSION_TIMEOUT_MS });
    assert.ok(res.timeOut > 0, 'a fuzz lane could not open a session');
    this.wire = wire;
    return wire;
  }

  drop(): void {
    this.wire?.destroy();
    this.wire = null;
  }
}

const sentinel = requestFrame(SENTINEL_XID, OpCode.sync, encodeBody({ type: 9, path: '/' }));

function sentinelSeen(wire: RawWire, from: number): boolean {
  return wire.frames.slice(from).some((f) => f.length >= 4 && f.readInt32BE(0) === SENTINEL_XID);
}

type Outcome = 'answered' | 'closed' | 'left waiting';

/** Sends the garbage and the sentinel on the lane's session and judges what comes back. */
async function burst(lane: Lane, garbage: Buffer): Promise<Verdict & { outcome: Outcome }> {
  const wire = await lane.ready();
  const from = wire.frames.length;
  const stream = Buffer.concat([garbage, sentinel]);
  const plan = planFor(stream, SENTINEL_XID);
  wire.write(stream);
  const waitMs = plan.sentinelDue || plan.mustClose ? REPLY_WAIT_MS : PARTIAL_WAIT_MS;
  await wire.waitFor(() => wire.isClosed || sentinelSeen(wire, from), waitMs);
  const verdict = judgeReplies(plan, wire.frames.slice(from), wire.isClosed);
  if (wire.frameError !== null) verdict.problems.push(`server frame: ${wire.frameError}`);
  const outcome = wire.isClosed ? 'closed' : verdict.sentinelAnswered ? 'answered' : 'left waiting';
  if (outcome !== 'answered' || verdict.problems.length > 0) lane.drop();
  return { ...verdict, outcome };
}

/** Random opcodes with jute-shaped bodies, 1–8 framed requests per burst. */
function randomFrames(rng: Prng): Buffer {
  const n = 1 + rng.int(8);
  return Buffer.concat(
    Array.from({ length: n }, (_, k) =>
      requestFrame(k + 1, randomOpcode(rng), randomJuteBody(rng)),
    ),
  );
}

/** Valid requests with mutated bodies, correctly framed, 1–4 per burst. */
function mutatedBodies(rng: Prng, index: number): Buffer {
  const n = 1 + rng.int(4);
  return Buffer.concat(
    Array.from({ length: n }, (_, k) => {
      const req = SAMPLES[(index + k) % SAMPLES.length] as Request;
      return requestFrame(k + 1, req.type as number, mutate(rng, encodeBody(req)));
    }),
  );
}

/** Valid request frames mutated as a whole, length prefix and header included. */
function mutatedFrames(rng: Prng, index: number): Buffer {
  const n = 1 + rng.int(2);
  return Buffer.concat(
    Array.from({ length: n }, (_, k) => {
      const req = SAMPLES[(index + k) % SAMPLES.length] as Request;
      return mutate(rng, requestFrame(k + 1, req.type as number, encodeBody(req)));
    }),
  );
}

/** Unframed random bytes, sometimes behind a plausible small length. */
function randomBytes(rng: Prng): Buffer {
  const bytes = rng.bytes(1 + rng.int(64));
  return rng.chance(0.5) ? Buffer.concat([int32(rng.int(48)), bytes]) : bytes;
}

/** Bytes as the first thing on a new connection; returns what was wrong with the answer. */
async function beforeHandshake(server: RunningServer, bytes: Buffer): Promise<string[]> {
  const wire = await RawWire.open(server.host, server.port);
  try {
    wire.write(bytes);
    if (bytes.length >= 4 && FOUR_LETTER.has(bytes.subarray(0, 4).toString('latin1'))) {
      await wire.waitClosed();
      return wire.isClosed && wire.received.length > 0 ? [] : ['four-letter word not answered'];
    }
    const { frames, end } = splitFrames(bytes);
    const first = frames[0];
    if (first === undefined) {
      if (end === 'partial') {
        await pause(PARTIAL_WAIT_MS / 3);
        return wire.received.length === 0 && !wire.isClosed ? [] : ['answered an unfinished frame'];
      }
      return silentClose(wire, 'bad first length');
    }
    let req: ConnectRequest;
    try {
      req = readConnectRequest(new JuteReader(first));
    } catch {
      return silentClose(wire, 'undecodable ConnectRequest');
    }
    await wire.waitFor(() => wire.isClosed || wire.frames.length > 0, REPLY_WAIT_MS);
    const reply = wire.frames[0];
    if (reply !== undefined)
      return checkConnectResponse(reply, req.sessionId, req.readOnly !== null);
    if (!wire.isClosed) return ['a ConnectRequest neither answered nor closed'];
    // A silent close is right for a client ahead of the server's zxid (§2.3), and when a
    // frame the server cannot take follows the ConnectRequest: Warren reads on and closes
    // before it answers; ZooKeeper pauses reading until the session exists, but its reply can
    // still lose the race with the close. A well-formed rest must wait for the reply.
    if (req.lastZxidSeen > 0) return [];
    return fatalAfterConnect(frames.slice(1), end) ? [] : ['a valid ConnectRequest unanswered'];
  } finally {
    wire.destroy();
  }
}

/** Whether what follows the ConnectRequest makes the server close the connection. */
function fatalAfterConnect(rest: Buffer[], end: StreamEnd): boolean {
  return end === 'badLength' || rest.some((f) => f.length < 8);
}

async function silentClose(wire: RawWire, what: string): Promise<string[]> {
  const closed = await wire.waitClosed(CLOSE_WAIT_MS);
  if (!closed) return [`${what}: not closed`];
  return wire.received.length === 0 ? [] : [`${what}: answered ${hex(wire.received)}`];
}

function checkConnectResponse(reply: Buffer, sessionId: bigint, withReadOnly: boolean): string[] {
  const problems: string[] = [];
  if (reply.length !== (withReadOnly ? 37 : 36)) problems.push(`${reply.length}-byte reply`);
  const res = readConnectResponse(new JuteReader(reply));
  if (res.passwd.length !== 16) problems.push(`${res.passwd.length}-byte password`);
  const valid = res.timeOut > 0 && res.sessionId !== 0n;
  const invalid = res.timeOut === 0 && res.sessionId === 0n;
  if (sessionId === 0n && !valid) problems.push('new session refused');
  if (sessionId !== 0n && !invalid) {
    problems.push(`reattach to unknown 0x${sessionId.toString(16)} answered ${res.sessionId}`);
  }
  return problems;
}

/** Mutated ConnectRequests and random bytes, as the first bytes of a connection. */
function firstBytes(rng: Prng): Buffer {
  const valid = frameOf(
    connectBody({ timeOut: SESSION_TIMEOUT_MS, readOnly: rng.chance(0.5) ? false : null }),
  );
  if (rng.chance(0.7)) return mutate(rng, valid);
  return rng.bytes(1 + rng.int(64));
}

void describe('bad input: random garbage', () => {
  let server: RunningServer;
  let bystander: Bystander;
  const failures: Failure[] = [];

  before(async () => {
    server = await startWarren();
    bystander = await Bystander.start(server);
    const c = await RawClient.connect(server.host, server.port, { timeoutMs: 10_000 });
    for (const path of [BASE, `${BASE}/n`, `${BASE}/a`]) {
      const made = await c.request({ type: 1, path, data: null, acl: OPEN_ACL, flags: 0, ttl: -1 });
      assert.equal(made.header.err, Err.ok);
    }
    await c.close();
  });
  after(async () => {
    await bystander?.halt();
    await server?.stop();
  });

  /** Runs `count` cases over LANES parallel sessions; each case has its own seeded stream. */
  async function fuzz(
    t: TestContext,
    mode: string,
    count: number,
    make: (rng: Prng, i: number) => Buffer,
  ) {
    const lanes = Array.from({ length: LANES }, () => new Lane(server));
    const outcomes = new Map<Outcome, number>();
    const codes = new Map<string, number>();
    await Promise.all(
      lanes.map(async (lane, j) => {
        for (let i = j; i < count; i += LANES) {
          const garbage = make(caseRng(mode, i), i);
          const { problems, outcome, codes: got } = await burst(lane, garbage);
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          for (const code of got) codes.set(errName(code), (codes.get(errName(code)) ?? 0) + 1);
          if (problems.length > 0) failures.push({ mode, index: i, sent: hex(garbage), problems });
        }
        lane.drop();
      }),
    );
    const tally = (m: Map<string, number>) => [...m].map(([k, n]) => `${n} ${k}`).join(', ');
    t.diagnostic(`${mode}: ${count} bursts: ${tally(outcomes)}; replies: ${tally(codes)}`);
    assertNoFailures(mode);
  }

  function assertNoFailures(mode: string): void {
    const mine = failures.filter((f) => f.mode === mode);
    assert.deepEqual(mine.slice(0, 8), [], `${mine.length} ${mode} cases failed; ${replayHint()}`);
  }

  void it(`survives random opcodes with random bodies (seed ${FUZZ_SEED})`, (t) =>
    fuzz(t, 'random-frames', 240, (rng) => randomFrames(rng)));

  void it(`survives mutated bodies of every request type (seed ${FUZZ_SEED})`, (t) =>
    fuzz(t, 'mutated-bodies', 300, mutatedBodies));

  void it(`survives mutated frames of every request type (seed ${FUZZ_SEED})`, (t) =>
    fuzz(t, 'mutated-frames', 300, mutatedFrames));

  void it(`survives unframed garbage after a valid handshake (seed ${FUZZ_SEED})`, (t) =>
    fuzz(t, 'after-handshake', 120, (rng) => randomBytes(rng)));

  void it(`survives garbage before the handshake (seed ${FUZZ_SEED})`, async () => {
    const cases = Array.from({ length: 160 }, (_, i) => i);
    await Promise.all(
      Array.from({ length: LANES }, async (_, j) => {
        for (const i of cases.filter((k) => k % LANES === j)) {
          const bytes = firstBytes(caseRng('before-handshake', i));
          const problems = await beforeHandshake(server, bytes);
          if (problems.length > 0) {
            failures.push({ mode: 'before-handshake', index: i, sent: hex(bytes), problems });
          }
        }
      }),
    );
    assertNoFailures('before-handshake');
  });

  void it('left the bystander, the process and the log untouched', () =>
    assertAftermath(server, bystander));
});
