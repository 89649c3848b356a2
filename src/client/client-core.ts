/**
 * The lifecycle half of ZooKeeperClient: options, connect/close, session states as events
 * (`connected`, `disconnected`, `expired`, `authFailed`, `readOnly`, `closed`, and `state`
 * with the state) and as an async iterable (`states()`), and the plumbing the operations use:
 * chroot mapping and submitting a request to the session engine.
 */
import { EventEmitter } from 'node:events';
import { Err } from '../protocol/error-codes.js';
import { OpCode } from '../protocol/opcodes.js';
import type { Response } from '../protocol/responses.js';
import { parseConnectString, toClientPath, toServerPath } from './connect-string.js';
import { resolveOptions, type ClientOptions, type ResolvedOptions } from './options.js';
import type { Reply, RequestSpec } from './pending-request.js';
import { resolveRetry, isRetrySafe, withRetry } from './retry-policy.js';
import { Session } from './session.js';
import { StateStream } from './state-stream.js';
import type { CallOptions, SessionState } from './types.js';
import { ClientClosedError } from './client-errors.js';
import { ConnectionLossError, errorFor } from './zookeeper-errors.js';

export type ClientEvents = { [K in SessionState]: [] } & { state: [SessionState] };

const CLOSE_TIMEOUT_MS = 5_000;

/** Throws the typed error of a failed reply; returns its body. */
export function bodyOf(reply: Reply, path: string, op: string): Response {
  if (reply.err !== 0) throw errorFor(reply.err, path, op);
  if (reply.response === null) throw errorFor(Err.marshallingError, path, op);
  return reply.response;
}

export function expectKind<K extends Response['kind']>(
  response: Response,
  kind: K,
  path: string,
  op: string,
): Extract<Response, { kind: K }> {
  if (response.kind !== kind) throw errorFor(Err.marshallingError, path, op);
  return response as Extract<Response, { kind: K }>;
}

function checkPath(path: string, op: string): void {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError(`${op}: path must start with '/' (got ${JSON.stringify(path)})`);
  }
}

export class ClientCore extends EventEmitter<ClientEvents> {
  readonly chroot: string;
  private readonly options: ResolvedOptions;
  private readonly session: Session;
  private readonly streams = new Set<StateStream>();
  private started = false;

  constructor(connectString: string, options: ClientOptions = {}) {
    super();
    const target = parseConnectString(connectString);
    this.chroot = target.chroot;
    this.options = resolveOptions(options);
    this.session = new Session(target, this.options, (state) => this.onState(state));
  }

  get state(): SessionState {
    return this.session.state;
  }
  get sessionId(): bigint {
    return this.session.sessionId;
  }
  get sessionTimeoutMs(): number {
    return this.session.negotiatedTimeoutMs;
  }
  get lastZxidSeen(): number {
    return this.session.lastZxidSeen;
  }
  /** host:port of the server the client is connected to, if any. */
  get server(): string | undefined {
    return this.session.serverAddress;
  }
  /** True when the current connection uses TLS. */
  get isTls(): boolean {
    return this.session.currentConnection?.isTls ?? false;
  }

  private onState(state: SessionState): void {
    this.emit('state', state);
    this.emit(state);
    for (const stream of [...this.streams]) stream.push(state);
  }

  /** The session states from now on; ends after expired, authFailed or closed. */
  states(): AsyncIterableIterator<SessionState> {
    const stream = new StateStream((s) => this.streams.delete(s));
    this.streams.add(stream);
    return stream;
  }

  /** Starts connecting; resolves once connected, rejects (and closes) if that fails. */
  async connect(opts: { signal?: AbortSignal } = {}): Promise<this> {
    if (this.state === 'connected' || this.state === 'readOnly') return this;
    const ready = new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        this.options.clock.clearTimeout(timer);
        this.off('connected', ok).off('readOnly', ok).off('expired', expired).off('closed', bad);
        this.off('authFailed', authFailed);
        opts.signal?.removeEventListener('abort', aborted);
      };
      const ok = (): void => (cleanup(), resolve());
      const failWith = (code: number) => (): void => (
        cleanup(),
        reject(errorFor(code, '', 'connect'))
      );
      const bad = failWith(Err.connectionLoss);
      const expired = failWith(Err.sessionExpired);
      // The session's own error says why (a SASL refusal names its reason).
      const authFailed = (): void => (
        cleanup(),
        reject(this.session.endedBy ?? errorFor(Err.authFailed, '', 'connect'))
      );
      const aborted = (): void => (cleanup(), reject(opts.signal?.reason as Error));
      const timer = this.options.clock.setTimeout(() => {
        cleanup();
        const ms = this.options.initialConnectTimeoutMs;
        reject(
          new ConnectionLossError(Err.connectionLoss, `could not connect within ${ms} ms`, '', ''),
        );
      }, this.options.initialConnectTimeoutMs);
      this.on('connected', ok).on('readOnly', ok).on('expired', expired).on('closed', bad);
      this.on('authFailed', authFailed);
      opts.signal?.addEventListener('abort', aborted, { once: true });
    });
    if (!this.started) {
      this.started = true;
      this.session.start();
    }
    try {
      await ready;
    } catch (error) {
      await this.close();
      throw error;
    }
    return this;
  }

  /** Closes the session (its ephemerals go) and the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.session.isTerminal) return;
    if (this.state === 'connected' || this.state === 'readOnly') {
      const spec = { request: { type: OpCode.closeSession }, path: '' } as const;
      await this.session.submit(spec, CLOSE_TIMEOUT_MS, undefined).catch(() => undefined);
    }
    this.session.terminate('closed', new ClientClosedError('close'));
  }

  // ---- plumbing shared by the operation modules ----

  /** Maps a client path to the server's. */
  protected serverPath(path: string, op: string): string {
    checkPath(path, op);
    return toServerPath(this.chroot, path);
  }

  protected clientPath(path: string): string {
    return toClientPath(this.chroot, path);
  }

  /** Submits a request and returns the body of a successful reply (else throws). */
  protected async run(
    spec: RequestSpec,
    opts: CallOptions,
    op: string,
    path: string,
  ): Promise<Response> {
    return bodyOf(await this.submit(spec, opts), path, op);
  }

  /** Sends a request: again after a connection loss when a retry policy applies and it is safe. */
  protected submit(spec: RequestSpec, opts: CallOptions): Promise<Reply> {
    const timeoutMs = opts.timeoutMs ?? this.options.requestTimeoutMs;
    const once = (): Promise<Reply> => this.session.submit(spec, timeoutMs, opts.signal);
    const policy = opts.retry === undefined ? this.options.retry : resolveRetry(opts.retry);
    if (policy === undefined || !isRetrySafe(spec.request)) return once();
    return withRetry(once, policy, this.options.clock, opts.signal);
  }

  protected get watches(): Session['watches'] {
    return this.session.watches;
  }

  protected addAuthRaw(scheme: string, auth: Buffer): Promise<void> {
    return this.session.addAuth(scheme, auth);
  }
}
