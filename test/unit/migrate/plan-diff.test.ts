/**
 * The pure parts of warren migrate: create plans per type, sequence counters from the wire
 * Stat (against a naive model of creations and deletions), node and child diffs, the bounded
 * dirty-path set, the progress line and the bounded walk.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Perm, type ACL, type Stat } from '../../../src/client/index.js';
import {
  diffChildren,
  diffNode,
  formatDifference,
  type NodeFacts,
} from '../../../src/migrate/diff.js';
import { DirtyPaths } from '../../../src/migrate/dirty-paths.js';
import {
  childPath,
  depthOf,
  hasMaskedDigest,
  isSystemPath,
  parentOf,
  planCreate,
  sequenceCounter,
  sourceType,
  type NodeImage,
} from '../../../src/migrate/plan.js';
import { NodeProgress } from '../../../src/migrate/progress.js';
import { walk } from '../../../src/migrate/walk.js';

function stat(fields: Partial<Stat> = {}): Stat {
  return {
    czxid: 1,
    mzxid: 1,
    ctime: 0,
    mtime: 0,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0n,
    dataLength: 0,
    numChildren: 0,
    pzxid: 1,
    ...fields,
  };
}

const open: ACL[] = [{ perms: Perm.all, id: { scheme: 'world', id: 'anyone' } }];
const image = (s: Stat): NodeImage => ({
  path: '/a',
  data: null,
  acl: open,
  stat: s,
  children: [],
});

describe('planning', () => {
  it('creates each type as itself, sequential nodes under their name, no ephemerals', () => {
    const node = image(stat());
    assert.equal(planCreate(node, { kind: 'persistent' }).action, 'create');
    assert.deepEqual(planCreate(node, { kind: 'ttl', ttlMs: 5000 }), {
      action: 'create',
      mode: 'persistentWithTtl',
      ttlMs: 5000,
      data: null,
      acl: open,
    });
    const box = planCreate(node, { kind: 'container' });
    assert.ok(box.action === 'create' && box.mode === 'container');
    assert.deepEqual(planCreate(node, { kind: 'ephemeral', owner: 7n }), {
      action: 'ephemeral',
      owner: 7n,
    });
  });

  it('takes an ephemeral from the Stat and other types from what is known', () => {
    assert.equal(sourceType(stat({ ephemeralOwner: 9n }), { kind: 'container' }).kind, 'ephemeral');
    assert.equal(sourceType(stat(), { kind: 'container' }).kind, 'container');
    assert.equal(sourceType(stat(), undefined).kind, 'persistent');
  });

  it('reads the next sequential suffix from cversion and numChildren', () => {
    // Model: creations and deletions of children; the wire cversion counts both.
    const ops = fc.array(fc.boolean(), { maxLength: 200 });
    fc.assert(
      fc.property(ops, (creates) => {
        let creations = 0;
        let children = 0;
        let cversion = 0;
        for (const create of creates) {
          if (create) {
            creations++;
            children++;
            cversion++;
          } else if (children > 0) {
            children--;
            cversion++;
          }
        }
        const s = stat({ cversion, numChildren: children });
        assert.equal(sequenceCounter(s), creations);
      }),
    );
    // A wrapped (negative) int32 cversion.
    assert.equal(sequenceCounter(stat({ cversion: -2, numChildren: 0 })), 2 ** 31 - 1);
  });

  it('tells a masked digest ACL from a real one', () => {
    const digest = (id: string): ACL => ({ perms: Perm.all, id: { scheme: 'digest', id } });
    assert.ok(hasMaskedDigest([...open, digest('bob:x')]));
    assert.ok(!hasMaskedDigest([digest('bob:QvqjQ0/+5m4cVkWFh3jAHwmzodU=')]));
    assert.ok(!hasMaskedDigest([{ perms: Perm.all, id: { scheme: 'ip', id: '10.0.0.1:x' } }]));
  });

  it('handles paths', () => {
    assert.equal(childPath('/', 'a'), '/a');
    assert.equal(childPath('/a', 'b'), '/a/b');
    assert.equal(parentOf('/a/b'), '/a');
    assert.equal(parentOf('/a'), '/');
    assert.deepEqual(['/', '/a', '/a/b'].map(depthOf), [0, 1, 2]);
    assert.ok(isSystemPath('/zookeeper') && isSystemPath('/zookeeper/config'));
    assert.ok(!isSystemPath('/zookeeperx') && !isSystemPath('/app/zookeeper'));
  });
});

describe('diff', () => {
  const facts = (f: Partial<NodeFacts> = {}): NodeFacts => ({
    data: Buffer.from('x'),
    acl: open,
    type: { kind: 'persistent' },
    children: [],
    counter: 0,
    ...f,
  });

  it('finds data, ACL, type and counter differences', () => {
    assert.deepEqual(diffNode('/a', facts(), facts()), []);
    const reordered: ACL[] = [
      { perms: Perm.read, id: { scheme: 'world', id: 'anyone' } },
      { perms: Perm.all, id: { scheme: 'digest', id: 'u:h' } },
    ];
    assert.deepEqual(
      diffNode('/a', facts({ acl: reordered }), facts({ acl: [...reordered].reverse() })),
      [],
      'ACL order does not matter',
    );
    const kinds = diffNode(
      '/a',
      facts({ data: null, acl: reordered, type: { kind: 'ttl', ttlMs: 5 }, counter: 9 }),
      facts({ data: Buffer.alloc(0), type: { kind: 'ttl', ttlMs: 6 }, counter: 3 }),
    ).map((d) => d.what);
    assert.deepEqual(kinds, ['data', 'acl', 'type', 'counter']);
    assert.deepEqual(diffNode('/a', facts({ counter: 3 }), facts({ counter: 9 })), [], 'ahead');
    assert.deepEqual(diffNode('/a', facts({ type: null }), facts()), [], 'unknown type');
  });

  it('lists children only one side has, and formats differences', () => {
    assert.deepEqual(diffChildren(['b', 'a', 'c'], ['c', 'd']), {
      onlySource: ['a', 'b'],
      onlyTarget: ['d'],
    });
    assert.equal(formatDifference({ path: '/x', what: 'onlySource' }), '- /x (only in the source)');
    assert.match(
      formatDifference({ path: '/q', what: 'counter', source: 7, target: 6 }),
      /\/q next sequence number behind \(source 7, target 6\)/,
    );
  });
});

describe('DirtyPaths', () => {
  it('hands out paths parents first, and only a rescan past its bound', () => {
    const dirty = new DirtyPaths(3);
    for (const p of ['/a/b/c', '/a', '/a/b', '/a']) dirty.add(p);
    assert.deepEqual(dirty.take(), { rescan: false, paths: ['/a', '/a/b', '/a/b/c'] });
    assert.deepEqual(dirty.take(), { rescan: false, paths: [] });
    for (const p of ['/1', '/2', '/3', '/4']) dirty.add(p);
    assert.ok(dirty.needsRescan);
    assert.deepEqual(dirty.take(), { rescan: true, paths: [] });
    assert.ok(!dirty.needsRescan);
  });
});

describe('progress and walk', () => {
  it('prints share, rate and time left', () => {
    let now = 0;
    const lines: string[] = [];
    const copy = new NodeProgress(
      'copy',
      1000,
      (line) => lines.push(line),
      () => now,
      2000,
    );
    now = 2000;
    copy.tick(250);
    assert.deepEqual(lines, ['copy: 25% (250 nodes of 1000 nodes), 125 nodes/s, about 6 s left']);
    assert.equal(copy.rate(250), 125);
    now = 4000;
    copy.tick(2000);
    assert.match(lines[1] ?? '', /^copy: 99% /);
    const verify = new NodeProgress(
      'verify',
      null,
      (line) => lines.push(line),
      () => now,
      1000,
    );
    now = 5000;
    verify.tick(10);
    assert.equal(lines[2], 'verify: (10 nodes), 10 nodes/s, 1 s so far');
  });

  it('visits every node with at most `concurrency` visits at once, and stops on failure', async () => {
    let active = 0;
    let peak = 0;
    const seen: number[] = [];
    const visit = async (n: number): Promise<number[]> => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setImmediate(r));
      active--;
      seen.push(n);
      return n < 40 ? [2 * n + 1, 2 * n + 2].filter((c) => c < 100) : [];
    };
    assert.equal(await walk([0], visit, 4), 81);
    assert.ok(peak <= 4 && peak > 1, `peak ${peak}`);
    assert.equal(new Set(seen).size, 81);
    const failing = (n: number): Promise<number[]> =>
      n === 5 ? Promise.reject(new Error('boom')) : visit(n);
    await assert.rejects(walk([0], failing, 4), /boom/);
    assert.equal(active, 0, 'no visit still running after the rejection');
  });
});
