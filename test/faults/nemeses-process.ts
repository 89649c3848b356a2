/**
 * Process nemeses: SIGKILL of a minority (restarted on their data folders), SIGKILL of every
 * member at once (all restarted: nothing acknowledged may be lost), and SIGSTOP of the leader
 * for longer than both the election timeout and the clients' session timeouts (then SIGCONT:
 * it must step down and rejoin, and its stale leadership must have served nothing).
 */
import { sleep } from '../support/server-process.js';
import {
  currentLeader,
  shuffled,
  type Nemesis,
  type NemesisContext,
  type Restore,
} from './nemesis.js';

/** Longer than the longest session timeout the workloads ask for (10 s). */
const PAUSE_MS = 12_000;

function restartAll(ctx: NemesisContext, ids: readonly number[]): Restore {
  return async () => {
    for (const id of ids) if (!ctx.ensemble.isRunning(id)) ctx.ensemble.launch(id);
    await ctx.ensemble.waitForLeader(ctx.ensemble.ids, 60_000);
  };
}

async function killMinority(ctx: NemesisContext): Promise<Restore> {
  const count = ctx.prng.range(1, Math.floor(ctx.ensemble.ids.length / 2));
  const victims = shuffled(ctx.prng, ctx.ensemble.ids).slice(0, count);
  await Promise.all(victims.map((id) => ctx.ensemble.signal(id, 'SIGKILL')));
  ctx.fault(`SIGKILL ${victims.join(',')}`);
  return restartAll(ctx, victims);
}

async function killAll(ctx: NemesisContext): Promise<Restore> {
  const ids = ctx.ensemble.ids;
  await Promise.all(ids.map((id) => ctx.ensemble.signal(id, 'SIGKILL')));
  ctx.fault(`SIGKILL all ${ids.join(',')}`);
  return restartAll(ctx, ids);
}

async function pauseLeader(ctx: NemesisContext): Promise<Restore> {
  const leader = await currentLeader(ctx);
  if (leader === undefined) {
    ctx.log('pause-leader: no leader to pause');
    return () => Promise.resolve();
  }
  await ctx.ensemble.signal(leader, 'SIGSTOP');
  ctx.fault(`SIGSTOP leader ${leader} for ${PAUSE_MS} ms`);
  const resume = () => ctx.ensemble.signal(leader, 'SIGCONT');
  await sleep(PAUSE_MS);
  return resume;
}

export function processNemeses(): Nemesis[] {
  return [
    { name: 'kill-minority', kind: 'process', inject: killMinority },
    { name: 'kill-all', kind: 'process', inject: killAll },
    { name: 'pause-leader', kind: 'process', inject: pauseLeader },
  ];
}
