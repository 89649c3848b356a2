/**
 * Big getChildren replies (server/children-replies.ts, child-list-encoding.ts), turn by turn
 * on a fake runtime with a real tree and connection: a big list is encoded a bounded slice a
 * turn, shows the list as of the request, and everything written to the connection meanwhile
 * (watch events, ping replies) leaves after it; built lists are reused until the parent's
 * children change, and kept under their byte cap.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JuteReader } from '../../../src/protocol/jute-reader.js';
import { JuteWriter } from '../../../src/protocol/jute-writer.js';
import { EventType, OpCode, Xid } from '../../../src/protocol/opcodes.js';
import {
  readReplyHeader,
  readStat,
  readWatcherEvent,
  STAT_BYTES,
} from '../../../src/protocol/records.js';
import { ChildListEncoding, encodesBeyond } from '../../../src/server/child-list-encoding.js';
import { ChildrenReplies, type ChildrenRepliesHost } from '../../../src/server/children-replies.js';
import { Connection, type ConnectionHost } from '../../../src/server/connection.js';
import type { DecodedFrame } from '../../../src/server/request-handler.js';
import { ServerStats } from '../../../src/server/stats.js';
import { TurnFlushes } from '../../../src/server/turn-output.js';
import { OPEN_ACL_UNSAFE } from '../../../src/tree/acl.js';
import { DataTree, newNode } from '../../../src/tree/data-tree.js';
import { NodeKind, toStat } from '../../../src/tree/node.js';
import {
  childrenCacheBytesMax,
  childrenEncodeBytesPerTurn,
  replyHeadroomBytes,
} from '../../../src/util/limits.js';
import { FakeClientSocket } from '../../support/fake-client-socket.js';
import { turnRuntime } from '../../support/turn-runtime.js';

const acl = [...OPEN_ACL_UNSAFE];

function setup(outputBytesMax = 64 * 1024 * 1024, frameBytesMax = 64 * 1024 * 1024) {
  const { runtime, endTurn } = turnRuntime();
  /** The lengths of the replies refused for jute.maxbuffer. */
  const refused: number[] = [];
  const connectionHost: ConnectionHost = {
    onFirstBytes: () => false,
    onConnectFrame: () => undefined,
    onRequestFrame: () => undefined,
    onClosed: () => undefined,
    onWritable: () => undefined,
    outstandingMax: 1000,
    readsHeld: () => false,
    wrote: () => undefined,
    outputBytesMax,
    stallMs: 1000,
    runtime,
    stats: new ServerStats(0),
    flushes: new TurnFlushes(runtime),
    refusedReply: (_conn, bytes) => void refused.push(bytes),
  };
  const finished: number[] = [];
  let spent = 0;
  const host: ChildrenRepliesHost = {
    runtime,
    spend: (requests) => void (spent += requests),
    finished: (_conn, f) => void finished.push(f.xid),
    drain: () => undefined,
  };
  const replies = new ChildrenReplies(host);
  const connect = () => {
    const socket = new FakeClientSocket(false);
    const conn = new Connection(socket, connectionHost, frameBytesMax);
    conn.state = 'connected';
    return { conn, socket };
  };
  /** Runs turns until none is scheduled; how many ran. */
  const runTurns = (): number => {
    let turns = 0;
    while (endTurn()) turns++;
    return turns;
  };
  return { replies, connect, endTurn, runTurns, finished, refused, spent: () => spent };
}

const frameOf = (xid: number, opcode: number): DecodedFrame => ({
  xid,
  opcode,
  request: null,
  receivedAt: 0,
});

/** A tree with /p holding `count` children named by `name`. */
function treeWith(count: number, name: (i: number) => string, parent = '/p'): DataTree {
  const tree = new DataTree();
  addNode(tree, parent, 1);
  for (let i = 0; i < count; i++) addNode(tree, `${parent}/${name(i)}`, 2);
  return tree;
}

function addNode(tree: DataTree, path: string, zxid: number): void {
  tree.createNode(path, newNode(null, acl, zxid, 0, NodeKind.persistent, 0n, 0), zxid);
}

const longName = (i: number) => `child-${String(i).padStart(14, '0')}`;

type Frame =
  | { kind: 'children'; xid: number; zxid: number; names: string[]; stat: boolean }
  | { kind: 'event'; type: number; path: string }
  | { kind: 'ping' };

/** The frames in a socket's bytes; a reply's body read as a child list (and a stat). */
function framesOf(bytes: Buffer): Frame[] {
  const out: Frame[] = [];
  for (let at = 0; at < bytes.length; ) {
    const length = bytes.readInt32BE(at);
    const r = new JuteReader(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
    const header = readReplyHeader(r);
    if (header.xid === Xid.notification) {
      const event = readWatcherEvent(r);
      out.push({ kind: 'event', type: event.type, path: event.path });
    } else if (header.xid === Xid.ping) {
      out.push({ kind: 'ping' });
    } else {
      const names = r.readStrings();
      const stat = r.remaining > 0;
      if (stat) readStat(r);
      out.push({ kind: 'children', xid: header.xid, zxid: header.zxid, names, stat });
    }
  }
  return out;
}

describe('child list encoding', () => {
  it('writes the bytes of one writeStrings, in parts within their budget', () => {
    const names = fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 200 });
    fc.assert(
      fc.property(names, fc.integer({ min: 1, max: 300 }), (list, bytesMax) => {
        const encoding = new ChildListEncoding(list);
        while (!encoding.done) encoding.encodeSlice(bytesMax);
        const whole = new JuteWriter(64).writeStrings(list).toBuffer();
        assert.deepEqual(Buffer.concat(encoding.parts), whole);
        assert.equal(encoding.bytes, whole.length);
        let first = true;
        for (const part of encoding.parts) {
          const r = new JuteReader(part);
          if (first) r.readInt();
          first = false;
          let count = 0;
          while (r.remaining > 0) {
            r.readString();
            count++;
          }
          // Over the budget only when one name alone needs more.
          assert.ok(part.length <= bytesMax || count <= 1, `${part.length} > ${bytesMax}`);
        }
      }),
    );
  });

  it('tells a list that encodes to a given size or more, stopping there', () => {
    assert.equal(encodesBeyond([], 5), false);
    assert.equal(encodesBeyond(['a'], 9), true); // 4 + 4 + 1
    assert.equal(encodesBeyond(['a'], 10), false);
  });
});

describe('big getChildren replies', () => {
  it('are built a slice a turn, within the budget, as of the request', () => {
    const count = 100_000;
    const tree = treeWith(count, longName);
    const { replies, connect, endTurn, runTurns, finished } = setup();
    const { conn, socket } = connect();
    const node = tree.mustGet('/p');
    replies.answer(conn, frameOf(7, OpCode.getChildren), '/p', node, 42, null);
    assert.equal(conn.replyPending, true);
    assert.equal(socket.writes.length, 0);
    // Changes applied while the reply is built do not show in it.
    endTurn();
    addNode(tree, '/p/late', 43);
    tree.deleteNode(`/p/${longName(0)}`, 44);
    const turns = 1 + runTurns();
    const listBytes = 4 + count * (4 + longName(0).length);
    assert.ok(turns >= Math.ceil(listBytes / childrenEncodeBytesPerTurn), `${turns} turns`);
    // The head, the parts (one per turn), and nothing bigger than a turn's budget.
    for (const write of socket.writes) assert.ok(write.length <= childrenEncodeBytesPerTurn);
    const frames = framesOf(socket.bytes);
    assert.equal(frames.length, 1);
    const reply = frames[0];
    assert.ok(reply?.kind === 'children');
    assert.equal(reply.xid, 7);
    assert.equal(reply.zxid, 42, "the zxid of the request's turn");
    assert.deepEqual(
      reply.names,
      Array.from({ length: count }, (_, i) => longName(i)),
    );
    assert.equal(reply.stat, false);
    assert.deepEqual(finished, [7]);
    assert.equal(conn.replyPending, false);
  });

  it('share each turn between the lists being built', () => {
    const tree = treeWith(100_000, longName); // /p: about 2.4 MB
    addNode(tree, '/q', 3);
    for (let i = 0; i < 12_000; i++) addNode(tree, `/q/${longName(i)}`, 4); // 288 KB
    const { replies, connect, endTurn, finished } = setup();
    const long = connect();
    const short = connect();
    replies.answer(long.conn, frameOf(1, OpCode.getChildren), '/p', tree.mustGet('/p'), 5, null);
    replies.answer(short.conn, frameOf(2, OpCode.getChildren), '/q', tree.mustGet('/q'), 5, null);
    // Half a turn's budget each: the short list is out in three turns, the long one goes on.
    for (let turn = 1; turn <= 3; turn++) endTurn();
    assert.deepEqual(finished, [2]);
    assert.equal(long.conn.replyPending, true);
    while (endTurn());
    assert.deepEqual(finished, [2, 1]);
    assert.equal(framesOf(long.socket.bytes)[0]?.kind, 'children');
  });

  it('hold what is written meanwhile behind the reply, in order', () => {
    const tree = treeWith(50_000, longName);
    const { replies, connect, endTurn, runTurns } = setup();
    const { conn, socket } = connect();
    const node = tree.mustGet('/p');
    const stat = toStat(node);
    replies.answer(conn, frameOf(1, OpCode.getChildren2), '/p', node, 5, stat);
    endTurn();
    // A write applied between two slices fires the child watch; the client pings.
    conn.sendNotification(6, EventType.nodeChildrenChanged, '/p');
    conn.sendReply(Xid.ping, 6, 0, null);
    conn.sendNotification(7, EventType.nodeDataChanged, '/p');
    assert.equal(socket.writes.length, 0, 'nothing overtakes the reply');
    runTurns();
    const kinds = framesOf(socket.bytes).map((f) => (f.kind === 'event' ? f.type : f.kind));
    assert.deepEqual(kinds, [
      'children',
      EventType.nodeChildrenChanged,
      'ping',
      EventType.nodeDataChanged,
    ]);
    const reply = framesOf(socket.bytes)[0];
    assert.ok(reply?.kind === 'children' && reply.stat && reply.names.length === 50_000);
  });

  it('are reused until the parent’s children change, the same buffers sent again', () => {
    const tree = treeWith(50_000, longName);
    const { replies, connect, runTurns, finished } = setup();
    const first = connect();
    replies.answer(first.conn, frameOf(1, OpCode.getChildren), '/p', tree.mustGet('/p'), 5, null);
    runTurns();
    const second = connect();
    replies.answer(second.conn, frameOf(2, OpCode.getChildren), '/p', tree.mustGet('/p'), 6, null);
    assert.equal(second.conn.replyPending, false, 'answered at once');
    assert.deepEqual(finished, [1, 2]);
    assert.equal(replies.builds, 1);
    assert.equal(replies.hits, 1);
    const parts = (s: FakeClientSocket) => s.writes.slice(1);
    assert.ok(parts(second.socket).every((part, i) => part === parts(first.socket)[i]));
    const names = (s: FakeClientSocket) =>
      framesOf(s.bytes).flatMap((f) => ('names' in f ? f.names : []));
    assert.deepEqual(names(second.socket), names(first.socket));
    // A child created: built again, and it shows.
    addNode(tree, '/p/new', 7);
    const third = connect();
    replies.answer(third.conn, frameOf(3, OpCode.getChildren), '/p', tree.mustGet('/p'), 7, null);
    assert.equal(third.conn.replyPending, true);
    runTurns();
    assert.equal(replies.builds, 2);
    assert.equal(names(third.socket).at(-1), 'new');
  });

  it('let requests for a list being built wait for that build', () => {
    const tree = treeWith(50_000, longName);
    const { replies, connect, runTurns, spent } = setup();
    const a = connect();
    const b = connect();
    replies.answer(a.conn, frameOf(1, OpCode.getChildren), '/p', tree.mustGet('/p'), 5, null);
    replies.answer(
      b.conn,
      frameOf(1, OpCode.getChildren2),
      '/p',
      tree.mustGet('/p'),
      6,
      toStat(tree.mustGet('/p')),
    );
    // Copied once, and the copy counted against the turn's request budget.
    assert.equal(spent(), 50);
    runTurns();
    assert.equal(replies.builds, 1);
    const [ra] = framesOf(a.socket.bytes);
    const [rb] = framesOf(b.socket.bytes);
    assert.ok(ra?.kind === 'children' && rb?.kind === 'children');
    assert.deepEqual(ra.names, rb.names);
    assert.equal(ra.zxid, 5);
    assert.equal(rb.zxid, 6);
    assert.equal(rb.stat, true);
  });

  it('answer a list under one slice at once', () => {
    const tree = treeWith(10, longName);
    const { replies, connect, finished } = setup();
    const { conn, socket } = connect();
    replies.answer(conn, frameOf(1, OpCode.getChildren), '/p', tree.mustGet('/p'), 5, null);
    assert.equal(conn.replyPending, false);
    assert.deepEqual(finished, [1]);
    assert.equal(replies.builds, 0);
    conn.end();
    assert.equal(framesOf(socket.bytes)[0]?.kind, 'children');
  });

  it('stop building a list nobody waits for any more', () => {
    const tree = treeWith(50_000, longName);
    const { replies, connect, endTurn, runTurns, finished } = setup();
    const { conn, socket } = connect();
    replies.answer(conn, frameOf(1, OpCode.getChildren), '/p', tree.mustGet('/p'), 5, null);
    endTurn();
    conn.abort();
    assert.equal(runTurns(), 1, 'the next turn drops it');
    assert.equal(socket.writes.length, 0);
    assert.deepEqual(finished, []);
    assert.equal(replies.cachedBytes, 0);
  });

  it('close a connection with more than its output budget held behind the reply', () => {
    const tree = treeWith(50_000, longName);
    const { replies, connect, endTurn, runTurns } = setup(64 * 1024);
    const { conn, socket } = connect();
    replies.answer(conn, frameOf(1, OpCode.getChildren), '/p', tree.mustGet('/p'), 5, null);
    endTurn();
    for (let i = 0; i < 10_000; i++) conn.sendNotification(6, EventType.nodeDataChanged, '/p');
    assert.equal(conn.state, 'connected');
    endTurn();
    assert.equal(conn.state, 'closed');
    runTurns();
    assert.equal(socket.writes.length, 0, 'neither the events nor the reply');
    assert.equal(socket.destroyed, true);
  });

  it('are kept within childrenCacheBytesMax, least recently used out first', () => {
    // Lists of about 12 MB each from few nodes: 12k names of 1000 characters.
    const name = (i: number) => String(i).padStart(1000, 'n');
    const tree = new DataTree();
    for (const parent of ['/a', '/b', '/c']) {
      addNode(tree, parent, 1);
      for (let i = 0; i < 12_000; i++) addNode(tree, `${parent}/${name(i)}`, 2);
    }
    const { replies, connect, runTurns } = setup();
    const ask = (path: string, xid: number) => {
      const { conn } = connect();
      replies.answer(conn, frameOf(xid, OpCode.getChildren), path, tree.mustGet(path), 5, null);
      runTurns();
    };
    ask('/a', 1);
    ask('/b', 2);
    ask('/a', 3); // /a is now the most recently used
    assert.equal(replies.builds, 2);
    ask('/c', 4); // /b goes
    assert.ok(replies.cachedBytes <= childrenCacheBytesMax, `${replies.cachedBytes} kept`);
    ask('/a', 5);
    assert.equal(replies.builds, 3, '/a was kept');
    ask('/b', 6);
    assert.equal(replies.builds, 4, '/b was dropped');
  });

  describe('over jute.maxbuffer', () => {
    /** jute.maxbuffer of these tests; a getChildren frame is 16 + 4 + each name's 4 + bytes. */
    const maxBuffer = 4096;
    /** The longest reply: jute.maxbuffer and the headroom that keeps every znode readable. */
    const replyMax = maxBuffer + replyHeadroomBytes;

    it('are sent up to exactly jute.maxbuffer and its headroom, refused one byte past it', () => {
      for (const [nameBytes, sent] of [
        [replyMax - 24, true],
        [replyMax - 23, false],
      ] as const) {
        const tree = treeWith(1, () => 'n'.repeat(nameBytes));
        const { replies, connect, runTurns, finished, refused } = setup(undefined, maxBuffer);
        const { conn, socket } = connect();
        replies.answer(conn, frameOf(1, OpCode.getChildren), '/p', tree.mustGet('/p'), 5, null);
        assert.deepEqual(finished, [1]);
        runTurns();
        assert.equal(conn.state === 'connected', sent, `${nameBytes}`);
        assert.deepEqual(refused, sent ? [] : [replyMax + 1]);
        if (sent) assert.equal(socket.bytes.length, 4 + replyMax);
        else assert.equal(socket.bytes.length, 0);
      }
    });

    it('are refused before they are built; replies before them go, nothing after', () => {
      const tree = treeWith(300, longName);
      addNode(tree, '/q', 3);
      addNode(tree, '/q/small', 4);
      const { replies, connect, endTurn, runTurns, finished, refused } = setup(
        undefined,
        maxBuffer,
      );
      const { conn, socket } = connect();
      replies.answer(conn, frameOf(1, OpCode.getChildren), '/q', tree.mustGet('/q'), 5, null);
      const p = tree.mustGet('/p');
      replies.answer(conn, frameOf(2, OpCode.getChildren2), '/p', p, 5, toStat(p));
      replies.answer(conn, frameOf(3, OpCode.getChildren), '/q', tree.mustGet('/q'), 5, null);
      conn.sendNotification(6, EventType.nodeDataChanged, '/q');
      assert.deepEqual(finished, [1, 2, 3], 'each request is done with');
      assert.equal(replies.builds, 0, 'not built');
      assert.deepEqual(refused, [16 + 4 + 300 * (4 + longName(0).length) + STAT_BYTES]);
      assert.equal(conn.state, 'connected', 'closed next turn, not inside the caller');
      endTurn();
      assert.equal(conn.state, 'closed');
      runTurns();
      const frames = framesOf(socket.bytes);
      assert.deepEqual(
        frames.map((f) => f.kind === 'children' && [f.xid, f.names]),
        [[1, ['small']]],
      );
    });

    it('are refused when UTF-8 takes a list built over several turns past it', () => {
      // Counted as characters the list is under the limit; its UTF-8 bytes are twice that.
      const name = (i: number) => `${String(i).padStart(6, '0')}-${'é'.repeat(90)}`;
      const tree = treeWith(3000, name);
      const limit = 512 * 1024;
      const { replies, connect, endTurn, runTurns, finished, refused } = setup(undefined, limit);
      const { conn, socket } = connect();
      replies.answer(conn, frameOf(1, OpCode.getChildren), '/p', tree.mustGet('/p'), 5, null);
      assert.equal(replies.builds, 1, 'built over several turns');
      endTurn();
      conn.sendNotification(6, EventType.nodeDataChanged, '/p');
      runTurns();
      assert.deepEqual(finished, [1]);
      assert.deepEqual(refused, [16 + 4 + 3000 * (4 + 7 + 180)]);
      assert.equal(conn.state, 'closed');
      assert.equal(socket.bytes.length, 0, 'neither the reply nor the event held behind it');
    });
  });
});
