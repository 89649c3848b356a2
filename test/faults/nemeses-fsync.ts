/**
 * fsync errors: one member's fsync and fdatasync fail with EIO (test/support/fsync-fail-shim.c,
 * preloaded into every member, its trigger file set) while the workloads write; sometimes the
 * leader's, sometimes a follower's. docs/ensemble.md: a failed fsync stops a member with peers
 * (exit code 3), naming the file; fix the disk and restart it, it catches up from the others.
 * The restore removes the trigger, checks how the member stopped, restarts it on its data
 * folder and waits until it has caught up with the leader. A member still running after the
 * shim failed one of its log's fsyncs is a violation. Only in the catalog when the shim built.
 */
import { readFileSync, statSync } from 'node:fs';
import { shimFailures } from '../support/fsync-fail-shim.js';
import { sleep } from '../support/server-process.js';
import { currentLeader, type Nemesis, type NemesisContext, type Restore } from './nemesis.js';

const LEADER_SHARE = 0.5;
/** The member has exited by now (healFsync waited); this only reads its status. */
const EXIT_WAIT_MS = 1_000;
const CATCH_UP_MS = 60_000;
/** The member's fatal line: `fsync of <what> <path> failed (EIO)` (storage/errors.ts). */
const FSYNC_FATAL = /fsync of [^"]*?(\/[^"\s]+) failed \(EIO\)/;

function logSince(ctx: NemesisContext, id: number, offset: number): string {
  return readFileSync(ctx.ensemble.logFile(id)).subarray(offset).toString('utf8');
}

async function zxidOf(ctx: NemesisContext, id: number): Promise<bigint | undefined> {
  const zxid = (await ctx.ensemble.state(id))?.zxid;
  return zxid === undefined ? undefined : BigInt(zxid);
}

/** Restarts member `id` on its data folder and waits until it has the leader's zxid. */
async function restartAndCatchUp(ctx: NemesisContext, id: number): Promise<void> {
  ctx.ensemble.launch(id);
  const leader = await ctx.ensemble.waitForLeader(ctx.ensemble.ids, CATCH_UP_MS);
  const target = (await zxidOf(ctx, leader)) ?? 0n;
  const deadline = Date.now() + CATCH_UP_MS;
  for (;;) {
    const zxid = await zxidOf(ctx, id);
    if (zxid !== undefined && zxid >= target) {
      ctx.log(`member ${id} restarted and caught up to 0x${target.toString(16)}`);
      return;
    }
    if (Date.now() > deadline) {
      const at = zxid === undefined ? 'no answer' : `0x${zxid.toString(16)}`;
      ctx.violation(`member ${id} did not catch up to 0x${target.toString(16)} (${at})`);
      return;
    }
    await sleep(200);
  }
}

/** Checks how member `id` stopped: exit code 3, naming a file in its data folder. */
async function checkStop(ctx: NemesisContext, id: number, said: string): Promise<void> {
  const exit = await ctx.ensemble.exitWithin(id, EXIT_WAIT_MS);
  if (exit !== '3') ctx.violation(`member ${id} stopped on a failed fsync with exit ${exit}`);
  const named = FSYNC_FATAL.exec(said)?.[1];
  if (named === undefined || !named.startsWith(ctx.ensemble.dataDir(id))) {
    ctx.violation(`member ${id} stopped (exit ${exit}) without naming the file it failed to fsync`);
  } else ctx.log(`member ${id} stopped (exit ${exit}): fsync of ${named} failed`);
}

async function fsyncError(ctx: NemesisContext): Promise<Restore> {
  const leader = await currentLeader(ctx);
  const followers = ctx.ensemble.ids.filter((i) => i !== leader);
  const onLeader = leader !== undefined && ctx.prng.chance(LEADER_SHARE);
  const id = onLeader ? leader : ctx.prng.pick(followers);
  const logStart = statSync(ctx.ensemble.logFile(id)).size;
  ctx.ensemble.failFsync(id);
  ctx.fault(`fsync of member ${id}${onLeader ? ' (the leader)' : ''} fails with EIO`);
  return async () => {
    await ctx.ensemble.healFsync(id);
    const said = logSince(ctx, id, logStart);
    const failed = shimFailures(said);
    if (!ctx.ensemble.isRunning(id)) {
      await checkStop(ctx, id, said);
      await restartAndCatchUp(ctx, id);
      return;
    }
    // A snapshot that fails its fsync is dropped and the log keeps every entry: no stop.
    const fatal = failed.filter((path) => !path.includes('/raft-snapshots/'));
    if (fatal[0] !== undefined) {
      ctx.violation(`member ${id} kept running after its fsync of ${fatal[0]} failed`);
    } else {
      ctx.log(`member ${id} had nothing to fsync in its log meanwhile (cut off?) and runs on`);
    }
  };
}

export function fsyncNemeses(library: string | undefined): Nemesis[] {
  return library === undefined ? [] : [{ name: 'fsync-error', kind: 'disk', inject: fsyncError }];
}
