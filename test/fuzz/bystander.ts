/**
 * The innocent session of the bad-input tests, and the checks run after the abuse.
 *
 * A Bystander keeps one well-behaved session busy for as long as a test file runs: every
 * round it pipelines create, getData with a watch, setData, getData, exists with a watch on a
 * missing node, create of that node, and two deletes, all under its own root, and checks the
 * exact sequence it gets back: ten frames, eight replies in request order with the right
 * codes, data and versions, and the two watch notifications (NodeDataChanged,
 * NodeCreated), each before the reply to the write that fired it. Anything else is recorded
 * as an error, and so is a disconnect.
 *
 * assertAftermath() then stops it and checks what a bad client must never cause: the
 * bystander saw no error and kept its connection, the server process is alive, its log has no
 * uncaught exception, assertion failure or error-level line, and a fresh client works.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Err } from '../../src/protocol/error-codes.js';
import { EventType, OpCode } from '../../src/protocol/opcodes.js';
import type { Request } from '../../src/protocol/requests.js';
import type { Response } from '../../src/protocol/responses.js';
import { RawClient, type RawEvent, type RawReply } from '../support/raw-client.js';
import type { RunningServer } from '../support/warren-proc.js';
import { OPEN_ACL } from './samples.js';
import { pause } from './wire.js';

const SESSION_TIMEOUT_MS = 30_000;
/** A reply slower than this is a hang, and the bystander reports it. */
const REPLY_TIMEOUT_MS = 10_000;
const ROUND_GAP_MS = 5;
/** The area the fresh-client check works in, made before any abuse starts. */
const HEALTH_ROOT = '/health';

export class Bystander {
  readonly errors: string[] = [];
  rounds = 0;
  private running = true;
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    private readonly client: RawClient,
    private readonly root: string,
  ) {}

  /** Connects, makes its root (and the health-check root), and starts the rounds. */
  static async start(server: RunningServer, root = '/bystander'): Promise<Bystander> {
    const client = await RawClient.connect(server.host, server.port, {
      timeoutMs: SESSION_TIMEOUT_MS,
      replyTimeoutMs: REPLY_TIMEOUT_MS,
    });
    for (const path of [root, HEALTH_ROOT]) {
      const made = await client.request(create(path, null));
      assert.equal(made.header.err, Err.ok, `bystander: create ${path}`);
    }
    const bystander = new Bystander(client, root);
    bystander.loop = bystander.run();
    return bystander;
  }

  /** Stops the rounds and returns what went wrong (nothing, in a healthy run). */
  async halt(): Promise<string[]> {
    this.running = false;
    await this.loop;
    const problems = [...this.errors, ...this.client.protocolErrors];
    if (!this.client.isOpen) problems.push('the bystander was disconnected');
    return problems;
  }

  async close(): Promise<void> {
    if (this.client.isOpen) await this.client.close();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const problem = await this.round(this.rounds);
        if (problem !== null) this.errors.push(`round ${this.rounds}: ${problem}`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.errors.push(`round ${this.rounds}: ${message}`);
      }
      if (this.errors.length > 0 || !this.client.isOpen) return;
      this.rounds++;
      await pause(ROUND_GAP_MS);
    }
  }

  /** One pipelined round; returns a description of the first wrong thing, or null. */
  private async round(i: number): Promise<string | null> {
    const c = this.client;
    const node = `${this.root}/n${i}`;
    const later = `${node}e`;
    const v0 = Buffer.from(`v${i}.0`);
    const v1 = Buffer.from(`v${i}.1`);
    const from = c.events.length;
    const requests: Request[] = [
      create(node, v0),
      { type: OpCode.getData, path: node, watch: true },
      { type: OpCode.setData, path: node, data: v1, version: 0 },
      { type: OpCode.getData, path: node, watch: false },
      { type: OpCode.exists, path: later, watch: true },
      create(later, null),
      { type: OpCode.delete, path: later, version: 0 },
      { type: OpCode.delete, path: node, version: 1 },
    ];
    const replies = await Promise.all(requests.map((r) => c.request(r)));
    const events = c.events.slice(from).filter((e) => e.kind !== 'ping');
    return (
      checkReplies(replies, node, later, v0, v1) ?? checkSequence(events, requests, node, later)
    );
  }
}

function create(path: string, data: Buffer | null): Request {
  return { type: OpCode.create, path, data, acl: OPEN_ACL, flags: 0, ttl: -1 };
}

function dataOf(r: Response | null): { data: string | null; version: number } | null {
  if (r?.kind !== 'data') return null;
  return { data: r.data === null ? null : r.data.toString(), version: r.stat.version };
}

function checkReplies(
  replies: RawReply[],
  node: string,
  later: string,
  v0: Buffer,
  v1: Buffer,
): string | null {
  const errs = replies.map((r) => r.header.err);
  const want = [0, 0, 0, 0, Err.noNode, 0, 0, 0];
  if (errs.join() !== want.join()) return `reply codes ${errs.join()}, expected ${want.join()}`;
  const [made, got, set, got2, , madeLater] = replies.map((r) => r.response);
  if (made?.kind !== 'path' || made.path !== node) return `create answered ${jsonOf(made)}`;
  const first = dataOf(got ?? null);
  if (first?.data !== v0.toString() || first.version !== 0) return `getData: ${jsonOf(first)}`;
  if (set?.kind !== 'stat' || set.stat.version !== 1) return `setData answered ${jsonOf(set)}`;
  const second = dataOf(got2 ?? null);
  if (second?.data !== v1.toString() || second.version !== 1) return `getData: ${jsonOf(second)}`;
  if (madeLater?.kind !== 'path' || madeLater.path !== later) {
    return `create answered ${jsonOf(madeLater)}`;
  }
  const zxids = replies.map((r) => r.header.zxid);
  for (let k = 1; k < zxids.length; k++) {
    if ((zxids[k] as number) < (zxids[k - 1] as number)) return `zxids went back: ${zxids.join()}`;
  }
  return null;
}

/** The exact frame sequence of a round: each notification just before the write's reply. */
function checkSequence(
  events: RawEvent[],
  requests: Request[],
  node: string,
  later: string,
): string | null {
  const seen = events.map((e) =>
    e.kind === 'notification'
      ? `event ${e.event.type} ${e.event.path}`
      : `reply ${e.kind === 'reply' ? e.opcode : 'ping'}`,
  );
  const want = requests.map((r) => `reply ${r.type}`);
  want.splice(5, 0, `event ${EventType.nodeCreated} ${later}`);
  want.splice(2, 0, `event ${EventType.nodeDataChanged} ${node}`);
  if (seen.join('; ') === want.join('; ')) return null;
  return `frames [${seen.join('; ')}], expected [${want.join('; ')}]`;
}

function jsonOf(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
}

/** Lines of the server log that show a crash, an assertion failure or an error. */
export function logProblems(logFile: string): string[] {
  if (!existsSync(logFile)) return [`no log file at ${logFile}`];
  const bad = /uncaught|unhandled|AssertionError|WARREN_ASSERTION|TypeError|RangeError|^\s+at /i;
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => bad.test(line) || /"level":\s*(50|60)/.test(line));
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A brand-new session can still write, read and delete. */
export async function assertFreshClientWorks(server: RunningServer): Promise<void> {
  const client = await RawClient.connect(server.host, server.port, {
    timeoutMs: 10_000,
    replyTimeoutMs: REPLY_TIMEOUT_MS,
  });
  try {
    const path = `${HEALTH_ROOT}/fresh-${Date.now()}`;
    const made = await client.request(create(path, Buffer.from('fresh')));
    assert.equal(made.header.err, Err.ok, 'fresh client: create');
    const got = await client.request({ type: OpCode.getData, path, watch: false });
    assert.equal(dataOf(got.response)?.data, 'fresh', 'fresh client: getData');
    const gone = await client.request({ type: OpCode.delete, path, version: 0 });
    assert.equal(gone.header.err, Err.ok, 'fresh client: delete');
    assert.deepEqual(client.protocolErrors, [], 'fresh client: protocol errors');
  } finally {
    if (client.isOpen) await client.close();
  }
}

/** The end-of-file verdict: bystander untouched, process alive, log clean, server usable. */
export async function assertAftermath(server: RunningServer, bystander: Bystander) {
  const problems = await bystander.halt();
  assert.deepEqual(problems, [], 'the bystander session was disturbed');
  assert.ok(bystander.rounds >= 3, `the bystander only completed ${bystander.rounds} rounds`);
  assert.ok(processAlive(server.pid), `the server (pid ${server.pid}) is gone`);
  await assertFreshClientWorks(server);
  await bystander.close();
  const lines = logProblems(server.logFile);
  assert.deepEqual(lines.slice(0, 20), [], `the server log (${server.logFile}) shows trouble`);
}
