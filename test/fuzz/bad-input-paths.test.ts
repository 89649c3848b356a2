/**
 * Invalid paths get ZooKeeper's exact answer and never disturb other sessions (protocol §5,
 * §12, §25). One Warren server (TTL nodes enabled, so createTTL reaches path validation) and
 * a bystander session doing real work the whole time. Every path of a list — no leading '/',
 * trailing '/', '//', '.' and '..' names, NUL, C0 and C1 controls, DEL, private use,
 * U+FFF0–U+FFFF, emoji (surrogate pairs), lone surrogate halves and malformed UTF-8 sent as
 * raw bytes, under existing and missing parents, plus valid dotted names as controls — is sent
 * through every write (create, create2, createContainer, createTTL, sequential create, create
 * with an empty ACL, setData, setACL, check, delete, and each inside a multi) and every read.
 * The expected code comes from path-model.ts, an independent twin of §5's validation order
 * (so create under a missing parent is NoNode before BadArguments, delete only refuses a
 * missing '/', NUL and special paths, reads are just "not found", exists refuses NUL). Every
 * write must also consume a zxid, failed or not. The last test checks the bystander, the
 * process, the log and a fresh client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Err, errName } from '../../src/protocol/error-codes.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import type { Response } from '../../src/protocol/responses.js';
import { RawClient, type RawReply } from '../support/raw-client.js';
import { startWarren, type RunningServer } from '../support/warren-proc.js';
import { assertAftermath, Bystander } from './bystander.js';
import { PathModel } from './path-model.js';
import { OPEN_ACL } from './samples.js';
import { bodyOf, int32 } from './wire.js';

const BASE = '/pth';
const EXISTING = [BASE, `${BASE}/a`];

const PATH_STRINGS = [
  'pth',
  'pth/a',
  '',
  'a/b',
  ' /pth',
  `${BASE}/`,
  `${BASE}/a/`,
  '//',
  `${BASE}//a`,
  `/${BASE}`,
  `${BASE}//`,
  '/.',
  '/..',
  `${BASE}/.`,
  `${BASE}/..`,
  `/.${BASE}`,
  `/..${BASE}`,
  `${BASE}/./a`,
  `${BASE}/../a`,
  `${BASE}/a/.`,
  `${BASE}/a/..`,
  `${BASE}\u0000x`,
  '/\u0000',
  `${BASE}/a\u0000`,
  `${BASE}/\u0001`,
  '/\u001f',
  `${BASE}/a\u007f`,
  '/\u0085',
  '/\u009f',
  `${BASE}/\t`,
  '/\uffff',
  '/\ufff0',
  `${BASE}/\ue000`,
  '/\uf8ff',
  `${BASE}/\ufffe`,
  `${BASE}/\ud83d\ude00`,
  '/nope/\u0001',
  '/nope/.',
  '/nope//x',
  '/nope/',
  // Controls: valid names that merely contain dots, and a valid non-ASCII name.
  `${BASE}/...`,
  `${BASE}/.a`,
  `${BASE}/a.`,
  `${BASE}/\u00e9t\u00e9`,
];

/** Byte sequences a JS string cannot hold: lone surrogates (CESU-8) and malformed UTF-8. */
const PATH_BYTES = [
  [0xed, 0xa0, 0x80],
  [0xed, 0xb0, 0x80],
  [0xff],
  [0xc0, 0x80],
  [0x80],
  [0xf4, 0x90, 0x80, 0x80],
].map((tail) => Buffer.concat([Buffer.from(`${BASE}/`), Buffer.from(tail)]));

const PATHS: Buffer[] = [...PATH_STRINGS.map((s) => Buffer.from(s, 'utf8')), ...PATH_BYTES];

const ustring = (p: Buffer): Buffer => Buffer.concat([int32(p.length), p]);
const aclVector = bodyOf((w) =>
  w.writeInt(1).writeInt(31).writeString('world').writeString('anyone'),
);

function createBody(p: Buffer, flags: number, ttl: boolean, acl = aclVector): Buffer {
  const parts = [ustring(p), int32(-1), acl, int32(flags)];
  if (ttl) parts.push(bodyOf((w) => w.writeLong(5000)));
  return Buffer.concat(parts);
}

const versioned = (p: Buffer): Buffer => Buffer.concat([ustring(p), int32(-1)]);
const setDataBody = (p: Buffer): Buffer => Buffer.concat([ustring(p), int32(-1), int32(-1)]);
const setAclBody = (p: Buffer): Buffer => Buffer.concat([ustring(p), aclVector, int32(-1)]);

function multiBody(op: number, sub: Buffer): Buffer {
  const header = (type: number, done: boolean) =>
    bodyOf((w) => w.writeInt(type).writeBool(done).writeInt(-1));
  return Buffer.concat([header(op, false), sub, header(-1, true)]);
}

interface WriteCase {
  name: string;
  opcode: number;
  body: Buffer;
  /** Which model rule predicts it, and what a success does to the model. */
  expect: (m: PathModel, path: string) => number;
  effect?: 'create' | 'delete' | 'sequential';
  /** The sub-operation's opcode when this is a one-op multi. */
  inMulti?: number;
}

function writeCases(p: Buffer): WriteCase[] {
  const create = (m: PathModel, s: string) => m.create(s, false).err;
  const validated = (m: PathModel, s: string) => m.validatedWrite(s).err;
  return [
    { name: 'create', opcode: 1, body: createBody(p, 0, false), expect: create, effect: 'create' },
    { name: 'create2', opcode: 15, body: createBody(p, 0, false), expect: create },
    { name: 'createContainer', opcode: 19, body: createBody(p, 4, false), expect: create },
    { name: 'createTTL', opcode: 21, body: createBody(p, 5, true), expect: create },
    {
      name: 'create sequential',
      opcode: 1,
      body: createBody(p, 2, false),
      expect: (m, s) => m.create(s, true).err,
      effect: 'sequential',
    },
    {
      name: 'create with an empty ACL',
      opcode: 1,
      body: createBody(p, 0, false, int32(0)),
      expect: (m, s) => m.create(s, false, true).err,
    },
    { name: 'setData', opcode: 5, body: setDataBody(p), expect: validated },
    { name: 'setACL', opcode: 7, body: setAclBody(p), expect: validated },
    // check alone: ZooKeeper 3.8 never answers a successful one (§25), so only failures.
    { name: 'check', opcode: 13, body: versioned(p), expect: validated },
    {
      name: 'multi[create]',
      opcode: 14,
      body: multiBody(1, createBody(p, 0, false)),
      expect: create,
      inMulti: 1,
    },
    { name: 'multi[setData]', opcode: 14, body: multiBody(5, setDataBody(p)), expect: validated },
    { name: 'multi[check]', opcode: 14, body: multiBody(13, versioned(p)), expect: validated },
    {
      name: 'multi[delete]',
      opcode: 14,
      body: multiBody(2, versioned(p)),
      expect: (m, s) => m.delete(s).err,
      effect: 'delete',
    },
    {
      name: 'delete',
      opcode: 2,
      body: versioned(p),
      expect: (m, s) => m.delete(s).err,
      effect: 'delete',
    },
  ];
}

const READS = [
  OpCode.exists,
  OpCode.getData,
  OpCode.getChildren,
  OpCode.getChildren2,
  OpCode.getACL,
  OpCode.getAllChildrenNumber,
  OpCode.sync,
];

function readBody(op: number, p: Buffer): Buffer {
  const withWatch = op === 3 || op === 4 || op === 8 || op === 12;
  return withWatch ? Buffer.concat([ustring(p), Buffer.from([0])]) : ustring(p);
}

/** The error code of a reply; for a one-op multi, the code of its only result. */
function codeOf(reply: RawReply, multi: boolean): number {
  if (!multi) return reply.header.err;
  const r: Response | null = reply.response;
  assert.equal(reply.header.err, Err.ok, 'a multi reply header always carries 0');
  assert.ok(r?.kind === 'multi' && r.results.length === 1, 'one result per multi op');
  return r.results[0]?.err ?? NaN;
}

void describe('bad input: invalid paths', () => {
  let server: RunningServer;
  let bystander: Bystander;
  let client: RawClient;

  before(async () => {
    server = await startWarren({ config: { extendedTypesEnabled: 'true' } });
    bystander = await Bystander.start(server);
    client = await RawClient.connect(server.host, server.port, {
      timeoutMs: 10_000,
      replyTimeoutMs: 5_000,
    });
    for (const path of EXISTING) {
      const made = await client.request({
        type: OpCode.create,
        path,
        data: null,
        acl: OPEN_ACL,
        flags: 0,
        ttl: -1,
      });
      assert.equal(made.header.err, Err.ok);
    }
  });
  after(async () => {
    client?.destroy();
    await bystander?.halt();
    await server?.stop();
  });

  void it('answers every write on every bad path as ZooKeeper orders its checks', async () => {
    const model = new PathModel(EXISTING);
    const wrong: string[] = [];
    let zxid = 0;
    let xid = 1;
    for (const p of PATHS) {
      const path = p.toString('utf8');
      for (const c of writeCases(p)) {
        const want = c.expect(model, path);
        if (c.opcode === OpCode.check && want === Err.ok) continue;
        const reply = await client.requestRaw(xid++, c.opcode, c.body);
        const got = codeOf(reply, c.opcode === OpCode.multi);
        const what = `${c.name} ${JSON.stringify(path)} (${p.toString('hex')})`;
        if (got !== want) wrong.push(`${what}: ${errName(got)}, expected ${errName(want)}`);
        if (!(reply.header.zxid > zxid)) wrong.push(`${what}: consumed no zxid`);
        zxid = reply.header.zxid;
        if (got !== Err.ok || got !== want) continue;
        if (c.effect === 'create' || c.effect === 'delete') model.applied(c.effect, path);
        if (c.effect === 'sequential') {
          const r = reply.response;
          const made = r?.kind === 'path' ? r.path : '';
          if (!/^.*\d{10}$/.test(made) || !made.startsWith(path)) {
            wrong.push(`${what}: created ${JSON.stringify(made)}`);
          }
        }
      }
    }
    assert.deepEqual(wrong, [], 'writes on bad paths answered differently from ZooKeeper');
    assert.deepEqual(client.protocolErrors, []);
  });

  void it('answers reads on bad paths with "not found", exists refusing NUL', async () => {
    const model = new PathModel(EXISTING);
    const wrong: string[] = [];
    for (const p of PATHS) {
      const path = p.toString('utf8');
      for (const op of READS) {
        const want = model.read(op, path).err;
        const reply = await client.requestRaw(7, op, readBody(op, p));
        const what = `op ${op} ${JSON.stringify(path)} (${p.toString('hex')})`;
        if (reply.header.err !== want) {
          wrong.push(`${what}: ${errName(reply.header.err)}, expected ${errName(want)}`);
        }
        const echoed = reply.response?.kind === 'path' ? reply.response.path : null;
        if (op === OpCode.sync && echoed !== path) {
          wrong.push(`${what}: sync echoed ${JSON.stringify(echoed)}`);
        }
      }
    }
    assert.deepEqual(wrong, [], 'reads on bad paths answered differently from ZooKeeper');
    assert.deepEqual(client.protocolErrors, []);
  });

  void it('left the bystander, the process and the log untouched', () =>
    assertAftermath(server, bystander));
});
