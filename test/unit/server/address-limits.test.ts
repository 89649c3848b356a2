/**
 * The per-address session rules on a fake clock: live sessions cap, a token bucket holding
 * one second's worth that refills continuously, one log line per address per interval, and a
 * bounded number of remembered addresses.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddressLimits } from '../../../src/server/address-limits.js';
import { addressesTrackedMax, refusalLogIntervalMs } from '../../../src/util/limits.js';

describe('AddressLimits', () => {
  it('refuses an address at its live-session cap whatever its tokens', () => {
    const limits = new AddressLimits(3, 100);
    assert.equal(limits.admit('a', 2, 0), null);
    assert.equal(limits.admit('a', 3, 0), 'live sessions');
    assert.equal(limits.admit('b', 0, 0), null);
  });

  it('allows a burst of one second, then the rate', () => {
    const limits = new AddressLimits(1000, 5);
    for (let i = 0; i < 5; i++) assert.equal(limits.admit('a', 0, 0), null);
    assert.equal(limits.admit('a', 0, 0), 'creation rate');
    assert.equal(limits.admit('b', 0, 0), null, 'another address has its own bucket');
    assert.equal(limits.admit('a', 0, 199), 'creation rate');
    assert.equal(limits.admit('a', 0, 200), null, 'one token per 200 ms');
    assert.equal(limits.admit('a', 0, 200), 'creation rate');
    let admitted = 0;
    for (let i = 0; i < 10; i++) if (limits.admit('a', 0, 60_000) === null) admitted++;
    assert.equal(admitted, 5, 'an idle bucket holds no more than one second');
  });

  it('logs an address once per interval', () => {
    const limits = new AddressLimits(1, 1);
    assert.equal(limits.shouldLog('a', 0), true);
    assert.equal(limits.shouldLog('a', refusalLogIntervalMs - 1), false);
    assert.equal(limits.shouldLog('b', 1), true);
    assert.equal(limits.shouldLog('a', refusalLogIntervalMs), true);
  });

  it('remembers a bounded number of addresses, forgetting the least recent', () => {
    const limits = new AddressLimits(1000, 1);
    assert.equal(limits.admit('first', 0, 0), null);
    for (let i = 0; i < addressesTrackedMax; i++) limits.admit(`10.0.${i}`, 0, 0);
    assert.equal(limits.trackedAddresses, addressesTrackedMax);
    assert.equal(limits.admit('first', 0, 0), null, 'forgotten: a full bucket again');
  });
});
