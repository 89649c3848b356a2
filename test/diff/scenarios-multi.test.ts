/**
 * Scripted differential scenarios for multi requests ZooKeeper reads differently from a plain
 * write (project issue 10): what MultiOperationRecord refuses (a read or unknown sub-op in a
 * multi, a create mode a create sub-op may not have) is MarshallingError for the whole multi,
 * yet still an error txn that takes a zxid, which later replies carry; a createTTL sub-op
 * without a TTL mode is a plain create (a container with the container flag); create sub-ops
 * with the container flag make containers; failing check/delete/setData sub-ops; write sub-ops
 * in a multiRead (alone: MarshallingError with an empty multi body). Each scenario runs on
 * ZooKeeper 3.8 and the candidate through the differential harness, and asserts the
 * expected codes, result types and zxids on both.
 * Cases where ZooKeeper 3.8.0 and 3.9 answer differently are left out (see op-generator.ts).
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { CreateRequest, Request } from '../../src/protocol/requests.js';
import type { SideReply, StepResult } from './harness.js';
import { looseMulti } from './op-generator.js';
import { skipReason } from './targets.js';
import {
  ScenarioPair,
  bodyOf,
  create,
  del,
  err,
  exists,
  getChildren,
  getData,
  onBoth,
  setData,
  statOf,
  zxidOf,
} from './scenario-kit.js';

const pair = new ScenarioPair('scenarios-multi.test.js');
const skip = skipReason();

const HOUR_MS = 3_600_000;
const MARSHALLING_ERROR = -5;

const ttlCreate = (path: string, flags: number, ttl: number): CreateRequest =>
  create(path, { type: 21, flags, ttl });

function side(step: StepResult, which: 'reference' | 'candidate', k = 0): SideReply {
  const reply = step.replies[k];
  assert.ok(reply !== undefined, `no reply ${k}`);
  return which === 'reference' ? reply.ref : reply.cand;
}

/** Asserts that `later` carries a newer zxid than `earlier` on both servers. */
function newerZxid(earlier: StepResult, later: StepResult, what: string): void {
  onBoth(later, (r, s) => {
    assert.ok(zxidOf(r) > zxidOf(side(earlier, s)), `${s}: ${what} takes a zxid`);
  });
}

function sameZxid(earlier: StepResult, later: StepResult, what: string): void {
  onBoth(later, (r, s) => assert.equal(zxidOf(r), zxidOf(side(earlier, s)), `${s}: ${what}`));
}

/** Checks each multi result's (type, err) on both servers. */
function results(step: StepResult, check: (types: [number, number][], side: string) => void): void {
  onBoth(step, (r, s) =>
    check(
      bodyOf(r, 'multi').results.map((x) => [x.type, x.err]),
      s,
    ),
  );
}

void describe('differential scenarios: invalid multi requests', { skip }, () => {
  before(() => pair.start());
  after(() => pair.stop());

  pair.scenario(
    'a multi ZooKeeper cannot read is MarshallingError, and an error txn with a zxid',
    async (h, b) => {
      const x = `${b}/x`;
      let last = await h.send(0, create(x));
      const unreadable: Request[] = [
        looseMulti(14, [create(`${b}/a`), getData(x)]),
        looseMulti(14, [getChildren(b), del(x)]),
        looseMulti(14, [getData(x)]),
        looseMulti(14, [getData(x), getChildren(b)]),
        looseMulti(14, [create(`${b}/a`), exists(x)]),
        looseMulti(14, [setData(x, Buffer.from('y')), getData(x, true)]),
      ];
      for (const req of unreadable) {
        const step = await h.send(1, req);
        err(step, MARSHALLING_ERROR);
        newerZxid(last, step, 'an unreadable multi');
        // Later replies (a read on another session) carry the error txn's zxid.
        sameZxid(step, await h.send(2, exists(b)), 'a read after it carries its zxid');
        last = step;
      }
      const gone = await h.send(2, exists(`${b}/a`));
      err(gone, -101);
      const st = await h.send(2, exists(x));
      onBoth(st, (r) => assert.equal(statOf(r).version, 0, 'nothing was applied'));
      newerZxid(last, await h.send(0, setData(x, null)), 'the next write');
    },
  );

  pair.scenario(
    'a create sub-op with a TTL mode makes the whole multi MarshallingError',
    async (h, b) => {
      let last = await h.send(0, create(`${b}/p`));
      const refused: Request[] = [
        { type: 14, ops: [create(`${b}/t`, { type: 1, flags: 5 })] },
        { type: 14, ops: [create(`${b}/t`, { type: 15, flags: 6 }), del(`${b}/p`)] },
        { type: 14, ops: [create(`${b}/t`, { type: 19, flags: 5 })] },
        // After sub-ops that succeed: ZooKeeper 3.8.0 fails on it in prep, 3.9 in decode.
        { type: 14, ops: [create(`${b}/u`), create(`${b}/t`, { type: 15, flags: 5 })] },
        { type: 14, ops: [del(`${b}/p`), create(`${b}/t`, { type: 1, flags: 6, ttl: -1 })] },
      ];
      for (const req of refused) {
        const step = await h.send(1, req);
        err(step, MARSHALLING_ERROR);
        newerZxid(last, step, 'a refused multi');
        last = step;
      }
      err(await h.send(2, exists(`${b}/u`)), -101);
      err(await h.send(2, exists(`${b}/t`)), -101);
      err(await h.send(2, exists(`${b}/p`)), 0);
    },
  );

  pair.scenario(
    'a createTTL sub-op without a TTL mode is a plain create; with the container flag a container',
    async (h, b) => {
      const step = await h.send(0, {
        type: 14,
        ops: [
          ttlCreate(`${b}/p`, 0, HOUR_MS),
          ttlCreate(`${b}/e`, 1, 0),
          ttlCreate(`${b}/s-`, 2, -5),
          ttlCreate(`${b}/q-`, 3, 2 ** 40),
          ttlCreate(`${b}/c`, 4, -1),
          ttlCreate(`${b}/t`, 5, HOUR_MS),
        ],
      });
      const plain: [number, number] = [1, 0];
      const withStat: [number, number] = [15, 0];
      results(step, (types, s) =>
        assert.deepEqual(types, [plain, plain, plain, plain, withStat, withStat], s),
      );
      const owners = new Map<string, bigint>();
      for (const name of ['p', 'e', 'c', 't']) {
        const st = await h.send(0, exists(`${b}/${name}`));
        onBoth(st, (r, s) => owners.set(`${s}:${name}`, statOf(r).ephemeralOwner));
      }
      for (const s of ['reference', 'candidate']) {
        assert.equal(owners.get(`${s}:p`), 0n, `${s}: persistent`);
        assert.notEqual(owners.get(`${s}:e`), 0n, `${s}: ephemeral`);
      }
      const bad = [
        [ttlCreate(`${b}/f`, 7, HOUR_MS)],
        [ttlCreate(`${b}/f`, -1, HOUR_MS)],
        [ttlCreate(`${b}/f`, 100, -1)],
        [ttlCreate(`${b}/f`, 5, 0)],
        [ttlCreate(`${b}/f`, 6, -1)],
        [ttlCreate(`${b}/f`, 5, 2 ** 40)],
        [create(`${b}/g`), ttlCreate(`${b}/f`, 5, 2 ** 53)],
      ];
      for (const ops of bad) {
        const res = await h.send(1, { type: 14, ops });
        results(res, (types, s) =>
          assert.deepEqual(types.at(-1), [-1, -8], `${s}: BadArguments for the createTTL sub-op`),
        );
      }
      const ok = await h.send(1, { type: 14, ops: [ttlCreate(`${b}/f-`, 6, 2 ** 40 - 1)] });
      results(ok, (types, s) => assert.deepEqual(types, [[15, 0]], s));
    },
  );

  pair.scenario(
    'create and create2 sub-ops with the container flag make containers',
    async (h, b) => {
      const step = await h.send(0, {
        type: 14,
        ops: [create(`${b}/k1`, { type: 1, flags: 4 }), create(`${b}/k2`, { type: 15, flags: 4 })],
      });
      results(step, (types, s) =>
        assert.deepEqual(
          types,
          [
            [15, 0],
            [15, 0],
          ],
          s,
        ),
      );
      // A container's Stat looks like a persistent node's (ZooKeeper shows owner 0 to clients).
      for (const name of ['k1', 'k2']) await h.send(0, exists(`${b}/${name}`));
    },
  );

  pair.scenario(
    'check, delete and setData sub-ops with bad versions and bad paths',
    async (h, b) => {
      const x = `${b}/x`;
      await h.send(0, create(x));
      await h.send(0, create(`${x}/c`));
      const subs = [
        { type: 13 as const, path: x, version: 5 },
        { type: 13 as const, path: x, version: -2 },
        { type: 13 as const, path: `${b}/none`, version: -1 },
        { type: 13 as const, path: 'd', version: -1 },
        { type: 13 as const, path: `${x}/`, version: 0 },
        del(x, 2 ** 31 - 1),
        del(x, -1),
        del(`${b}//x`),
        del('/'),
        del('/zookeeper'),
        del('/zookeeper/config'),
        del(''),
        setData(x, Buffer.from('v'), 1),
        setData(x, null, -(2 ** 31)),
        setData('/zookeeper/config', Buffer.from('v')),
        setData(`${b}/none`, null),
        setData('x/y', null),
      ];
      for (const sub of subs) {
        const fresh = await h.send(1, { type: 14, ops: [create(`${b}/n`), sub, del(`${b}/n`)] });
        results(fresh, (types, s) => {
          assert.deepEqual(types[0], [-1, 0], `${s}: the sub-op before the failure is 0`);
          assert.equal(types[1]?.[0], -1, `${s}: the failing sub-op`);
          assert.deepEqual(types[2], [-1, -2], `${s}: the sub-op after the failure is -2`);
        });
      }
      err(await h.send(2, exists(`${b}/n`)), -101);
    },
  );

  pair.scenario(
    'write sub-ops in a multiRead: MarshallingError, no zxid, an empty body when all are writes',
    async (h, b) => {
      const x = `${b}/x`;
      const made = await h.send(0, create(x));
      const refused: Request[] = [
        looseMulti(22, [getData(x), create(`${b}/a`)]),
        looseMulti(22, [setData(x, null), getChildren(b)]),
        looseMulti(22, [getChildren(b), { type: 13, path: x, version: -1 }]),
        looseMulti(22, [exists(x)]),
        looseMulti(22, [getData(x), exists(x)]),
      ];
      for (const req of refused) {
        const step = await h.send(1, req);
        err(step, MARSHALLING_ERROR);
        sameZxid(made, step, 'a refused multiRead takes no zxid');
        onBoth(step, (r, s) => assert.equal(r.response, null, `${s}: no body`));
      }
      // Write sub-ops alone are read, then the first refused: the empty reply goes out too.
      const writesOnly: Request[] = [
        looseMulti(22, [{ type: 13, path: x, version: -1 }]),
        looseMulti(22, [del(x), setData(x, null, 3)]),
        looseMulti(22, [create(`${b}/a`, { type: 1, flags: 4 }), ttlCreate(`${b}/t`, 5, 0)]),
        looseMulti(22, [ttlCreate(`${b}/t`, 0, -1), create(`${b}/a`, { type: 19, flags: 4 })]),
      ];
      for (const req of writesOnly) {
        const step = await h.send(1, req);
        err(step, MARSHALLING_ERROR);
        sameZxid(made, step, 'a refused multiRead takes no zxid');
        onBoth(step, (r, s) => assert.deepEqual(bodyOf(r, 'multi').results, [], s));
      }
      err(await h.send(2, exists(`${b}/a`)), -101);
    },
  );
});
