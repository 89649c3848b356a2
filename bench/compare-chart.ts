/**
 * The comparison's charts: a grouped bar chart of Warren ÷ ZooKeeper ratios per workload, drawn
 * as SVG by hand (no charting or canvas dependency), and rasterized to PNG by Debian's chromium
 * driven by puppeteer-core. PNG needs chromium on PATH (or CHROMIUM_PATH); without it the SVG is
 * still written and the caller says so.
 */
import { accessSync, constants, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { RatioRow } from './compare-report.js';

const BAR_W = 14;
const GROUP_GAP = 22;
const PLOT_H = 260;
const LEFT = 56;
const TOP = 60;
const BOTTOM = 70;
/** Ratios above this are drawn cut off at it, with their value written on top. */
const Y_MAX = 3;
const SERIES = [
  { key: 'throughput', label: 'throughput (higher is better)', color: '#2b6cb0' },
  { key: 'cpuPerOp', label: 'server CPU per op (lower is better)', color: '#dd6b20' },
  { key: 'p99', label: 'p99 latency (lower is better)', color: '#718096' },
] as const;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function ratioChartSvg(title: string, rows: readonly RatioRow[]): string {
  const groupW = SERIES.length * BAR_W + GROUP_GAP;
  const width = LEFT + rows.length * groupW + 20;
  const height = TOP + PLOT_H + BOTTOM;
  const y = (v: number): number => TOP + PLOT_H - (Math.min(v, Y_MAX) / Y_MAX) * PLOT_H;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${LEFT}" y="16" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  SERIES.forEach((s, i) => {
    const x = LEFT + i * 220;
    parts.push(`<rect x="${x}" y="24" width="10" height="10" fill="${s.color}"/>`);
    parts.push(`<text x="${x + 14}" y="33">${escape(s.label)}</text>`);
  });
  for (let v = 0; v <= Y_MAX; v += 0.5) {
    const stroke = v === 1 ? '#000' : '#ddd';
    parts.push(
      `<line x1="${LEFT}" x2="${width - 10}" y1="${y(v)}" y2="${y(v)}" stroke="${stroke}"/>`,
    );
    parts.push(`<text x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}×</text>`);
  }
  rows.forEach((row, g) => {
    const x0 = LEFT + 10 + g * groupW;
    SERIES.forEach((s, i) => {
      const v = row[s.key];
      if (!Number.isFinite(v)) return;
      const x = x0 + i * BAR_W;
      const h = TOP + PLOT_H - y(v);
      const bar = `x="${x}" y="${y(v)}" width="${BAR_W - 2}" height="${h}"`;
      parts.push(`<rect ${bar} fill="${s.color}"/>`);
      if (v > Y_MAX)
        parts.push(`<text x="${x}" y="${y(v) - 3}" font-size="9">${v.toFixed(1)}</text>`);
    });
    const cx = x0 + (SERIES.length * BAR_W) / 2;
    parts.push(
      `<text x="${cx}" y="${TOP + PLOT_H + 14}" text-anchor="end" ` +
        `transform="rotate(-35 ${cx} ${TOP + PLOT_H + 14})">${escape(row.workload)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function findChromium(): string | null {
  const given = process.env['CHROMIUM_PATH'];
  const dirs = (process.env['PATH'] ?? '').split(delimiter);
  const candidates =
    given !== undefined && given !== ''
      ? [given]
      : dirs.flatMap((d) => ['chromium', 'chromium-browser'].map((n) => join(d, n)));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here: try the next one
    }
  }
  return null;
}

/** Writes `svg` as a PNG through headless chromium; false when chromium is missing. */
export async function writePng(svg: string, path: string): Promise<boolean> {
  const executablePath = findChromium();
  if (executablePath === null) return false;
  const { launch } = await import('puppeteer-core');
  const browser = await launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const size = /width="(\d+)" height="(\d+)"/.exec(svg);
    const width = Number(size?.[1] ?? 800);
    const height = Number(size?.[2] ?? 400);
    await page.setViewport({ width, height, deviceScaleFactor: 2 });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    const png = await page.screenshot({ clip: { x: 0, y: 0, width, height }, type: 'png' });
    writeFileSync(path, png);
    return true;
  } finally {
    await browser.close();
  }
}
