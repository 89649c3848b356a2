/**
 * A simulated ZooKeeper client attached to one server: it creates its session (a replicated
 * createSession txn), makes sure the parent node exists, then issues one request at a time on
 * a few keys under it: create, setData with and without an expected version, delete with a
 * version, and linearizable reads (a sync barrier through the leader, then a get served by its
 * server once it applied the barrier). Now and then it also creates an ephemeral node (not
 * recorded: outside the znode model) and closes its session, then opens a new one. A request
 * not answered within its timeout, or lost in a server crash, is recorded with an unknown
 * outcome and the client may move to another server.
 */
import type { SessionId } from '../../../src/protocol/records.js';
import { Err, errName } from '../../../src/protocol/error-codes.js';
import { CreateFlag, OpCode } from '../../../src/protocol/opcodes.js';
import type { WriteInput } from '../../../src/replication/write-input.js';
import { OPEN_ACL_UNSAFE } from '../../../src/tree/acl.js';
import type { ApplyResult } from '../../../src/tree/apply.js';
import type { Txn } from '../../../src/tree/txn.js';
import type { ZnodeInput, ZnodeOutput } from '../../support/linearizability/index.js';
import type { Prng } from '../../support/prng.js';
import type { Answer, EnsembleServer } from './server.js';
import type { SimHistory } from './history.js';
import { check } from './state-checkers.js';

export const PARENT = '/p';

/** The keys the history records (ephemerals and the parent are outside the znode model). */
export function isCheckedKey(path: string): boolean {
  return path.startsWith(`${PARENT}/k`);
}

export interface ClientOptions {
  readonly keys: number;
  /** Chance per tick that an idle client issues its next request. */
  readonly opRate: number;
  readonly timeoutTicks: number;
}

type Phase = 'session' | 'parent' | 'ops' | 'done';

/** What a request is for: the recorded znode operations, or the client's own bookkeeping. */
type Purpose = 'session' | 'parent' | 'op' | 'ephemeral' | 'close';

interface Plan {
  readonly purpose: Purpose;
  readonly input: WriteInput;
  /** The operation as the history records it (znode operations only). */
  readonly record?: ZnodeInput;
}

interface InFlight {
  readonly server: EnsembleServer;
  readonly deadline: number;
  requestId: number;
  readonly handle: number | undefined;
  readonly purpose: Purpose;
}

export class SimClient {
  private phase: Phase = 'session';
  private sessionId: SessionId = 0n;
  private sessionAttempts = 0;
  private inFlight: InFlight | undefined;
  private readonly versions = new Map<string, number>();
  private writes = 0;
  /** In the liveness phase: one more successful linearizable read, then stop. */
  finishing = false;
  completed = 0;
  sessionsClosed = 0;
  ephemeralsCreated = 0;

  constructor(
    readonly id: number,
    public serverIndex: number,
    private readonly options: ClientOptions,
    private readonly history: SimHistory,
    private readonly prng: Prng,
  ) {}

  get done(): boolean {
    return this.phase === 'done';
  }

  step(now: number, servers: readonly EnsembleServer[]): void {
    const flight = this.inFlight;
    if (flight !== undefined) {
      if (now < flight.deadline) return;
      flight.server.abandon(flight.requestId);
      this.unknown(flight, servers);
      return;
    }
    if (this.phase === 'done' || !this.prng.chance(this.options.opRate)) return;
    const server = servers[this.serverIndex] as EnsembleServer;
    if (!server.up) {
      this.moveToAnotherServer(servers);
      return;
    }
    this.issue(now, server);
  }

  private issue(now: number, server: EnsembleServer): void {
    const plan = this.plan();
    const handle = plan.record === undefined ? undefined : this.history.call(this.id, plan.record);
    const flight: InFlight = {
      purpose: plan.purpose,
      server,
      deadline: now + this.options.timeoutTicks,
      requestId: 0,
      handle,
    };
    this.inFlight = flight;
    flight.requestId = server.submit(plan.input, (answer) => {
      if (this.inFlight !== flight) return;
      this.inFlight = undefined;
      this.settle(plan, handle, answer);
    });
    if (handle !== undefined) this.history.identify(handle, server.id, flight.requestId);
  }

  private plan(): Plan {
    if (this.phase === 'session') {
      this.sessionId = BigInt(this.id + 1) * 1_000_000n + BigInt(this.sessionAttempts++);
      const passwd = this.prng.bytes(16);
      const input: WriteInput = {
        type: 'createSession',
        sessionId: this.sessionId,
        timeoutMs: 30_000,
        passwd,
      };
      return { purpose: 'session', input };
    }
    if (this.phase === 'parent') return { purpose: 'parent', input: this.create(PARENT, '') };
    const path = `${PARENT}/k${this.prng.int(this.options.keys)}`;
    const data = `c${this.id}w${this.writes++}`;
    const known = this.versions.get(path) ?? 0;
    const guess = this.prng.chance(0.7) ? known : this.prng.int(4);
    const kind = this.finishing ? 3 : this.prng.weighted([3, 3, 1.5, 3.5, 0.4, 0.2]);
    switch (kind) {
      case 0:
        return {
          purpose: 'op',
          input: this.create(path, data),
          record: { kind: 'create', path, data },
        };
      case 1: {
        const expectedVersion = this.prng.chance(0.5) ? -1 : guess;
        const request = {
          type: OpCode.setData,
          path,
          data: Buffer.from(data),
          version: expectedVersion,
        };
        return {
          purpose: 'op',
          input: this.request(request),
          record: { kind: 'setData', path, data, expectedVersion },
        };
      }
      case 2: {
        const request = { type: OpCode.delete, path, version: guess };
        return {
          purpose: 'op',
          input: this.request(request),
          record: { kind: 'delete', path, expectedVersion: guess },
        };
      }
      case 4: {
        // Outside the checked keys: closeSession will delete it on every replica.
        const ephemeral = `${PARENT}/e${this.id}-${this.writes}`;
        return { purpose: 'ephemeral', input: this.create(ephemeral, data, CreateFlag.ephemeral) };
      }
      case 5:
        return { purpose: 'close', input: { type: 'closeSession', sessionId: this.sessionId } };
      default:
        return { purpose: 'op', input: { type: 'barrier' }, record: { kind: 'get', path } };
    }
  }

  private create(path: string, data: string, flags: number = CreateFlag.persistent): WriteInput {
    return this.request({
      type: OpCode.create,
      path,
      data: Buffer.from(data),
      acl: [...OPEN_ACL_UNSAFE],
      flags,
      ttl: -1,
    });
  }

  private request(request: Extract<WriteInput, { type: 'request' }>['request']): WriteInput {
    return { type: 'request', sessionId: this.sessionId, ids: [], request };
  }

  private settle(plan: Plan, handle: number | undefined, answer: Answer): void {
    const record = plan.record;
    if (answer.kind === 'refused') {
      if (handle !== undefined) this.history.drop(handle);
      return;
    }
    if (answer.kind === 'lost') {
      // The server is down now; the next step moves us to another one.
      this.unknownOutcome(plan.purpose, handle);
      return;
    }
    const applied = answer.applied;
    this.completed++;
    if (applied.kind === 'barrier') {
      check(record?.kind === 'get', `client ${this.id}: a barrier answered a non-read`);
      const node = answer.tree.get(record.path);
      const output: ZnodeOutput =
        node === undefined
          ? { code: 'noNode' }
          : { code: 'ok', data: node.data ?? '', version: node.version };
      if (node !== undefined) this.versions.set(record.path, node.version);
      this.history.ok(handle as number, output);
      if (this.finishing) this.phase = 'done';
      return;
    }
    check(applied.kind === 'txn', `client ${this.id}: answered by a config entry`);
    const { txn, result } = applied;
    const what = `client ${this.id}'s ${plan.purpose} request`;
    if (plan.purpose === 'session') {
      check(txn.body.type === 'createSession', `${what} became a ${txn.body.type} txn`);
      this.phase = 'parent';
      return;
    }
    check(txn.sessionId === this.sessionId, `${what} was answered by another session's txn`);
    if (plan.purpose === 'close') {
      check(txn.body.type === 'closeSession', `${what} became a ${txn.body.type} txn`);
      this.sessionsClosed++;
      this.phase = 'session';
      return;
    }
    if (plan.purpose === 'parent' || plan.purpose === 'ephemeral') {
      const err = errorOf(txn);
      check(err === Err.ok || err === Err.nodeExists, `${what} failed: ${errName(err)}`);
      if (plan.purpose === 'parent') this.phase = 'ops';
      else if (err === Err.ok) this.ephemeralsCreated++;
      return;
    }
    check(
      record !== undefined && record.kind !== 'get',
      `client ${this.id}: a txn answered a read`,
    );
    const output = outputOf(this.id, record, txn, result);
    if (output.code === 'ok') {
      if (record.kind === 'delete') this.versions.delete(record.path);
      else this.versions.set(record.path, output.version ?? 0);
    }
    this.history.ok(handle as number, output, txn.zxid);
  }

  /** The session may be closed now, or not: a careful client starts a new one. */
  private unknownOutcome(purpose: Purpose, handle: number | undefined): void {
    if (handle !== undefined) this.history.lost();
    if (purpose === 'close') this.phase = 'session';
  }

  private unknown(flight: InFlight, servers: readonly EnsembleServer[]): void {
    this.inFlight = undefined;
    this.unknownOutcome(flight.purpose, flight.handle);
    if (this.prng.chance(0.5)) this.moveToAnotherServer(servers);
  }

  /** The server crashed with our request: its fate is unknown, and we reconnect elsewhere. */
  moveToAnotherServer(servers: readonly EnsembleServer[]): void {
    const up = servers.map((s, i) => (s.up ? i : -1)).filter((i) => i >= 0);
    if (up.length > 0) this.serverIndex = this.prng.pick(up);
  }
}

function errorOf(txn: Txn): number {
  if (txn.body.type === 'error') return txn.body.err;
  check(txn.body.type === 'ops', `unexpected txn ${txn.body.type}`);
  return Err.ok;
}

/** The reply the client gets, from the txn its write became and what applying it did. */
function outputOf(client: number, record: ZnodeInput, txn: Txn, result: ApplyResult): ZnodeOutput {
  const err = errorOf(txn);
  if (err === Err.noNode) return { code: 'noNode' };
  if (err === Err.nodeExists) return { code: 'nodeExists' };
  if (err === Err.badVersion) return { code: 'badVersion' };
  check(err === Err.ok, `client ${client}: ${record.kind} ${record.path} failed: ${errName(err)}`);
  const op = result.ops[0];
  check(op !== undefined && op.path === record.path, `client ${client}: reply for another path`);
  if (record.kind === 'setData') return { code: 'ok', version: op.stat?.version ?? -1 };
  return { code: 'ok' };
}
