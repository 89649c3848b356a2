/**
 * The server-wide limits' zoo.cfg keys: ZooKeeper's documented names, the system properties
 * it really reads (with and without zookeeper.), and warren.memoryBytesMax's range.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseZooCfg } from '../../../src/config/config.js';

const parse = (text: string) => parseZooCfg(text, 'zoo.cfg');

describe('throttling and memory settings', () => {
  it("has ZooKeeper's defaults: throttler off, globalOutstandingLimit 1000, no memory bound", () => {
    const { config, warnings } = parse('');
    assert.deepEqual(warnings, []);
    assert.equal(config.globalOutstandingLimit, 1000);
    assert.equal(config.requestThrottleMaxRequests, 0);
    assert.equal(config.requestThrottleStallTimeMs, 100);
    assert.equal(config.requestThrottleDropStale, true);
    assert.equal(config.throttledOpWaitTimeMs, 0);
    assert.equal(config.memoryBytesMax, 0);
  });

  it('reads every spelling ZooKeeper accepts', () => {
    const spellings: ReadonlyArray<readonly [string, number]> = [
      ['requestThrottleLimit=10', 10],
      ['request_throttle_max_requests=11', 11],
      ['zookeeper.request_throttle_max_requests=12', 12],
    ];
    for (const [line, value] of spellings) {
      const { config, warnings } = parse(line);
      assert.deepEqual(warnings, [], line);
      assert.equal(config.requestThrottleMaxRequests, value, line);
    }
    const { config } = parse(
      [
        'zookeeper.globalOutstandingLimit=50',
        'request_throttle_stall_time=20',
        'requestThrottleDropStale=false',
        'zookeeper.throttled_op_wait_time=300',
        'warren.memoryBytesMax=4294967296',
      ].join('\n'),
    );
    assert.equal(config.globalOutstandingLimit, 50);
    assert.equal(config.requestThrottleStallTimeMs, 20);
    assert.equal(config.requestThrottleDropStale, false);
    assert.equal(config.throttledOpWaitTimeMs, 300);
    assert.equal(config.memoryBytesMax, 4 * 1024 ** 3, 'above Java int range');
  });

  it('refuses a memory bound too small to run in, naming the range', () => {
    assert.throws(() => parse('warren.memoryBytesMax=1000000'), /0 \(no bound\) or an integer in/);
    assert.throws(() => parse('globalOutstandingLimit=0'), /globalOutstandingLimit/);
  });
});
