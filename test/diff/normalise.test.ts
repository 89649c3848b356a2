/**
 * Proves the differential harness's own comparison rules, without servers: the zxid pairing
 * accepts any strictly monotonic bijection and rejects reuse and order inversions (checked
 * against a naive all-pairs model with fast-check); normalised replies hide zxids, times and
 * session ids but nothing else; auth-expanded ACL runs and session-close notification runs
 * compare as multisets while everything around them keeps its order.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Stat } from '../../src/protocol/records.js';
import { TimeChecker, ZxidPairing, normaliseReply, sameForm, type Form } from './normalise.js';
import { closeGroup, sortRuns } from './segments.js';

function naiveOk(pairs: [number, number][]): boolean {
  for (const [a, b] of pairs) {
    for (const [c, d] of pairs) {
      if (a === c && b !== d) return false;
      if (b === d && a !== c) return false;
      if (a < c && !(b < d)) return false;
    }
  }
  return true;
}

void describe('ZxidPairing', () => {
  void test('agrees with a naive all-pairs check', () => {
    const pair = fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }));
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 12 }), (pairs) => {
        const z = new ZxidPairing();
        const accepted: [number, number][] = [];
        for (const [a, b] of pairs) {
          const problem = z.pair(a, b);
          assert.equal(problem === null, naiveOk([...accepted, [a, b]]), `${a}->${b}`);
          if (problem === null) accepted.push([a, b]);
        }
      }),
      { numRuns: 500 },
    );
  });

  void test('an offset sequence pairs cleanly, a skipped consumption does not', () => {
    const z = new ZxidPairing();
    for (let k = 0; k < 10; k++) assert.equal(z.pair(k, k + 3), null);
    assert.notEqual(z.pair(10, 12), null, 'a zxid the candidate reused');
  });
});

const NOW = Date.now();
const stat = (over: Partial<Stat> = {}): Stat => ({
  czxid: 5,
  mzxid: 7,
  ctime: NOW - 10,
  mtime: NOW,
  version: 1,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: 1,
  numChildren: 0,
  pzxid: 5,
  ...over,
});

void describe('normaliseReply', () => {
  const side = () => ({ sessions: new Map([[42n, 's0']]), times: new TimeChecker() });

  void test('hides zxids, times and session ids, keeps the rest', () => {
    const header = { xid: 1, zxid: 9, err: 0 };
    const a = normaliseReply(side(), header, { kind: 'stat', stat: stat({ ephemeralOwner: 42n }) });
    const b = normaliseReply(
      side(),
      { ...header, zxid: 90 },
      {
        kind: 'stat',
        stat: stat({ czxid: 50, mzxid: 70, pzxid: 50, ephemeralOwner: 42n }),
      },
    );
    assert.ok(sameForm(a.form, b.form));
    assert.deepEqual(a.zxids, [9, 5, 7, 5]);
    assert.deepEqual(b.zxids, [90, 50, 70, 50]);
    const c = normaliseReply(side(), header, { kind: 'stat', stat: stat({ version: 2 }) });
    assert.ok(!sameForm(a.form, c.form));
  });

  void test('flags one zxid with two times, and ctime != mtime when czxid == mzxid', () => {
    const s = side();
    const ok = normaliseReply(s, { xid: 1, zxid: 9, err: 0 }, { kind: 'stat', stat: stat() });
    assert.deepEqual(ok.problems, []);
    const clash = stat({ czxid: 7, mzxid: 7, ctime: NOW - 5, mtime: NOW - 6 });
    const bad = normaliseReply(s, { xid: 1, zxid: 9, err: 0 }, { kind: 'stat', stat: clash });
    assert.equal(bad.problems.length, 3, bad.problems.join('; '));
    const micro = stat({ czxid: 8, mzxid: 8, ctime: NOW * 1000, mtime: NOW * 1000 });
    const us = normaliseReply(s, { xid: 1, zxid: 9, err: 0 }, { kind: 'stat', stat: micro });
    assert.equal(us.problems.length, 2, 'microseconds are not epoch milliseconds');
  });

  void test('auth-expanded digest runs compare as sets; other ACL order is kept', () => {
    const acl = (ids: [number, string, string][]): Form =>
      normaliseReply(
        side(),
        { xid: 1, zxid: 1, err: 0 },
        {
          kind: 'acl',
          acl: ids.map(([perms, scheme, id]) => ({ perms, id: { scheme, id } })),
          stat: stat(),
        },
      ).form;
    const w: [number, string, string] = [1, 'world', 'anyone'];
    const a: [number, string, string] = [31, 'digest', 'a:1'];
    const b: [number, string, string] = [31, 'digest', 'b:1'];
    const ip: [number, string, string] = [31, 'ip', '127.0.0.1'];
    assert.ok(sameForm(acl([w, a, b]), acl([w, b, a])));
    assert.ok(!sameForm(acl([w, ip]), acl([ip, w])));
    assert.ok(!sameForm(acl([a, ip, b]), acl([b, ip, a])));
  });
});

void describe('session-close notification runs', () => {
  void test('runs of the close group are sorted, the rest keeps its order', () => {
    const group = closeGroup(['/p/e1', '/p/e2']);
    const n = (type: number, path: string): Form => [type, 3, path, 0];
    const got = sortRuns([n(3, '/x'), n(2, '/p/e2'), n(4, '/p'), n(2, '/p/e1'), n(1, '/y')], group);
    assert.deepEqual(got, [n(3, '/x'), n(2, '/p/e1'), n(2, '/p/e2'), n(4, '/p'), n(1, '/y')]);
  });
});
