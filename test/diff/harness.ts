/**
 * The differential harness: the same requests, in the same order, to a reference ZooKeeper and
 * a candidate server, over N RawClient sessions per server (client i of one server mirrors
 * client i of the other). Operations run one at a time (or as one pipelined burst on one
 * client), so each server's output is deterministic, and after every operation the issuing
 * client's received frames are compared segment by segment: the notifications (type, state,
 * path) that arrived before each reply, then the reply itself, normalised by normalise.ts.
 * The first difference throws a DiffMismatch that carries both sides and the recent history.
 */
import { RawClient, type RawEvent } from '../support/raw-client.js';
import { sleep, type RunningServer } from '../support/server-process.js';
import { DiffStats } from './stats.js';
import {
  closeGroup,
  describeRequest,
  segments,
  sortRuns,
  type ReplyEvent,
  type Segment,
} from './segments.js';
import type { ReplyHeader, WatcherEvent } from '../../src/protocol/records.js';
import type { Request } from '../../src/protocol/requests.js';
import type { Response } from '../../src/protocol/responses.js';
import {
  TimeChecker,
  ZxidPairing,
  hex,
  normaliseReply,
  sameForm,
  show,
  waiversFromEnv,
  type Form,
  type SideView,
} from './normalise.js';

const KEEPALIVE_MS = 3_000;

export class DiffMismatch extends Error {
  override readonly name = 'DiffMismatch';
  readonly code = 'WARREN_DIFF_MISMATCH';
}

export interface HarnessOptions {
  clients: number;
  sessionTimeoutMs: number;
  /** Reply timeout per request, so a stuck server fails the run instead of hanging it. */
  replyTimeoutMs?: number;
}

class Side implements SideView {
  readonly sessions = new Map<bigint, string>();
  readonly times = new TimeChecker();
  readonly clients: (RawClient | null)[];
  /** Per client: index of the first event not yet compared. */
  readonly cursors: number[];
  /** Per client: lastZxid at its previous setWatches or connect. */
  readonly marks: number[];

  constructor(
    readonly label: string,
    readonly server: RunningServer,
    clients: number,
  ) {
    this.clients = new Array<RawClient | null>(clients).fill(null);
    this.cursors = new Array<number>(clients).fill(0);
    this.marks = new Array<number>(clients).fill(0);
  }

  client(i: number): RawClient {
    const c = this.clients[i];
    if (c === null || c === undefined) throw new Error(`${this.label}: client ${i} not connected`);
    return c;
  }
}

/** What one server sent for one request: the notifications before the reply, and the reply. */
export interface SideReply {
  notifications: WatcherEvent[];
  header: ReplyHeader;
  response: Response | null;
}

/** One step of a run: per request, the reference's normalised form and both raw replies. */
export interface StepResult {
  replies: { req: Request; form: Form; ref: SideReply; cand: SideReply }[];
  /**
   * Both servers closed the connection before answering every request (the replies that did
   * arrive are compared and listed). The client must be re-attached before its next use.
   */
  closed: boolean;
}

/** Handshake options a scenario may vary. */
export interface ConnectExtras {
  readOnly?: boolean | null;
}

export interface WatchLists {
  data: string[];
  exist: string[];
  child: string[];
  persistent: string[];
  recursive: string[];
}

/** What one server did with a step: the frames received, and how it failed if it did. */
interface Outcome {
  events: RawEvent[];
  /** null when every request got its reply. */
  error: string | null;
  /** The server closed the connection (the client saw the socket close). */
  closed: boolean;
}

export class DiffHarness {
  readonly ref: Side;
  readonly cand: Side;
  readonly zxids = new ZxidPairing();
  /** Recent operation descriptions, for failure messages. */
  readonly history: string[] = [];
  /** Known differences to look past (WARREN_DIFF_WAIVE); empty means strict. */
  readonly waivers = waiversFromEnv();
  /** Per client: notification keys to compare as a multiset in its next segment. */
  private readonly unordered: (Set<string> | null)[] = [];
  private nextSession = 0;
  private keepalive: NodeJS.Timeout | undefined;
  /** Context for failure messages (seed, replay command). */
  context = '';
  /** Counts of (operation, error code) and of notifications seen on the reference side. */
  readonly stats = new DiffStats();

  constructor(
    reference: RunningServer,
    candidate: RunningServer,
    readonly options: HarnessOptions,
    readonly names: { reference: string; candidate: string },
  ) {
    this.ref = new Side(names.reference, reference, options.clients);
    this.cand = new Side(names.candidate, candidate, options.clients);
  }

  get clientCount(): number {
    return this.options.clients;
  }

  /** Opens every client with a fresh session, and starts pinging them. */
  async open(): Promise<void> {
    for (let i = 0; i < this.options.clients; i++) await this.connect(i);
    this.keepalive ??= setInterval(() => this.pingAll(), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /**
   * Pings every open connection, so a session does not expire while a scenario waits on
   * something else (an expiry is a txn at a time of the server's choosing: it would make the
   * two servers' zxids drift apart). Ping replies stay out of the compared segments.
   */
  private pingAll(): void {
    for (const side of [this.ref, this.cand]) {
      for (const c of side.clients) {
        if (c !== null && c.isOpen) c.ping().catch(() => undefined);
      }
    }
  }

  /** Connects client i with a fresh session on both servers and compares the handshakes. */
  async connect(i: number, extra: ConnectExtras = {}): Promise<void> {
    const name = `s${this.nextSession++}`;
    const [a, b] = await Promise.all([
      this.openClient(this.ref, i, undefined, extra),
      this.openClient(this.cand, i, undefined, extra),
    ]);
    this.note(`c${i} connect (new session ${name})`);
    this.compareHandshake(a, b, `c${i} connect`);
    this.ref.sessions.set(a.sessionId, name);
    this.cand.sessions.set(b.sessionId, name);
  }

  /**
   * Drops client i's TCP connection and re-attaches its session on a new one. Pending
   * notifications are flushed and compared first (a sync), since a dropped connection loses
   * whatever was still in flight; pass flushFirst=false when the server already closed it.
   */
  async reattach(i: number, flushFirst = true): Promise<void> {
    if (flushFirst) await this.flush(i);
    const olds = [this.ref.client(i), this.cand.client(i)];
    for (const c of olds) c.destroy();
    await Promise.all(olds.map((c) => c.closed));
    const [a, b] = await Promise.all([
      this.openClient(this.ref, i, olds[0]),
      this.openClient(this.cand, i, olds[1]),
    ]);
    this.note(`c${i} reattach session ${this.ref.sessions.get(a.sessionId) ?? '?'}`);
    this.compareHandshake(a, b, `c${i} reattach`);
    if (a.sessionId !== olds[0]?.sessionId || b.sessionId !== olds[1]?.sessionId) {
      const view = (c: RawClient, old?: RawClient): string =>
        `asked for ${hex(old?.sessionId ?? 0n)}, got ${hex(c.sessionId)} timeOut ${c.timeOut}`;
      this.fail(
        `c${i} reattach`,
        'a re-attached session came back with another session id',
        view(a, olds[0]),
        view(b, olds[1]),
      );
    }
  }

  /** Sends one request on client i to both servers and compares everything received. */
  async send(i: number, req: Request): Promise<StepResult> {
    return this.burst(i, [req]);
  }

  /** Sends several requests back to back (pipelined) on client i, then compares. */
  async burst(i: number, reqs: Request[]): Promise<StepResult> {
    const what = reqs.map((r) => `c${i} ${describeRequest(r)}`).join(' ; ');
    return this.exchange(i, reqs, reqs, what);
  }

  /**
   * setWatches (101, or 105 when persistent lists are given) on client i. relativeZxid is,
   * on each server, either the client's current lastZxid ('now') or the one it had at its
   * previous setWatches or connect ('mark'): the same logical point on both servers.
   */
  async setWatches(i: number, since: 'mark' | 'now', lists: WatchLists): Promise<StepResult> {
    const two = lists.persistent.length > 0 || lists.recursive.length > 0;
    const build = (side: Side): Request => {
      const c = side.client(i);
      const relativeZxid = since === 'now' ? c.lastZxid : (side.marks[i] ?? 0);
      side.marks[i] = c.lastZxid;
      return {
        type: two ? 105 : 101,
        relativeZxid,
        dataWatches: lists.data,
        existWatches: lists.exist,
        childWatches: lists.child,
        persistentWatches: two ? lists.persistent : [],
        persistentRecursiveWatches: two ? lists.recursive : [],
      };
    };
    const a = build(this.ref);
    const b = build(this.cand);
    const what = `c${i} ${describeRequest(a)} (${since}; candidate relativeZxid ${hex(
      b.type === 101 || b.type === 105 ? b.relativeZxid : 0,
    )})`;
    return this.exchange(i, [a], [b], what);
  }

  private async exchange(
    i: number,
    reqsRef: Request[],
    reqsCand: Request[],
    what: string,
  ): Promise<StepResult> {
    this.note(what);
    const open = [this.ref.client(i).isOpen, this.cand.client(i).isOpen];
    if (!open[0] || !open[1]) this.fail(what, 'client connection is not open', open[0], open[1]);
    const [a, b] = await Promise.all([
      this.sendAll(this.ref, i, reqsRef),
      this.sendAll(this.cand, i, reqsCand),
    ]);
    return this.compareOutcomes(i, reqsRef, a, b, what);
  }

  /** closeSession on client i (compared like any request), then waits for both sockets. */
  async close(i: number): Promise<void> {
    // The close txn deletes the session's ephemerals in an order of the server's choosing
    // (ZooKeeper: hash order), so the notifications it causes are compared as a multiset.
    const eph = await this.send(i, { type: 103, prefix: '/' });
    const res = eph.replies[0]?.ref.response;
    if (res?.kind === 'paths' && res.paths.length > 1) {
      const group = closeGroup(res.paths);
      for (let j = 0; j < this.options.clients; j++) {
        this.unordered[j] = new Set([...(this.unordered[j] ?? []), ...group]);
      }
    }
    await this.send(i, { type: -11 });
    await Promise.all([this.ref.client(i).closed, this.cand.client(i).closed]);
    this.ref.clients[i] = null;
    this.cand.clients[i] = null;
  }

  /** A sync on client i, so notifications still in flight to it are received and compared. */
  async flush(i: number): Promise<void> {
    await this.send(i, { type: 9, path: '/' });
  }

  async flushAll(): Promise<void> {
    for (let i = 0; i < this.options.clients; i++) {
      if (this.ref.clients[i] !== null) await this.flush(i);
    }
  }

  /** Closes every open session (compared), then checks no protocol errors were recorded. */
  async closeAll(): Promise<void> {
    this.stopKeepalive();
    for (let i = 0; i < this.options.clients; i++) {
      if (this.ref.clients[i] !== null) await this.close(i);
    }
  }

  /** Stops the keepalive pings (closeAll and destroyAll do it too). */
  stopKeepalive(): void {
    if (this.keepalive !== undefined) clearInterval(this.keepalive);
    this.keepalive = undefined;
  }

  /** Drops every connection without comparing (cleanup after a failure). */
  destroyAll(): void {
    this.stopKeepalive();
    for (const side of [this.ref, this.cand]) {
      for (const c of side.clients) c?.destroy();
    }
  }

  note(what: string): void {
    this.history.push(what);
    if (this.history.length > 40) this.history.shift();
  }

  private async openClient(
    side: Side,
    i: number,
    old?: RawClient,
    extra: ConnectExtras = {},
  ): Promise<RawClient> {
    const c = await RawClient.connect(side.server.host, side.server.port, {
      ...extra,
      timeoutMs: this.options.sessionTimeoutMs,
      replyTimeoutMs: this.options.replyTimeoutMs ?? 15_000,
      ...(old === undefined
        ? {}
        : { sessionId: old.sessionId, passwd: old.passwd, lastZxidSeen: old.lastZxid }),
    });
    side.clients[i] = c;
    side.cursors[i] = 0;
    side.marks[i] = c.lastZxid;
    return c;
  }

  private compareHandshake(a: RawClient, b: RawClient, what: string): void {
    const fa = { timeOut: a.timeOut, readOnly: a.readOnly, passwdBytes: a.passwd.length };
    const fb = { timeOut: b.timeOut, readOnly: b.readOnly, passwdBytes: b.passwd.length };
    if (!sameForm(fa, fb)) this.fail(what, 'handshakes differ', fa, fb);
    this.checkProtocol(what);
  }

  private async sendAll(side: Side, i: number, reqs: Request[]): Promise<Outcome> {
    const client = side.client(i);
    let error: string | null = null;
    try {
      await Promise.all(reqs.map((r) => client.request(r)));
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      await Promise.race([client.closed, sleep(500)]);
    }
    return { events: client.events.slice(side.cursors[i]), error, closed: !client.isOpen };
  }

  private compareOutcomes(
    i: number,
    reqs: Request[],
    a: Outcome,
    b: Outcome,
    what: string,
  ): StepResult {
    const bothClosed = a.error !== null && b.error !== null && a.closed && b.closed;
    if ((a.error !== null || b.error !== null) && !bothClosed) {
      const view = (o: Outcome): string =>
        o.error === null ? 'replied' : `${o.error} (connection ${o.closed ? 'closed' : 'open'})`;
      this.fail(what, 'a request failed without a reply', view(a), view(b));
    }
    const segA = segments(a.events);
    const segB = segments(b.events);
    this.ref.cursors[i] = (this.ref.cursors[i] ?? 0) + segA.consumed;
    this.cand.cursors[i] = (this.cand.cursors[i] ?? 0) + segB.consumed;
    const replies: StepResult['replies'] = [];
    const answered = bothClosed ? Math.max(segA.list.length, segB.list.length) : reqs.length;
    for (let k = 0; k < answered; k++) {
      const sa = segA.list[k];
      const sb = segB.list[k];
      const req = reqs[k] as Request;
      if (sa === undefined || sb === undefined) {
        this.fail(what, `reply ${k} missing`, segA.list.length, segB.list.length);
      }
      const step = reqs.length > 1 ? `${what} [reply ${k}: ${describeRequest(req)}]` : what;
      const group = k === 0 ? this.unordered[i] : null;
      if (group !== null && group !== undefined) {
        sa.notifications = sortRuns(sa.notifications, group);
        sb.notifications = sortRuns(sb.notifications, group);
      }
      if (!sameForm(sa.notifications, sb.notifications)) {
        this.fail(
          step,
          'notifications before the reply differ',
          sa.notifications,
          sb.notifications,
        );
      }
      const form = this.compareReply(step, sa.reply, sb.reply);
      this.stats.count(sa.reply, sa.notifications.length);
      replies.push({ req, form, ref: sideReply(sa), cand: sideReply(sb) });
    }
    this.unordered[i] = null;
    this.checkProtocol(what);
    return { replies, closed: bothClosed };
  }

  private compareReply(what: string, a: ReplyEvent, b: ReplyEvent): Form {
    const na = normaliseReply(this.ref, a.header, a.response, this.waivers);
    const nb = normaliseReply(this.cand, b.header, b.response, this.waivers);
    if (na.problems.length > 0)
      this.fail(what, `${this.ref.label}: ${na.problems.join('; ')}`, a, b);
    if (nb.problems.length > 0)
      this.fail(what, `${this.cand.label}: ${nb.problems.join('; ')}`, a, b);
    if (!sameForm(na.form, nb.form)) this.fail(what, 'replies differ', a, b, na.form, nb.form);
    for (let k = 0; k < na.zxids.length; k++) {
      const problem = this.zxids.pair(na.zxids[k] ?? 0, nb.zxids[k] ?? 0);
      if (problem !== null) this.fail(what, problem, a, b);
    }
    return na.form;
  }

  private checkProtocol(what: string): void {
    for (const side of [this.ref, this.cand]) {
      for (const c of side.clients) {
        if (c !== null && c.protocolErrors.length > 0) {
          this.fail(
            what,
            `${side.label} protocol errors: ${c.protocolErrors.join('; ')}`,
            null,
            null,
          );
        }
      }
    }
  }

  fail(what: string, why: string, a: unknown, b: unknown, fa?: Form, fb?: Form): never {
    const lines = [
      `DIFF MISMATCH: ${why}`,
      this.context,
      `op: ${what}`,
      `${this.ref.label}: ${show(a)}`,
      `${this.cand.label}: ${show(b)}`,
    ];
    if (fa !== undefined && fb !== undefined) {
      lines.push(`${this.ref.label} normalised: ${show(fa)}`);
      lines.push(`${this.cand.label} normalised: ${show(fb)}`);
    }
    lines.push('recent operations (oldest first):', ...this.history.map((h) => `  ${h}`));
    throw new DiffMismatch(lines.filter((l) => l !== '').join('\n'));
  }
}

function sideReply(s: Segment): SideReply {
  return { notifications: s.events, header: s.reply.header, response: s.reply.response };
}
