/** `warren bench`'s flags: defaults, bounds, lists and the --count/--duration interplay. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  COUNT_TIME_CAP_MS,
  parseBenchArgs,
  parseServers,
  parseWorkloads,
} from '../../../src/bench/options.js';
import { WORKLOADS } from '../../../src/bench/workload.js';

describe('warren bench options', () => {
  it('has zkbench-like defaults and runs every workload', () => {
    const o = parseBenchArgs(['--servers', '127.0.0.1:2181']);
    assert.deepEqual(o.servers, [{ host: '127.0.0.1', port: 2181 }]);
    assert.deepEqual(o.workloads, [...WORKLOADS]);
    assert.equal(o.sessions, 8);
    assert.equal(o.inflight, 32);
    assert.equal(o.valueBytes, 100);
    assert.equal(o.keys, 1000);
    assert.equal(o.durationMs, 10_000);
    assert.equal(o.warmupMs, 2_000);
    assert.equal(o.count, null);
    assert.equal(o.readShare, 0.9);
    assert.deepEqual(o.serverPids, []);
    assert.equal(o.json, false);
  });

  it('reads every flag', () => {
    const o = parseBenchArgs([
      '-s',
      'a:1,[::1]:2182',
      '-w',
      'get,mixed',
      '--sessions',
      '3',
      '--inflight',
      '4',
      '--size',
      '10',
      '--keys',
      '50',
      '--duration',
      '1.5',
      '--warmup',
      '0',
      '--read-share',
      '0.5',
      '--children',
      '7',
      '--multi-ops',
      '2',
      '--watchers',
      '9',
      '--idle-sessions',
      '11',
      '--session-timeout',
      '4000',
      '--delete-nodes',
      '12',
      '--workers',
      '1',
      '--server-pid',
      '10,20',
      '--json',
    ]);
    assert.deepEqual(o.servers, [
      { host: 'a', port: 1 },
      { host: '::1', port: 2182 },
    ]);
    assert.deepEqual(o.workloads, ['get', 'mixed']);
    assert.deepEqual(
      [o.sessions, o.inflight, o.valueBytes, o.keys, o.durationMs, o.warmupMs, o.readShare],
      [3, 4, 10, 50, 1500, 0, 0.5],
    );
    assert.deepEqual(
      [o.children, o.multiOps, o.watchers, o.idleSessions, o.sessionTimeoutMs, o.deleteNodes],
      [7, 2, 9, 11, 4000, 12],
    );
    assert.deepEqual(o.serverPids, [10, 20]);
    assert.equal(o.workers, 1);
    assert.equal(o.json, true);
  });

  it('with --count, caps the time instead and deletes exactly that many nodes', () => {
    const o = parseBenchArgs(['-s', 'h:1', '--count', '5000']);
    assert.equal(o.count, 5000);
    assert.equal(o.durationMs, COUNT_TIME_CAP_MS);
    assert.equal(o.deleteNodes, 5000);
    assert.equal(o.idleMs, 10_000);
  });

  it('refuses what is out of bounds or malformed', () => {
    const bad = [
      [],
      ['-s', 'nohost'],
      ['-s', 'h:0'],
      ['-s', 'h:70000'],
      ['-s', 'h:1', '-w', 'get,nope'],
      ['-s', 'h:1', '--sessions', '0'],
      ['-s', 'h:1', '--sessions', '10001'],
      ['-s', 'h:1', '--inflight', '1.5'],
      ['-s', 'h:1', '--read-share', '1.1'],
      ['-s', 'h:1', '--duration', '0'],
      ['-s', 'h:1', '--duration', 'x'],
      ['-s', 'h:1', '--size', String(2 * 1024 * 1024)],
      ['-s', 'h:1', '--server-pid', '12,a'],
    ];
    for (const args of bad) {
      assert.throws(() => parseBenchArgs(args), Error, args.join(' '));
    }
  });

  it('parses server and workload lists on their own', () => {
    assert.deepEqual(parseServers(' h:1 , k:2 '), [
      { host: 'h', port: 1 },
      { host: 'k', port: 2 },
    ]);
    assert.deepEqual(parseWorkloads('all'), [...WORKLOADS]);
    assert.throws(() => parseServers(','));
  });
});
