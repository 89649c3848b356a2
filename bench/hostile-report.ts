/** The hostile-load benchmark's figures as a Markdown table. */
import type { LoadFigures } from './hostile-measure.js';

export interface HostileRun {
  date: string;
  seconds: number;
  memoryBoundMiB: number;
  clientStallMs: number;
  results: LoadFigures[];
}

const round = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function row(r: LoadFigures): string {
  const peakRss = Math.max(...r.servers.map((s) => s.peakRssMiB));
  const peakLive = Math.max(...r.servers.map((s) => s.peakLiveMiB));
  const p999 = Math.max(...r.servers.map((s) => s.loopP999Ms));
  const loopMax = Math.max(...r.servers.map((s) => s.loopMaxMs));
  const holds = r.servers.reduce((sum, s) => sum + s.memoryHolds, 0);
  const stalled = r.servers.reduce((sum, s) => sum + s.stalledClosed, 0);
  const after = r.afterRssMiB.map((n) => round(n)).join(' / ');
  const p = r.probe;
  return (
    `| ${r.load} | ${r.scale} | ${round(r.baselineRssMiB)} | ${round(peakRss)} | ${after} | ` +
    `${round(peakLive)} | ${holds} / ${stalled} | ${round(p999, 1)} | ${round(loopMax, 1)} | ` +
    `${round(p.p50Ms, 1)} / ${round(p.p99Ms, 1)} / ${round(p.maxMs)} | ` +
    `${round(p.longestGapMs)} | ${p.acked} / ${p.lost} |`
  );
}

export function renderMarkdown(run: HostileRun): string {
  const lines = [
    `# Hostile load, ${run.date.slice(0, 10)}`,
    '',
    `warren.memoryBytesMax = ${run.memoryBoundMiB} MiB, warren.clientStallMs = ` +
      `${run.clientStallMs} ms; run took ${run.seconds} s. Produced by ` +
      '`node dist/bench/hostile-load.js` (bench/hostile-load.ts).',
    '',
    'RSS in MiB (peak over the load, sampled every 100 ms; after: 5 s after the load was ' +
      "released, per surviving member). Live: the memory bound's own measure (V8 heap in use " +
      '+ Buffers), peak. Event-loop delay over the whole load (children: over the listings, ' +
      "the fill's in its notes), from the server's " +
      '`warren_event_loop_delay_seconds` (10 ms resolution). Probe: another client doing a ' +
      'create and an exists back to back (its own process): round-trip p50 / p99 / max in ms, ' +
      'longest time without an answer, acknowledged creates / missing afterwards.',
    '',
    '| load | scale | RSS before | RSS peak | RSS after | live peak | bound holds / stalled closed | ' +
      'loop p99.9 ms | loop max ms | probe p50 / p99 / max | probe gap ms | acked / lost |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...run.results.map(row),
    '',
    '## Notes per load',
    '',
    ...run.results.map((r) => `- ${r.load}: ${JSON.stringify(r.notes)}`),
    '',
  ];
  return lines.join('\n');
}
