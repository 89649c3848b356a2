/**
 * Catch-up checks: a member has caught up when its `srvr` Zxid and node count equal the
 * leader's (writes stopped first). Polled with a deadline, as catching up takes a moment.
 */
import type { Ensemble } from '../../support/ensemble-proc.js';
import { sleep } from '../../support/server-process.js';

export interface SrvrView {
  mode: string;
  zxid: string;
  nodes: number;
}

/** Mode, Zxid and node count from a member's `srvr`. */
export async function srvrView(ensemble: Ensemble, id: number): Promise<SrvrView> {
  const text = await ensemble.srvr(id);
  const field = (name: string): string => {
    const match = new RegExp(`^${name}: (.*)$`, 'm').exec(text);
    if (match === null) throw new Error(`server ${id}: no '${name}' in srvr:\n${text}`);
    return (match[1] ?? '').trim();
  };
  return { mode: field('Mode'), zxid: field('Zxid'), nodes: Number(field('Node count')) };
}

/**
 * Waits until every running member reports the same Zxid and node count; returns them by id.
 */
export async function waitConverged(
  ensemble: Ensemble,
  timeoutMs = 30_000,
): Promise<Map<number, SrvrView>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = ensemble.servers.filter((s) => s.state === 'running');
    const views = new Map<number, SrvrView>();
    let reason = '';
    for (const s of running) {
      try {
        views.set(s.id, await srvrView(ensemble, s.id));
      } catch (error) {
        reason = `server ${s.id}: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    const distinct = new Set([...views.values()].map((v) => `${v.zxid}/${v.nodes}`));
    if (reason === '' && distinct.size === 1) return views;
    if (Date.now() > deadline) {
      const seen = [...views].map(([id, v]) => `${id}: ${v.zxid} ${v.nodes} nodes`).join(', ');
      throw new Error(`members did not converge in ${timeoutMs} ms: ${seen} ${reason}`);
    }
    await sleep(100);
  }
}
