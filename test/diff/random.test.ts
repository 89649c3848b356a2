/**
 * Random differential test: drives Apache ZooKeeper 3.8 and the candidate server (Warren, or a
 * second ZooKeeper with WARREN_DIFF_TARGET=zookeeper) with the same seeded stream of
 * operations over four sessions each, and requires identical observable behaviour: error
 * codes, reply bodies (zxids by order, times by zero-ness, sessions by name, unordered lists
 * sorted) and the notifications each client sees between its replies. Every operation kind of
 * the client protocol appears: all create modes and opcodes, versioned deletes/setData/setACL,
 * watched reads, ACLs and digest auth, multi/multiRead, persistent watches, setWatches,
 * checkWatches/removeWatches, getEphemerals, getAllChildrenNumber, sync, whoAmI, session close
 * and re-attach. Fresh servers per seed, so a seed replays exactly; a failure prints the seed,
 * the op index, both replies and the replay command.
 *
 * Knobs: WARREN_DIFF_SEED=1,2,3 (exact seeds), WARREN_DIFF_SEEDS=n (seeds 1..n),
 * WARREN_DIFF_OPS=n (operations per seed), WARREN_DIFF_TARGET=warren|zookeeper,
 * WARREN_DIFF_STATS=1 (print how often each operation/error pair and notification occurred),
 * WARREN_DIFF_WAIVE=name,... (look past known, reported differences; see WAIVERS in
 * normalise.ts), WARREN_DIFF_WARREN_ARGS (extra arguments for `warren server`).
 */
import { test } from 'node:test';
import { Prng } from '../support/prng.js';
import { DiffHarness } from './harness.js';
import { OpGenerator, type Step } from './op-generator.js';
import { OPEN_ACL, ROOT } from './pools.js';
import { SESSION_TIMEOUT_MS, skipReason, startPair, targetEnv } from './targets.js';

const CLIENTS = 4;
const DEFAULT_SEEDS = [1, 2, 3, 4];
const DEFAULT_OPS = 3000;

function seeds(): number[] {
  const exact = process.env.WARREN_DIFF_SEED;
  if (exact !== undefined && exact !== '') return exact.split(',').map((s) => Number(s.trim()));
  const count = process.env.WARREN_DIFF_SEEDS;
  if (count !== undefined && count !== '') {
    return Array.from({ length: Number(count) }, (_, k) => k + 1);
  }
  return DEFAULT_SEEDS;
}

function opsPerSeed(): number {
  const n = process.env.WARREN_DIFF_OPS;
  return n === undefined || n === '' ? DEFAULT_OPS : Number(n);
}

async function runStep(h: DiffHarness, gen: OpGenerator, step: Step): Promise<void> {
  switch (step.kind) {
    case 'reconnect':
      await h.close(step.client);
      await h.connect(step.client);
      return;
    case 'reattach':
      await h.reattach(step.client);
      return;
    case 'setWatches':
      await h.setWatches(step.client, step.since, step);
      return;
    case 'send': {
      const result = await h.burst(step.client, step.reqs);
      for (const r of result.replies) gen.observe(r.req, r.form);
      if (result.closed) {
        // Both servers dropped the connection alike: carry on with the session on a new one.
        gen.connectionLost(step.client);
        await h.reattach(step.client, false);
      }
      return;
    }
  }
}

async function runSeed(seed: number, ops: number): Promise<void> {
  const pair = await startPair();
  const h = new DiffHarness(
    pair.reference,
    pair.candidate,
    { clients: CLIENTS, sessionTimeoutMs: SESSION_TIMEOUT_MS },
    pair.names,
  );
  const replay =
    `${targetEnv()}WARREN_DIFF_SEED=${seed} WARREN_DIFF_OPS=${ops} ` +
    'node --test dist/test/diff/random.test.js';
  const logs = `logs: ${pair.reference.logFile} ${pair.candidate.logFile}`;
  try {
    h.context = `seed ${seed}, setup\nreplay: ${replay}`;
    await h.open();
    await h.send(0, { type: 1, path: ROOT, data: null, acl: OPEN_ACL, flags: 0, ttl: -1 });
    const gen = new OpGenerator(new Prng(seed), CLIENTS, h.waivers);
    for (let k = 0; k < ops; k++) {
      h.context = `seed ${seed}, op #${k} of ${ops}\nreplay: ${replay}\n${logs}`;
      await runStep(h, gen, gen.next());
    }
    h.context = `seed ${seed}, final flush and close\nreplay: ${replay}\n${logs}`;
    await h.flushAll();
    await h.closeAll();
    if (process.env.WARREN_DIFF_STATS === '1') console.log(`seed ${seed}\n${h.stats.report()}`);
  } catch (error) {
    h.destroyAll();
    throw error;
  } finally {
    await pair.stop();
  }
}

const skip = skipReason();
for (const seed of seeds()) {
  void test(`random differential run, seed ${seed}`, { skip, timeout: 600_000 }, async () => {
    await runSeed(seed, opsPerSeed());
  });
}
