/**
 * A probe to load into a server with `--import` (WARREN_SERVER_NODE_ARGS="--import
 * dist/bench/loop-gaps.js" for the servers a bench starts): a 1 ms timer records every gap of
 * the event loop over 20 ms with the process CPU spent in it, and every GC pause over 10 ms;
 * written at exit to $LOOP_GAPS_DIR (default /tmp)/loop-gaps-<pid>.json as
 * { t0, gaps: [startUs, endUs, wallMs, cpuMs][], gcs: [startMs, ms, kind][] }.
 * On a machine shared with other work, wall time says how busy the machine was, CPU time what
 * the server itself did in one stretch.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';

const gaps: number[][] = [];
const gcs: number[][] = [];
const t0 = Number(process.hrtime.bigint() / 1000n);
let last = process.hrtime.bigint();
let lastCpu = process.cpuUsage();
setInterval(() => {
  const now = process.hrtime.bigint();
  const wallMs = Number(now - last) / 1e6;
  if (wallMs > 20) {
    const cpu = process.cpuUsage(lastCpu);
    const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
    gaps.push([Number(last / 1000n), Number(now / 1000n), Math.round(wallMs), cpuMs]);
  }
  last = now;
  lastCpu = process.cpuUsage();
}, 1).unref();
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as { detail?: { kind?: number } }).detail?.kind ?? 0;
    if (e.duration > 10) gcs.push([Math.round(e.startTime), Math.round(e.duration), kind]);
  }
}).observe({ entryTypes: ['gc'] });
process.on('exit', () => {
  const dir = process.env['LOOP_GAPS_DIR'] ?? '/tmp';
  writeFileSync(join(dir, `loop-gaps-${process.pid}.json`), JSON.stringify({ t0, gaps, gcs }));
});
