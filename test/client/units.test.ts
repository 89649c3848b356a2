// Unit tests of the client's pure parts, no server: connection strings and chroot mapping,
// host shuffling, the watch table (which watchers an event fires, and setWatches frames split
// at ~128 KiB with setWatches2 only when persistent watches exist), the FIFO and typed errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseConnectString,
  shuffled,
  toClientPath,
  toServerPath,
} from '../../src/client/connect-string.js';
import { Fifo } from '../../src/client/fifo.js';
import { setWatchesPathBytesMax, WatchTable } from '../../src/client/watch-table.js';
import { errorFor, NoNodeError, ZooKeeperError } from '../../src/client/zookeeper-errors.js';
import { Err } from '../../src/protocol/error-codes.js';
import { EventType, OpCode } from '../../src/protocol/opcodes.js';

describe('connection strings', () => {
  it('parses hosts, default ports, IPv6 and a chroot', () => {
    assert.deepEqual(parseConnectString('a:2181,b:2182/app/x'), {
      hosts: [
        { host: 'a', port: 2181 },
        { host: 'b', port: 2182 },
      ],
      chroot: '/app/x',
    });
    assert.deepEqual(parseConnectString('h,[::1]:9/'), {
      hosts: [
        { host: 'h', port: 2181 },
        { host: '::1', port: 9 },
      ],
      chroot: '',
    });
    assert.throws(() => parseConnectString('/app'), TypeError);
    assert.throws(() => parseConnectString('a:x'), TypeError);
    assert.throws(() => parseConnectString('a:1/app/'), TypeError);
  });

  it('maps paths through the chroot both ways', () => {
    assert.equal(toServerPath('/app', '/'), '/app');
    assert.equal(toServerPath('/app', '/x'), '/app/x');
    assert.equal(toClientPath('/app', '/app'), '/');
    assert.equal(toClientPath('/app', '/app/x'), '/x');
    assert.equal(toClientPath('', '/x'), '/x');
  });

  it('shuffles a copy, keeping every host', () => {
    const hosts = [1, 2, 3, 4, 5];
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const out = shuffled(hosts, random);
    assert.deepEqual([...out].sort(), hosts);
    assert.deepEqual(hosts, [1, 2, 3, 4, 5]);
  });
});

describe('watch table', () => {
  it('consumes one-shot watchers and keeps persistent ones', () => {
    const table = new WatchTable();
    const calls: string[] = [];
    const w = (name: string) => () => calls.push(name);
    const data = w('data');
    const child = w('child');
    const persistent = w('persistent');
    const recursive = w('recursive');
    table.addData('/a/b', data);
    table.addChild('/a/b', child);
    table.addPersistent('/a/b', persistent, false);
    table.addPersistent('/a', recursive, true);
    assert.deepEqual(
      new Set(table.fire(EventType.nodeDataChanged, '/a/b')),
      new Set([data, persistent, recursive]),
    );
    assert.deepEqual(
      new Set(table.fire(EventType.nodeDataChanged, '/a/b')),
      new Set([persistent, recursive]),
    );
    assert.deepEqual(
      new Set(table.fire(EventType.nodeChildrenChanged, '/a/b')),
      new Set([child, persistent]),
    );
    assert.deepEqual(new Set(table.fire(EventType.nodeChildrenChanged, '/a')), new Set());
    table.remove('/a', 'any');
    assert.deepEqual(new Set(table.fire(EventType.nodeDeleted, '/a/b')), new Set([persistent]));
  });

  it('restores with setWatches, or setWatches2 with persistent watches, split at 128 KiB', () => {
    const table = new WatchTable();
    const noop = (): void => undefined;
    const long = 'x'.repeat(1000);
    for (let i = 0; i < 300; i++) table.addData(`/${long}/${i}`, noop);
    table.addExist('/missing', noop);
    const frames = table.restoreRequests(42);
    assert.equal(frames.length, 3);
    assert.ok(frames.every((f) => f.type === OpCode.setWatches && f.relativeZxid === 42));
    const pathBytes = (f: (typeof frames)[number]): number =>
      [...f.dataWatches, ...f.existWatches].reduce((n, p) => n + p.length + 4, 0);
    assert.ok(frames.every((f) => pathBytes(f) <= setWatchesPathBytesMax));
    assert.equal(frames.flatMap((f) => f.dataWatches).length, 300);
    assert.deepEqual(
      frames.flatMap((f) => f.existWatches),
      ['/missing'],
    );
    table.addPersistent('/p', noop, true);
    const two = table.restoreRequests(1);
    assert.ok(two.every((f) => f.type === OpCode.setWatches2));
    assert.deepEqual(
      two.flatMap((f) => f.persistentRecursiveWatches),
      ['/p'],
    );
  });
});

describe('fifo and errors', () => {
  it('keeps order across many pushes and shifts', () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 5000; i++) fifo.push(i);
    for (let i = 0; i < 3000; i++) assert.equal(fifo.shift(), i);
    assert.equal(fifo.length, 2000);
    assert.equal(fifo.peek(), 3000);
    assert.equal(fifo.drain().length, 2000);
    assert.equal(fifo.shift(), undefined);
  });

  it('gives every ZooKeeper code a typed error with a plain message', () => {
    for (const code of Object.values(Err)) {
      if (code === 0) continue;
      const error = errorFor(code, '/p', 'op');
      assert.ok(error instanceof ZooKeeperError);
      assert.equal(error.code, code);
      assert.notEqual(error.constructor, ZooKeeperError, `code ${code} has its own class`);
      assert.ok(error.message.endsWith('(op)'));
    }
    const noNode = errorFor(Err.noNode, '/app/x', 'getData');
    assert.ok(noNode instanceof NoNodeError);
    assert.equal(
      `${noNode.name}: ${noNode.message}`,
      'NoNodeError: /app/x does not exist (getData)',
    );
    assert.equal(errorFor(-999, '', 'x').codeName, 'error-999');
  });
});
