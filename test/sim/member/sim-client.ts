/**
 * A simulated ZooKeeper client, speaking the wire protocol to a member's real server over a
 * simulated connection: handshake, session re-attach on another member after a connection
 * loss, a new session when told its own expired, pings. It issues one operation at a time
 * on a few keys under /p: create, setData with and without an expected version, delete with
 * a version, and linearizable reads (sync, then getData, pipelined). Now and then it creates
 * an ephemeral node (outside the checked keys) or closes its session and opens a new one.
 * An operation whose connection is lost before its reply has an unknown outcome, as for any
 * real client; the history records it so, and the linearizability check allows for it.
 */
import { Err } from '../../../src/protocol/error-codes.js';
import { FrameDecoder } from '../../../src/protocol/frame-decoder.js';
import { JuteReader } from '../../../src/protocol/jute-reader.js';
import { JuteWriter } from '../../../src/protocol/jute-writer.js';
import { CreateFlag, OpCode, Xid } from '../../../src/protocol/opcodes.js';
import {
  readConnectResponse,
  readReplyHeader,
  writeConnectRequest,
  type SessionId,
} from '../../../src/protocol/records.js';
import { encodeRequest, type Request } from '../../../src/protocol/requests.js';
import { decodeResponse, type Response } from '../../../src/protocol/responses.js';
import { OPEN_ACL_UNSAFE } from '../../../src/tree/acl.js';
import type { ZnodeInput, ZnodeOutput } from '../../support/linearizability/index.js';
import type { Prng } from '../../support/prng.js';
import type { MemberHistory } from './history.js';
import type { ClientEnd, SimClientPorts } from './sim-sockets.js';
import type { SimWorld } from './world.js';

export const PARENT = '/p';

export function isCheckedKey(path: string): boolean {
  return path.startsWith(`${PARENT}/k`);
}

export interface ClientOptions {
  readonly keys: number;
  /** Virtual ms between two operations (uniform in [min, max]). */
  readonly thinkMinMs: number;
  readonly thinkMaxMs: number;
  readonly sessionTimeoutMs: number;
  /** An operation not answered by then is given up (the connection is dropped). */
  readonly opTimeoutMs: number;
  /** The servers run with warren.linearizableReads: a plain getData is linearizable. */
  readonly serverSyncsReads: boolean;
}

type Purpose = 'parent' | 'op' | 'ephemeral' | 'close' | 'auth' | 'reconfig' | 'sync';

interface Sent {
  readonly xid: number;
  readonly opcode: number;
  readonly purpose: Purpose;
  readonly handle: number | undefined;
  readonly record: ZnodeInput | undefined;
}

/** What a reconfig the simulation asked for came to. */
export type ReconfigDone = (err: number | 'lost') => void;

export class SimClient {
  private end: ClientEnd | null = null;
  private state: 'down' | 'connecting' | 'up' = 'down';
  private decoder = new FrameDecoder(4 * 1024 * 1024);
  private readonly writer = new JuteWriter(4096);
  private sessionId: SessionId = 0n;
  private passwd = Buffer.alloc(16);
  private lastZxid = 0;
  private nextXid = 1;
  private pending: Sent[] = [];
  private parentMade = false;
  private busyUntil = 0;
  private lastSent = 0;
  private readonly versions = new Map<string, number>();
  private writes = 0;
  private epoch = 0;
  private reconfig: { request: Request; done: ReconfigDone } | null = null;
  private awayUntil = 0;
  /** One more successful linearizable read, then stop (the liveness phase). */
  finishing = false;
  done = false;
  completed = 0;
  sessionsClosed = 0;
  sessionsExpired = 0;

  constructor(
    readonly id: number,
    private serverId: number,
    private readonly world: SimWorld,
    private readonly ports: SimClientPorts,
    private readonly members: () => readonly number[],
    private readonly options: ClientOptions,
    private readonly history: MemberHistory,
    private readonly prng: Prng,
    /** Authenticates as the super user first (the simulation's administrator). */
    private readonly superAuth: Buffer | null,
  ) {}

  start(): void {
    this.world.after(this.prng.range(0, 200), () => this.connect());
    this.schedulePing();
  }

  /**
   * The client vanishes for `ms` (longer than its session timeout, so the session expires
   * and its ephemerals go), then comes back and finds its session gone.
   */
  vanish(ms: number): void {
    if (this.done) return;
    this.awayUntil = this.world.now + ms;
    this.drop();
  }

  /** Asks this (administrator) client to send a reconfig; `done` gets the error code. */
  requestReconfig(request: Request, done: ReconfigDone): void {
    if (this.done) return done('lost');
    this.reconfig = { request, done };
    this.maybeIssue();
  }

  private connect(): void {
    if (this.state !== 'down' || this.done) return;
    if (this.world.now < this.awayUntil) {
      this.world.at(this.awayUntil, () => this.connect());
      return;
    }
    // Like ZooKeeper's clients, try the next server of the connect string after a loss.
    const members = this.members();
    const previous = members.indexOf(this.serverId);
    const next = (previous + 1 + this.prng.int(Math.max(1, members.length - 1))) % members.length;
    this.serverId = members[next] ?? 1;
    const epoch = ++this.epoch;
    const end = this.ports.connect(this.serverId, this.id, {
      data: (chunk) => {
        if (this.epoch === epoch) this.onData(chunk);
      },
      closed: () => {
        if (this.epoch === epoch) this.onClosed();
      },
    });
    if (end === null) {
      this.world.after(this.prng.range(50, 300), () => this.connect());
      return;
    }
    this.end = end;
    this.state = 'connecting';
    this.decoder = new FrameDecoder(4 * 1024 * 1024);
    const w = this.writer.reset();
    const at = w.beginFrame();
    const { sessionTimeoutMs: timeOut } = this.options;
    const request = { protocolVersion: 0, lastZxidSeen: this.lastZxid, timeOut };
    writeConnectRequest(w, {
      ...request,
      sessionId: this.sessionId,
      passwd: this.passwd,
      readOnly: false,
    });
    w.endFrame(at);
    end.send(Buffer.from(w.toBuffer()));
    // No answer in time (the member died, or refused us without a word): try elsewhere.
    this.world.after(2000, () => {
      if (this.epoch === epoch && this.state === 'connecting') this.drop();
    });
  }

  private onData(chunk: Buffer): void {
    for (const frame of this.decoder.push(chunk)) {
      if (this.state === 'connecting') this.onConnected(frame);
      else if (this.state === 'up') this.onReply(frame);
    }
  }

  private onConnected(frame: Buffer): void {
    const response = readConnectResponse(new JuteReader(frame));
    if (response.timeOut <= 0) {
      // Our session expired (or was closed): its ephemerals are gone; start a new one.
      if (this.sessionId !== 0n) this.sessionsExpired++;
      this.sessionId = 0n;
      this.drop();
      return;
    }
    this.sessionId = response.sessionId;
    this.passwd = Buffer.from(response.passwd);
    this.state = 'up';
    if (this.superAuth !== null) {
      const auth: Request = { type: OpCode.auth, scheme: 'digest', auth: this.superAuth };
      this.send(auth, 'auth', undefined, undefined, Xid.auth);
    }
    this.maybeIssue();
  }

  private onReply(frame: Buffer): void {
    const r = new JuteReader(frame);
    const header = readReplyHeader(r);
    if (header.xid === Xid.ping || header.xid === Xid.notification) return;
    const sent = this.pending.shift();
    if (sent === undefined || sent.xid !== header.xid) {
      throw new Error(`client ${this.id}: reply xid ${header.xid} out of order`);
    }
    if (header.zxid > this.lastZxid) this.lastZxid = header.zxid;
    const response = header.err === Err.ok ? decodeResponse(sent.opcode, r) : null;
    this.settle(sent, header.err, header.zxid, response);
    if (this.pending.length === 0) {
      this.busyUntil = this.world.now + this.think();
      this.world.at(this.busyUntil, () => this.maybeIssue());
    }
  }

  private onClosed(): void {
    this.end = null;
    this.state = 'down';
    // Whatever was in flight may or may not have happened.
    for (const sent of this.pending) this.unknown(sent);
    this.pending = [];
    this.world.after(this.prng.range(20, 200), () => this.connect());
  }

  private drop(): void {
    this.end?.close();
    this.onClosed();
  }

  private think(): number {
    return this.prng.range(this.options.thinkMinMs, this.options.thinkMaxMs);
  }

  private schedulePing(): void {
    const every = Math.floor(this.options.sessionTimeoutMs / 3);
    this.world.after(every, () => {
      if (this.done) return;
      if (this.state === 'up' && this.world.now - this.lastSent >= every) this.ping();
      this.schedulePing();
    });
  }

  private ping(): void {
    const w = this.writer.reset();
    const at = w.beginFrame();
    w.writeInt(Xid.ping).writeInt(OpCode.ping);
    w.endFrame(at);
    this.end?.send(Buffer.from(w.toBuffer()));
    this.lastSent = this.world.now;
  }

  // ---- operations ----

  private maybeIssue(): void {
    if (this.state !== 'up' || this.pending.length > 0 || this.done) return;
    if (this.world.now < this.busyUntil) return;
    if (this.reconfig !== null) {
      const { request } = this.reconfig;
      this.send(request, 'reconfig', undefined, undefined);
      return;
    }
    if (!this.parentMade) {
      this.send(this.create(PARENT, '', CreateFlag.persistent), 'parent', undefined, undefined);
      return;
    }
    this.issueOp();
  }

  private issueOp(): void {
    const path = `${PARENT}/k${this.prng.int(this.options.keys)}`;
    const data = `c${this.id}w${this.writes++}`;
    const known = this.versions.get(path) ?? 0;
    const guess = this.prng.chance(0.7) ? known : this.prng.int(4);
    const kind = this.finishing ? 3 : this.prng.weighted([3, 3, 1.5, 3.5, 0.4, 0.15]);
    switch (kind) {
      case 0: {
        const record: ZnodeInput = { kind: 'create', path, data };
        this.call('op', this.create(path, data, CreateFlag.persistent), record);
        return;
      }
      case 1: {
        const version = this.prng.chance(0.5) ? -1 : guess;
        const request: Request = { type: OpCode.setData, path, data: Buffer.from(data), version };
        this.call('op', request, { kind: 'setData', path, data, expectedVersion: version });
        return;
      }
      case 2: {
        const request: Request = { type: OpCode.delete, path, version: guess };
        this.call('op', request, { kind: 'delete', path, expectedVersion: guess });
        return;
      }
      case 4: {
        const ephemeral = `${PARENT}/e${this.id}-${this.writes}`;
        this.send(
          this.create(ephemeral, data, CreateFlag.ephemeral),
          'ephemeral',
          undefined,
          undefined,
        );
        return;
      }
      case 5:
        this.send({ type: OpCode.closeSession }, 'close', undefined, undefined);
        return;
      default: {
        // A linearizable read: sync first; the getData after it sees at least its point. With
        // warren.linearizableReads the server does that for every read.
        const record: ZnodeInput = { kind: 'get', path };
        const handle = this.history.call(this.id, record, this.sessionId);
        if (!this.options.serverSyncsReads) {
          this.send({ type: OpCode.sync, path: PARENT }, 'sync', undefined, undefined);
        }
        this.send({ type: OpCode.getData, path, watch: false }, 'op', handle, record);
      }
    }
  }

  private call(purpose: Purpose, request: Request, record: ZnodeInput): void {
    const handle = this.history.call(this.id, record, this.sessionId);
    this.send(request, purpose, handle, record);
  }

  private create(path: string, data: string, flags: number): Request {
    return {
      type: OpCode.create,
      path,
      data: Buffer.from(data),
      acl: [...OPEN_ACL_UNSAFE],
      flags,
      ttl: -1,
    };
  }

  private send(
    request: Request,
    purpose: Purpose,
    handle: number | undefined,
    record: ZnodeInput | undefined,
    xid = this.nextXid++,
  ): void {
    const end = this.end;
    if (end === null || request.type === 'unknown') return;
    const w = this.writer.reset();
    const at = w.beginFrame();
    w.writeInt(xid).writeInt(request.type);
    encodeRequest(w, request);
    w.endFrame(at);
    end.send(Buffer.from(w.toBuffer()));
    this.lastSent = this.world.now;
    const sent: Sent = { xid, opcode: request.type, purpose, handle, record };
    this.pending.push(sent);
    const epoch = this.epoch;
    this.world.after(this.options.opTimeoutMs, () => {
      if (this.epoch === epoch && this.pending.includes(sent)) this.drop();
    });
  }

  private settle(sent: Sent, err: number, zxid: number, response: Response | null): void {
    switch (sent.purpose) {
      case 'auth':
      case 'sync':
      case 'ephemeral':
        return;
      case 'parent':
        if (err === Err.ok || err === Err.nodeExists) this.parentMade = true;
        return;
      case 'close':
        if (err === Err.ok) this.sessionsClosed++;
        this.sessionId = 0n;
        this.drop();
        return;
      case 'reconfig': {
        const reconfig = this.reconfig;
        this.reconfig = null;
        reconfig?.done(err);
        return;
      }
      case 'op':
        this.settleOp(sent, err, zxid, response);
    }
  }

  private settleOp(sent: Sent, err: number, zxid: number, response: Response | null): void {
    const record = sent.record;
    const handle = sent.handle;
    if (record === undefined || handle === undefined) return;
    const output = outputOf(record, err, response);
    if (output === null) {
      // Refused or failed without touching the tree (session expired, not read-write).
      this.history.drop(handle);
      return;
    }
    this.completed++;
    if (output.code === 'ok') {
      if (record.kind === 'delete') this.versions.delete(record.path);
      else if (output.version !== undefined) this.versions.set(record.path, output.version);
      else if (record.kind === 'create') this.versions.set(record.path, 0);
    }
    this.history.ok(handle, output, record.kind === 'get' ? undefined : zxid);
    if (record.kind === 'get' && this.finishing && this.reconfig === null) this.done = true;
  }

  private unknown(sent: Sent): void {
    if (sent.purpose === 'reconfig') {
      const reconfig = this.reconfig;
      this.reconfig = null;
      reconfig?.done('lost');
    }
    if (sent.purpose === 'close') this.sessionId = 0n;
    if (sent.handle !== undefined) this.history.lost(sent.handle);
  }
}

/** What the client learned, in the model's terms; null when the op certainly did nothing. */
function outputOf(record: ZnodeInput, err: number, response: Response | null): ZnodeOutput | null {
  switch (err) {
    case Err.ok:
      break;
    case Err.noNode:
      return { code: 'noNode' };
    case Err.nodeExists:
      return { code: 'nodeExists' };
    case Err.badVersion:
      return { code: 'badVersion' };
    default:
      return null;
  }
  if (record.kind === 'get') {
    if (response?.kind !== 'data') throw new Error(`getData answered with ${response?.kind}`);
    return {
      code: 'ok',
      data: response.data?.toString('latin1') ?? '',
      version: response.stat.version,
    };
  }
  if (record.kind === 'setData' && response?.kind === 'stat') {
    return { code: 'ok', version: response.stat.version };
  }
  return { code: 'ok' };
}
