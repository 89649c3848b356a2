/** warren.dashboard.*: off by default, read, and refused out of range. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig, parseZooCfg } from '../../../src/config/config.js';

const parse = (text: string) => parseZooCfg(text, 'zoo.cfg');

describe('dashboard settings', () => {
  it('are off by default', () => {
    const config = defaultConfig();
    assert.equal(config.dashboardEnabled, false);
    assert.equal(config.dashboardSessionsMax, 8);
  });

  it('are read without warnings', () => {
    const { config, warnings } = parse(
      'admin.enableServer=true\nwarren.dashboard.enable=true\nwarren.dashboard.sessionsMax=3\n',
    );
    assert.deepEqual(warnings, []);
    assert.equal(config.dashboardEnabled, true);
    assert.equal(config.dashboardSessionsMax, 3);
  });

  it('refuses a session cap out of 1..256', () => {
    for (const value of ['0', '257', 'many']) {
      assert.throws(
        () => parse(`warren.dashboard.sessionsMax=${value}\n`),
        /warren\.dashboard\.sessionsMax/,
      );
    }
    assert.throws(() => parse('warren.dashboard.enable=maybe\n'), /warren\.dashboard\.enable/);
  });
});
