// Proves the opt-in retry policy. Units: which requests count as safe to repeat, the backoff's
// bounds, option checks. Against a real Warren behind a TCP proxy that holds replies and then
// drops the connection (so the request ran but its reply was lost): a read is retried and
// succeeds; without a policy it fails with ConnectionLossError; a versioned setData is
// retried and, having run the first time, reports BadVersion (never applies twice); a create
// and an unversioned setData are never retried; and an abort stops the backoff.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BadVersionError,
  ConnectionLossError,
  type ZooKeeperClient,
} from '../../src/client/index.js';
import {
  backoffDelayMs,
  isRetrySafe,
  resolveRetry,
  withRetry,
} from '../../src/client/retry-policy.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import { systemClock } from '../../src/client/clock.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';
import { connected, sleep, waitFor } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

describe('retry policy units', () => {
  it('classifies requests', () => {
    assert.equal(isRetrySafe({ type: OpCode.getData, path: '/a', watch: false }), true);
    assert.equal(isRetrySafe({ type: OpCode.sync, path: '/a' }), true);
    assert.equal(isRetrySafe({ type: OpCode.setData, path: '/a', data: null, version: 3 }), true);
    assert.equal(isRetrySafe({ type: OpCode.setData, path: '/a', data: null, version: -1 }), false);
    assert.equal(isRetrySafe({ type: OpCode.delete, path: '/a', version: 0 }), true);
    assert.equal(isRetrySafe({ type: OpCode.delete, path: '/a', version: -1 }), false);
    const create = { type: OpCode.create, path: '/a', data: null, acl: [], flags: 0, ttl: -1 };
    assert.equal(isRetrySafe(create as Parameters<typeof isRetrySafe>[0]), false);
    assert.equal(isRetrySafe({ type: OpCode.multi, ops: [] }), false);
  });

  it('bounds the backoff and checks the options', () => {
    const policy = resolveRetry({ attempts: 10, initialDelayMs: 100, maxDelayMs: 1_000 })!;
    for (let retry = 1; retry <= 9; retry++) {
      const ceiling = Math.min(1_000, 100 * 2 ** (retry - 1));
      assert.equal(
        backoffDelayMs(retry, policy, () => 0.999999),
        ceiling - 1,
      );
      assert.equal(
        backoffDelayMs(retry, policy, () => 0),
        0,
      );
    }
    assert.equal(resolveRetry(undefined), undefined);
    assert.equal(resolveRetry(false), undefined);
    assert.throws(() => resolveRetry({ attempts: 0 }), RangeError);
    assert.throws(() => resolveRetry({ attempts: 1e9 }), RangeError);
  });

  it('gives up after its attempts and stops on abort', async () => {
    let calls = 0;
    const lost = (): Promise<never> => {
      calls++;
      return Promise.reject(new ConnectionLossError(-4, 'lost'));
    };
    const policy = resolveRetry({ attempts: 3, initialDelayMs: 1, maxDelayMs: 2 })!;
    await assert.rejects(withRetry(lost, policy, systemClock, undefined), ConnectionLossError);
    assert.equal(calls, 3);
    const slow = resolveRetry({ attempts: 3, initialDelayMs: 60_000, maxDelayMs: 60_000 })!;
    const controller = new AbortController();
    const aborted = withRetry(lost, slow, { ...systemClock, random: () => 1 }, controller.signal);
    controller.abort(new Error('stop'));
    await assert.rejects(aborted, /stop/);
  });
});

describe('retry policy against warren', () => {
  let server: RunningServer;
  let proxy: TcpProxy;
  let client: ZooKeeperClient;
  let direct: ZooKeeperClient;
  before(async () => {
    server = await startWarren();
    proxy = await TcpProxy.start(server.port);
    direct = await connected(server.connectString);
    client = await connected(proxy.connectString, {
      reconnectDelayMs: { initial: 20, max: 100 },
      retry: { attempts: 4, initialDelayMs: 20, maxDelayMs: 100 },
    });
  });
  after(async () => {
    await client?.close();
    await direct?.close();
    await proxy?.stop();
    await server?.stop();
  });

  /** Starts `call` with replies held, lets the request run, then drops the connection. */
  async function loseReply<T>(call: () => Promise<T>): Promise<T> {
    await waitFor(() => client.state === 'connected', 'the client to be connected');
    await client.sync('/');
    proxy.setStalled(true);
    const pending = call();
    pending.catch(() => undefined);
    await sleep(150);
    proxy.cut();
    proxy.setStalled(false);
    return pending;
  }

  it('retries a read whose reply was lost; without a policy the loss surfaces', async () => {
    await direct.create('/r', { data: 'v' });
    const { data } = await loseReply(() => client.getData('/r'));
    assert.equal(data?.toString(), 'v');
    await assert.rejects(
      loseReply(() => client.getData('/r', { retry: false })),
      ConnectionLossError,
    );
  });

  it('retries a versioned setData without applying it twice', async () => {
    await direct.create('/v', { data: '0' });
    await assert.rejects(
      loseReply(() => client.setData('/v', '1', { version: 0 })),
      BadVersionError,
    );
    const { data, stat } = await direct.getData('/v');
    assert.equal(data?.toString(), '1');
    assert.equal(stat.version, 1);
  });

  it('never retries a create or an unversioned write', async () => {
    await assert.rejects(
      loseReply(() => client.create('/c', { mode: 'persistentSequential' })),
      ConnectionLossError,
    );
    assert.equal((await direct.getChildren('/')).filter((c) => c.startsWith('c')).length, 1);
    await assert.rejects(
      loseReply(() => client.setData('/r', 'w')),
      ConnectionLossError,
    );
    assert.equal((await direct.getData('/r')).stat.version, 1);
  });
});
