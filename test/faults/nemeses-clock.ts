/**
 * Clock jumps: one or two members' wall clocks jump (libfaketime, in the ensemble's clock
 * files) by seconds to hours, forwards or backwards, and jump back at the restore. Members
 * read Date for session expiry and znode times; their monotonic clock (timers) is left alone,
 * as a real NTP step leaves it. Only in the catalog when libfaketime is installed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { shuffled, type Nemesis, type NemesisContext, type Restore } from './nemesis.js';

const OFFSETS = ['+30s', '-30s', '+5m', '-5m', '+2h', '-2h', '+1d'];

/** libfaketime's library, found in the usual multiarch folders; undefined when absent. */
export function faketimeLibrary(): string | undefined {
  const lib = '/usr/lib';
  if (!existsSync(lib)) return undefined;
  for (const folder of ['', ...readdirSync(lib)]) {
    const candidate = join(lib, folder, 'faketime', 'libfaketime.so.1');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function clockJump(ctx: NemesisContext): Promise<Restore> {
  const ids = shuffled(ctx.prng, ctx.ensemble.ids).slice(0, ctx.prng.range(1, 2));
  for (const id of ids) {
    const offset = ctx.prng.pick(OFFSETS);
    ctx.ensemble.setClockOffset(id, offset);
    ctx.fault(`clock of ${id} jumps ${offset}`);
  }
  return Promise.resolve(() => {
    for (const id of ids) ctx.ensemble.setClockOffset(id, '+0');
    return Promise.resolve();
  });
}

export function clockNemeses(): Nemesis[] {
  return faketimeLibrary() === undefined
    ? []
    : [{ name: 'clock-jump', kind: 'process', inject: clockJump }];
}
