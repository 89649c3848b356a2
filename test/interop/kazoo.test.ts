// Proves that kazoo 2.8, the Python client, and its recipes work against the server:
// test/interop/kazoo_script.py runs one scenario per process (basic operations, DataWatch and
// ChildrenWatch, a Lock with 3 contending sessions, an Election, transactions, digest ACLs),
// asserts what only makes sense inline (expected exceptions, values read back) and prints its
// observations as JSON; this file asserts the exit code, the `OK` line and the observations:
// mutual exclusion, each watch firing in order and exactly once, per-op transaction results.
// Every scenario runs against Apache ZooKeeper (proving the expectations) and against Warren.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../support/server-process.js';
import { freePort } from '../support/ports.js';
import { startTarget, targetSkipReason, TARGETS } from '../support/targets.js';
import { makeTestPki, opensslMissing } from '../support/test-certificates.js';

const PYTHON = '/usr/bin/python3';
/** The script is not compiled: from dist/test/interop back to the source tree. */
const SCRIPT = fileURLToPath(new URL('../../../test/interop/kazoo_script.py', import.meta.url));
const SCRIPT_TIMEOUT_MS = 120_000;

function kazooSkipReason(): string | undefined {
  if (!existsSync(SCRIPT)) return `${SCRIPT} is missing`;
  const probe = spawnSync(PYTHON, ['-c', 'import kazoo'], { stdio: 'ignore', timeout: 20_000 });
  if (probe.status !== 0) return `${PYTHON} cannot import kazoo: apt-get install python3-kazoo`;
  return undefined;
}

interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(
  connectString: string,
  scenario: string,
  env: Record<string, string> = {},
): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, connectString, scenario], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), SCRIPT_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('utf8');
      resolve({ code, stdout: text(out), stderr: text(err) });
    });
  });
}

/** Runs a scenario, checks exit code 0 and `OK scenario`, and returns its observations. */
async function observe(
  server: RunningServer | undefined,
  scenario: string,
  via: { connectString?: string; env?: Record<string, string> } = {},
): Promise<unknown> {
  assert.ok(server !== undefined, 'the server did not start (see the before hook)');
  const run = await runScript(via.connectString ?? server.connectString, scenario, via.env);
  const context =
    `kazoo_script.py ${scenario}: exit ${run.code}\n` +
    `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
  assert.equal(run.code, 0, context);
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines.at(-1), `OK ${scenario}`, context);
  const report = JSON.parse(lines.at(-2) ?? '') as { scenario: string; observed: unknown };
  assert.equal(report.scenario, scenario);
  return report.observed;
}

const skipAll = kazooSkipReason();

for (const target of TARGETS) {
  const skip = skipAll ?? targetSkipReason(target);
  describe(`kazoo against ${target}`, { skip, timeout: 600_000 }, () => {
    let server: RunningServer | undefined;
    before(async () => {
      server = await startTarget(target);
    });
    after(async () => {
      await server?.stop();
    });

    it('creates, reads, sets with versions, lists and deletes recursively', async () => {
      const root = '/kazoo-basic';
      assert.deepEqual(await observe(server, 'basic'), {
        // deep and plain were created first: a sequence number is the parent's cversion.
        created: [
          `${root}/seq-0000000002`,
          `${root}/seq-0000000003`,
          `${root}/eph`,
          `${root}/eseq-0000000005`,
          `${root}/made/by/makepath`,
        ],
        children: [
          'deep',
          'eph',
          'eseq-0000000005',
          'made',
          'plain',
          'seq-0000000002',
          'seq-0000000003',
        ],
        existsBefore: true,
        ephemeralOwnerMatches: true,
        seenByOther: ['deep', 'eph', 'eseq-0000000005', 'seq-0000000002', 'seq-0000000003'],
        // stop() closed the first session: its two ephemerals went with it.
        afterClose: ['deep', 'seq-0000000002', 'seq-0000000003'],
        gone: true,
      });
    });

    it('fires DataWatch and ChildrenWatch in order, once per change', async () => {
      const { log } = (await observe(server, 'watches')) as { log: unknown[][] };
      assert.deepEqual(
        log.filter((entry) => entry[0] === 'data'),
        [
          ['data', 'INITIAL', null],
          ['data', 'CREATED', 'a'],
          ['data', 'CHANGED', 'b'],
          ['data', 'DELETED', null],
        ],
      );
      assert.deepEqual(
        log.filter((entry) => entry[0] === 'children'),
        [
          ['children', []],
          ['children', ['node']],
          ['children', ['node', 'other']],
          ['children', ['other']],
        ],
      );
    });

    it('gives a Lock to one of 3 contending sessions at a time', async () => {
      const observed = (await observe(server, 'lock')) as {
        maxHolders: number;
        acquisitions: number;
        order: number[];
        errors: string[];
        leftOver: string[];
        rounds: number;
      };
      assert.deepEqual(observed.errors, []);
      assert.equal(observed.maxHolders, 1, 'mutual exclusion');
      assert.equal(observed.acquisitions, 3 * observed.rounds);
      for (const contender of [0, 1, 2]) {
        const count = observed.order.filter((index) => index === contender).length;
        assert.equal(count, observed.rounds, `contender ${contender} acquisitions`);
      }
      assert.deepEqual(observed.leftOver, [], 'every lock node was deleted on release');
    });

    it('elects one leader at a time until each of 3 candidates has led', async () => {
      const observed = (await observe(server, 'election')) as {
        maxLeaders: number;
        led: string[];
        firstContenders: string[];
      };
      assert.equal(observed.maxLeaders, 1);
      assert.deepEqual([...observed.led].sort(), ['node-0', 'node-1', 'node-2']);
      assert.equal(observed.firstContenders[0], observed.led[0], 'the leader leads the queue');
    });

    it('commits a transaction and reports per-op results of a failing one', async () => {
      assert.deepEqual(await observe(server, 'transaction'), {
        committed: ['/kazoo-txn/new', 'ZnodeStat', true, true],
        // Ops before the failure roll back, the failing op has its error, later ops -2.
        failed: ['RolledBackError', 'BadVersionError', 'RuntimeInconsistency'],
        state: { new: 'n', neverExists: false, existingExists: false },
      });
    });

    it('enforces a digest ACL until the session adds the right auth', async () => {
      assert.deepEqual(await observe(server, 'auth'), {
        ownerRead: 'private',
        strangerReadAfterAuth: 'private',
        acls: [[31, 'digest', 'kazoo:4gZxSPUXcLUPmCD/bW5qtCbtffk=']],
      });
    });
  });
}

// SASL DIGEST-MD5 on the client port, both servers configured the same way: a JAAS file with
// a Server section and authProvider.1=SASLAuthenticationProvider.
for (const target of TARGETS) {
  const skip = skipAll ?? targetSkipReason(target);
  describe(`kazoo SASL (DIGEST-MD5) against ${target}`, { skip, timeout: 600_000 }, () => {
    let server: RunningServer | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'warren-kazoo-sasl-'));
    before(async () => {
      const jaasConfig = join(dir, 'jaas.conf');
      writeFileSync(
        jaasConfig,
        'Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n' +
          '  user_alice="alice-secret";\n};\n',
      );
      server = await startTarget(target, { jaasConfig });
    });
    after(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('authenticates alice, enforces a sasl ACL, refuses a wrong password', async () => {
      assert.deepEqual(await observe(server, 'sasl'), {
        aliceRead: 'mine',
        wrongPassword: 'AuthFailedError',
        acls: [[31, 'sasl', 'alice']],
      });
    });
  });
}

// TLS on the client port, both servers configured the same way (secureClientPort, PEM
// stores, client certificates required; ZooKeeper needs its Netty connection factory).
for (const target of TARGETS) {
  const noNetty =
    target === 'zookeeper' && !existsSync('/usr/share/java/netty-handler.jar')
      ? "ZooKeeper's TLS port needs Netty: apt-get install libnetty-java"
      : undefined;
  const skip = skipAll ?? targetSkipReason(target) ?? opensslMissing() ?? noNetty;
  describe(`kazoo TLS against ${target}`, { skip, timeout: 600_000 }, () => {
    let server: RunningServer | undefined;
    let securePort = 0;
    const dir = mkdtempSync(join(tmpdir(), 'warren-kazoo-tls-'));
    before(async () => {
      const pki = makeTestPki(dir, ['server', 'client']);
      securePort = await freePort();
      const tls = {
        secureClientPort: String(securePort),
        serverCnxnFactory: 'org.apache.zookeeper.server.NettyServerCnxnFactory',
        'ssl.keyStore.location': pki.leaf('server').pemPath,
        'ssl.trustStore.location': pki.caPath,
        'ssl.clientAuth': 'need',
      };
      server = await startTarget(target, {
        zookeeper: { extraConfig: tls },
        warren: { config: tls },
      });
    });
    after(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('connects with a client certificate and reads its own write', async () => {
      const connectString = `127.0.0.1:${securePort}`;
      assert.deepEqual(
        await observe(server, 'tls', { connectString, env: { KAZOO_TLS_DIR: dir } }),
        { read: 'over tls' },
      );
    });
  });
}
