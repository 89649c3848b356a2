/**
 * The sync phase's loop: every syncIntervalMs the paths the watch named are replayed, until
 * the cut-over signal aborts (never entered with --once).
 */
import type { MigrateContext } from './context.js';
import type { DirtyPaths } from './dirty-paths.js';
import type { MigrateOptions } from './migrate.js';
import { replayDirty } from './phases.js';
import type { SourceWatch } from './source-watch.js';

type SyncOptions = Pick<
  MigrateOptions,
  'until' | 'logger' | 'syncIntervalMs' | 'concurrency' | 'progress'
>;

export async function syncUntil(
  opts: SyncOptions,
  ctx: MigrateContext,
  dirty: DirtyPaths,
  watch: SourceWatch,
): Promise<number> {
  const until = opts.until;
  if (until === null) return 0;
  opts.logger.info('in sync: replaying changes until SIGINT or SIGTERM (cut-over)');
  let replayed = 0;
  while (!until.aborted) {
    await pause(opts.syncIntervalMs, until);
    watch.check();
    const n = await replayDirty(ctx, dirty, opts.concurrency);
    replayed += n;
    if (n > 0) opts.progress(`sync: ${n} paths replayed (${ctx.report.events} events so far)`);
  }
  opts.logger.info('cut-over: replaying the last changes, then verifying');
  return replayed;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
