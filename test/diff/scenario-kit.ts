/**
 * Helpers for the scripted differential scenarios: one server pair per test file, a fresh
 * DiffHarness (three sessions) and a fresh subtree per scenario, request builders, and
 * assertions that run against both servers' raw replies, so each scenario checks the
 * documented semantics on ZooKeeper and on the candidate, besides the differential comparison.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ACL, ReplyHeader, Stat, WatcherEvent } from '../../src/protocol/records.js';
import type {
  CreateRequest,
  DeleteRequest,
  PathWatchRequest,
  Request,
  SetDataRequest,
} from '../../src/protocol/requests.js';
import type { Response } from '../../src/protocol/responses.js';
import { DiffHarness, type SideReply, type StepResult } from './harness.js';
import { show } from './normalise.js';
import { OPEN_ACL } from './pools.js';
import { SESSION_TIMEOUT_MS, startPair, targetEnv, type ServerPair } from './targets.js';

export const SCENARIO_CLIENTS = 3;

export class ScenarioPair {
  private pair: ServerPair | null = null;
  private counter = 0;

  constructor(private readonly file: string) {}

  async start(): Promise<void> {
    this.pair = await startPair();
  }

  async stop(): Promise<void> {
    await this.pair?.stop();
  }

  /** Declares a node:test test that runs `body` as a scenario (see run). */
  scenario(title: string, body: (h: DiffHarness, base: string) => Promise<void>): void {
    void test(title, () => this.run(title, body));
  }

  /** Runs a scenario with a fresh harness under a fresh base path (/scn<n>). */
  async run(name: string, body: (h: DiffHarness, base: string) => Promise<void>): Promise<void> {
    const pair = this.pair;
    if (pair === null) throw new Error('ScenarioPair.start() was not called');
    const base = `/scn${this.counter++}`;
    const h = new DiffHarness(
      pair.reference,
      pair.candidate,
      { clients: SCENARIO_CLIENTS, sessionTimeoutMs: SESSION_TIMEOUT_MS },
      pair.names,
    );
    const pattern = `--test-name-pattern="${name.replace(/[^\w ,:;-]/g, '.')}"`;
    const replay = `${targetEnv()}node --test ${pattern} dist/test/diff/${this.file}`;
    h.context = `scenario "${name}" (base ${base})\nreplay: ${replay}`;
    try {
      await h.open();
      await h.send(0, create(base));
      await body(h, base);
      await h.flushAll();
      await h.closeAll();
    } catch (error) {
      h.destroyAll();
      throw error;
    }
  }
}

export interface CreateOptions {
  type?: 1 | 15 | 19 | 21;
  data?: Buffer | null;
  acl?: ACL[] | null;
  flags?: number;
  ttl?: number;
}

export function create(path: string, o: CreateOptions = {}): CreateRequest {
  return {
    type: o.type ?? 15,
    path,
    data: o.data === undefined ? Buffer.from('x') : o.data,
    acl: o.acl === undefined ? OPEN_ACL : o.acl,
    flags: o.flags ?? 0,
    ttl: o.ttl ?? -1,
  };
}

export const exists = (path: string, watch = false): PathWatchRequest => ({
  type: 3,
  path,
  watch,
});
export const getData = (path: string, watch = false): PathWatchRequest => ({
  type: 4,
  path,
  watch,
});
export const getChildren = (path: string, watch = false): PathWatchRequest => ({
  type: 8,
  path,
  watch,
});
export const del = (path: string, version = -1): DeleteRequest => ({ type: 2, path, version });
export const setData = (path: string, data: Buffer | null, version = -1): SetDataRequest => ({
  type: 5,
  path,
  data,
  version,
});
export const sync = (path = '/'): Request => ({ type: 9, path });
export const addAuth = (user: string, password: string): Request => ({
  type: 100,
  scheme: 'digest',
  auth: Buffer.from(`${user}:${password}`),
});

/** Runs `check` on both servers' reply to the k-th request of a step. */
export function onBoth(
  step: StepResult,
  check: (r: SideReply, side: 'reference' | 'candidate') => void,
  k = 0,
): void {
  const reply = step.replies[k];
  assert.ok(reply !== undefined, `no reply ${k}`);
  check(reply.ref, 'reference');
  check(reply.cand, 'candidate');
}

export function err(step: StepResult, code: number, k = 0): void {
  onBoth(step, (r, side) => assert.equal(r.header.err, code, `${side}: err`), k);
}

/** The notifications before the reply, as [type, path] pairs, on both servers. */
export function notes(step: StepResult, expected: [number, string][], k = 0): void {
  onBoth(
    step,
    (r, side) => {
      const got = r.notifications.map((e: WatcherEvent) => [e.type, e.path]);
      assert.deepEqual(got, expected, `${side}: notifications`);
      for (const e of r.notifications) assert.equal(e.state, 3, `${side}: state SyncConnected`);
    },
    k,
  );
}

export function statOf(r: { response: Response | null }): Stat {
  const res = r.response;
  assert.ok(res !== null && 'stat' in res, `expected a Stat, got ${show(res)}`);
  return res.stat;
}

export function bodyOf<K extends Response['kind']>(
  r: { response: Response | null },
  kind: K,
): Extract<Response, { kind: K }> {
  const res = r.response;
  assert.ok(res !== null && res.kind === kind, `expected ${kind}, got ${res?.kind ?? 'no body'}`);
  return res as Extract<Response, { kind: K }>;
}

export function zxidOf(r: { header: ReplyHeader }): number {
  return r.header.zxid;
}
