/**
 * The progress line of long jobs: reports at most every interval with share, rate and time
 * left, caps the share at 99% until the end (totals may be estimates), says nothing for a
 * quick job when asked to, and reads without a total.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Progress, type ProgressReport } from '../../../src/util/progress.js';

function harness(total: number | null, quietUnderMs = 0) {
  let now = 1_000;
  const reports: ProgressReport[] = [];
  const progress = new Progress({
    label: 'snapshot',
    unit: 'nodes',
    total,
    intervalMs: 1_000,
    quietUnderMs,
    now: () => now,
    report: (r) => reports.push(r),
  });
  return { progress, reports, tick: (ms: number) => (now += ms) };
}

describe('Progress', () => {
  it('reports every interval with share, rate and time left, and a final line', () => {
    const { progress, reports, tick } = harness(1_000);
    progress.advance(100);
    assert.equal(reports.length, 0, 'nothing before the first interval');
    tick(1_000);
    progress.advance(100);
    assert.equal(reports.length, 1);
    const first = reports[0] as ProgressReport;
    assert.equal(first.percent, 20);
    assert.equal(first.perSecond, 200);
    assert.equal(first.leftS, 4);
    assert.equal(
      first.text,
      'snapshot: 20% (200 nodes of 1000 nodes), 200 nodes/s, about 4 s left',
    );
    tick(500);
    progress.advance(100);
    assert.equal(reports.length, 1, 'at most one report per interval');
    tick(1_500);
    progress.finish();
    const last = reports.at(-1) as ProgressReport;
    assert.equal(last.final, true);
    assert.equal(last.percent, 100);
    assert.match(
      last.text,
      /^snapshot: 100% \(300 nodes of 1000 nodes\), 100 nodes\/s, in 3\.0 s$/,
    );
  });

  it('caps the share at 99% until the end when the total was an estimate', () => {
    const { progress, reports, tick } = harness(100);
    tick(1_000);
    progress.set(150);
    assert.equal(reports[0]?.percent, 99);
    assert.equal(reports[0]?.leftS, 0);
  });

  it('says nothing at all for a job quicker than quietUnderMs', () => {
    const quick = harness(10, 5_000);
    quick.tick(1_500);
    quick.progress.advance(10);
    quick.progress.finish();
    assert.deepEqual(quick.reports, []);
    const slow = harness(10, 5_000);
    slow.tick(6_000);
    slow.progress.advance(5);
    slow.progress.finish();
    assert.equal(slow.reports.length, 2);
  });

  it('reads without a total, and in bytes', () => {
    const { progress, reports, tick } = harness(null);
    tick(2_000);
    progress.advance(10);
    assert.equal(reports[0]?.percent, null);
    assert.equal(reports[0]?.text, 'snapshot: (10 nodes), 5 nodes/s, 2 s so far');
    const bytes = new Progress({
      label: 'recovery',
      unit: 'bytes',
      total: 4 * 1024 * 1024,
      now: () => 0,
      report: (r) => reports.push(r),
    });
    bytes.advance(1024 * 1024);
    bytes.finish();
    assert.match(reports.at(-1)?.text ?? '', /^recovery: 100% \(1\.0 MiB of 4\.0 MiB\), /);
  });
});
