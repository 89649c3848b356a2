/** The dashboard's logged-in sessions: capped, idle ones closed, CSRF tokens compared. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Login } from '../../../src/dashboard/dashboard-login.js';
import { dashboardIdleMs } from '../../../src/dashboard/dashboard-limits.js';
import { csrfMatches, DashboardSessions } from '../../../src/dashboard/dashboard-sessions.js';

/** A login whose client only records that it was closed, and its identity ticket released. */
function fakeLogin(): { login: Login; closed: () => boolean; released: () => boolean } {
  let closed = false;
  let released = false;
  const client = {
    on: () => client,
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
  const release = () => {
    released = true;
  };
  const login = { client, scheme: 'world', ids: [], release } as unknown as Login;
  return { login, closed: () => closed, released: () => released };
}

describe('dashboard sessions', () => {
  it('are capped and found by their token', async () => {
    const sessions = new DashboardSessions(2);
    const a = sessions.add(fakeLogin().login);
    sessions.add(fakeLogin().login);
    assert.equal(sessions.full, true);
    assert.equal(sessions.find(a.id), a.session);
    assert.equal(sessions.find('not-a-token'), undefined);
    assert.equal(sessions.find(undefined), undefined);
    assert.notEqual(a.id, a.session.csrf);
    await sessions.closeAll();
    assert.equal(sessions.size, 0);
  });

  it('close an idle session when it is next used', async () => {
    let now = 1_000;
    const sessions = new DashboardSessions(4, () => now);
    const fake = fakeLogin();
    const { id } = sessions.add(fake.login);
    now += dashboardIdleMs - 1;
    assert.ok(sessions.find(id) !== undefined, 'used in time: kept and refreshed');
    now += dashboardIdleMs + 1;
    assert.equal(sessions.find(id), undefined);
    await sessions.closeAll();
    assert.equal(fake.closed(), true);
    assert.equal(fake.released(), true, 'its identity ticket is given back');
  });

  it('accept only the exact CSRF token', async () => {
    const sessions = new DashboardSessions(1);
    const { session } = sessions.add(fakeLogin().login);
    assert.equal(csrfMatches(session, session.csrf), true);
    assert.equal(csrfMatches(session, session.csrf.slice(1)), false);
    assert.equal(csrfMatches(session, undefined), false);
    assert.equal(csrfMatches(session, [session.csrf]), false);
    await sessions.closeAll();
  });
});
