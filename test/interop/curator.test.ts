// Proves that Apache Curator 5.4 (Debian's libcurator-recipes-java), the Java client most
// ZooKeeper users run, works unchanged against the server. test/interop/curator/CuratorScript.java
// is compiled once with javac and run once per group: `basics` (create modes including
// containers and TTL nodes and their reaping, versioned reads and writes, transactions,
// one-shot and persistent watches, digest ACLs), `recipes` (InterProcessMutex, a semaphore,
// LeaderLatch, queues, DistributedAtomicLong, CuratorCache, PathChildrenCache, PersistentNode,
// SharedCount, most with one client per contender) and `session` (a connection dropped by an
// in-process TCP proxy keeps its session, ephemerals, auth and watches; a session that expires
// or is closed while its client is away is reported LOST and replaced by a new one).
// The script asserts inline and prints `OK group.step`; this file asserts every step's line, in
// order, and exit code 0. Every group runs against Apache ZooKeeper (proving the script right)
// and against Warren, both with TTL nodes on and containers reaped every second.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../support/server-process.js';
import { startTarget, targetSkipReason, TARGETS, type TargetOptions } from '../support/targets.js';

/** The Java source is not compiled by tsc: from dist/test/interop back to the source tree. */
const SOURCE = fileURLToPath(
  new URL('../../../test/interop/curator/CuratorScript.java', import.meta.url),
);
const MAIN_CLASS = 'CuratorScript';
const JAVA_DIR = '/usr/share/java';
/**
 * Debian's jars name the rest of their dependencies (netty, jackson, ...) in their manifests'
 * Class-Path, which java and javac follow; slf4j-simple is the log binding (to stderr).
 */
const CLASSPATH_JARS = [
  'curator-recipes.jar',
  'curator-framework.jar',
  'curator-client.jar',
  'zookeeper.jar',
  'zookeeper-jute.jar',
  'guava.jar',
  'slf4j-api.jar',
  'slf4j-simple.jar',
].map((jar) => join(JAVA_DIR, jar));
const COMPILE_TIMEOUT_MS = 120_000;
/** A group takes 5-15 s; each step inside has its own 40 s limit. */
const GROUP_TIMEOUT_MS = 150_000;
const STDERR_SHOWN_CHARS = 20_000;
const SERVER_OPTIONS: TargetOptions = { extendedTypes: true, containerCheckIntervalMs: 1_000 };

const GROUPS = {
  basics: [
    'create-modes',
    'reaping',
    'read-write',
    'transactions',
    'watches',
    'persistent-watches',
    'digest-auth',
  ],
  recipes: [
    'mutex',
    'semaphore',
    'leader-latch',
    'simple-queue',
    'distributed-queue',
    'atomic-long',
    'curator-cache',
    'path-children-cache',
    'persistent-node',
    'shared-count',
  ],
  session: ['reconnect', 'expiry', 'expiry-told-by-server', 'close'],
} as const;
type Group = keyof typeof GROUPS;

const GROUP_TITLES: Record<Group, string> = {
  basics: 'creates in every mode, reads and writes with versions, runs transactions and watches',
  recipes: 'runs the lock, leader, queue, counter, cache and persistent-node recipes',
  session: 'keeps the session over a dropped connection and recovers from a lost one',
};

function curatorSkipReason(): string | undefined {
  if (!existsSync(SOURCE)) return `${SOURCE} is missing`;
  const missing = CLASSPATH_JARS.filter((jar) => !existsSync(jar));
  if (missing.length > 0) {
    return `${missing.join(', ')} missing: apt-get install libcurator-recipes-java`;
  }
  for (const tool of ['javac', 'java']) {
    const probe = spawnSync(tool, ['-version'], { stdio: 'ignore', timeout: 20_000 });
    if (probe.status !== 0) return `${tool} does not run: apt-get install default-jdk-headless`;
  }
  return undefined;
}

interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], timeoutMs: number): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('utf8');
      resolve({ code, stdout: text(out), stderr: text(err) });
    });
  });
}

let classesDir: string | undefined;
let compiling: Promise<string> | undefined;

/** Compiles the script once for every target; resolves to the classes directory. */
function compiled(): Promise<string> {
  compiling ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'curator-script-'));
    classesDir = dir;
    const args = ['-Xlint:all,-path', '-d', dir, '-cp', CLASSPATH_JARS.join(':'), SOURCE];
    const javac = await run('javac', args, COMPILE_TIMEOUT_MS);
    assert.equal(javac.code, 0, `javac ${args.join(' ')}: exit ${javac.code}\n${javac.stderr}`);
    return dir;
  })();
  return compiling;
}

/** Runs one group and checks exit code 0 and an `OK group.step` line for each step, in order. */
async function runGroup(server: RunningServer | undefined, group: Group): Promise<void> {
  assert.ok(server !== undefined, 'the server did not start (see the before hook)');
  const classpath = [await compiled(), ...CLASSPATH_JARS].join(':');
  const args = [
    '-Xmx256m',
    '-Djava.net.preferIPv4Stack=true',
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    '-cp',
    classpath,
    MAIN_CLASS,
    server.connectString,
    group,
  ];
  const script = await run('java', args, GROUP_TIMEOUT_MS);
  const context =
    `${MAIN_CLASS} ${server.connectString} ${group}: exit ${script.code}\n` +
    `stdout:\n${script.stdout}\nstderr (last ${STDERR_SHOWN_CHARS} chars):\n` +
    script.stderr.slice(-STDERR_SHOWN_CHARS);
  const verdicts = script.stdout
    .split('\n')
    .filter((line) => line.startsWith('OK ') || line.startsWith('FAIL '));
  const expected = GROUPS[group].map((step) => `OK ${group}.${step}`);
  assert.deepEqual(verdicts, expected, context);
  assert.equal(script.code, 0, context);
}

const skipAll = curatorSkipReason();

after(() => {
  if (classesDir !== undefined) rmSync(classesDir, { recursive: true, force: true });
});

for (const target of TARGETS) {
  const skip = skipAll ?? targetSkipReason(target);
  describe(`Apache Curator against ${target}`, { skip, timeout: 600_000 }, () => {
    let server: RunningServer | undefined;
    before(async () => {
      server = await startTarget(target, SERVER_OPTIONS);
    });
    after(async () => {
      await server?.stop();
    });

    for (const group of Object.keys(GROUPS) as Group[]) {
      it(GROUP_TITLES[group], () => runGroup(server, group));
    }
  });
}
