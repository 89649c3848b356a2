/**
 * The dashboard in a real browser: headless Chromium (Debian's package, driven by
 * puppeteer-core) logs in to member 1 of a 3-member ensemble, browses, creates, edits (and
 * meets BadVersion after a change behind its back), deletes, opens the cluster view and the
 * live charts; a second user meets noAuth on the first one's node. Each step's screenshot is
 * written to test-results/dashboard/ (or $WARREN_TEST_RESULTS) and looked at: DOM state, and
 * pixels of the badges and charts.
 * Skips, saying why, when Chromium is not installed.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { findChromium } from '../support/chromium.js';
import { base64, DashboardHttp } from '../support/dashboard-http.js';
import { Ensemble } from '../support/ensemble-proc.js';
import { colourCount, countColour, decodePng } from '../support/png.js';
import { freePort, LOOPBACK_HOST } from '../support/ports.js';

const chromium = findChromium();
const SKIP = chromium === null ? 'chromium is not installed (apt-get install chromium)' : false;
if (SKIP !== false) console.log(`# dashboard browser test skipped: ${SKIP}`);

/** dist/test/ensemble → the repository's test-results/dashboard. */
const RESULTS =
  process.env['WARREN_TEST_RESULTS'] ??
  fileURLToPath(new URL('../../../test-results/dashboard/', import.meta.url));

const OK_GREEN = '#2e7d32';
const THROUGHPUT_BLUE = '#1f77b4';

describe('the dashboard in Chromium', { skip: SKIP }, () => {
  let ensemble: Ensemble;
  let browser: Browser;
  let page: Page;
  let base: string;

  before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    const adminPort = await freePort();
    base = `http://${LOOPBACK_HOST}:${adminPort}`;
    ensemble = await Ensemble.start({
      size: 3,
      memberConfig: (id): Record<string, string> =>
        id !== 1
          ? {}
          : {
              'admin.enableServer': 'true',
              'admin.serverAddress': LOOPBACK_HOST,
              'admin.serverPort': String(adminPort),
              'warren.dashboard.enable': 'true',
            },
    });
    browser = await puppeteer.launch({
      executablePath: chromium ?? '',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 860 });
  });
  after(async () => {
    await browser?.close();
    await ensemble?.stopAll();
  });

  /** Saves a screenshot of the page (or one element) and returns its pixels. */
  async function shot(name: string, selector?: string) {
    const target = selector === undefined ? page : await page.$(selector);
    assert.ok(target !== null, `no ${selector}`);
    const png = await target.screenshot({ type: 'png' });
    writeFileSync(join(RESULTS, `${name}.png`), png);
    return decodePng(png);
  }

  /** Evaluates a DOM expression in the page (this file's TypeScript has no DOM types). */
  async function inPage<T>(expression: string): Promise<T> {
    const value: unknown = await page.evaluate(expression);
    return value as T;
  }

  const text = (selector: string) =>
    inPage<string>(`document.querySelector(${JSON.stringify(selector)}).textContent`);

  async function setValue(selector: string, value: string): Promise<void> {
    await page.evaluate(
      `document.querySelector(${JSON.stringify(selector)}).value = ${JSON.stringify(value)}`,
    );
  }

  async function confirmDialog(expected: RegExp): Promise<void> {
    await page.waitForSelector('#confirm:not([hidden])');
    assert.match(await text('#confirm-text'), expected);
    await page.click('#confirm-ok');
  }

  async function messageMatching(pattern: RegExp): Promise<string> {
    // Run in the page, which has a DOM (this file's TypeScript has none).
    const test = `new RegExp(${JSON.stringify(pattern.source)}).test(
      document.getElementById('message').textContent)`;
    await page.waitForFunction(test, { timeout: 10_000 });
    return text('#message');
  }

  it('logs in, creates, views, edits, meets BadVersion and deletes a node', async () => {
    await page.goto(`${base}/dashboard/`);
    await page.waitForSelector('#login-form');
    await shot('01-login');
    await page.type('#login-user', 'alice');
    await page.type('#login-password', 'alice-pw');
    await page.click('#login-submit');
    await page.waitForSelector('#main:not([hidden])');
    const loginShown = await page.evaluate(
      "getComputedStyle(document.getElementById('login')).display",
    );
    assert.equal(loginShown, 'none', 'the login form goes once logged in');
    assert.match(await text('#identity'), /digest:alice/);
    assert.equal(await text('#node-path'), '/');
    // The root's children (zookeeper at least) arrive after the page shows.
    await page.waitForFunction("document.querySelectorAll('#children li').length >= 1");

    await page.type('#create-name', 'dash');
    await page.type('#create-data', '{"a":1,"b":[true,null]}');
    await page.click('#create-submit');
    await confirmDialog(/Create \/dash\?/);
    await messageMatching(/Created \/dash/);
    assert.equal(await text('#node-path'), '/dash');
    await page.select('#format', 'json');
    assert.match(await text('#data'), /"a": 1,\n {2}"b": \[/);
    await page.select('#format', 'hex');
    assert.match(await text('#data'), /^00000000 {2}7b 22 61 22/);
    await page.select('#format', 'text');
    assert.match(await text('#stat'), /version0/);
    assert.match(await text('#acl'), /world:anyonerwcda/);
    await shot('02-node');

    await page.click('#edit');
    await setValue('#edit-data', 'edited in the browser');
    await page.click('#edit-save');
    await confirmDialog(/version 0/);
    await messageMatching(/Saved \/dash: now version 1/);
    assert.equal(await text('#data'), 'edited in the browser');

    // Someone else changes the node; the page still holds version 1.
    const other = new DashboardHttp(base);
    assert.equal((await other.login('world', '', '')).status, 200);
    const behind = await other.call('PUT', 'node', {
      body: { path: '/dash', data: base64('changed elsewhere'), version: 1 },
    });
    assert.equal(behind.status, 200);
    await other.call('POST', 'logout');
    await page.click('#edit');
    await setValue('#edit-data', 'would overwrite');
    await page.click('#edit-save');
    await confirmDialog(/version 1/);
    await messageMatching(/badVersion/);
    assert.equal(await inPage<string>("document.getElementById('message').className"), 'error');
    const stale = await shot('03-bad-version', '#message');
    assert.ok(countColour(stale, '#fbe3e1', 8) > stale.width * 10, 'the error is shown in red');

    await page.click('#refresh');
    await page.waitForFunction(
      "document.getElementById('data').textContent === 'changed elsewhere'",
    );
    await page.click('#delete');
    await confirmDialog(/Delete \/dash \(version 2\)/);
    await messageMatching(/Deleted \/dash/);
    assert.equal(await text('#node-path'), '/');
    const names = await inPage<string[]>(
      "[...document.querySelectorAll('#children li')].map((li) => li.textContent)",
    );
    assert.ok(!names.includes('dash'));
  });

  it('applies ACLs as the logged-in user: another user gets noAuth', async () => {
    await page.type('#create-name', 'private');
    await page.type('#create-data', 'alice only');
    await page.select('#create-acl', 'creator');
    await page.click('#create-submit');
    await confirmDialog(/Create \/private\?/);
    await messageMatching(/Created \/private/);
    assert.match(await text('#acl'), /digest:alice:/);
    await page.click('#logout');
    await page.waitForSelector('#login:not([hidden])');
    await setValue('#login-user', 'bob');
    await page.type('#login-password', 'bob-pw');
    await page.click('#login-submit');
    await page.waitForSelector('#main:not([hidden])');
    assert.match(await text('#identity'), /digest:bob/);
    await setValue('#path-input', '/private');
    await page.focus('#path-input');
    await page.keyboard.press('Enter');
    await messageMatching(/^noAuth/);
    await shot('04-no-auth', '#message');
  });

  it('shows the three members of the ensemble in the cluster view', async () => {
    await page.click('#tabs button[data-tab="cluster"]');
    await page.waitForSelector('#cluster-table[data-loaded="3"]', { timeout: 15_000 });
    await page.waitForFunction(
      "document.querySelectorAll('#cluster-table .health.ok').length === 3",
      { timeout: 15_000 },
    );
    const rows = await inPage<string[][]>(
      `[...document.querySelectorAll('#cluster-table tbody tr')]
        .map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent))`,
    );
    assert.equal(rows.length, 3);
    assert.equal(rows.filter((row) => row[2] === 'leader').length, 1);
    assert.equal(rows.filter((row) => row[2] === 'follower').length, 2);
    assert.match(rows[0]?.[0] ?? '', /1 \(this\)/);
    assert.ok(rows.every((row) => /^127\.0\.0\.1:\d+$/.test(row[6] ?? '')));
    assert.ok(
      rows.every((row) => /^\d+$/.test(row[4] ?? '')),
      'every member has a lag',
    );
    const table = await shot('05-cluster', '#cluster-table');
    // Three green "ok" badges, each a few hundred pixels.
    assert.ok(countColour(table, OK_GREEN) > 3 * 150, 'green health badges');
    await shot('06-cluster-page');
  });

  it('lists sessions and draws live charts', async () => {
    await page.click('#tabs button[data-tab="sessions"]');
    await page.waitForFunction("document.querySelectorAll('#sessions-table tbody tr').length >= 1");
    await shot('07-sessions');
    // Some traffic for the throughput chart, then a few seconds of samples.
    const user = new DashboardHttp(base);
    await user.login('world', '', '');
    await page.click('#tabs button[data-tab="charts"]');
    for (let i = 0; i < 40; i++) await user.call('GET', 'node', { query: { path: '/' } });
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    await user.call('POST', 'logout');
    const chart = await shot('08-throughput', '#chart-throughput');
    assert.ok(colourCount(chart) > 3, 'the chart is not blank');
    assert.ok(countColour(chart, THROUGHPUT_BLUE, 40) > 20, 'a throughput line is drawn');
    const latency = await shot('09-latency', '#chart-latency');
    assert.ok(countColour(latency, '#d62728', 40) > 20, 'a latency line is drawn');
    const memory = await shot('09-memory', '#chart-memory');
    assert.ok(countColour(memory, '#2ca02c', 40) > 20, 'a memory line is drawn');
    await shot('10-charts-page');
  });
});
