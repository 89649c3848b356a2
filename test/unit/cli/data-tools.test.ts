/**
 * The pieces of `warren backup`, `restore` and `inspect` that need no process: the progress
 * line (a line per interval in a pipe, one redrawn line at a terminal), the snapshot compare
 * by path, and how a log entry is printed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressLine } from '../../../src/cli/progress.js';
import { compareTrees } from '../../../src/cli/snapshot-compare.js';
import { describeEntry } from '../../../src/cli/inspect-log.js';
import { encodeEntry, noCheck } from '../../../src/replication/entry-codec.js';
import { DataTree } from '../../../src/tree/data-tree.js';
import { copyFields } from '../../../src/tree/node.js';
import { loadSnapshot, beginSnapshot } from '../../../src/tree/snapshot-codec.js';

function sink(isTTY: boolean) {
  const lines: string[] = [];
  return { isTTY, lines, write: (text: string) => lines.push(text) };
}

describe('ProgressLine', () => {
  it('writes a line every five seconds in a pipe, with rate and time left, then a final one', () => {
    let now = 0;
    const out = sink(false);
    const progress = new ProgressLine('job', 10 * 1024 * 1024, out, () => now);
    now = 1000;
    progress.advance(1024 * 1024);
    assert.equal(out.lines.length, 0);
    now = 5000;
    progress.advance(1024 * 1024);
    assert.deepEqual(out.lines, ['job: 20% (2.0 MiB of 10.0 MiB), 0.4 MiB/s, about 20 s left\n']);
    now = 6000;
    progress.advance(8 * 1024 * 1024);
    progress.finish();
    assert.equal(out.lines[1], 'job: 100% (10.0 MiB of 10.0 MiB), 1.7 MiB/s, in 6.0 s\n');
  });

  it('redraws one line at a terminal', () => {
    let now = 0;
    const out = sink(true);
    const progress = new ProgressLine('job', 100, out, () => now);
    now = 300;
    progress.advance(50);
    progress.finish();
    assert.match(out.lines[0] ?? '', /^\rjob: 50% /);
    assert.match(out.lines[1] ?? '', /^\rjob: 100% .*\n$/);
  });
});

/** A tree with nodes /a (data `value`) and /b, copied through a snapshot as restore does. */
function treeWith(value: string): DataTree {
  const source = new DataTree();
  const image = beginSnapshot(source);
  const records = [...image.records].map((r) => Buffer.from(r));
  image.abandon();
  const tree = loadSnapshot(records);
  for (const [path, data] of [
    ['/a', value],
    ['/b', 'b'],
  ] as const) {
    const root = copyFields(tree.mustGet('/'));
    assert.equal(tree.loadNode(path, { ...root, data }, false), null);
  }
  return tree;
}

describe('compareTrees', () => {
  it('names the paths only in one and those that differ, with the fields', () => {
    const a = treeWith('one');
    const b = treeWith('two');
    b.deleteNode('/b', b.lastZxid);
    const c = copyFields(b.mustGet('/'));
    assert.equal(b.loadNode('/c', { ...c, version: 3 }, false), null);
    const lines: string[] = [];
    const result = compareTrees(a, b, (line) => lines.push(line));
    assert.deepEqual(result, { onlyA: 1, onlyB: 1, differ: 1 });
    assert.deepEqual(lines, ['~ /a (data)', '- /b', '+ /c']);
    assert.deepEqual(
      compareTrees(a, treeWith('one'), () => undefined),
      { onlyA: 0, onlyB: 0, differ: 0 },
    );
  });
});

describe('describeEntry', () => {
  it('prints index, term, zxid, time, session, op and path', () => {
    const txn = {
      zxid: 7,
      time: Date.UTC(2026, 11, 7),
      sessionId: 0x1234n,
      body: { type: 'ops' as const, ops: [{ type: 'delete' as const, path: '/gone' }] },
    };
    const data = encodeEntry({ kind: 'txn', origin: 1, requestId: 5, check: noCheck, txn });
    assert.equal(
      describeEntry({ index: 7, term: 2, kind: 'normal', data }),
      'index 7 term 2 zxid 0x7 time 2026-12-07T00:00:00.000Z session 0x1234 delete /gone',
    );
    const empty = { index: 8, term: 3, kind: 'normal' as const, data: Buffer.alloc(0) };
    assert.equal(describeEntry(empty), "index 8 term 3 zxid 0x8 leader's empty entry");
    const config = { index: 9, term: 3, kind: 'config' as const, data: Buffer.from([1]) };
    assert.equal(describeEntry(config), 'index 9 term 3 zxid 0x9 membership change');
  });
});
