/**
 * Disk and membership nemeses: one byte of a member's newest WAL segment corrupted (it must
 * refuse to start, naming the file and offset; then it is replaced as docs/ensemble.md says),
 * a member's data folder wiped (removed from the configuration during the fault, rejoined
 * empty with `warren.join` and added back), and a follower cut off until the leader has
 * compacted past it, so it must catch up from a snapshot.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { NetnsEnsemble } from '../support/netns-ensemble.js';
import { sleep } from '../support/server-process.js';
import { currentLeader, type Nemesis, type NemesisContext, type Restore } from './nemesis.js';
import { removeMember, replaceMember } from './replace-member.js';
import { campaignClient, closeQuietly, connectWithin } from './workload.js';

const SEGMENT_HEADER_BYTES = 20;
/** A segment this short has too few records to damage one with valid records after it. */
const SEGMENT_BYTES_MIN = 512;
const REFUSE_WITHIN_MS = 20_000;
/** src/util/limits.ts raftRetainEntriesDefault: entries a leader keeps behind a snapshot. */
const RETAINED_ENTRIES = 5_000;
const BLAST_CONCURRENCY = 32;
const BLAST_DEADLINE_MS = 90_000;
const SNAPSHOT_WAIT_MS = 60_000;

/** WAL segments of member `id`, oldest first (names sort by their first zxid). */
function segments(ensemble: NetnsEnsemble, id: number): string[] {
  const dir = join(ensemble.dataDir(id), 'raft-log');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^log\.[0-9a-f]{16}$/.test(name))
    .sort((a, b) => parseInt(a.slice(4), 16) - parseInt(b.slice(4), 16))
    .map((name) => join(dir, name));
}

/** Flips one byte in the first half of the newest segment long enough; its path and offset. */
function corruptNewestSegment(ctx: NemesisContext, id: number) {
  const files = segments(ctx.ensemble, id).filter((f) => statSync(f).size >= SEGMENT_BYTES_MIN);
  const file = files[files.length - 1];
  if (file === undefined) return undefined;
  const bytes = readFileSync(file);
  // The first half: valid records follow the damage, so it cannot pass for a torn tail.
  const offset = ctx.prng.range(SEGMENT_HEADER_BYTES, Math.floor(bytes.length / 2));
  bytes[offset] = (bytes[offset] ?? 0) ^ (1 << ctx.prng.int(8));
  writeFileSync(file, bytes);
  return { file, offset };
}

async function corruptLog(ctx: NemesisContext): Promise<Restore> {
  const leader = await currentLeader(ctx);
  const id = ctx.prng.pick(ctx.ensemble.ids.filter((i) => i !== leader));
  await ctx.ensemble.signal(id, 'SIGKILL');
  const damage = corruptNewestSegment(ctx, id);
  if (damage === undefined) {
    ctx.log(`corrupt-log: member ${id} has no segment of ${SEGMENT_BYTES_MIN} bytes; restarting`);
    ctx.ensemble.launch(id);
    return () => Promise.resolve();
  }
  ctx.fault(`corrupt ${basename(damage.file)} of member ${id} at byte ${damage.offset}`);
  const logStart = statSync(ctx.ensemble.logFile(id)).size;
  ctx.ensemble.launch(id);
  const exit = await ctx.ensemble.exitWithin(id, REFUSE_WITHIN_MS);
  if (exit === undefined) {
    ctx.violation(`member ${id} started on a WAL damaged at ${damage.file}:${damage.offset}`);
  } else {
    const said = readFileSync(ctx.ensemble.logFile(id)).subarray(logStart).toString('utf8');
    const named = said.includes(basename(damage.file)) && /offset \d+/.test(said);
    if (!named) {
      ctx.violation(`member ${id} refused (exit ${exit}) without naming file and offset`);
    } else ctx.log(`member ${id} refused to start (exit ${exit}), naming file and offset`);
  }
  return () => replaceMember(ctx.ensemble, id, ctx.violation);
}

async function wipe(ctx: NemesisContext): Promise<Restore> {
  const id = ctx.prng.pick(ctx.ensemble.ids);
  await ctx.ensemble.signal(id, 'SIGKILL');
  ctx.fault(`wipe the data folder of member ${id}`);
  // The membership change runs during the other faults when it can; the restore finishes it.
  const removed = await removeMember(ctx.ensemble, id, 15_000);
  ctx.log(`member ${id} ${removed ? 'removed' : 'not yet removed'} during the fault`);
  return () => replaceMember(ctx.ensemble, id, ctx.violation);
}

async function zxidOf(ensemble: NetnsEnsemble, id: number): Promise<number | undefined> {
  const zxid = (await ensemble.state(id))?.zxid;
  return zxid === undefined ? undefined : Number(BigInt(zxid));
}

/** Writes blind setData calls until the leader is `lead` entries past member `behind`. */
async function blast(ctx: NemesisContext, behind: number, lead: number): Promise<number> {
  const client = await connectWithin(() => campaignClient(ctx.ensemble, 1, 10_000), 30_000);
  const path = `${ctx.base}/blast`;
  let written = 0;
  try {
    await client.create(path).catch(() => undefined);
    const floor = (await zxidOf(ctx.ensemble, behind)) ?? 0;
    const deadline = Date.now() + BLAST_DEADLINE_MS;
    let done = false;
    const writer = async (): Promise<void> => {
      while (!done && Date.now() < deadline) {
        await client.setData(path, 'x').then(
          () => written++,
          () => sleep(100),
        );
      }
    };
    const watcher = async (): Promise<void> => {
      while (!done && Date.now() < deadline) {
        const leader = await currentLeader(ctx, 5_000);
        const top = leader === undefined ? undefined : await zxidOf(ctx.ensemble, leader);
        if (top !== undefined && top - floor > lead) done = true;
        await sleep(500);
      }
      done = true;
    };
    await Promise.all([watcher(), ...Array.from({ length: BLAST_CONCURRENCY }, writer)]);
  } finally {
    await closeQuietly(client);
  }
  return written;
}

function snapshotCatchUp(snapCount: number) {
  return async (ctx: NemesisContext): Promise<Restore> => {
    const leader = await currentLeader(ctx);
    const id = ctx.prng.pick(ctx.ensemble.ids.filter((i) => i !== leader));
    await ctx.cluster.isolate(id);
    ctx.fault(`isolate ${id} until it needs a snapshot`);
    const logStart = statSync(ctx.ensemble.logFile(id)).size;
    // Past the retained entries and one more snapshot interval (taken at a random share).
    // Mixed with a partition, no quorum may be left to write to: that is no violation.
    await blast(ctx, id, RETAINED_ENTRIES + 2 * snapCount + 500).then(
      (written) => ctx.log(`wrote ${written} entries while ${id} was cut off`),
      (error: unknown) => ctx.log(`could not write while ${id} was cut off: ${String(error)}`),
    );
    return async () => {
      // The runner has healed the network by now.
      const deadline = Date.now() + SNAPSHOT_WAIT_MS;
      while (Date.now() < deadline) {
        const said = readFileSync(ctx.ensemble.logFile(id)).subarray(logStart).toString('utf8');
        if (said.includes('installed a snapshot')) {
          ctx.log(`member ${id} caught up from a snapshot`);
          return;
        }
        await sleep(500);
      }
      ctx.log(`member ${id} did not install a snapshot within ${SNAPSHOT_WAIT_MS} ms`);
    };
  };
}

export function diskNemeses(snapCount: number): Nemesis[] {
  return [
    { name: 'corrupt-log', kind: 'disk', inject: corruptLog },
    { name: 'wipe-member', kind: 'disk', inject: wipe },
    { name: 'snapshot-catch-up', kind: 'disk', inject: snapshotCatchUp(snapCount) },
  ];
}
