// Proves that Apache ZooKeeper's own command-line client, zkCli.sh 3.8, works against the
// server: each scenario is a scripted interactive session (one session id, commands on
// stdin) or a one-command run, and the test asserts what the CLI prints for every command,
// results and error texts alike, since zkCli turns the server's error codes into those texts.
// The same scenarios run against Apache ZooKeeper, which proves the expectations right, and
// against Warren. Watch notifications are asserted as the exact sequence the CLI printed, so
// a duplicated or missing notification fails.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { digestId } from '../support/digest.js';
import type { RunningServer } from '../support/server-process.js';
import { startTarget, targetSkipReason, TARGETS } from '../support/targets.js';
import {
  parseStat,
  runZkCli,
  runZkCliSession,
  STAT_FIELDS,
  zkCliAvailable,
  ZKCLI,
  type ZkCliSession,
} from '../support/zkcli.js';

type Expectation = readonly string[] | ((lines: readonly string[]) => void);
type Step = readonly [command: string, expected: Expectation];

const CLOCK_SKEW_MS_MAX = 10 * 60_000;
const HEX = /^0x[0-9a-f]+$/;
const SESSION_HEX = /^0x[0-9a-f]*[1-9a-f][0-9a-f]*$/;

/** Checks the 11 `key = value` lines of a Stat, then the fields given. */
function checkStat(lines: readonly string[], expected: Record<string, string | RegExp>): void {
  assert.deepEqual(
    lines.map((line) => line.split(' = ')[0]),
    [...STAT_FIELDS],
    'stat fields in order',
  );
  const stat = parseStat(lines);
  for (const field of ['cZxid', 'mZxid', 'pZxid', 'ephemeralOwner']) {
    assert.match(stat[field] ?? '', HEX, `${field} is hex`);
  }
  for (const field of ['ctime', 'mtime']) {
    const ms = Date.parse(stat[field] ?? '');
    assert.ok(Math.abs(ms - Date.now()) < CLOCK_SKEW_MS_MAX, `${field} ${stat[field]} is now`);
  }
  for (const [field, want] of Object.entries(expected)) {
    if (typeof want === 'string') assert.equal(stat[field], want, field);
    else assert.match(stat[field] ?? '', want, field);
  }
}

/** `prefix` lines (the data, the children) followed by a Stat. */
function withStat(
  prefix: readonly string[],
  expected: Record<string, string | RegExp>,
): (lines: readonly string[]) => void {
  return (lines) => {
    assert.deepEqual(lines.slice(0, prefix.length), prefix);
    checkStat(lines.slice(prefix.length), expected);
  };
}

/** The same lines in any order (the server's set iteration order is not part of the API). */
function anyOrder(expected: readonly string[]): (lines: readonly string[]) => void {
  return (lines) => assert.deepEqual([...lines].sort(), [...expected].sort());
}

async function runSteps(server: RunningServer, steps: readonly Step[]): Promise<ZkCliSession> {
  const session = await runZkCliSession(
    server.connectString,
    steps.map(([command]) => command),
  );
  steps.forEach(([command, expected], i) => {
    const lines = session.blocks[i] ?? [];
    const context = `zkCli> ${command}\nprinted:\n${lines.join('\n')}`;
    try {
      if (typeof expected === 'function') expected(lines);
      else assert.deepEqual(lines, expected);
    } catch (error) {
      throw new Error(`${context}\n${String(error)}`, { cause: error });
    }
  });
  assert.equal(session.code, 0, `zkCli exit code; output:\n${session.raw}`);
  return session;
}

/** Watch notifications other than the connection-state ones. */
function nodeEvents(session: ZkCliSession): string[] {
  return session.events.filter((event) => !event.includes('type:None'));
}

const skipAll = zkCliAvailable() ? undefined : `${ZKCLI} is missing: apt-get install zookeeper`;

for (const target of TARGETS) {
  const skip = skipAll ?? targetSkipReason(target);
  describe(`zkCli.sh against ${target}`, { skip, timeout: 300_000 }, () => {
    let server: RunningServer | undefined;
    const connected = (): RunningServer => {
      assert.ok(server !== undefined, `${target} did not start (see the before hook)`);
      return server;
    };

    before(async () => {
      server = await startTarget(target, { extendedTypes: true });
    });
    after(async () => {
      await server?.stop();
    });

    it('creates every node type and reads it back with ls, get and stat', async () => {
      await runSteps(connected(), [
        ['create /zkcli hello', ['Created /zkcli']],
        ['create /zkcli again', ['Node already exists: /zkcli']],
        ['create -e /zkcli/eph e', ['Created /zkcli/eph']],
        ['create -s /zkcli/seq- s1', ['Created /zkcli/seq-0000000001']],
        ['create -s /zkcli/seq- s2', ['Created /zkcli/seq-0000000002']],
        ['create -s -e /zkcli/eseq- x', ['Created /zkcli/eseq-0000000003']],
        ['create -c /zkcli-container', ['Created /zkcli-container']],
        ['create -t 600000 /zkcli-ttl t', ['Created /zkcli-ttl']],
        ['create /zkcli/eph/child x', ['Ephemerals cannot have children: /zkcli/eph/child']],
        ['create /zkcli-missing/child x', ['Node does not exist: /zkcli-missing/child']],
        ['ls /zkcli', ['[eph, eseq-0000000003, seq-0000000001, seq-0000000002]']],
        [
          'ls -s /zkcli',
          withStat(['[eph, eseq-0000000003, seq-0000000001, seq-0000000002]'], {
            cversion: '4',
            numChildren: '4',
            dataVersion: '0',
            dataLength: '5',
            ephemeralOwner: '0x0',
          }),
        ],
        ['ls -R /zkcli/eph', ['/zkcli/eph']],
        ['get /zkcli', ['hello']],
        ['get -s /zkcli', withStat(['hello'], { dataVersion: '0', aclVersion: '0' })],
        ['get /zkcli-container', ['null']],
        ['stat /zkcli/eph', withStat([], { ephemeralOwner: SESSION_HEX, dataLength: '1' })],
        // The server hides the container and TTL markers in ephemeralOwner from clients.
        ['stat /zkcli-container', withStat([], { ephemeralOwner: '0x0', dataLength: '0' })],
        ['stat /zkcli-ttl', withStat([], { ephemeralOwner: '0x0', dataLength: '1' })],
        ['stat /zkcli-nothing', ['Node does not exist: /zkcli-nothing']],
        ['get /zkcli-nothing', ['Node does not exist: /zkcli-nothing']],
        ['ls /zkcli-nothing', ['Node does not exist: /zkcli-nothing']],
      ]);
      // quit closed the session: its ephemerals are gone, the sequential nodes stay.
      await runSteps(connected(), [
        ['ls /zkcli', ['[seq-0000000001, seq-0000000002]']],
        ['stat /zkcli', withStat([], { cversion: '6', numChildren: '2' })],
      ]);
    });

    it('sets with and without versions and deletes', async () => {
      await runSteps(connected(), [
        ['create /zkcli-set v0', ['Created /zkcli-set']],
        ['set /zkcli-set v1', []],
        ['set -v 7 /zkcli-set bad', ['version No is not valid : /zkcli-set']],
        ['set -s -v 1 /zkcli-set v2!', withStat([], { dataVersion: '2', dataLength: '3' })],
        ['get /zkcli-set', ['v2!']],
        ['set /zkcli-nothing x', ['Node does not exist: /zkcli-nothing']],
        ['create /zkcli-set/a', ['Created /zkcli-set/a']],
        ['create /zkcli-set/a/b', ['Created /zkcli-set/a/b']],
        ['delete /zkcli-set', ['Node not empty: /zkcli-set']],
        ['delete -v 3 /zkcli-set/a/b', ['version No is not valid : /zkcli-set/a/b']],
        ['delete -v 0 /zkcli-set/a/b', []],
        ['delete /zkcli-nothing', ['Node does not exist: /zkcli-nothing']],
        ['create /zkcli-set/a/c', ['Created /zkcli-set/a/c']],
        ['getAllChildrenNumber /zkcli-set', ['2']],
        ['deleteall /zkcli-set', []],
        ['ls /zkcli-set', ['Node does not exist: /zkcli-set']],
      ]);
    });

    it('enforces ACLs, adds digest auth and reports whoami', async () => {
      const alice = digestId('alice', 'secret-pw');
      const wrong = digestId('alice', 'wrong');
      const denied = (path: string): string[] => [`Insufficient permission : ${path}`];
      await runSteps(connected(), [
        ['create /zkcli-acl secret', ['Created /zkcli-acl']],
        ['getAcl /zkcli-acl', ["'world,'anyone", ': cdrwa']],
        [`setAcl /zkcli-acl digest:${alice}:cdrwa`, []],
        ['getAcl /zkcli-acl', denied('/zkcli-acl')],
        ['get /zkcli-acl', denied('/zkcli-acl')],
        ['set /zkcli-acl x', denied('/zkcli-acl')],
        ['create /zkcli-acl/child x', denied('/zkcli-acl/child')],
        ['setAcl /zkcli-acl world:anyone:cdrwa', denied('/zkcli-acl')],
        ['whoami', ['Auth scheme: User', 'ip: 127.0.0.1']],
        ['addauth digest alice:wrong', []],
        ['get /zkcli-acl', denied('/zkcli-acl')],
        ['addauth digest alice:secret-pw', []],
        // Both digest ids stay on the session; whoami prints the user part only.
        [
          'whoami',
          anyOrder(['Auth scheme: User', 'ip: 127.0.0.1', 'digest: alice', 'digest: alice']),
        ],
        ['get /zkcli-acl', ['secret']],
        ['getAcl /zkcli-acl', [`'digest,'${alice}`, ': cdrwa']],
        ['setAcl -v 0 /zkcli-acl digest:alice:x:cdrwa', ['version No is not valid : /zkcli-acl']],
        [`setAcl -s -v 1 /zkcli-acl digest:${alice}:cdra`, withStat([], { aclVersion: '2' })],
        ['set /zkcli-acl y', denied('/zkcli-acl')],
        // auth:: expands to every authenticated id of the session, wrong password included.
        ['create /zkcli-mine x auth::cdrwa', ['Created /zkcli-mine']],
        [
          'getAcl /zkcli-mine',
          anyOrder([`'digest,'${alice}`, ': cdrwa', `'digest,'${wrong}`, ': cdrwa']),
        ],
        // Without ADMIN on the node, getAcl redacts digest ids to `user:x`.
        ['create /zkcli-mine-rw x auth::rw', ['Created /zkcli-mine-rw']],
        ['getAcl /zkcli-mine-rw', ["'digest,'alice:x", ': rw', "'digest,'alice:x", ': rw']],
        ['create /zkcli-ro x world:anyone:r', ['Created /zkcli-ro']],
        ['set /zkcli-ro y', denied('/zkcli-ro')],
        ['get /zkcli-ro', ['x']],
        ['create /zkcli-ip x ip:127.0.0.1:cdrwa', ['Created /zkcli-ip']],
        ['get /zkcli-ip', ['x']],
        ['create /zkcli-otherip x ip:10.1.2.3:cdrwa', ['Created /zkcli-otherip']],
        ['get /zkcli-otherip', denied('/zkcli-otherip')],
        ['setAcl /zkcli-ro bogus:x:cdrwa', ['Acl is not valid : /zkcli-ro']],
      ]);
      // A new session has no auth: the digest ACL holds.
      await runSteps(connected(), [
        ['get /zkcli-acl', denied('/zkcli-acl')],
        ['getAcl /zkcli-ro', ["'world,'anyone", ': r']],
      ]);
    });

    it('lists ephemerals, counts children, delivers watches, syncs and reads config', async () => {
      const session = await runSteps(connected(), [
        ['create /zkcli-w', ['Created /zkcli-w']],
        ['create -e /zkcli-w/e1', ['Created /zkcli-w/e1']],
        ['create -e /zkcli-w/e2 data', ['Created /zkcli-w/e2']],
        ['getEphemerals /zkcli-w', (lines) => checkList(lines, ['/zkcli-w/e1', '/zkcli-w/e2'])],
        ['getEphemerals', (lines) => checkList(lines, ['/zkcli-w/e1', '/zkcli-w/e2'])],
        ['getEphemerals /zkcli-nothing', ['[]']],
        ['getAllChildrenNumber /zkcli-w', ['2']],
        ['getAllChildrenNumber /zkcli-nothing', ['Node does not exist: /zkcli-nothing']],
        ['addWatch /zkcli-w', []],
        ['create /zkcli-w/a', ['Created /zkcli-w/a']],
        ['set /zkcli-w/a x', []],
        ['delete /zkcli-w/a', []],
        ['ls -w /zkcli-w', ['[e1, e2]']],
        ['create /zkcli-w/b', ['Created /zkcli-w/b']],
        ['get -w /zkcli-w/b', ['null']],
        ['set /zkcli-w/b y', []],
        ['stat -w /zkcli-w2', ['Node does not exist: /zkcli-w2']],
        ['create /zkcli-w2 z', ['Created /zkcli-w2']],
        ['addWatch -m PERSISTENT /zkcli-w3', []],
        ['create /zkcli-w3', ['Created /zkcli-w3']],
        ['create /zkcli-w3/c', ['Created /zkcli-w3/c']],
        ['removewatches /zkcli-w3', []],
        ['set /zkcli-w3 after-remove', []],
        ['sync /zkcli-w', ['Sync is OK']],
        ['whoami', ['Auth scheme: User', 'ip: 127.0.0.1']],
        // A standalone ZooKeeper has an empty /zookeeper/config.
        ['config', ['']],
        ['ls /zookeeper', ['[config, quota]']],
      ]);
      const ev = (type: string, path: string): string =>
        `state:SyncConnected type:${type} path:${path}`;
      const events = nodeEvents(session);
      assert.deepEqual(events.slice(0, -2), [
        ev('NodeCreated', '/zkcli-w/a'),
        ev('NodeDataChanged', '/zkcli-w/a'),
        ev('NodeDeleted', '/zkcli-w/a'),
        // The recursive watch and the one-time child watch each fire, once.
        ev('NodeCreated', '/zkcli-w/b'),
        ev('NodeChildrenChanged', '/zkcli-w'),
        // A data watch and the recursive watch on one path: one notification.
        ev('NodeDataChanged', '/zkcli-w/b'),
        ev('NodeCreated', '/zkcli-w2'),
        ev('NodeCreated', '/zkcli-w3'),
        ev('NodeChildrenChanged', '/zkcli-w3'),
        ev('PersistentWatchRemoved', '/zkcli-w3'),
      ]);
      // quit closes the session, which deletes its ephemerals: the session's own recursive
      // watch on /zkcli-w still reports both deletions (in either order) before the close.
      assert.deepEqual(events.slice(-2).sort(), [
        ev('NodeDeleted', '/zkcli-w/e1'),
        ev('NodeDeleted', '/zkcli-w/e2'),
      ]);
    });

    it('runs one command non-interactively with exit code 0 or 1', async () => {
      const { connectString } = connected();
      const create = await runZkCli(connectString, { args: ['create', '/zkcli-one', 'v1'] });
      assert.equal(create.code, 0, create.raw);
      assert.match(create.output, /^Created \/zkcli-one$/m);
      const get = await runZkCli(connectString, { args: ['get', '/zkcli-one'] });
      assert.equal(get.code, 0, get.raw);
      assert.match(get.output, /^v1$/m);
      const again = await runZkCli(connectString, { args: ['create', '/zkcli-one', 'v2'] });
      assert.equal(again.code, 1, again.raw);
      assert.match(again.output, /^Node already exists: \/zkcli-one$/m);
      const badVersion = await runZkCli(connectString, {
        args: ['set', '-v', '5', '/zkcli-one', 'v3'],
      });
      assert.equal(badVersion.code, 1, badVersion.raw);
      assert.match(badVersion.output, /^version No is not valid : \/zkcli-one$/m);
      const missing = await runZkCli(connectString, { args: ['get', '/zkcli-none'] });
      assert.equal(missing.code, 1, missing.raw);
      assert.match(missing.output, /^Node does not exist: \/zkcli-none$/m);
    });
  });
}

// SASL DIGEST-MD5: both servers with the same JAAS Server section and
// SASLAuthenticationProvider; zkCli logs in from a JAAS Client section, as ZooKeeper users do.
for (const target of TARGETS) {
  const skip = skipAll ?? targetSkipReason(target);
  describe(`zkCli.sh with SASL against ${target}`, { skip, timeout: 300_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-zkcli-sasl-'));
    let server: RunningServer | undefined;
    before(async () => {
      const serverJaas = join(dir, 'server.jaas');
      writeFileSync(
        serverJaas,
        'Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n' +
          '  user_alice="alice-secret";\n};\n',
      );
      server = await startTarget(target, { jaasConfig: serverJaas });
    });
    after(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('logs in as alice from a Client section and works under a sasl ACL', async () => {
      assert.ok(server !== undefined, 'the server did not start');
      const clientJaas = join(dir, 'client.jaas');
      writeFileSync(
        clientJaas,
        'Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n' +
          '  username="alice"\n  password="alice-secret";\n};\n',
      );
      const commands = [
        'whoami',
        'create /zkcli-sasl mine sasl:alice:cdrwa',
        'get /zkcli-sasl',
        'getAcl /zkcli-sasl',
        'delete /zkcli-sasl',
      ];
      const run = await runZkCliSession(
        server.connectString,
        commands,
        undefined,
        `-Djava.security.auth.login.config=${clientJaas}`,
      );
      const [whoami, created, read, acl] = run.blocks;
      // ZooKeeper keeps a connection's ids in a hash set: compare them in any order.
      assert.equal(whoami?.[0], 'Auth scheme: User');
      assert.deepEqual(whoami.slice(1).sort(), ['ip: 127.0.0.1', 'sasl: alice']);
      assert.deepEqual(created, ['Created /zkcli-sasl']);
      assert.deepEqual(read, ['mine']);
      assert.deepEqual(acl, ["'sasl,'alice", ': cdrwa']);
    });
  });
}

/** `[a, b]` as zkCli prints a Java list, compared in any order. */
function checkList(lines: readonly string[], expected: readonly string[]): void {
  assert.equal(lines.length, 1, 'one line');
  const match = /^\[(.*)\]$/.exec(lines[0] ?? '');
  assert.ok(match?.[1] !== undefined, `a list: ${lines[0]}`);
  assert.deepEqual(match[1].split(', ').sort(), [...expected].sort());
}
